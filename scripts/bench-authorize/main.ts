/**
 * `npm run bench:authorize`: warm decision throughput and latency, side by side in one run, on
 * DynamoDB Local. HTTP load with autocannon (its own process) at 10 and 50 connections against
 * POST /v1/authorize on the authorize function's app (SigV4-signed as the operator and as a tenant
 * user) next to a no-op Hono route on the same server (the framework's ceiling); then in-process
 * decisions through the decision service without HTTP. Each figure is the median of three rounds,
 * every scenario run once a round, interleaved; a share of the no-op route is taken within a round.
 * Then, in the same run: DynamoDB requests per decision (warm and cold), a batch of 100 against a
 * single decision, a 10-user account against a large one (BENCH_LARGE_USERS, default 2,000), and
 * the Lambdas' esbuild bundles (size, module initialisation) beside reference bundles, with a
 * Targets summary.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { operatorCaller } from '@palisade/principals';
import { createStoreContext, ensureTable, systemChangeOrigin } from '@palisade/store';
import { createAuthorizeFunction } from '../../functions/wiring/authorize-function.ts';
import { createPlatform } from '../../functions/wiring/platform.ts';
import { type Credentials, signJsonRequest } from '../../packages/decisions/test/support/signed-client.ts';
import { createUserWithPolicy } from '../../test/fixtures/user-with-policy.ts';
import { startDynamoDbLocal } from '../dynamodb-local.ts';
import { benchConfig } from './bench-app.ts';
import {
  attachRequestCounter,
  question as docQuestion,
  latency,
  populatedAccount,
} from './decision-costs.ts';
import { initSummary, measureLambdaBundles } from './lambda-bundle.ts';
import { readerAccount } from './reader-account.ts';
import { addReferenceRoutes } from './reference-routes.ts';

const run = promisify(execFile);
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** What this script reads from autocannon's JSON report. */
interface AutocannonReport {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}

/**
 * One autocannon run in its own process, so the load generator does not share the server's
 * event loop (on this 2-core machine each gets a core).
 */
async function autocannon(options: {
  url: string;
  connections: number;
  duration: number;
  method: string;
  headers: Record<string, string>;
  body?: string;
}): Promise<AutocannonReport> {
  const args = [
    AUTOCANNON,
    '--json',
    '-c',
    String(options.connections),
    '-d',
    String(options.duration),
    '-m',
    options.method,
    ...Object.entries(options.headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]),
    ...(options.body !== undefined ? ['-b', options.body] : []),
    options.url,
  ];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as AutocannonReport;
}

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const NOOP = 'no-op Hono route';
const RUNS = 3;
// 10,000 users take about two minutes to create on DynamoDB Local (every CreateUser updates one
// counter item in a transaction), so the default is 2,000; BENCH_LARGE_USERS=10000 runs the full size.
const LARGE_USERS = Number(process.env.BENCH_LARGE_USERS ?? 2_000);

interface Load {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  /** This process's CPU (the server's: the load generator is another process) per request, µs. */
  readonly cpuPerRequest: number;
  /** Throughput as a share of the no-op route's in the same round (the median of the rounds' shares). */
  readonly share: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** One autocannon run against `url`, with the server's CPU per request over it. */
async function loadOnce(
  url: string,
  connections: number,
  request: { method: string; headers: Record<string, string>; body?: string },
): Promise<Omit<Load, 'share'>> {
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({ url, connections, duration: DURATION_S, ...request });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    cpuPerRequest: (cpu.user + cpu.system) / Math.max(1, result.requests.average * DURATION_S),
  };
}

/** A scenario's runs summarised; `noop` holds the no-op route's runs of the same rounds, in order. */
function summarise(runs: readonly Omit<Load, 'share'>[], noop: readonly Omit<Load, 'share'>[]): Load {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    cpuPerRequest: median(runs.map((r) => r.cpuPerRequest)),
    share: median(runs.map((r, i) => r.rps / Math.max(1, noop[i]?.rps ?? 0))),
  };
}

function sign(base: URL, credentials: Credentials, path: string, body: string) {
  return signJsonRequest(base, credentials, 'POST', path, body);
}

async function startWithRetries() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDynamoDbLocal();
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

async function main() {
  // DYNAMODB_ENDPOINT reuses a running DynamoDB Local; otherwise start one (retried: a loaded machine is slow).
  const dynamo = process.env.DYNAMODB_ENDPOINT
    ? { endpoint: process.env.DYNAMODB_ENDPOINT, stop: async () => {} }
    : await startWithRetries();
  const operator = {
    accessKeyId: 'AKIAOPERATOR0000BENCH',
    secretAccessKey: 'operator-secret-for-bench-only-00000000',
  };
  const tableName = `bench-authorize-${Date.now()}`;
  await ensureTable(createStoreContext({ tableName, endpoint: dynamo.endpoint }));
  const config = benchConfig(tableName, dynamo.endpoint, operator);
  // The whole platform sets up accounts and answers in-process questions; HTTP load goes to the
  // authorize function's app as it ships (functions/authorize.ts), with the no-op route beside it.
  const newPlatform = () => createPlatform(config, () => {}, undefined, systemChangeOrigin('BenchSetUp'));
  const platform = newPlatform();
  const authorizeApp = createAuthorizeFunction(config, () => {});
  addReferenceRoutes(authorizeApp, operator, platform.decisions.decisions);
  const server = serve({ fetch: authorizeApp.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((done) => server.once('listening', done));
  const base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

  const {
    accountId: A,
    reader,
    question,
    call,
  } = await readerAccount(platform, operator.accessKeyId, 'bench');
  const body = JSON.stringify(question);
  const authorizeUrl = new URL('/v1/authorize', base).toString();
  const asOperator = { method: 'POST', headers: await sign(base, operator, '/v1/authorize', body), body };
  const asTenant = { method: 'POST', headers: await sign(base, reader, '/v1/authorize', body), body };
  const noop = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
  const libraryFloor = {
    method: 'POST',
    headers: await sign(base, operator, '/bench/library-floor', body),
    body,
  };
  const sigv4Only = {
    method: 'POST',
    headers: await sign(base, operator, '/bench/sigv4-only', body),
    body,
  };

  // Warm the caches and check the answer before measuring.
  const probe = await fetch(authorizeUrl, { method: 'POST', headers: asOperator.headers, body });
  const answer = (await probe.json()) as { decision?: string };
  if (answer.decision !== 'allowed') throw new Error(`unexpected warm-up answer ${JSON.stringify(answer)}`);
  for (const [path, request] of [
    ['/bench/sigv4-only', sigv4Only],
    ['/bench/library-floor', libraryFloor],
    ['/bench/decision-only', noop],
  ] as const) {
    const reference = await fetch(new URL(path, base), request);
    if (reference.status !== 200) throw new Error(`${path} answered ${reference.status}`);
  }

  const scenarios: {
    name: string;
    url: string;
    request: { method: string; headers: Record<string, string>; body: string };
  }[] = [
    { name: NOOP, url: new URL('/bench/noop', base).toString(), request: noop },
    {
      name: 'reference: SigV4 verification only',
      url: new URL('/bench/sigv4-only', base).toString(),
      request: sigv4Only,
    },
    {
      name: "reference: library floor (body read, smithy's signer signs the request as received)",
      url: new URL('/bench/library-floor', base).toString(),
      request: libraryFloor,
    },
    {
      name: 'reference: decision only (no authentication)',
      url: new URL('/bench/decision-only', base).toString(),
      request: noop,
    },
    { name: 'authorize (operator SigV4)', url: authorizeUrl, request: asOperator },
    { name: 'authorize (tenant user SigV4)', url: authorizeUrl, request: asTenant },
  ];
  // Round by round, every scenario once per round (every other round in reverse order), so a drift
  // in this shared machine's speed falls on all of them alike and each share is of the same round.
  const runsOf = new Map<string, Omit<Load, 'share'>[]>();
  for (let round = 0; round < RUNS; round++) {
    for (const connections of [10, 50]) {
      for (const scenario of round % 2 === 0 ? scenarios : [...scenarios].reverse()) {
        const key = `${scenario.name}|${connections}`;
        runsOf.set(key, [
          ...(runsOf.get(key) ?? []),
          await loadOnce(scenario.url, connections, scenario.request),
        ]);
      }
    }
  }
  const rows = [10, 50].flatMap((connections) =>
    scenarios.map(({ name }) => ({
      name,
      connections,
      result: summarise(
        runsOf.get(`${name}|${connections}`) ?? [],
        runsOf.get(`${NOOP}|${connections}`) ?? [],
      ),
    })),
  );

  // In-process: the decision service alone, no HTTP and no authentication.
  const caller = operatorCaller(operator.accessKeyId);
  const inProcess: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let count = 0;
    const until = performance.now() + 2000;
    while (performance.now() < until) {
      for (let i = 0; i < 200; i++) await platform.decisions.decisions.authorize(caller, question, 'bench');
      count += 200;
    }
    inProcess.push(count / 2);
  }
  const inProcessRate = median(inProcess);

  const ceiling = (connections: number) =>
    rows.find((r) => r.name.startsWith('no-op') && r.connections === connections)?.result.rps ?? 1;
  console.log(
    `\nPOST /v1/authorize on DynamoDB Local — medians of ${RUNS} interleaved rounds of ${DURATION_S} s; vs no-op is the median of each round's share (freshness window ${platform.decisions.cache.revalidateAfterMs} ms)\n`,
  );
  console.log('| scenario | conns | req/s | p50 ms | p99 ms | vs no-op | server CPU µs/req | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const { name, connections, result } of rows) {
    console.log(
      `| ${name} | ${connections} | ${Math.round(result.rps)} | ${result.p50} | ${result.p99} | ${result.share.toFixed(2)} | ${Math.round(result.cpuPerRequest)} | ${result.errors} |`,
    );
  }
  console.log(
    `| in-process decisions (no HTTP, no authentication) | – | ${Math.round(inProcessRate)} | – | – | ${(inProcessRate / ceiling(50)).toFixed(2)} | – | – |`,
  );

  const targets: string[] = [];
  const target = (name: string, met: boolean, detail: string) =>
    targets.push(`- ${met ? 'MET   ' : 'MISSED'} ${name}: ${detail}`);
  const row = (prefix: string, connections: number) =>
    rows.find((r) => r.name.startsWith(prefix) && r.connections === connections)?.result;
  const authorizeRows = rows.filter((r) => r.name.startsWith('authorize'));
  // The target is at 10 connections; 50 is printed beside it.
  const at10 = authorizeRows.filter((r) => r.connections === 10);
  const worstShare = (connections: number) =>
    Math.min(...authorizeRows.filter((r) => r.connections === connections).map((r) => r.result.share));
  const share = (prefix: string) => ((row(prefix, 10)?.share ?? 0) * 100).toFixed(0);
  target(
    'authorize throughput ≥ 50% of the no-op route (10 connections)',
    worstShare(10) >= 0.5,
    `worst ${(worstShare(10) * 100).toFixed(0)}% (${(worstShare(50) * 100).toFixed(0)}% at 50 connections); at 10, SigV4 verification alone reaches ${share('reference: SigV4')}% and the library floor, a body read and smithy's own signature of the request with no decision and none of Palisade's code, ${share('reference: library floor')}%`,
  );
  const worstP50 = Math.max(...at10.map((r) => r.result.p50));
  const worstP99 = Math.max(...at10.map((r) => r.result.p99));
  target(
    'authorize p50 ≤ 1 ms and p99 ≤ 5 ms (10 connections)',
    worstP50 <= 1 && worstP99 <= 5,
    `p50 ${worstP50} ms, p99 ${worstP99} ms`,
  );

  // (1) DynamoDB requests per decision, seen by a middleware on the platform's own store client.
  const counter = attachRequestCounter(platform.store.dynamodb);
  const ask = (p: typeof platform, q: object) => p.decisions.decisions.authorize(caller, q, 'bench');
  await ask(platform, question);
  const warm = await counter.count(() => ask(platform, question));
  await new Promise((done) => setTimeout(done, platform.decisions.cache.revalidateAfterMs + 50));
  const revalidating = await counter.count(() => ask(platform, question));
  await createUserWithPolicy(call, 'newcomer', 'docs', [
    { Effect: 'Allow', Action: 'docs:Read', Resource: '*' },
  ]);
  await ask(platform, question);
  const newPrincipal = await counter.count(() =>
    ask(platform, { ...question, principal: `arn:aws:iam::${A}:user/newcomer` }),
  );
  // An end user's token (the SaaS's own user signed in): warm token questions read nothing either.
  const password = 'Bench-authorize-Password-1!';
  await call('CreateLoginProfile', { UserName: 'reader', Password: password });
  const signedIn = await platform.app.request('/v1/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account: 'bench', userName: 'reader', password }),
  });
  const { accessToken } = (await signedIn.json()) as { accessToken: string };
  const tokenQuestion = { token: accessToken, action: question.action, resource: question.resource };
  const firstTokenAnswer = (await ask(platform, tokenQuestion)) as {
    ok: boolean;
    value?: { decision?: string };
  };
  if (firstTokenAnswer.value?.decision !== 'allowed')
    throw new Error(`unexpected token answer ${JSON.stringify(firstTokenAnswer)}`);
  const warmToken = await counter.count(() => ask(platform, tokenQuestion));
  const fresh = newPlatform();
  const freshCounter = attachRequestCounter(fresh.store.dynamodb);
  const coldStart = await freshCounter.count(() => ask(fresh, question));
  console.log('\nDynamoDB requests per decision (in-process, operator caller)\n');
  console.log('| case | requests | sequential round trips | which | after the answer (not awaited) |');
  console.log('|---|---:|---:|---|---|');
  for (const [name, count] of [
    ['warm (within freshness window)', warm],
    ["warm, asked with an end user's access token", warmToken],
    [`warm, freshness window (${platform.decisions.cache.revalidateAfterMs} ms) elapsed`, revalidating],
    ['cold principal (account state warm)', newPrincipal],
    ['cold platform (fresh createPlatform)', coldStart],
  ] as const) {
    console.log(
      `| ${name} | ${count.calls.length} | ${count.roundTrips} | ${count.calls.join('; ') || '–'} | ${count.background.join('; ') || '–'} |`,
    );
  }
  target(
    'warm decision: 0 DynamoDB requests',
    warm.calls.length === 0 && warmToken.calls.length === 0,
    `${warm.calls.length} requests (by principal ARN), ${warmToken.calls.length} (by access token)`,
  );
  target(
    'cold decision: ≤ 2 sequential round trips',
    coldStart.roundTrips <= 2 && newPrincipal.roundTrips <= 2,
    `cold platform ${coldStart.roundTrips} (${coldStart.calls.length} requests), cold principal ${newPrincipal.roundTrips} (${newPrincipal.calls.length} requests)`,
  );

  // (2) A batch of 100 against a single decision, warm: in-process, and over HTTP signed as the operator.
  const batchBody = {
    requests: Array.from({ length: 100 }, (_, i) => ({
      ...question,
      resource: `arn:aws:docs:us-east-1:${A}:doc/${i}`,
    })),
  };
  const batchText = JSON.stringify(batchBody);
  const batchHeaders = await sign(base, operator, '/v1/authorize/batch', batchText);
  const batchUrl = new URL('/v1/authorize/batch', base).toString();
  const post = async (url: string, headers: Record<string, string>, text: string) => {
    const response = await fetch(url, { method: 'POST', headers, body: text });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  const single = await latency(300, () => ask(platform, question));
  const batch = await latency(100, () =>
    platform.decisions.decisions.authorizeBatch(caller, batchBody, 'bench'),
  );
  await post(batchUrl, batchHeaders, batchText);
  const httpSingle = await latency(300, () => post(authorizeUrl, asOperator.headers, body));
  const httpBatch = await latency(100, () => post(batchUrl, batchHeaders, batchText));
  console.log('\nBatch of 100 vs single decision (warm; sequential calls, one at a time)\n');
  console.log('| call | samples | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  for (const [name, samples, result] of [
    ['in-process authorize', 300, single],
    ['in-process authorizeBatch (100)', 100, batch],
    ['HTTP POST /v1/authorize (operator SigV4)', 300, httpSingle],
    ['HTTP POST /v1/authorize/batch, 100 (operator SigV4)', 100, httpBatch],
  ] as const) {
    console.log(`| ${name} | ${samples} | ${result.p50.toFixed(3)} | ${result.p99.toFixed(3)} |`);
  }
  const httpRatio = httpBatch.p50 / httpSingle.p50;
  const inProcessRatio = batch.p50 / single.p50;
  target(
    'batch of 100 ≤ 10× single (HTTP p50)',
    httpRatio <= 10,
    `${httpRatio.toFixed(2)}× over HTTP; in-process ${inProcessRatio.toFixed(2)}× (no fixed per-call cost to amortise there)`,
  );

  // (3) An account with 10 users against one with LARGE_USERS, each user with one inline policy.
  const small = await populatedAccount(platform, operator.accessKeyId, 'bench-small', 10, 16);
  const large = await populatedAccount(platform, operator.accessKeyId, 'bench-large', LARGE_USERS, 32);
  const warmIn = (accountId: string) =>
    latency(1000, (i) => ask(platform, docQuestion(accountId, `user-${i % 10}`, i)));
  await warmIn(small.accountId);
  await warmIn(large.accountId);
  const warmSmall = await warmIn(small.accountId);
  const warmLarge = await warmIn(large.accountId);
  // Cold principals: fresh platforms whose account states are loaded, then nine never-asked users
  // of each account per platform (the small account has only ten users, so five platforms).
  const coldSmallTimes: number[] = [];
  const coldLargeTimes: number[] = [];
  for (let round = 0; round < 5; round++) {
    const cold = newPlatform();
    await ask(cold, docQuestion(small.accountId, 'user-0', 0));
    await ask(cold, docQuestion(large.accountId, 'user-0', 0));
    for (let i = 1; i < 10; i++) {
      let started = performance.now();
      await ask(cold, docQuestion(small.accountId, `user-${i}`, i));
      coldSmallTimes.push(performance.now() - started);
      started = performance.now();
      await ask(cold, docQuestion(large.accountId, `user-${((round * 9 + i) * 37) % LARGE_USERS}`, i));
      coldLargeTimes.push(performance.now() - started);
    }
  }
  const coldSmall = { p50: median(coldSmallTimes) };
  const coldLarge = { p50: median(coldLargeTimes) };
  console.log(`\nAccount size: 10 users vs ${LARGE_USERS} users (one inline policy each; in-process)\n`);
  console.log('| account | users | setup s | warm p50 ms | warm p99 ms | cold-principal p50 ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, users, setup, hot, cold] of [
    ['small', 10, small, warmSmall, coldSmall],
    ['large', LARGE_USERS, large, warmLarge, coldLarge],
  ] as const) {
    console.log(
      `| ${name} | ${users} | ${setup.seconds.toFixed(1)} | ${hot.p50.toFixed(3)} | ${hot.p99.toFixed(3)} | ${cold.p50.toFixed(3)} |`,
    );
  }
  const sizeRatio = warmLarge.p50 / warmSmall.p50;
  const coldRatio = coldLarge.p50 / coldSmall.p50;
  target(
    `large (${LARGE_USERS} users) vs small (10) latency ≤ 1.5×`,
    sizeRatio <= 1.5 && coldRatio <= 1.5,
    `warm p50 ${sizeRatio.toFixed(2)}×, cold-principal p50 ${coldRatio.toFixed(2)}×`,
  );

  // (4) The Lambdas as shipped (functions/wiring/deployment.ts), next to reference bundles.
  const bundles = await measureLambdaBundles(
    ['functions/authorize.handler', 'functions/api.handler'],
    Number(process.env.BENCH_INIT_RUNS ?? 25),
  );
  const {
    authorize: authorizeBundle,
    documentClient: dynamoReference,
    report,
    ratio,
    budget,
  } = initSummary(bundles);
  console.log(report.join('\n'));
  const initMedian = median([...authorizeBundle.initMs]);
  const sdkMedian = median([...dynamoReference.initMs]);
  target(
    'authorize bundle ≤ 500 KB',
    authorizeBundle.bytes <= 500 * 1024,
    `${(authorizeBundle.bytes / 1024).toFixed(0)} KB (${(authorizeBundle.bytes / (500 * 1024)).toFixed(2)}× the target)`,
  );
  target(
    'authorize module initialisation ≤ 50 ms',
    initMedian <= 50,
    `${initMedian.toFixed(1)} ms (${(initMedian / 50).toFixed(1)}× the target); a bundle of the DynamoDB document client alone takes ${sdkMedian.toFixed(1)} ms in the same runs (authorize = ${(initMedian / sdkMedian).toFixed(2)}× it)`,
  );
  target(
    'authorize module initialisation ≤ 1.2× the DynamoDB document client alone (CPU, same rounds)',
    ratio <= 1.2,
    `median of per-round CPU ratios ${ratio.toFixed(2)}× (wall ${(initMedian / sdkMedian).toFixed(2)}×, ratio of medians). ${budget}`,
  );

  console.log(`\nTargets\n\n${targets.join('\n')}`);

  await new Promise((done) => server.close(() => done(undefined)));
  await dynamo.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
