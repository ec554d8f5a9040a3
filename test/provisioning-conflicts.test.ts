import { iamOperations } from '@palisade/iam';
import { rootCaller } from '@palisade/principals';
import {
  auditPartition,
  createStoreContext,
  ensureTable,
  putNewAccount,
  queryWholePartition,
} from '@palisade/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, startDynamoDbLocal } from '../scripts/dynamodb-local.ts';
import { type ConflictEmulator, installConflictEmulator } from './fixtures/conflict-emulator.ts';
import { createIamTestContext } from './fixtures/iam-context.ts';
import {
  oneUserControlPhase,
  type PhaseResult,
  type ProvisioningHarness,
  runProvisioningPhases,
} from './fixtures/provisioning-phases.ts';
import { TEST_CHANGE_ORIGIN } from './fixtures/test-table.ts';

const accountId = '700000000001';
let harness: ProvisioningHarness;
let emulator: ConflictEmulator;
let phases: PhaseResult[];

let local: DynamoDbLocal | undefined;

beforeAll(async () => {
  const now = () => new Date('2026-12-07T12:00:00.000Z');
  // Its own DynamoDB Local: 200 calls at once are what this test measures, and one DynamoDB Local
  // serves every table from one store, so beside the rest of the suite it would time out (and
  // time the suite out). Retries and a long timeout still absorb a slow JVM on a shared machine;
  // the SDK never retries a TransactionConflict, so they hide no conflict.
  local = await startDynamoDbLocal();
  const store = createStoreContext({
    tableName: 'provisioning',
    endpoint: local.endpoint,
    requestTimeoutMs: 20_000,
    maxAttempts: 6,
    systemOrigin: TEST_CHANGE_ORIGIN,
  });
  await ensureTable(store);
  const iam = { ...(await createIamTestContext('provisioning', now)), store };
  const created = await putNewAccount(iam.store, {
    accountId,
    alias: 'provisioning',
    createdAt: now().toISOString(),
  });
  if (!created.ok) throw new Error(created.message);
  emulator = installConflictEmulator(iam.store.dynamodb, { holdMs: 5 });
  harness = {
    ops: iamOperations(iam),
    caller: rootCaller('aws', accountId),
    store: iam.store,
    accountId,
    quotas: iam.quotas,
    emulator,
    concurrency: 200,
    groups: 10,
  };
  phases = await runProvisioningPhases(harness);
}, 300_000);

afterAll(async () => {
  emulator?.uninstall();
  await local?.stop();
});

describe('the store under provisioning load (TransactionConflict emulated)', () => {
  it.each([0, 1, 2, 3])(
    'runs phase %i with every call succeeding, zero conflicts and every invariant met',
    (index) => {
      const phase = phases[index] as PhaseResult;
      expect({ phase: phase.name, failed: phase.outcomes.filter((outcome) => outcome !== 'ok') }).toEqual({
        phase: phase.name,
        failed: [],
      });
      expect(phase.conflicts).toEqual([]);
      expect(phase.checks.filter((check) => !check.met)).toEqual([]);
    },
  );

  it('attaches one customer policy to every user without writing a common item', () => {
    const phase = phases[3] as PhaseResult;
    expect(phase.name).toMatch(/^AttachUserPolicy ×200 of one policy/);
    expect(phase.outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(200);
  });

  it("files one audit event per successful call of the phases, in the account's trail", async () => {
    const events = await queryWholePartition(harness.store, auditPartition({ accountId }));
    const succeeded = phases.reduce((sum, phase) => sum + phase.outcomes.filter((o) => o === 'ok').length, 0);
    expect(succeeded).toBeGreaterThanOrEqual(800);
    // The phases' calls, plus their set-up calls (the groups, the policy), each filed once.
    const phaseNames = new Set(['CreateUser', 'AddUserToGroup', 'PutUserPolicy', 'AttachUserPolicy']);
    const phaseEvents = events.filter((item) => phaseNames.has(JSON.parse(String(item.event)).eventName));
    expect(phaseEvents).toHaveLength(succeeded);
  });

  it('sees the conflicts of writers sharing an item (one user tagged by every call), losing nothing', async () => {
    const control = await oneUserControlPhase(harness);
    expect(control.conflicts.length).toBeGreaterThan(0);
    expect(control.conflicts.map((item) => item.sk)).toContain('USER');
    expect(control.checks.filter((check) => !check.met)).toEqual([]);
  }, 300_000);
});
