/** The decision service in-process, on DynamoDB Local: cache round trips, freshness, fail-closed. */
import { type IamContext, type IamOperations, iamOperations, tenantAccountOperations } from '@palisade/iam';
import { operatorCaller, rootCaller } from '@palisade/principals';
import { getAccount, type StoreContext, setAccountStatus } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { onEverySend } from '../../../test/fixtures/store-sends.ts';
import { createMissingTableStore } from '../../../test/fixtures/test-table.ts';
import { createDecisions } from '../src/index.ts';
import { requestsAcrossWindow, type WindowClock } from './support/revalidation-window.ts';

let store: StoreContext;
let iam: IamContext;
let A: string;
let sends = 0;
const operator = operatorCaller('AKIAOPERATOR0000TEST');
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

async function run(action: keyof IamOperations, input: object) {
  const result = await iamOperations(iam)[action]?.(rootCaller('aws', A), input);
  if (!result?.ok) throw new Error(`${action}: ${result?.message}`);
  return result.value;
}

beforeAll(async () => {
  iam = await createIamTestContext('decisions', () => new Date());
  store = iam.store;
  onEverySend(store, () => {
    sends++;
  });
  const created = await tenantAccountOperations(iam).createAccount(operator, 'decisions-unit');
  if (!created.ok) throw new Error(created.message);
  A = created.value.account.accountId;
  await run('CreateUser', { UserName: 'carol' });
  await run('CreatePolicy', {
    PolicyName: 'read',
    PolicyDocument: policy({ Effect: 'Allow', Action: 'docs:Read', Resource: '*' }),
  });
  await run('CreateGroup', { GroupName: 'readers' });
  await run('AttachGroupPolicy', { GroupName: 'readers', PolicyArn: `arn:aws:iam::${A}:policy/read` });
  await run('AddUserToGroup', { GroupName: 'readers', UserName: 'carol' });
});

const question = () => ({
  principal: `arn:aws:iam::${A}:user/carol`,
  action: 'docs:Read',
  resource: `arn:aws:docs:us-east-1:${A}:doc/1`,
});

describe('decision cache', () => {
  it('makes no DynamoDB call when warm and re-reads only its stamps after the window', async () => {
    const clock: WindowClock = { elapsedMs: 0 };
    const { decisions } = createDecisions({
      store,
      partition: 'aws',
      now: () => new Date(),
      clock: () => clock.elapsedMs,
      revalidateAfterMs: 1000,
    });
    const decide = () => decisions.authorize(operator, question(), 'req');
    sends = 0;
    expect(await decide()).toMatchObject({ ok: true, value: { decision: 'allowed' } });
    // Cold: the account state; then the user's name item → its partition (by id) → its group's →
    // the managed policy, in parallel with the resource's registration (five round trips, six calls).
    expect(sends).toBeLessThanOrEqual(6);
    await decide();
    expect(await requestsAcrossWindow(decide, clock, () => sends, 1000)).toEqual({
      warm: 0,
      lastMillisecond: 0,
      atWindow: 1,
    });
  });

  it('loads a principal once for a batch of 100 questions about it', async () => {
    const { decisions, cache } = createDecisions({ store, partition: 'aws', now: () => new Date() });
    const result = await decisions.authorizeBatch(
      operator,
      { requests: Array.from({ length: 100 }, question) },
      'req',
    );
    expect(result.ok && result.value.results.every((r) => 'decision' in r && r.decision === 'allowed')).toBe(
      true,
    );
    expect(cache.stats.loads).toBe(2);
    expect(cache.stats.revalidations).toBe(1);
  });

  it('sees a group membership removal and an account suspension within the window', async () => {
    let elapsed = 0;
    const { decisions } = windowedDecisions(() => elapsed);
    const decide = async () => {
      const result = await decisions.authorize(operator, question(), 'req');
      return result.ok ? result.value : undefined;
    };
    expect((await decide())?.decision).toBe('allowed');
    await run('RemoveUserFromGroup', { GroupName: 'readers', UserName: 'carol' });
    elapsed += 100;
    expect((await decide())?.decision).toBe('implicitDeny');
    await run('AddUserToGroup', { GroupName: 'readers', UserName: 'carol' });
    elapsed += 100;
    expect((await decide())?.decision).toBe('allowed');

    const account = await getAccount(store, A);
    await setAccountStatus(store, A, 'suspended', account?.version ?? 0);
    elapsed += 100;
    expect(await decide()).toMatchObject({ decision: 'implicitDeny', reason: 'account-not-active' });
    const suspended = await getAccount(store, A);
    await setAccountStatus(store, A, 'active', suspended?.version ?? 0);
  });

  it('denies with a reason when the table is gone, never serving the stale allow', async () => {
    const { decisions } = createDecisions({
      store,
      partition: 'aws',
      now: () => new Date(),
      revalidateAfterMs: 50,
    });
    expect((await decisions.authorize(operator, question(), 'req')).ok).toBe(true);
    const broken = createMissingTableStore();
    const outage = createDecisions({ store: broken, partition: 'aws', now: () => new Date() });
    const result = await outage.decisions.authorize(operator, question(), 'req');
    expect(result).toMatchObject({
      ok: true,
      value: { decision: 'implicitDeny', reason: 'platform-unavailable' },
    });
  });
});

describe('context limits', () => {
  const decisions = () => createDecisions({ store, partition: 'aws', now: () => new Date() }).decisions;
  const values = (count: number, length: number) =>
    Array.from({ length: count }, (_, i) => `${i}`.padEnd(length, 'v'));

  it.each([
    ['a value longer than 1,024 characters', { 'docs:Tag': 'v'.repeat(1_025) }],
    [
      'more than 1,000 values in all',
      Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`docs:Key${i}`, values(100, 1)])),
    ],
    [
      'more than 65,536 characters in all',
      Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`docs:Key${i}`, 'v'.repeat(1_000)])),
    ],
  ])('refuses %s with request.invalid', async (_, context) => {
    const single = await decisions().authorize(operator, { ...question(), context }, 'req');
    expect(single).toMatchObject({ ok: false, code: 'request.invalid' });
    const batch = await decisions().authorizeBatch(
      operator,
      { requests: [{ ...question(), context }] },
      'req',
    );
    expect(batch).toMatchObject({ ok: true, value: { results: [{ error: { code: 'request.invalid' } }] } });
  });

  it('accepts a context at the limits', async () => {
    const context = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`docs:Key${i}`, values(100, 60)]),
    );
    expect(await decisions().authorize(operator, { ...question(), context }, 'req')).toMatchObject({
      ok: true,
    });
  });
});

describe('bad questions', () => {
  it("refuses a malformed question in IAM's ValidationError wording, alone and inside a batch", async () => {
    const { decisions } = createDecisions({ store, partition: 'aws', now: () => new Date() });
    const bad = { ...question(), action: 'docs:*' };
    expect(await decisions.authorize(operator, bad, 'req')).toEqual({
      ok: false,
      code: 'request.invalid',
      message:
        '1 validation error detected: Value at \'action\' failed to satisfy constraint: must be "service:Action" without wildcards',
    });
    const batch = await decisions.authorizeBatch(operator, { requests: [question(), bad] }, 'req');
    expect(batch.ok && batch.value.results[1]).toEqual({
      error: {
        code: 'request.invalid',
        message:
          'requests[1]: 1 validation error detected: Value at \'action\' failed to satisfy constraint: must be "service:Action" without wildcards',
      },
    });
  });
});

/** Decisions over the test store with a 100 ms freshness window, timed by `clock`. */
function windowedDecisions(clock: () => number): ReturnType<typeof createDecisions> {
  return createDecisions({ store, partition: 'aws', now: () => new Date(), clock, revalidateAfterMs: 100 });
}

/** Asks `decisions`, as the operator, the test question about user `userName`: its decision, or the failure code. */
function askingAbout(
  decisions: ReturnType<typeof createDecisions>['decisions'],
  userName: string,
): () => Promise<string> {
  return async () => {
    const result = await decisions.authorize(
      operator,
      { ...question(), principal: `arn:aws:iam::${A}:user/${userName}` },
      'req',
    );
    return result.ok ? result.value.decision : result.code;
  };
}

describe('a warm subject reused across questions', () => {
  // The subject (its evaluator and the principal's own keys) is built once per loaded bundle; these
  // fail if it keeps anything a question or a reload must change.
  it('reads the clock for each question, not once per loaded principal', async () => {
    await run('CreateUser', { UserName: 'clocked' });
    await run('PutUserPolicy', {
      UserName: 'clocked',
      PolicyName: 'until',
      PolicyDocument: policy({
        Effect: 'Allow',
        Action: 'docs:Read',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
      }),
    });
    let now = new Date('2029-12-31T23:59:59Z');
    const { decisions, cache } = createDecisions({
      store,
      partition: 'aws',
      now: () => now,
      clock: () => 0,
    });
    const decide = askingAbout(decisions, 'clocked');
    expect(await decide()).toBe('allowed');
    now = new Date('2030-01-01T00:00:01Z');
    expect(await decide()).toBe('implicitDeny');
    expect(cache.stats.compiles).toBe(1);
  });

  it('follows a changed principal tag once the window ends', async () => {
    await run('CreateUser', { UserName: 'tagged', Tags: [{ Key: 'team', Value: 'docs' }] });
    await run('PutUserPolicy', {
      UserName: 'tagged',
      PolicyName: 'team',
      PolicyDocument: policy({
        Effect: 'Allow',
        Action: 'docs:Read',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalTag/team': 'docs' } },
      }),
    });
    let elapsed = 0;
    const { decisions } = windowedDecisions(() => elapsed);
    const decide = askingAbout(decisions, 'tagged');
    expect(await decide()).toBe('allowed');
    expect(await decide()).toBe('allowed');
    await run('TagUser', { UserName: 'tagged', Tags: [{ Key: 'team', Value: 'billing' }] });
    elapsed += 100;
    expect(await decide()).toBe('implicitDeny');
  });
});
