/**
 * `npm run bench:authorize:first-answer`: a cold start as a caller sees it, module initialisation
 * plus the first signed `POST /v1/authorize`, in a fresh Node process per round, on DynamoDB Local.
 * The shipped bundle (built as lambda-bundle.ts builds it) is imported outside the repository and
 * its handler invoked with an API Gateway (HTTP API) event signed by the bench account's reader, so
 * the first answer pays every lazy load and lookup the common path needs. BENCH_FIRST_ANSWER_RUNS
 * rounds (default 15); BENCH_FIRST_ANSWER_COMPARE names an earlier bundle's entry file (in a folder
 * this script leaves with BENCH_FIRST_ANSWER_KEEP=1) to measure beside it, interleaved round by round.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createStoreContext, ensureTable, systemChangeOrigin } from '@palisade/store';
import { createPlatform } from '../../functions/wiring/platform.ts';
import { signJsonRequest } from '../../packages/decisions/test/support/signed-client.ts';
import { startDynamoDbLocal } from '../dynamodb-local.ts';
import { BENCH_OPERATOR, benchConfig } from './bench-app.ts';
import { spread, writeHandlerBundle } from './lambda-bundle.ts';
import { readerAccount } from './reader-account.ts';

const run = promisify(execFile);
const RUNS = Number(process.env.BENCH_FIRST_ANSWER_RUNS ?? 15);
const HOST = 'abc123.execute-api.us-east-1.amazonaws.com';
const TABLE = 'bench-first-answer';

/**
 * Imports the bundle, then invokes its handler once with the event on stdin: prints the CPU of the
 * import, of the first answer, the answer's status and decision, and whether perf_hooks was loaded.
 */
function firstAnswerScript(file: string): string {
  const url = JSON.stringify(pathToFileURL(file).href);
  return [
    'const cpu=()=>{const u=process.cpuUsage();return (u.user+u.system)/1000};',
    "let text='';for await (const chunk of process.stdin) text+=chunk;const event=JSON.parse(text);",
    `const c0=cpu();const {handler}=await import(${url});const c1=cpu();`,
    'const response=await handler(event,{});const c2=cpu();',
    "const perf=process.moduleLoadList.includes('NativeModule perf_hooks');",
    'console.log(JSON.stringify({init:c1-c0,answer:c2-c1,status:response.statusCode,decision:JSON.parse(response.body).decision,perf}));',
  ].join('');
}

/** A signed HTTP API (payload 2.0) event for the reader's question, fresh for each round (SigV4's clock bound). */
async function signedEvent(credentials: { accessKeyId: string; secretAccessKey: string }, body: string) {
  const path = '/v1/authorize';
  const headers = await signJsonRequest(new URL(`https://${HOST}`), credentials, 'POST', path, body);
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers,
    isBase64Encoded: false,
    body,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: HOST,
      domainPrefix: 'abc123',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'bench' },
      requestId: 'bench-first-answer',
      routeKey: `POST ${path}`,
      stage: '$default',
      time: '07/Dec/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
  };
}

/** One bundle's rounds. */
interface Measured {
  readonly name: string;
  readonly entry: string;
  readonly init: number[];
  readonly answer: number[];
  readonly perf: boolean[];
}

console.log(`load average before: ${execFileSync('uptime').toString().trim()}`);
const directory = await mkdtemp(join(tmpdir(), 'palisade-first-answer-'));
const dynamo = await startDynamoDbLocal();
try {
  await ensureTable(createStoreContext({ tableName: TABLE, endpoint: dynamo.endpoint }));
  const config = benchConfig(TABLE, dynamo.endpoint, BENCH_OPERATOR);
  const platform = createPlatform(config, () => {}, undefined, systemChangeOrigin('BenchSetUp'));
  const account = await readerAccount(platform, BENCH_OPERATOR.accessKeyId, 'first-answer');
  const body = JSON.stringify(account.question);
  const entry = await writeHandlerBundle('functions/authorize.handler', directory);
  const bundles: Measured[] = [
    { name: 'functions/authorize.handler', entry, init: [], answer: [], perf: [] },
  ];
  const compare = process.env.BENCH_FIRST_ANSWER_COMPARE;
  if (compare) {
    bundles.push({
      name: `compare: ${compare}`,
      entry: compare,
      init: [],
      answer: [],
      perf: [],
    });
  }
  const env = {
    PATH: process.env.PATH ?? '',
    TABLE_NAME: TABLE,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    PALISADE_OPERATOR_ACCESS_KEY_ID: config.operatorAccessKeyId,
    PALISADE_OPERATOR_SECRET_ACCESS_KEY: config.operatorSecretAccessKey,
    PALISADE_MASTER_KEY: config.masterKey,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
  for (let round = 0; round < RUNS; round++) {
    for (const b of round % 2 === 0 ? bundles : [...bundles].reverse()) {
      const child = run(
        process.execPath,
        ['--no-warnings', '--input-type=module', '-e', firstAnswerScript(b.entry)],
        { env, cwd: directory },
      );
      child.child.stdin?.end(JSON.stringify(await signedEvent(account.reader, body)));
      const { stdout } = await child;
      const line = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
      if (line.status !== 200 || line.decision !== 'allowed') throw new Error(`unexpected answer: ${stdout}`);
      b.init.push(line.init);
      b.answer.push(line.answer);
      b.perf.push(line.perf);
    }
  }
  console.log(
    `\nCold start, ${RUNS} interleaved rounds, CPU ms: median (interquartile range)\n`,
    '\n| bundle | module init | first answer | init + first answer | perf_hooks loaded |',
    '\n|---|---:|---:|---:|---|',
  );
  for (const b of bundles) {
    const total = b.init.map((x, i) => x + (b.answer[i] ?? Number.NaN));
    console.log(
      `| ${b.name} | ${spread(b.init)} | ${spread(b.answer)} | ${spread(total)} | ${b.perf.every(Boolean) ? 'yes' : b.perf.some(Boolean) ? 'sometimes' : 'no'} |`,
    );
  }
  const [current, earlier] = bundles;
  if (current && earlier) {
    const ratio = (a: Measured, b: Measured) =>
      a.init.map(
        (x, i) =>
          (x + (a.answer[i] ?? Number.NaN)) / ((b.init[i] ?? Number.NaN) + (b.answer[i] ?? Number.NaN)),
      );
    console.log(
      `\ninit + first answer, per-round ratio current / compare: ${spread(ratio(current, earlier), 3)}`,
    );
  }
  if (process.env.BENCH_FIRST_ANSWER_KEEP) console.log(`\nbundle kept in ${directory}`);
} finally {
  await dynamo.stop();
  if (!process.env.BENCH_FIRST_ANSWER_KEEP) await rm(directory, { recursive: true, force: true });
}
console.log(`load average after: ${execFileSync('uptime').toString().trim()}`);
