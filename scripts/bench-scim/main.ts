/**
 * `npm run bench:scim` (issue #13): what an IdP's initial sync costs through SCIM. Starts DynamoDB
 * Local, builds the platform, opens an account with a SCIM token, then:
 *  1. a sequential sample of POST /Users, each request's DynamoDB requests recorded and replayed
 *     directly (names and ids rewritten): the raw DynamoDB floor beside the request's own time;
 *  2. BENCH_SCIM_USERS POST /Users with BENCH_SCIM_CONCURRENCY requests in flight (users/s, p50/p99);
 *  3. every one of those users added to one of BENCH_SCIM_GROUPS groups by a single-member PATCH,
 *     at the same concurrency (memberships/s, p50/p99).
 * Requests go to the app in-process (`app.request`): no HTTP server, so the numbers are Palisade's
 * and DynamoDB Local's. Not part of `npm test`.
 */
import { loadavg } from 'node:os';
import { inParallel } from '../../test/fixtures/in-parallel.ts';
import { signedJsonRequest } from '../../test/fixtures/signed-requests.ts';
import { stopOnExit } from '../bench-iam/child-processes.ts';
import { attachRecorder, prepareReplay, replay } from '../bench-iam/dynamodb-recorder.ts';
import { median, ms, percentile, ratio, renderTable } from '../bench-iam/statistics.ts';
import { type BenchStart, benchPlatform, runOnDynamoDbLocal } from '../bench-platform.ts';

const USERS = Number(process.env.BENCH_SCIM_USERS ?? 2000);
const GROUPS = Number(process.env.BENCH_SCIM_GROUPS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_SCIM_CONCURRENCY ?? 20);
const SAMPLE = Number(process.env.BENCH_SCIM_SAMPLE ?? 100);
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const stops = stopOnExit();
const progress = (text: string) => process.stderr.write(`bench:scim: ${text}\n`);

await runOnDynamoDbLocal(stops, progress, main);

async function main({ dynamodb, loadAtStart }: BenchStart): Promise<void> {
  const { platform, createAccount } = await benchPlatform(dynamodb.endpoint, 'bench-scim');
  const { key } = await createAccount('scim');
  const created = await platform.app.request(
    await signedJsonRequest(key, 'POST', '/v1/scim/tokens', JSON.stringify({ name: 'bench' })),
  );
  const { token } = (await created.json()) as { token: string };
  const scim = async (method: string, path: string, body: unknown) => {
    const started = performance.now();
    const response = await platform.app.request(`http://bench.local/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, ms: performance.now() - started };
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

  progress(`initial sync: ${USERS} POST /Users, ${CONCURRENCY} in flight`);
  const createMs: number[] = [];
  const ids: string[] = [];
  const syncStarted = performance.now();
  await inParallel(USERS, CONCURRENCY, async (i) => {
    const answer = await scim('POST', '/Users', user(`sync.${i}@bench.example`));
    if (answer.status !== 201) throw new Error(`user ${i}: ${answer.status} ${answer.text}`);
    ids[i] = (JSON.parse(answer.text) as { id: string }).id;
    createMs.push(answer.ms);
  });
  const syncSeconds = (performance.now() - syncStarted) / 1000;

  const groupIds: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const answer = await scim('POST', '/Groups', { displayName: `Bench Group ${g}` });
    groupIds.push((JSON.parse(answer.text) as { id: string }).id);
  }
  progress(`memberships: ${USERS} single-member PATCH /Groups, ${CONCURRENCY} in flight`);
  const patchMs: number[] = [];
  const joinStarted = performance.now();
  await inParallel(USERS, CONCURRENCY, async (i) => {
    const answer = await scim('PATCH', `/Groups/${groupIds[i % GROUPS]}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: ids[i] }] }],
    });
    if (answer.status !== 204) throw new Error(`member ${i}: ${answer.status} ${answer.text}`);
    patchMs.push(answer.ms);
  });
  const joinSeconds = (performance.now() - joinStarted) / 1000;

  console.log(
    `\nbench:scim — ${USERS} users, ${GROUPS} groups, ${CONCURRENCY} in flight; load ${loadAtStart.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}\n`,
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
      ['concurrent phase', 'per second', 'p50 ms', 'p99 ms', 'floor users/s (sequential replay)'],
      [
        [
          'POST /Users',
          (USERS / syncSeconds).toFixed(1),
          ms(median(createMs)),
          ms(percentile(createMs, 99)),
          (1000 / median(floor)).toFixed(1),
        ],
        [
          'PATCH /Groups (one member)',
          (USERS / joinSeconds).toFixed(1),
          ms(median(patchMs)),
          ms(percentile(patchMs, 99)),
          '',
        ],
      ],
    ),
  );
}
