/**
 * `npm run bench:big-group` (issues #13, #14): what a group of BENCH_MEMBERS members (default
 * 10,000) costs on DynamoDB Local. Fills one group through the real IAM operations (the account's
 * user quota raised to fit), then times adding and removing one member (which should not depend on
 * the group's size), reading every member page by page (listGroupMembersPage, pages of 100), and
 * deleting the group with everything (deleteGroupWithEverything).
 *
 * Environment: BENCH_MEMBERS (default 10000), BENCH_CONCURRENCY (default 16: set-up writes in flight).
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { deleteGroupWithEverything, iamOperations } from '@palisade/iam';
import { rootCaller } from '@palisade/principals';
import { getPrincipal, listGroupMembersPage } from '@palisade/store';
import { inParallel } from '../test/fixtures/in-parallel.ts';
import { mustRunOperation } from '../test/fixtures/run-operation.ts';
import { stopOnExit } from './bench-iam/child-processes.ts';
import { median, ms, percentile, renderTable } from './bench-iam/statistics.ts';
import { type BenchStart, benchPlatform, runOnDynamoDbLocal } from './bench-platform.ts';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SAMPLES = 20;

const stops = stopOnExit();
const progress = (text: string) => process.stderr.write(`bench:big-group: ${text}\n`);

await runOnDynamoDbLocal(stops, progress, main);

async function main({ dynamodb, loadAtStart }: BenchStart): Promise<void> {
  const { platform, createAccount } = await benchPlatform(dynamodb.endpoint, 'bench-big-group');
  const { accountId } = await createAccount('big-group');
  const iam = { ...platform.iam, quotas: { ...platform.iam.quotas, usersPerAccount: MEMBERS + 1000 } };
  const root = rootCaller('aws', accountId);
  const ops = iamOperations(iam);
  const run = (action: string, input: object) => mustRunOperation(ops, root, action, input);
  const timed = async (task: () => Promise<unknown>) => {
    const start = performance.now();
    await task();
    return performance.now() - start;
  };

  await run('CreateGroup', { GroupName: 'everyone' });
  progress(`creating ${MEMBERS} members (${CONCURRENCY} at a time)`);
  const fill = await timed(() =>
    inParallel(MEMBERS, CONCURRENCY, async (i) => {
      await run('CreateUser', { UserName: `member-${i}` });
      await run('AddUserToGroup', { GroupName: 'everyone', UserName: `member-${i}` });
    }),
  );

  progress('adding and removing one member');
  for (let i = 0; i < SAMPLES; i++) await run('CreateUser', { UserName: `extra-${i}` });
  const adds: number[] = [];
  const removes: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    adds.push(await timed(() => run('AddUserToGroup', { GroupName: 'everyone', UserName: `extra-${i}` })));
    removes.push(
      await timed(() => run('RemoveUserFromGroup', { GroupName: 'everyone', UserName: `extra-${i}` })),
    );
  }

  progress('reading every member, pages of 100');
  const group = await getPrincipal(platform.store, accountId, 'group', 'everyone');
  if (!group) throw new Error('the group is gone');
  const pages: number[] = [];
  let read = 0;
  let after: string | undefined;
  const readAll = await timed(async () => {
    do {
      const start = performance.now();
      const page = await listGroupMembersPage(platform.store, accountId, group.id, { limit: 100, after });
      pages.push(performance.now() - start);
      if (!page.ok) throw new Error(page.message);
      read += page.value.members.length;
      after = page.value.next;
    } while (after);
  });
  if (read !== MEMBERS) throw new Error(`read ${read} members of ${MEMBERS}`);

  progress('deleting the group with everything');
  let deleted: Awaited<ReturnType<typeof deleteGroupWithEverything>> | undefined;
  const deletion = await timed(async () => {
    deleted = await deleteGroupWithEverything(iam, root, accountId, { groupName: 'everyone' });
  });
  if (!deleted?.ok) throw new Error(`deletion: ${deleted?.message}`);

  console.log(
    `\nBig group — ${MEMBERS} members, Node ${process.version}, ${availableParallelism()} CPUs, load ` +
      `${loadAtStart.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}; DynamoDB Local in memory; times in ms\n`,
  );
  console.log(
    renderTable(
      ['step', 'count', 'p50', 'p99', 'total'],
      [
        ['fill (CreateUser + AddUserToGroup)', String(MEMBERS), '—', '—', ms(fill)],
        ['AddUserToGroup, one member', String(SAMPLES), ms(median(adds)), ms(percentile(adds, 99)), '—'],
        [
          'RemoveUserFromGroup, one member',
          String(SAMPLES),
          ms(median(removes)),
          ms(percentile(removes, 99)),
          '—',
        ],
        [
          'listGroupMembersPage (100)',
          String(pages.length),
          ms(median(pages)),
          ms(percentile(pages, 99)),
          ms(readAll),
        ],
        ['deleteGroupWithEverything', '1', '—', '—', ms(deletion)],
      ],
    ),
  );
}
