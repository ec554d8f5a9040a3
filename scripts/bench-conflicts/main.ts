/**
 * `npm run bench:conflicts` (issue #10): how many of an account's concurrent IAM writes collide
 * under DynamoDB's TransactionConflict rule, which DynamoDB Local does not enforce. Starts DynamoDB
 * Local, installs the conflict emulator (test/fixtures/conflict-emulator.ts) on the platform's store
 * client, creates one account and runs the real IAM operations as its root, each phase all at once:
 * CreateUser ×N, AddUserToGroup ×N over G groups, PutUserPolicy ×N on distinct users. Prints per
 * phase the outcomes by code, the DynamoDB requests the emulator rejected, the hot items, and
 * whether the account's invariants held (listings match what succeeded, counters match listings,
 * quotas respected).
 *
 * Environment: BENCH_CONCURRENCY (default 200), BENCH_GROUPS (default 10), BENCH_HOLD_MS (default 5:
 * the emulator's in-flight hold per request, see the emulator's notes on what the window includes).
 */
import { availableParallelism, loadavg } from 'node:os';
import { iamOperations, type OperationHandler, operatorCaller, rootCaller } from '@palisade/iam';
import {
  createStoreContext,
  ensureTable,
  getAccountSummary,
  getPrincipal,
  systemChangeOrigin,
} from '@palisade/store';
import { createPlatform } from '../../functions/wiring/platform.ts';
import { type ConflictEmulator, installConflictEmulator } from '../../test/fixtures/conflict-emulator.ts';
import { runOperation } from '../../test/fixtures/run-operation.ts';
import { startDynamoDbLocalUntilStopped, stopOnExit } from '../bench-iam/child-processes.ts';
import { renderTable } from '../bench-iam/statistics.ts';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const GROUPS = Number(process.env.BENCH_GROUPS ?? 10);
const HOLD_MS = Number(process.env.BENCH_HOLD_MS ?? 5);
const INLINE_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bench-bucket/*' }],
});

/** What one phase did and what it left behind. */
interface PhaseResult {
  readonly name: string;
  readonly attempts: number;
  readonly outcomes: readonly string[];
  readonly wallMs: number;
  readonly requests: ReturnType<ConflictEmulator['requestsByOperation']>;
  readonly conflicts: ReturnType<ConflictEmulator['conflictsByItem']>;
  readonly checks: readonly Check[];
}

interface Check {
  readonly met: boolean;
  readonly text: string;
}

const stops = stopOnExit();
const progress = (text: string) => process.stderr.write(`bench:conflicts: ${text}\n`);
const userName = (index: number) => `conflict-user-${String(index).padStart(4, '0')}`;
const groupName = (index: number) => `conflict-group-${String(index).padStart(2, '0')}`;

try {
  await main();
} finally {
  await stops.stopAll();
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0] ?? 0;
  progress('starting DynamoDB Local (in memory)');
  const dynamodb = await startDynamoDbLocalUntilStopped(stops);

  const tableName = 'bench-conflicts';
  await ensureTable(createStoreContext({ tableName, endpoint: dynamodb.endpoint }));
  const operator = { accessKeyId: 'AKIABENCHOPERATOR000', secretAccessKey: 'bench-operator-secret-0000' };
  const platform = createPlatform(
    {
      tableName,
      dynamodbEndpoint: dynamodb.endpoint,
      operatorAccessKeyId: operator.accessKeyId,
      operatorSecretAccessKey: operator.secretAccessKey,
      masterKey: Buffer.alloc(32, 7).toString('base64'),
      partition: 'aws',
    },
    () => {},
    undefined,
    systemChangeOrigin('BenchSetUp'),
  );
  const created = await platform.accounts.createAccount(operatorCaller(operator.accessKeyId), 'conflicts');
  if (!created.ok) throw new Error(created.message);
  const accountId = created.value.account.accountId;
  const store = platform.store;
  const quotas = platform.iam.quotas;
  const emulator = installConflictEmulator(store.dynamodb, { holdMs: HOLD_MS });
  const ops = iamOperations(platform.iam);
  const root = rootCaller('aws', accountId);
  const run = (action: string, input: object) => runOperation(ops, root, action, input);
  const must = async <T>(action: string, input: object): Promise<T> => {
    const result = await run(action, input);
    if (!result.ok) throw new Error(`${action} failed in set-up: ${result.code} ${result.message}`);
    return result.value as T;
  };

  /** Runs `count` calls of one operation at once, counting what the emulator saw meanwhile. */
  const phase = async (
    name: string,
    count: number,
    call: (index: number) => ReturnType<OperationHandler>,
  ): Promise<Omit<PhaseResult, 'checks'>> => {
    progress(`${name}: ${count} concurrent calls`);
    emulator.resetCounts();
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        call(index).then(
          (result) => (result.ok ? 'ok' : result.code),
          (error: Error & { code?: unknown }) => `threw ${String(error.code ?? error.name)}`,
        ),
      ),
    );
    const wallMs = performance.now() - started;
    if (emulator.inFlightItems() !== 0) throw new Error('the emulator still holds items after the phase');
    return {
      name,
      attempts: count,
      outcomes,
      wallMs,
      requests: emulator.requestsByOperation(),
      conflicts: emulator.conflictsByItem(),
    };
  };
  /** Creates sequentially (nothing overlaps, so nothing conflicts) the users a phase left uncreated. */
  const topUpUsers = async (outcomes: readonly string[]) => {
    const missing = outcomes.flatMap((outcome, index) => (outcome === 'ok' ? [] : [index]));
    if (missing.length > 0) progress(`creating the ${missing.length} users CreateUser did not, one by one`);
    for (const index of missing) await must('CreateUser', { UserName: userName(index) });
  };

  const results: PhaseResult[] = [];

  const creating = await phase(`CreateUser ×${CONCURRENCY}`, CONCURRENCY, (index) =>
    run('CreateUser', { UserName: userName(index) }),
  );
  const listed = await listAllUsers(run);
  const summary = await getAccountSummary(store, accountId);
  const createdNames = creating.outcomes.flatMap((outcome, index) =>
    outcome === 'ok' ? [userName(index)] : [],
  );
  results.push({
    ...creating,
    checks: [
      check(
        sameSet(listed, createdNames),
        `users listed (${listed.length}) = users created successfully (${createdNames.length})`,
      ),
      check(
        summary.users === listed.length,
        `account user counter (${summary.users}) = users listed (${listed.length})`,
      ),
      check(listed.length <= quotas.usersPerAccount, `users ≤ quota (${quotas.usersPerAccount})`),
    ],
  });
  await topUpUsers(creating.outcomes);

  progress(`creating ${GROUPS} groups one by one`);
  for (let group = 0; group < GROUPS; group++) await must('CreateGroup', { GroupName: groupName(group) });
  const adding = await phase(`AddUserToGroup ×${CONCURRENCY} over ${GROUPS} groups`, CONCURRENCY, (index) =>
    run('AddUserToGroup', { UserName: userName(index), GroupName: groupName(index % GROUPS) }),
  );
  results.push({ ...adding, checks: await membershipChecks(adding.outcomes) });

  const putting = await phase(`PutUserPolicy ×${CONCURRENCY} on distinct users`, CONCURRENCY, (index) =>
    run('PutUserPolicy', {
      UserName: userName(index),
      PolicyName: 'conflict-inline',
      PolicyDocument: INLINE_POLICY,
    }),
  );
  results.push({ ...putting, checks: await inlinePolicyChecks(putting.outcomes) });

  report(results, `${loadAtStart.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}`);

  async function membershipChecks(outcomes: readonly string[]): Promise<Check[]> {
    const expected = new Map<string, string[]>();
    outcomes.forEach((outcome, index) => {
      if (outcome !== 'ok') return;
      const group = groupName(index % GROUPS);
      expected.set(group, [...(expected.get(group) ?? []), userName(index)]);
    });
    let groupsMatching = 0;
    let groupCountersMatching = 0;
    for (let index = 0; index < GROUPS; index++) {
      const group = groupName(index);
      const members = (
        await must<{ Users: { UserName: string }[] }>('GetGroup', { GroupName: group })
      ).Users.map((user) => user.UserName);
      if (sameSet(members, expected.get(group) ?? [])) groupsMatching++;
      const record = await getPrincipal(store, accountId, 'group', group);
      if (record?.counters.memberships === members.length) groupCountersMatching++;
    }
    let usersMatching = 0;
    let userCountersMatching = 0;
    let withinQuota = 0;
    await inParallel(CONCURRENCY, 8, async (index) => {
      const groups = (
        await must<{ Groups: { GroupName: string }[] }>('ListGroupsForUser', { UserName: userName(index) })
      ).Groups.map((group) => group.GroupName);
      if (sameSet(groups, outcomes[index] === 'ok' ? [groupName(index % GROUPS)] : [])) usersMatching++;
      const record = await getPrincipal(store, accountId, 'user', userName(index));
      if (record?.counters.memberships === groups.length) userCountersMatching++;
      if (groups.length <= quotas.groupsPerUser) withinQuota++;
    });
    return [
      check(groupsMatching === GROUPS, `groups whose members = successful adds: ${groupsMatching}/${GROUPS}`),
      check(
        usersMatching === CONCURRENCY,
        `users whose groups = successful adds: ${usersMatching}/${CONCURRENCY}`,
      ),
      check(
        groupCountersMatching === GROUPS && userCountersMatching === CONCURRENCY,
        `membership counters = listings: groups ${groupCountersMatching}/${GROUPS}, users ${userCountersMatching}/${CONCURRENCY}`,
      ),
      check(
        withinQuota === CONCURRENCY,
        `users within GroupsPerUser (${quotas.groupsPerUser}): ${withinQuota}/${CONCURRENCY}`,
      ),
    ];
  }

  async function inlinePolicyChecks(outcomes: readonly string[]): Promise<Check[]> {
    let matching = 0;
    let countersMatching = 0;
    let withinQuota = 0;
    await inParallel(CONCURRENCY, 8, async (index) => {
      const names = (await must<{ PolicyNames: string[] }>('ListUserPolicies', { UserName: userName(index) }))
        .PolicyNames;
      if (sameSet(names, outcomes[index] === 'ok' ? ['conflict-inline'] : [])) matching++;
      const record = await getPrincipal(store, accountId, 'user', userName(index));
      if (record?.counters.inlinePolicies === names.length) countersMatching++;
      if ((record?.counters.inlinePolicyBytes ?? 0) <= quotas.inlinePolicyBytesPerUser) withinQuota++;
    });
    return [
      check(
        matching === CONCURRENCY,
        `users whose inline policies = successful puts: ${matching}/${CONCURRENCY}`,
      ),
      check(
        countersMatching === CONCURRENCY,
        `inline-policy counters = listings: ${countersMatching}/${CONCURRENCY}`,
      ),
      check(
        withinQuota === CONCURRENCY,
        `users within ${quotas.inlinePolicyBytesPerUser} inline bytes: ${withinQuota}/${CONCURRENCY}`,
      ),
    ];
  }
}

async function listAllUsers(run: (action: string, input: object) => ReturnType<OperationHandler>) {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await run('ListUsers', { MaxItems: 100, ...(marker ? { Marker: marker } : {}) });
    if (!page.ok) throw new Error(`ListUsers failed: ${page.code}`);
    const value = page.value as { Users: { UserName: string }[]; IsTruncated: boolean; Marker?: string };
    names.push(...value.Users.map((user) => user.UserName));
    marker = value.IsTruncated ? value.Marker : undefined;
  } while (marker);
  return names;
}

function check(met: boolean, text: string): Check {
  return { met, text };
}

function sameSet(actual: readonly string[], expected: readonly string[]): boolean {
  const wanted = new Set(expected);
  return actual.length === wanted.size && actual.every((name) => wanted.has(name));
}

async function inParallel(
  count: number,
  width: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** `ACCT#…#GROUP#<name>/GROUP`: an item's key with the account and entity names left out. */
function keyPattern(pk: string, sk: string): string {
  const partition = pk
    .replace(/^ACCT#\d{12}/, 'ACCT#…')
    .replace(/#(USER|GROUP|ROLE|POLICY)#[^#]+/, '#$1#<name>');
  const sort = sk.replace(/^(MEMBER-OF|MEMBER|INLINE|ATTACHED|ACCESS-KEY|MFA)#.+$/, '$1#<name>');
  return `${partition}/${sort}`;
}

function report(results: readonly PhaseResult[], load: string): void {
  console.log(
    `\nConflict benchmark — Node ${process.version}, ${availableParallelism()} CPUs, load ${load}; ` +
      `one account, each phase's calls all at once, emulator hold ${HOLD_MS} ms; times in ms\n`,
  );
  console.log(
    renderTable(
      ['phase', 'attempts', 'ok', 'failed (by code)', 'DDB writes rejected/seen', 'conflicts', 'wall'],
      results.map((result) => {
        const failures = countBy(result.outcomes.filter((outcome) => outcome !== 'ok'));
        const seen = Object.values(result.requests).reduce((sum, tally) => sum + tally.seen, 0);
        const rejected = Object.values(result.requests).reduce((sum, tally) => sum + tally.rejected, 0);
        return [
          result.name,
          String(result.attempts),
          String(result.attempts - sumOf(failures)),
          [...failures].map(([code, count]) => `${code} ${count}`).join(', ') || '—',
          `${rejected}/${seen}`,
          String(result.conflicts.reduce((sum, item) => sum + item.conflicts, 0)),
          result.wallMs.toFixed(0),
        ];
      }),
    ),
  );
  console.log(
    '\nHot items (conflicts counted on the item that was in flight; one request may count several):\n',
  );
  const hotRows = results.flatMap((result) => {
    const byPattern = new Map<string, { items: number; conflicts: number; max: number }>();
    for (const item of result.conflicts) {
      const pattern = keyPattern(item.pk, item.sk);
      const entry = byPattern.get(pattern) ?? { items: 0, conflicts: 0, max: 0 };
      entry.items++;
      entry.conflicts += item.conflicts;
      entry.max = Math.max(entry.max, item.conflicts);
      byPattern.set(pattern, entry);
    }
    const rows = [...byPattern]
      .sort(([, a], [, b]) => b.conflicts - a.conflicts)
      .map(([pattern, entry]) => [
        result.name,
        pattern,
        String(entry.items),
        String(entry.conflicts),
        String(entry.max),
      ]);
    return rows.length > 0 ? rows : [[result.name, '(none)', '0', '0', '0']];
  });
  console.log(renderTable(['phase', 'item (pk/sk)', 'items', 'conflicts', 'max on one item'], hotRows));
  console.log('\nInvariants:\n');
  for (const result of results) {
    for (const { met, text } of result.checks)
      console.log(`${met ? 'MET   ' : 'MISSED'} ${result.name}: ${text}`);
  }
  const conflicted = results.filter((result) => result.conflicts.length > 0).map((result) => result.name);
  console.log(
    `\n${conflicted.length === 0 ? 'MET   ' : 'MISSED'} zero conflicts in every phase` +
      (conflicted.length > 0 ? ` (conflicts in: ${conflicted.join('; ')})` : ''),
  );
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function sumOf(counts: Map<string, number>): number {
  return [...counts.values()].reduce((sum, count) => sum + count, 0);
}
