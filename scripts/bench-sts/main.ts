/**
 * `npm run bench:sts` (issue #5): sign-in p50 over HTTP next to the scrypt KDF alone, AssumeRole
 * (cross-account and same-account) and GetCallerIdentity p50/p99 over HTTP with @aws-sdk/client-sts,
 * and access-JWT verification in µs in-process (the sign-in keyring, the bare credentials verifier,
 * and full Bearer authentication with its session reads), all against Palisade on DynamoDB Local.
 * Sequential, one request at a time, after warm-up; everything it starts, it stops.
 *
 * Environment: BENCH_ITERATIONS (default 150, HTTP scenarios), BENCH_WARMUP (default 15),
 * BENCH_SIGN_IN_ITERATIONS (default 24: each costs one scrypt), BENCH_VERIFY_ITERATIONS (default
 * 5000, in-process JWT checks), BENCH_SCENARIO_SECONDS (default 30: a scenario stops early past it,
 * keeping at least 10 samples).
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { serve } from '@hono/node-server';
import {
  CURRENT_SCRYPT_PARAMETERS,
  createAccessTokenVerifier,
  createSecretBoxFromConfig,
  hashPassword,
  toPublicSigningJwk,
  verifyPassword,
} from '@palisade/credentials';
import { authenticateBearerToken, operatorCaller } from '@palisade/principals';
import { createStoreContext, ensureTable, readSigningKeys, systemChangeOrigin } from '@palisade/store';
import { createSignInService, defaultSignInSettings } from '@palisade/sts/sign-in';
import { createPlatform } from '../../functions/wiring/platform.ts';
import { stopOnExit } from '../bench-iam/child-processes.ts';
import {
  attachRecorder,
  type DynamoDbRecorder,
  describeCalls,
  type RecordedCall,
} from '../bench-iam/dynamodb-recorder.ts';
import { median, ms, percentile, renderTable } from '../bench-iam/statistics.ts';
import { type BenchStart, runOnDynamoDbLocal } from '../bench-platform.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 150);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 15);
const SIGN_IN_ITERATIONS = Number(process.env.BENCH_SIGN_IN_ITERATIONS ?? 24);
const VERIFY_ITERATIONS = Number(process.env.BENCH_VERIFY_ITERATIONS ?? 5_000);
/** A scenario stops early past this many seconds (with at least MIN_SAMPLES): shared machines crawl. */
const SCENARIO_SECONDS = Number(process.env.BENCH_SCENARIO_SECONDS ?? 30);
const MIN_SAMPLES = 10;
const REGION = 'us-east-1';
const ISSUER = 'http://bench-sts.palisade.local';
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
const PASSWORD = 'bench-Password-123!';
const doc = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

/** One line of the report: durations in milliseconds. */
interface Measured {
  readonly name: string;
  readonly how: 'HTTP' | 'in-process';
  readonly samples: readonly number[];
  /** DynamoDB requests per sample, and the time spent in them (ms). */
  readonly calls: readonly number[];
  readonly inDynamo: readonly number[];
  /** Durations (ms) of requests DynamoDB refused, by request and error, over all samples. */
  readonly failed: ReadonlyMap<string, readonly number[]>;
  /** The requests of the last sample, in the order they completed. */
  readonly last: readonly RecordedCall[];
}

/** Records the platform store's DynamoDB requests during each timed sample. */
let recorder: DynamoDbRecorder | undefined;

const stops = stopOnExit();
process.on('unhandledRejection', (error) => {
  console.error('bench:sts failed:', error);
  void stops.stopAll().finally(() => process.exit(1));
});
const progress = (text: string) => process.stderr.write(`bench:sts: ${text}\n`);

await runOnDynamoDbLocal(stops, progress, main);

/** Times `call` sequentially: `warmup` untimed runs, then up to `iterations` timed ones. */
async function measure(
  name: string,
  how: Measured['how'],
  warmup: number,
  iterations: number,
  call: (index: number) => Promise<void>,
): Promise<Measured> {
  progress(`${name}: ${warmup} warm-up + ${iterations} measured`);
  for (let index = 0; index < warmup; index++) await call(index);
  const samples: number[] = [];
  const calls: number[] = [];
  const inDynamo: number[] = [];
  let last: readonly RecordedCall[] = [];
  const failed = new Map<string, number[]>();
  const deadline = performance.now() + SCENARIO_SECONDS * 1_000;
  for (let index = 0; index < iterations; index++) {
    recorder?.start();
    const started = performance.now();
    await call(warmup + index);
    samples.push(performance.now() - started);
    const recorded = recorder?.take() ?? [];
    calls.push(recorded.length);
    inDynamo.push(recorded.reduce((sum, c) => sum + c.durationMs, 0));
    last = recorded;
    for (const call of recorded) {
      if (!call.error) continue;
      const named = withError(call).commandName;
      failed.set(named, [...(failed.get(named) ?? []), call.durationMs]);
    }
    if (performance.now() > deadline && samples.length >= Math.min(MIN_SAMPLES, iterations)) {
      progress(`${name}: time budget of ${SCENARIO_SECONDS} s spent, stopping at ${samples.length} samples`);
      break;
    }
  }
  return { name, how, samples, calls, inDynamo, failed, last };
}

async function main({ dynamodb, loadAtStart }: BenchStart): Promise<void> {
  const tableName = 'bench-sts';
  await ensureTable(createStoreContext({ tableName, endpoint: dynamodb.endpoint }));
  const operator = {
    accessKeyId: 'AKIABENCHOPERATOR000',
    secretAccessKey: 'bench-operator-secret-0000000000000000',
  };
  const config = {
    tableName,
    dynamodbEndpoint: dynamodb.endpoint,
    operatorAccessKeyId: operator.accessKeyId,
    operatorSecretAccessKey: operator.secretAccessKey,
    masterKey: MASTER_KEY,
    partition: 'aws',
    issuer: ISSUER,
  };
  const platform = createPlatform(config, () => {}, undefined, systemChangeOrigin('BenchSetUp'));
  recorder = attachRecorder(platform.store.dynamodb);
  const server = serve({ fetch: platform.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((listening) => server.once('listening', listening));
  stops.add(
    'platform server',
    () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  );
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  progress('creating accounts, a user with a login profile and access key, and two roles');
  const accountOf = async (alias: string) => {
    const created = await platform.accounts.createAccount(operatorCaller(operator.accessKeyId), alias);
    if (!created.ok) throw new Error(created.message);
    return { accountId: created.value.account.accountId, key: created.value.rootAccessKey };
  };
  const a = await accountOf('bench-sts-a');
  const b = await accountOf('bench-sts-b');
  const iam = (key: { accessKeyId: string; secretAccessKey: string }) =>
    new IAMClient({ endpoint: url, region: REGION, maxAttempts: 1, credentials: key });
  const rootA = iam(a.key);
  await rootA.send(new CreateUserCommand({ UserName: 'alice' }));
  await rootA.send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'assume',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }),
    }),
  );
  await rootA.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: PASSWORD }));
  const created = await rootA.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  const alice = {
    accessKeyId: created.AccessKey?.AccessKeyId ?? '',
    secretAccessKey: created.AccessKey?.SecretAccessKey ?? '',
  };
  const trustingA = doc({
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${a.accountId}:root` },
    Action: 'sts:AssumeRole',
  });
  await iam(b.key).send(new CreateRoleCommand({ RoleName: 'cross', AssumeRolePolicyDocument: trustingA }));
  await rootA.send(new CreateRoleCommand({ RoleName: 'local', AssumeRolePolicyDocument: trustingA }));

  const results: Measured[] = [];

  // (1) Sign-in over HTTP, and the KDF alone for comparison.
  const signInOnce = async (): Promise<string> => {
    const response = await fetch(`${url}/v1/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: 'bench-sts-a', userName: 'alice', password: PASSWORD }),
    });
    const body = (await response.json()) as { accessToken?: string };
    if (response.status !== 200 || !body.accessToken)
      throw new Error(`sign-in answered ${response.status}: ${JSON.stringify(body)}`);
    return body.accessToken;
  };
  results.push(
    await measure('sign-in (POST /v1/sign-in)', 'HTTP', 2, SIGN_IN_ITERATIONS, async () => {
      await signInOnce();
    }),
  );
  const stored = await hashPassword(PASSWORD);
  results.push(
    await measure('  scrypt verifyPassword alone', 'in-process', 1, SIGN_IN_ITERATIONS, async () => {
      const matched = await verifyPassword(PASSWORD, stored);
      if (!matched.ok) throw new Error('verifyPassword refused the right password');
    }),
  );

  // (2) AssumeRole and GetCallerIdentity over HTTP.
  const sts = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    new STSClient({ endpoint: url, region: REGION, maxAttempts: 1, credentials });
  const aliceSts = sts(alice);
  const assume = (roleArn: string) => async (index: number) => {
    const answer = await aliceSts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `bench-${index}` }),
    );
    if (!answer.Credentials?.AccessKeyId?.startsWith('ASIA')) throw new Error('AssumeRole gave no ASIA key');
  };
  const crossArn = `arn:aws:iam::${b.accountId}:role/cross`;
  results.push(
    await measure('AssumeRole cross-account (A user → B role)', 'HTTP', WARMUP, ITERATIONS, assume(crossArn)),
  );
  results.push(
    await measure(
      'AssumeRole same-account',
      'HTTP',
      WARMUP,
      ITERATIONS,
      assume(`arn:aws:iam::${a.accountId}:role/local`),
    ),
  );
  const identity = (client: STSClient, account: string) => async () => {
    const answer = await client.send(new GetCallerIdentityCommand({}));
    if (answer.Account !== account) throw new Error(`GetCallerIdentity answered ${answer.Account}`);
  };
  results.push(
    await measure(
      'GetCallerIdentity, long-term key (AKIA)',
      'HTTP',
      WARMUP,
      ITERATIONS,
      identity(aliceSts, a.accountId),
    ),
  );
  const temporary = (
    await aliceSts.send(new AssumeRoleCommand({ RoleArn: crossArn, RoleSessionName: 'bench-identity' }))
  ).Credentials;
  const roleSts = sts({
    accessKeyId: temporary?.AccessKeyId ?? '',
    secretAccessKey: temporary?.SecretAccessKey ?? '',
    sessionToken: temporary?.SessionToken ?? '',
  });
  results.push(
    await measure(
      'GetCallerIdentity, temporary key (ASIA)',
      'HTTP',
      WARMUP,
      ITERATIONS,
      identity(roleSts, b.accountId),
    ),
  );

  // (3) Access JWTs: a real token from sign-in, verified by the platform's own code paths.
  const token = await signInOnce();
  results.push(
    await measure('GetCallerIdentity, Bearer access JWT', 'HTTP', WARMUP, ITERATIONS, async () => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
      });
      const text = await response.text();
      if (response.status !== 200 || !text.includes(a.accountId))
        throw new Error(`Bearer GetCallerIdentity answered ${response.status}: ${text.slice(0, 200)}`);
    }),
  );
  // The same service the platform builds, over the same table: it reads the same signing keys.
  const signIn = createSignInService({
    ...defaultSignInSettings,
    store: platform.store,
    secrets: createSecretBoxFromConfig(MASTER_KEY),
    partition: 'aws',
    now: () => new Date(),
    issuer: ISSUER,
  });
  const keyringVerify = async () => {
    const verified = await signIn.verifyAccessToken(token, new Date());
    if (!verified.ok) throw new Error(`verifyAccessToken refused the token: ${verified.message}`);
  };
  results.push(
    await measure('verifyAccessToken (sign-in keyring)', 'in-process', 500, VERIFY_ITERATIONS, keyringVerify),
  );
  const { keys } = await readSigningKeys(platform.store);
  const verifier = createAccessTokenVerifier({
    issuer: ISSUER,
    audience: defaultSignInSettings.audience,
    publicKeys: keys.flatMap((key) => toPublicSigningJwk(key.publicJwk) ?? []),
  });
  results.push(
    await measure(
      'createAccessTokenVerifier alone (ES256 + claims)',
      'in-process',
      500,
      VERIFY_ITERATIONS,
      async () => {
        const verified = await verifier(token, new Date());
        if (!verified.ok) throw new Error(`the verifier refused the token: ${verified.message}`);
      },
    ),
  );
  const bearerContext = {
    store: platform.store,
    partition: 'aws',
    now: () => new Date(),
    verifyAccessToken: signIn.verifyAccessToken,
  };
  results.push(
    await measure(
      'authenticateBearerToken (JWT + session reads)',
      'in-process',
      WARMUP,
      ITERATIONS,
      async () => {
        const authenticated = await authenticateBearerToken(bearerContext, token);
        if (!authenticated.ok) throw new Error(`Bearer authentication refused: ${authenticated.message}`);
      },
    ),
  );

  report(results, `${loadAtStart.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}`);
}

/** Milliseconds as microseconds, for in-process lines. */
function us(value: number): string {
  return Number.isNaN(value) ? '—' : (value * 1_000).toFixed(1);
}

function report(results: readonly Measured[], load: string): void {
  const { ln, r, p } = CURRENT_SCRYPT_PARAMETERS;
  const memory = (128 * 2 ** ln * r * p) / 2 ** 20;
  console.log(
    `\nSTS benchmark — Node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? '?'}), ` +
      `load ${load}; sequential after warm-up. KDF: scrypt N=2^${ln} (ln=${ln}), r=${r}, p=${p}, ` +
      `${memory} MiB per hash.\n`,
  );
  const rows = results.map(({ name, how, samples, calls, inDynamo, last }) => {
    const p50 = median(samples);
    const p99 = percentile(samples, 99);
    const micro = how === 'in-process' && p50 < 1;
    const total = samples.reduce((sum, value) => sum + value, 0);
    return [
      name,
      how,
      String(samples.length),
      micro ? `${us(p50)} µs` : `${ms(p50)} ms`,
      micro ? `${us(p99)} µs` : `${ms(p99)} ms`,
      micro ? String(Math.round((samples.length / total) * 1_000)) : '—',
      String(median(calls)),
      ms(median(inDynamo)),
      describeCalls(last.map(withError)) || '—',
    ];
  });
  console.log(
    renderTable(
      [
        'measurement',
        'path',
        'n',
        'p50',
        'p99',
        'ops/s',
        'DDB req',
        'Σ DDB ms p50',
        'DDB requests (last sample)',
      ],
      rows,
    ),
  );
  const signIn = results.find((m) => m.name.startsWith('sign-in'));
  const kdf = results.find((m) => m.name.includes('scrypt'));
  if (signIn && kdf) {
    const total = median(signIn.samples);
    const scrypt = median(kdf.samples);
    console.log(
      `\nSign-in p50 ${ms(total)} ms: scrypt alone p50 ${ms(scrypt)} ms (${((scrypt / total) * 100).toFixed(0)}%); ` +
        `everything else ${ms(total - scrypt)} ms, including ${median(signIn.calls)} DynamoDB requests ` +
        `(Σ ${ms(median(signIn.inDynamo))} ms). Its requests, in completion order (last sample):`,
    );
    for (const call of signIn.last) console.log(`  ${describeRequest(call)}`);
  }
  const refusals = results.flatMap((result) =>
    [...result.failed].map(
      ([request, durations]) =>
        `  ${result.name}: ${request} in ${durations.length} of ${result.samples.length} samples, p50 ${ms(median(durations))} ms`,
    ),
  );
  if (refusals.length > 0) {
    console.log('\nDynamoDB requests refused (sent and awaited, but changed nothing):');
    for (const line of refusals) console.log(line);
  }
  console.log(
    'HTTP lines are full round trips from the AWS SDK (or fetch) on loopback to the in-process ' +
      'platform on DynamoDB Local in memory; ops/s is 1 / mean for one sequential caller; DDB req is ' +
      "the p50 count of the platform store's DynamoDB requests per call; Σ DDB is their summed time " +
      '(requests sent in parallel overlap, so it can exceed the wall time).',
  );
}

/** `GetItem pk=… sk=… 3.10 ms`: one recorded request with the keys it touched. */
function describeRequest(call: RecordedCall): string {
  const input = call.input as {
    Key?: Record<string, unknown>;
    Item?: Record<string, unknown>;
    ExpressionAttributeValues?: Record<string, unknown>;
    RequestItems?: Record<string, readonly unknown[]>;
    IndexName?: string;
  };
  const keys = input.Key ?? input.Item;
  const where = keys
    ? `pk=${String(keys.pk)} sk=${String(keys.sk)}`
    : input.RequestItems
      ? `${Object.values(input.RequestItems).reduce((n, items) => n + items.length, 0)} items`
      : `${input.IndexName ?? 'table'} ${JSON.stringify(input.ExpressionAttributeValues ?? {})}`;
  const error = call.error ? ` (${call.error})` : '';
  return `${call.commandName.replace(/Command$/, '').padEnd(14)} ${ms(call.durationMs).padStart(7)} ms  ${where.slice(0, 110)}${error}`;
}

/** A failed request counts under its own name, e.g. `UpdateItem ✗ConditionalCheckFailed`. */
function withError(call: RecordedCall): { commandName: string } {
  if (!call.error) return call;
  return {
    commandName: `${call.commandName.replace(/Command$/, '')} ✗${call.error.replace(/Exception$/, '')}`,
  };
}
