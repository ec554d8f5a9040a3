/**
 * `npm run bench:scim` (issue #13): what an IdP's initial sync costs through SCIM. Starts DynamoDB
 * Local, builds the platform, opens an account with a SCIM token, then:
 *  1. a sequential sample of POST /Users, each request's DynamoDB requests recorded and replayed
 *     directly (names and ids rewritten): the raw DynamoDB floor beside the request's own time;
 *  2. the scale test's sync (test/fixtures/scim-sync.ts) at the issue's size, under the conflict
 *     emulator: BENCH_SCIM_GROUPS groups and BENCH_SCIM_USERS users POSTed with
 *     BENCH_SCIM_CONCURRENCY requests in flight, every user added to its group by PATCHes of
 *     BENCH_SCIM_MEMBERS_PER_PATCH members, then every membership read back both ways.
 * It prints users/s, p50/p99 per request kind, DynamoDB requests per SCIM request and the conflicts
 * counted, and exits 1 on any conflict or membership not read back. Requests go to the app
 * in-process (`app.request`): no HTTP server, so the numbers are Palisade's and DynamoDB Local's.
 * Not part of `npm test` (minutes on DynamoDB Local's one SQLite thread).
 */
import { loadavg } from 'node:os';
import { installConflictEmulator } from '../../test/fixtures/conflict-emulator.ts';
import {
  createSyncResources,
  pushMemberships,
  type ScimSend,
  type SyncShape,
  verifyMemberships,
} from '../../test/fixtures/scim-sync.ts';
import { signedJsonRequest } from '../../test/fixtures/signed-requests.ts';
import { stopOnExit } from '../bench-iam/child-processes.ts';
import { attachRecorder, prepareReplay, replay } from '../bench-iam/dynamodb-recorder.ts';
import { median, ms, percentile, ratio, renderTable } from '../bench-iam/statistics.ts';
import { type BenchStart, benchPlatform, runOnDynamoDbLocal } from '../bench-platform.ts';

const USERS = Number(process.env.BENCH_SCIM_USERS ?? 5000);
const GROUPS = Number(process.env.BENCH_SCIM_GROUPS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_SCIM_CONCURRENCY ?? 20);
const MEMBERS_PER_PATCH = Number(process.env.BENCH_SCIM_MEMBERS_PER_PATCH ?? 1);
const SAMPLE = Number(process.env.BENCH_SCIM_SAMPLE ?? 100);
const HOLD_MS = Number(process.env.BENCH_SCIM_HOLD_MS ?? 5);
const SHAPE: SyncShape = {
  users: USERS,
  groups: GROUPS,
  inFlight: CONCURRENCY,
  membersPerPatch: MEMBERS_PER_PATCH,
  memberPageSize: 100,
};

const stops = stopOnExit();
const progress = (text: string) => process.stderr.write(`bench:scim: ${text}\n`);

await runOnDynamoDbLocal(stops, progress, main);

async function main({ dynamodb, loadAtStart }: BenchStart): Promise<void> {
  // 20 requests in flight on one SQLite thread of a shared machine can wait past the local 3 s.
  const { platform, createAccount } = await benchPlatform(dynamodb.endpoint, 'bench-scim', {
    dynamodbTimeoutMs: 15_000,
  });
  const tokenOf = async (alias: string) => {
    const { key } = await createAccount(alias);
    const answer = await platform.app.request(
      await signedJsonRequest(key, 'POST', '/v1/scim/tokens', JSON.stringify({ name: 'bench' })),
    );
    return ((await answer.json()) as { token: string }).token;
  };
  // The sample has an account of its own: the sync's 5,000 users are exactly the account's quota.
  let token = await tokenOf('scim-sample');
  const scim = async (method: string, path: string, body?: unknown) => {
    const started = performance.now();
    const response = await platform.app.request(`http://bench.local/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      text,
      ms: performance.now() - started,
      retryAfter: Number(response.headers.get('retry-after') ?? 1),
    };
  };
  const user = (userName: string) => ({
    userName,
    name: { givenName: 'Bench', familyName: 'User' },
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
  });

  progress(`sequential sample: ${SAMPLE} POST /Users, recorded and replayed`);
  const recorder = attachRecorder(platform.store.dynamodb);
  const own: number[] = [];
  const floor: number[] = [];
  let requestsPerUser = 0;
  for (let i = 0; i < SAMPLE; i++) {
    recorder.start();
    const answer = await scim('POST', '/Users', user(`sample.${i}@bench.example`));
    const calls = recorder.take();
    if (answer.status !== 201) throw new Error(`sample ${i}: ${answer.status} ${answer.text}`);
    const id = (JSON.parse(answer.text) as { id: string }).id;
    // A fresh name and id, so the replay's conditions pass as the original's did.
    const prepared = prepareReplay(calls, (text) =>
      text
        .replaceAll(`sample.${i}@`, `floor.${i}@`)
        .replaceAll(id, `${id.slice(0, 4)}${id[4] === 'F' ? 'G' : 'F'}${id.slice(5)}`),
    );
    const started = performance.now();
    const surprises = await replay(platform.store.documents, prepared);
    floor.push(performance.now() - started);
    if (surprises.length > 0) progress(`replay ${i}: ${surprises.join('; ')}`);
    own.push(answer.ms);
    requestsPerUser = calls.length;
  }

  token = await tokenOf('scim');
  // The sync itself runs under DynamoDB's transaction-conflict rule, as the scale test does.
  const emulator = installConflictEmulator(platform.store.dynamodb, { holdMs: HOLD_MS });
  const latencies = new Map<string, number[]>();
  let throttled = 0;
  const send: ScimSend = async (method, path, body) => {
    let answer = await scim(method, path, body);
    // As Okta and Entra do: a 429 waits its Retry-After and is sent again (the token admits 100/s).
    for (let attempt = 0; answer.status === 429 && attempt < 10; attempt++) {
      throttled++;
      await new Promise((resolve) => setTimeout(resolve, Math.max(answer.retryAfter, 0.05) * 1000));
      answer = await scim(method, path, body);
    }
    // `POST /Users`, `GET /Users/{id}?…`, `GET /Users?…`: the kind of request, not its ids.
    const [resource, id] = (path.split('?')[0] ?? '').split('/').slice(1);
    const kind = `${method} /${resource}${id ? '/{id}' : ''}${path.includes('?') ? '?…' : ''}`;
    const list = latencies.get(kind) ?? [];
    list.push(answer.ms);
    latencies.set(kind, list);
    return { status: answer.status, body: answer.text ? JSON.parse(answer.text) : undefined };
  };
  const phases: { name: string; seconds: number; requests: number; dynamodb: number; conflicts: number }[] =
    [];
  const phase = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    progress(name);
    emulator.resetCounts();
    const before = [...latencies.values()].reduce((sum, list) => sum + list.length, 0);
    recorder.start();
    const started = performance.now();
    const result = await run();
    const seconds = (performance.now() - started) / 1000;
    const calls = recorder.take().length;
    const requests = [...latencies.values()].reduce((sum, list) => sum + list.length, 0) - before;
    const conflicts = emulator.conflictsByItem().reduce((sum, item) => sum + item.conflicts, 0);
    phases.push({ name, seconds, requests, dynamodb: calls, conflicts });
    // Each phase's figures as it ends: a long run stopped early still says what it measured.
    progress(
      `  ${requests} requests in ${seconds.toFixed(1)} s, ${calls} DynamoDB requests, ${conflicts} conflicts`,
    );
    return result;
  };

  const created = await phase(`initial sync: ${GROUPS} POST /Groups, ${USERS} POST /Users`, () =>
    createSyncResources(send, SHAPE, 'Bench'),
  );
  if (created.failures.length > 0)
    throw new Error(`sync refused: ${created.failures.slice(0, 5).join('; ')}`);
  const refused = await phase(`memberships: PATCH /Groups, ${MEMBERS_PER_PATCH} a request`, () =>
    pushMemberships(send, SHAPE, created),
  );
  if (refused.length > 0) throw new Error(`memberships refused: ${refused.slice(0, 5).join('; ')}`);
  const problems = await phase("read-back: every user's groups, every group's members", () =>
    verifyMemberships(send, SHAPE, created),
  );
  emulator.uninstall();

  console.log(
    `\nbench:scim — ${USERS} users, ${GROUPS} groups, ${CONCURRENCY} in flight, ${MEMBERS_PER_PATCH} member(s) a PATCH, conflict hold ${HOLD_MS} ms; load ${loadAtStart.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}\n`,
  );
  console.log(
    renderTable(
      ['POST /Users, one at a time', 'p50 ms', 'p99 ms', 'DynamoDB requests'],
      [
        ['through SCIM (in-process)', ms(median(own)), ms(percentile(own, 99)), String(requestsPerUser)],
        [
          'raw DynamoDB floor (replay)',
          ms(median(floor)),
          ms(percentile(floor, 99)),
          String(requestsPerUser),
        ],
        [
          'SCIM / floor',
          ratio(median(own), median(floor)),
          ratio(percentile(own, 99), percentile(floor, 99)),
          '',
        ],
      ],
    ),
  );
  console.log('');
  console.log(
    renderTable(
      ['phase (under the conflict rule)', 'requests', 'per second', 'DynamoDB req/request', 'conflicts'],
      phases.map((done) => [
        done.name,
        String(done.requests),
        (done.requests / done.seconds).toFixed(1),
        (done.dynamodb / done.requests).toFixed(1),
        String(done.conflicts),
      ]),
    ),
  );
  console.log(`\nusers/s of the initial sync: ${(USERS / (phases[0]?.seconds ?? 1)).toFixed(1)}`);
  console.log(`429 answers waited out and sent again (the token's 100/s throttle): ${throttled}\n`);
  console.log(
    renderTable(
      ['request', 'count', 'p50 ms', 'p99 ms'],
      [...latencies].map(([kind, list]) => [
        kind,
        String(list.length),
        ms(median(list)),
        ms(percentile(list, 99)),
      ]),
    ),
  );
  const conflicts = phases.reduce((sum, done) => sum + done.conflicts, 0);
  console.log(
    `\nmemberships read back: ${problems.length === 0 ? 'all present' : `${problems.length} wrong`}`,
  );
  for (const problem of problems.slice(0, 20)) console.log(`  ${problem}`);
  if (conflicts > 0 || problems.length > 0) process.exitCode = 1;
}
