import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ConflictEmulator, installConflictEmulator } from '../../../test/fixtures/conflict-emulator.ts';
import { createTestTable } from '../../../test/fixtures/test-table.ts';
import {
  attachPolicy,
  deleteManagedPolicy,
  detachPolicy,
  getManagedPolicy,
  listAttachedPolicies,
  type ManagedPolicyRecord,
  type PrincipalKind,
  policyAttachmentPrefix,
  putNewAccount,
  putNewManagedPolicy,
  putNewPrincipal,
  queryWholePartition,
  readPolicyUses,
  type StoreContext,
} from '../src/index.ts';
import { entityNameKey, entityPartition, policyRecordKey } from '../src/keys.ts';

let store: StoreContext;
let emulator: ConflictEmulator | undefined;
beforeAll(async () => {
  store = await createTestTable('policy-uses');
});
afterEach(() => {
  emulator?.uninstall();
  emulator = undefined;
});

const createdAt = '2026-12-08T10:00:00.000Z';
let nextAccount = 510000000000;

async function newAccount(): Promise<string> {
  const accountId = String(nextAccount++);
  const created = await putNewAccount(store, { accountId, alias: `uses-${accountId}`, createdAt });
  if (!created.ok) throw new Error(created.message);
  return accountId;
}

const idOf = (prefix: string, name: string) =>
  `${prefix}${name
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .padEnd(17, 'X')}`;

function principal(accountId: string, kind: PrincipalKind, name: string) {
  return {
    kind,
    accountId,
    name,
    path: '/',
    id: idOf({ user: 'AIDA', group: 'AGPA', role: 'AROA' }[kind], name),
    arn: `arn:aws:iam::${accountId}:${kind}/${name}`,
    createdAt,
    tags: [],
  };
}

async function newPolicy(accountId: string, name: string): Promise<ManagedPolicyRecord> {
  const created = await putNewManagedPolicy(
    store,
    {
      accountId,
      name,
      path: '/',
      id: idOf('ANPA', name),
      arn: `arn:aws:iam::${accountId}:policy/${name}`,
      createdAt,
      tags: [],
    },
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
    1500,
  );
  if (!created.ok) throw new Error(created.message);
  return created.value;
}

const attachmentOf = (policy: ManagedPolicyRecord) => ({ policyArn: policy.arn, policyName: policy.name });

describe('policy use counts', () => {
  it('attaches one customer policy to 48 principals at once without a conflict, counting every attachment', async () => {
    const accountId = await newAccount();
    const policy = await newPolicy(accountId, 'shared');
    const targets = Array.from({ length: 48 }, (_, i) =>
      principal(accountId, (['user', 'group', 'role'] as const)[i % 3] ?? 'user', `p${i}`),
    );
    for (const target of targets) await putNewPrincipal(store, target, 5000);
    emulator = installConflictEmulator(store.dynamodb, { holdMs: 3 });
    const attached = await Promise.all(
      targets.map((target) => attachPolicy(store, target, attachmentOf(policy), policy, 10)),
    );
    expect(attached.filter((result) => !result.ok)).toEqual([]);
    expect(emulator.conflictsByItem()).toEqual([]);
    expect(await readPolicyUses(store, policy)).toEqual({ attachments: 48, boundaries: 0 });
    const detached = await Promise.all(
      targets.slice(0, 20).map((target) => detachPolicy(store, target, policy.arn, policy)),
    );
    expect(detached.filter((result) => !result.ok)).toEqual([]);
    expect(emulator.conflictsByItem()).toEqual([]);
    expect(await readPolicyUses(store, policy)).toEqual({ attachments: 28, boundaries: 0 });
  }, 60_000);

  it('never writes the policy record or its name item when attaching and detaching', async () => {
    const accountId = await newAccount();
    const policy = await newPolicy(accountId, 'untouched');
    const user = principal(accountId, 'user', 'toucher');
    await putNewPrincipal(store, user, 5000);
    const items = () =>
      Promise.all(
        [policyRecordKey(accountId, policy.id), entityNameKey(accountId, 'POLICY', policy.name)].map(
          async (Key) =>
            (
              await store.documents.send(
                new GetCommand({ TableName: store.tableName, Key, ConsistentRead: true }),
              )
            ).Item,
        ),
      );
    const before = await items();
    expect(before.map((item) => item?.id)).toEqual([policy.id, policy.id]);
    expect((await attachPolicy(store, user, attachmentOf(policy), policy, 10)).ok).toBe(true);
    expect(await items()).toEqual(before);
    expect((await detachPolicy(store, user, policy.arn, policy)).ok).toBe(true);
    expect(await items()).toEqual(before);
  });

  it('refuses to delete an attached policy, and lets an attachment and a deletion never both win', async () => {
    const accountId = await newAccount();
    const user = principal(accountId, 'user', 'racer');
    await putNewPrincipal(store, user, 5000);
    const kept = await newPolicy(accountId, 'kept');
    expect((await attachPolicy(store, user, attachmentOf(kept), kept, 10)).ok).toBe(true);
    expect(await deleteManagedPolicy(store, kept)).toEqual({
      ok: false,
      code: 'entity.delete-conflict',
      message: 'Cannot delete a policy attached to entities or in use as a permissions boundary.',
    });

    let outcomes = new Set<string>();
    for (let round = 0; round < 8; round++) {
      const raced = await newPolicy(accountId, `race${round}`);
      emulator = installConflictEmulator(store.dynamodb, { holdMs: 3 });
      const [deleted, attached] = await Promise.all([
        deleteManagedPolicy(store, raced),
        attachPolicy(store, user, attachmentOf(raced), raced, 10),
      ]);
      emulator.uninstall();
      emulator = undefined;
      expect(deleted.ok && attached.ok).toBe(false);
      outcomes = new Set([...outcomes, deleted.ok ? 'deleted' : 'attached']);
      const onUser = (await listAttachedPolicies(store, user)).map((a) => a.policyArn);
      const reverse = await queryWholePartition(
        store,
        entityPartition(accountId, 'POLICY', raced.id),
        policyAttachmentPrefix,
      );
      if (deleted.ok) {
        // The policy is gone: nothing may still point at it from either side.
        expect(attached).toMatchObject({ ok: false, code: 'entity.not-found' });
        expect(await getManagedPolicy(store, accountId, raced.name)).toBeUndefined();
        expect(onUser).not.toContain(raced.arn);
        expect(reverse).toEqual([]);
      } else {
        expect(deleted).toMatchObject({ ok: false, code: 'entity.delete-conflict' });
        expect(onUser).toContain(raced.arn);
        expect(reverse).toHaveLength(1);
        expect(await readPolicyUses(store, raced)).toEqual({ attachments: 1, boundaries: 0 });
        expect((await deleteManagedPolicy(store, raced)).ok).toBe(false);
      }
    }
    expect(outcomes.size).toBeGreaterThan(0);
  }, 60_000);
});
