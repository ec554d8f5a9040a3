/**
 * `npm run bench:conflicts` (issue #10): how many of an account's concurrent IAM writes collide
 * under DynamoDB's TransactionConflict rule, which DynamoDB Local does not enforce. Starts DynamoDB
 * Local, installs the conflict emulator (test/fixtures/conflict-emulator.ts) on the platform's store
 * client, creates one account and runs the real IAM operations as its root, each phase all at once:
 * CreateUser ×N, AddUserToGroup ×N over G groups, PutUserPolicy ×N on distinct users,
 * AttachUserPolicy ×N of one customer policy, then the control phase (N calls tag one user, which
 * all write that user's items: genuine conflicts).
 * The phases and their invariants are test/fixtures/provisioning-phases.ts, which the test suite
 * holds to zero conflicts. Prints per phase the outcomes by code, the DynamoDB requests the emulator
 * rejected, the hot items, and whether the account's invariants held.
 *
 * Environment: BENCH_CONCURRENCY (default 200), BENCH_GROUPS (default 10), BENCH_HOLD_MS (default 5:
 * the emulator's in-flight hold per request, see the emulator's notes on what the window includes).
 */
import { availableParallelism, loadavg } from 'node:os';
import { iamOperations } from '@palisade/iam';
import { rootCaller } from '@palisade/principals';
import { installConflictEmulator } from '../../test/fixtures/conflict-emulator.ts';
import {
  oneUserControlPhase,
  type PhaseResult,
  runProvisioningPhases,
} from '../../test/fixtures/provisioning-phases.ts';
import { stopOnExit } from '../bench-iam/child-processes.ts';
import { renderTable } from '../bench-iam/statistics.ts';
import { type BenchStart, benchPlatform, runOnDynamoDbLocal } from '../bench-platform.ts';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const GROUPS = Number(process.env.BENCH_GROUPS ?? 10);
const HOLD_MS = Number(process.env.BENCH_HOLD_MS ?? 5);

const stops = stopOnExit();
const progress = (text: string) => process.stderr.write(`bench:conflicts: ${text}\n`);

await runOnDynamoDbLocal(stops, progress, main);

async function main({ dynamodb, loadAtStart }: BenchStart): Promise<void> {
  const { platform, createAccount } = await benchPlatform(dynamodb.endpoint, 'bench-conflicts');
  const { accountId } = await createAccount('conflicts');
  const store = platform.store;
  const emulator = installConflictEmulator(store.dynamodb, { holdMs: HOLD_MS });
  const harness = {
    ops: iamOperations(platform.iam),
    caller: rootCaller('aws', accountId),
    store,
    accountId,
    quotas: platform.iam.quotas,
    emulator,
    concurrency: CONCURRENCY,
    groups: GROUPS,
    progress,
  };
  const results = [...(await runProvisioningPhases(harness)), await oneUserControlPhase(harness)];
  report(results, `${loadAtStart.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}`);
}

/** `ACCT#…#GROUP#<name>/GROUP`: an item's key with the account and entity names left out. */
function keyPattern(pk: string, sk: string): string {
  const partition = pk
    .replace(/^ACCT#\d{12}/, 'ACCT#…')
    .replace(/#(USER|GROUP|ROLE|POLICY)#[^#]+/, '#$1#<name>');
  const sort = sk.replace(
    /^(MEMBER-OF|MEMBER|INLINE|ATTACHED|ATTACHMENT|ACCESS-KEY|MFA|USES)#.+$/,
    '$1#<name>',
  );
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
  // The control phase (one user tagged by every call) conflicts by design; it shows the emulator sees it.
  const provisioning = results.slice(0, -1);
  const conflicted = provisioning
    .filter((result) => result.conflicts.length > 0)
    .map((result) => result.name);
  console.log(
    `\n${conflicted.length === 0 ? 'MET   ' : 'MISSED'} zero conflicts in the ${provisioning.length} provisioning phases` +
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
