/**
 * Decisions about a role session named by its ARN, in-process on DynamoDB Local: round trips,
 * the freshness of the session list, the pinned clock, the account state and fail-closed reads.
 */
import { type IamContext, type IamOperations, iamOperations, tenantAccountOperations } from '@palisade/iam';
import { operatorCaller, rootCaller } from '@palisade/principals';
import { getAccount, type StoreContext, type StsSessionRecord, setAccountStatus } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { onEverySend } from '../../../test/fixtures/store-sends.ts';
import { createMissingTableStore } from '../../../test/fixtures/test-table.ts';
import { createDecisions } from '../src/index.ts';
import { storeReaderSession } from './support/reader-sessions.ts';
import { requestsAcrossWindow, type WindowClock } from './support/revalidation-window.ts';

let store: StoreContext;
let iam: IamContext;
let A: string;
let roleId: string;
let sends = 0;
const operator = operatorCaller('AKIAOPERATOR0000TEST');
const NOW = new Date('2026-11-28T12:00:00.000Z');
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
let serial = 0;

async function run(action: keyof IamOperations, input: object) {
  const result = await iamOperations(iam)[action]?.(rootCaller('aws', A), input);
  if (!result?.ok) throw new Error(`${action}: ${result?.message}`);
  return result.value as Record<string, never>;
}

/** Stores a session of role `reader` as AssumeRole would (key material is irrelevant here). */
async function session(
  sessionName: string,
  options: Partial<StsSessionRecord> = {},
): Promise<StsSessionRecord> {
  serial++;
  return storeReaderSession(
    {
      store,
      accountId: A,
      roleId,
      sessionName,
      accessKeyId: `ASIAUNIT${String(serial).padStart(12, '0')}`,
      issuedAt: new Date(NOW.getTime() - 60_000),
      expiration: new Date(NOW.getTime() + 3_600_000),
    },
    options,
  );
}

const arn = (sessionName: string) => `arn:aws:sts::${A}:assumed-role/reader/${sessionName}`;
const question = (sessionName: string, action = 'docs:Read') => ({
  principal: arn(sessionName),
  action,
  resource: `arn:aws:docs:us-east-1:${A}:doc/1`,
});

beforeAll(async () => {
  iam = await createIamTestContext('session-decisions', () => NOW);
  store = iam.store;
  onEverySend(store, () => {
    sends++;
  });
  const created = await tenantAccountOperations(iam).createAccount(operator, 'session-decisions');
  if (!created.ok) throw new Error(created.message);
  A = created.value.account.accountId;
  const role = await run('CreateRole', {
    RoleName: 'reader',
    AssumeRolePolicyDocument: policy({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${A}:root` },
      Action: 'sts:AssumeRole',
    }),
  });
  roleId = (role as unknown as { Role: { RoleId: string } }).Role.RoleId;
  await run('PutRolePolicy', {
    RoleName: 'reader',
    PolicyName: 'read',
    PolicyDocument: policy({ Effect: 'Allow', Action: 'docs:Read', Resource: '*' }),
  });
});

describe('decisions about a role session ARN', () => {
  it('makes no DynamoDB call when warm and one round trip (stamps and session list) after the window', async () => {
    await session('warm');
    const clock: WindowClock = { elapsedMs: 0 };
    const { decisions } = createDecisions({
      store,
      partition: 'aws',
      now: () => NOW,
      clock: () => clock.elapsedMs,
      revalidateAfterMs: 1000,
    });
    const decide = () => decisions.authorize(operator, question('warm'), 'req');
    sends = 0;
    expect(await decide()).toMatchObject({ ok: true, value: { decision: 'allowed' } });
    // Cold: the account state and the session list together, then the role's name item (its id)
    // and the resource's registration together, then the role's partition (three round trips, five calls).
    expect(sends).toBe(5);
    expect(await requestsAcrossWindow(decide, clock, () => sends, 1000)).toEqual({
      warm: 0,
      lastMillisecond: 0,
      atWindow: 2,
    });
  });

  it('reads the session list once for a batch of 100 questions about one ARN', async () => {
    await session('batch');
    const { decisions, cache } = createDecisions({ store, partition: 'aws', now: () => NOW });
    const result = await decisions.authorizeBatch(
      operator,
      { requests: Array.from({ length: 100 }, () => question('batch')) },
      'req',
    );
    expect(result.ok && result.value.results.every((r) => 'decision' in r && r.decision === 'allowed')).toBe(
      true,
    );
    // The session list, the role bundle and the resource: one load each.
    expect(cache.stats.loads).toBe(3);
  });

  it('drops a session at its expiry by the pinned clock, even from a list read a moment before', async () => {
    await session('expiring', { expiration: new Date(NOW.getTime() + 1000).toISOString() });
    let clock = NOW;
    const { decisions } = createDecisions({
      store,
      partition: 'aws',
      now: () => clock,
      revalidateAfterMs: 60_000,
    });
    expect(await decisions.authorize(operator, question('expiring'), 'req')).toMatchObject({
      ok: true,
      value: { decision: 'allowed' },
    });
    clock = new Date(NOW.getTime() + 1000);
    expect(await decisions.authorize(operator, question('expiring'), 'req')).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
  });

  it('denies for a suspended account whatever sessions it holds', async () => {
    await session('suspended');
    const { decisions } = createDecisions({ store, partition: 'aws', now: () => NOW, revalidateAfterMs: 0 });
    const account = await getAccount(store, A);
    await setAccountStatus(store, A, 'suspended', account?.version ?? 0);
    try {
      expect(await decisions.authorize(operator, question('suspended'), 'req')).toMatchObject({
        ok: true,
        value: { decision: 'implicitDeny', reason: 'account-not-active' },
      });
    } finally {
      const suspended = await getAccount(store, A);
      await setAccountStatus(store, A, 'active', suspended?.version ?? 0);
    }
  });

  it('denies with a reason when the session index cannot be read', async () => {
    const broken = createMissingTableStore();
    const outage = createDecisions({ store: broken, partition: 'aws', now: () => NOW });
    expect(await outage.decisions.authorize(operator, question('warm'), 'req')).toMatchObject({
      ok: true,
      value: { decision: 'implicitDeny', reason: 'platform-unavailable' },
    });
  });

  it('lists for a session ARN only the actions every live session carrying it may perform', async () => {
    await run('PutRolePolicy', {
      RoleName: 'reader',
      PolicyName: 'list',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'docs:List', Resource: '*' }),
    });
    const services = createDecisions({ store, partition: 'aws', now: () => NOW });
    const root = rootCaller('aws', A);
    const defined = await services.catalogs.put(root, 'docs', { actions: ['Read', 'List', 'Write'] });
    expect(defined.ok).toBe(true);
    const allowed = async (name: string) => {
      const answer = await services.allowedActions(root, {
        principal: arn(name),
        resource: `arn:aws:docs:us-east-1:${A}:doc/1`,
      });
      if (!answer.ok) return answer;
      return answer.value.allowedActions.map((a) => a.action);
    };
    // One session: the role's policies (Read, List); Write is the role's to refuse.
    await session('lister');
    expect(await allowed('lister')).toEqual(['docs:List', 'docs:Read']);
    // A second live session with the same ARN whose session policy allows only Read narrows it.
    await session('lister', {
      sessionPolicies: [
        { id: 'session-policy', document: policy({ Effect: 'Allow', Action: 'docs:Read', Resource: '*' }) },
      ],
    });
    const fresh = createDecisions({ store, partition: 'aws', now: () => NOW });
    await fresh.catalogs.put(root, 'docs', { actions: ['Read', 'List', 'Write'] });
    const narrowed = await fresh.allowedActions(root, {
      principal: arn('lister'),
      resource: `arn:aws:docs:us-east-1:${A}:doc/1`,
    });
    expect(narrowed.ok && narrowed.value.allowedActions.map((a) => a.action)).toEqual(['docs:Read']);
    // No live session with the ARN: a typed 404, as for decisions.
    expect(await allowed('nobody')).toMatchObject({ ok: false, code: 'entity.not-found' });
  });
});

describe("a role session ARN asked about another account's resource", () => {
  it('answers the decision and which own session decided, never the other account’s statements or tags', async () => {
    await session('foreign');
    const created = await tenantAccountOperations(iam).createAccount(operator, 'session-decisions-b');
    if (!created.ok) throw new Error(created.message);
    const B = created.value.account.accountId;
    const resource = `arn:aws:docs:us-east-1:${B}:doc/hidden`;
    const { decisions, resourcePolicies } = createDecisions({ store, partition: 'aws', now: () => NOW });
    const registered = await resourcePolicies.put(rootCaller('aws', B), resource, {
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'BHiddenGrant',
            Effect: 'Allow',
            Principal: { AWS: arn('foreign') },
            Action: 'docs:Read',
            Resource: resource,
            Condition: { StringEquals: { 'aws:ResourceTag/b-hidden-tag': 'owl' } },
          },
        ],
      },
      tags: [{ Key: 'b-hidden-tag', Value: 'owl' }],
    });
    expect(registered.ok).toBe(true);
    const answer = await decisions.authorize(
      rootCaller('aws', A),
      { principal: arn('foreign'), action: 'docs:Read', resource },
      'req',
    );
    expect(answer).toMatchObject({
      ok: true,
      value: {
        decision: 'allowed',
        reason: 'cross-account',
        matchedStatements: [],
        explanation: { resourceRegistered: false, policyTypes: {}, session: { liveSessions: 1 } },
      },
    });
    expect(JSON.stringify(answer)).not.toMatch(/BHidden|b-hidden-tag|owl/);
    // The operator sees everything.
    const full = await decisions.authorize(
      operator,
      { principal: arn('foreign'), action: 'docs:Read', resource },
      'req',
    );
    expect(JSON.stringify(full)).toMatch(/BHiddenGrant/);
  });
});
