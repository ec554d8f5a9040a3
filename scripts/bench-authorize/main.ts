/**
 * `npm run bench:authorize`: warm decision throughput and latency, side by side in one run, on
 * DynamoDB Local. HTTP load with autocannon at 10 and 50 connections against POST /v1/authorize
 * (SigV4-signed as the operator, whose key needs no table read, and as a tenant user, whose key
 * does) next to a no-op Hono route on the same server (the framework's ceiling); then in-process
 * decisions through the decision service without HTTP. Each figure is the median of three runs.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { iamOperations, operatorCaller, rootCaller } from '@palisade/iam';
import { createStoreContext, ensureTable } from '@palisade/store';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { createPlatform } from '../../functions/wiring/platform.ts';
import { startDynamoDbLocal } from '../dynamodb-local.ts';

/** The part of autocannon's API this script uses (the package ships no types). */
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  method: string;
  headers: Record<string, string>;
  body?: string;
}) => Promise<{
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const RUNS = 3;

interface Load {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function load(
  url: string,
  connections: number,
  request: { method: string; headers: Record<string, string>; body?: string },
): Promise<Load> {
  const runs: Load[] = [];
  for (let i = 0; i < RUNS; i++) {
    const result = await autocannon({ url, connections, duration: DURATION_S, ...request });
    runs.push({
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.non2xx,
    });
  }
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

async function sign(
  base: URL,
  credentials: { accessKeyId: string; secretAccessKey: string },
  path: string,
  body: string,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials,
    region: 'us-east-1',
    service: 'palisade',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: true,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: base.hostname,
      port: Number(base.port),
      path,
      headers: { host: base.host, 'content-type': 'application/json' },
      body,
    }),
  );
  return signed.headers as Record<string, string>;
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
  const platform = createPlatform(
    {
      tableName,
      dynamodbEndpoint: dynamo.endpoint,
      operatorAccessKeyId: operator.accessKeyId,
      operatorSecretAccessKey: operator.secretAccessKey,
      masterKey: Buffer.alloc(32, 5).toString('base64'),
      partition: 'aws',
    },
    () => {},
  );
  platform.app.post('/bench/noop', (c) => c.json({ ok: true }));
  const server = serve({ fetch: platform.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((done) => server.once('listening', done));
  const base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

  const created = await platform.accounts.createAccount(operatorCaller(operator.accessKeyId), 'bench');
  if (!created.ok) throw new Error(created.message);
  const A = created.value.account.accountId;
  const ops = iamOperations(platform.iam);
  const root = rootCaller('aws', A);
  const call = async (action: string, input: object) => {
    const result = await ops[action]?.(root, input);
    if (!result?.ok) throw new Error(`${action}: ${result?.message}`);
    return result.value as Record<string, never>;
  };
  await call('CreateUser', { UserName: 'reader' });
  await call('PutUserPolicy', {
    UserName: 'reader',
    PolicyName: 'docs',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['docs:Read', 'docs:List', 'palisade:Authorize'], Resource: '*' },
        { Effect: 'Deny', Action: 'docs:*', Resource: `arn:aws:docs:us-east-1:${A}:doc/secret/*` },
      ],
    }),
  });
  const key = (await call('CreateAccessKey', { UserName: 'reader' })) as unknown as {
    AccessKey: { AccessKeyId: string; SecretAccessKey: string };
  };
  const reader = { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };

  const question = {
    principal: `arn:aws:iam::${A}:user/reader`,
    action: 'docs:Read',
    resource: `arn:aws:docs:us-east-1:${A}:doc/42`,
    context: { 'aws:SourceIp': '203.0.113.9' },
  };
  const body = JSON.stringify(question);
  const authorizeUrl = new URL('/v1/authorize', base).toString();
  const asOperator = { method: 'POST', headers: await sign(base, operator, '/v1/authorize', body), body };
  const asTenant = { method: 'POST', headers: await sign(base, reader, '/v1/authorize', body), body };
  const noop = { method: 'POST', headers: { 'content-type': 'application/json' }, body };

  // Warm the caches and check the answer before measuring.
  const probe = await fetch(authorizeUrl, { method: 'POST', headers: asOperator.headers, body });
  const answer = (await probe.json()) as { decision?: string };
  if (answer.decision !== 'allowed') throw new Error(`unexpected warm-up answer ${JSON.stringify(answer)}`);

  const rows: { name: string; connections: number; result: Load }[] = [];
  for (const connections of [10, 50]) {
    rows.push({
      name: 'no-op Hono route',
      connections,
      result: await load(new URL('/bench/noop', base).toString(), connections, noop),
    });
    rows.push({
      name: 'authorize (operator SigV4)',
      connections,
      result: await load(authorizeUrl, connections, asOperator),
    });
    rows.push({
      name: 'authorize (tenant user SigV4)',
      connections,
      result: await load(authorizeUrl, connections, asTenant),
    });
  }

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
    `\nPOST /v1/authorize on DynamoDB Local — medians of ${RUNS} runs of ${DURATION_S} s (freshness window ${platform.decisions.cache.revalidateAfterMs} ms)\n`,
  );
  console.log('| scenario | conns | req/s | p50 ms | p99 ms | vs no-op | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const { name, connections, result } of rows) {
    console.log(
      `| ${name} | ${connections} | ${Math.round(result.rps)} | ${result.p50} | ${result.p99} | ${(result.rps / ceiling(connections)).toFixed(2)} | ${result.errors} |`,
    );
  }
  console.log(
    `| in-process decisions (no HTTP, no authentication) | – | ${Math.round(inProcessRate)} | – | – | ${(inProcessRate / ceiling(50)).toFixed(2)} | – |`,
  );
  console.log(`\ncache: ${JSON.stringify(platform.decisions.cache.stats)}`);

  await new Promise((done) => server.close(() => done(undefined)));
  await dynamo.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
