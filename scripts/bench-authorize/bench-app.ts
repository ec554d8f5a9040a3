/**
 * The set-up both authorize profiles share: DynamoDB Local, a table, the platform (for set-up), the
 * authorize function's app with the reference routes, and the reader account's question.
 */
import { Session } from 'node:inspector/promises';
import { createStoreContext, ensureTable, systemChangeOrigin } from '@palisade/store';
import type { Hono } from 'hono';
import { createAuthorizeFunction } from '../../functions/wiring/authorize-function.ts';
import { createPlatform, type Platform } from '../../functions/wiring/platform.ts';
import { startDynamoDbLocal } from '../dynamodb-local.ts';
import { type ReaderAccount, readerAccount } from './reader-account.ts';
import { addReferenceRoutes } from './reference-routes.ts';

/** The operator's key the profiles sign with. */
export const BENCH_OPERATOR = {
  accessKeyId: 'AKIAOPERATOR0000BENCH',
  secretAccessKey: 'operator-secret-for-bench',
} as const;

/** What a profile runs against. */
export interface BenchApp extends ReaderAccount {
  readonly platform: Platform;
  /** The authorize function's app as it ships, plus `/bench/*` reference routes. */
  readonly app: Hono;
  /** The question as a JSON body. */
  readonly body: string;
}

/** Starts DynamoDB Local, builds the apps and the reader account, runs `use`, then stops everything. */
export async function withBenchApp(
  tableName: string,
  use: (bench: BenchApp) => Promise<void>,
): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  try {
    await ensureTable(createStoreContext({ tableName, endpoint: dynamo.endpoint }));
    const config = benchConfig(tableName, dynamo.endpoint, BENCH_OPERATOR);
    const platform = createPlatform(config, () => {}, undefined, systemChangeOrigin('BenchSetUp'));
    const app = createAuthorizeFunction(config, () => {});
    addReferenceRoutes(app, BENCH_OPERATOR, platform.decisions.decisions);
    const account = await readerAccount(platform, BENCH_OPERATOR.accessKeyId, 'bench');
    await use({ ...account, platform, app, body: JSON.stringify(account.question) });
  } finally {
    await dynamo.stop();
  }
}

/** The platform configuration the authorize benches run with: a fixed master key, the `aws` partition. */
export function benchConfig(
  tableName: string,
  endpoint: string,
  operator: { readonly accessKeyId: string; readonly secretAccessKey: string },
) {
  return {
    tableName,
    dynamodbEndpoint: endpoint,
    operatorAccessKeyId: operator.accessKeyId,
    operatorSecretAccessKey: operator.secretAccessKey,
    masterKey: Buffer.alloc(32, 5).toString('base64'),
    partition: 'aws',
  };
}

/** An inspector session with the CPU profiler enabled at a 50 µs sampling interval. */
export async function profilerSession(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  return session;
}
