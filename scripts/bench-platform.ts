/**
 * The platform a bench measures: its table created on a running DynamoDB Local, the whole platform
 * built over it with a bench operator and a fixed master key (test-only secrets), and accounts
 * created through the operator's interface.
 */
import { loadavg } from 'node:os';
import { operatorCaller } from '@palisade/principals';
import { createStoreContext, ensureTable, systemChangeOrigin } from '@palisade/store';
import { createPlatform, type Platform } from '../functions/wiring/platform.ts';
import { type StopList, startDynamoDbLocalUntilStopped } from './bench-iam/child-processes.ts';
import type { DynamoDbLocal } from './dynamodb-local.ts';

/** The bench operator's key (never a real secret). */
export const BENCH_OPERATOR = {
  accessKeyId: 'AKIABENCHOPERATOR000',
  secretAccessKey: 'bench-operator-secret-0000000000000000',
} as const;

/** A bench's platform and the way to open accounts in it. */
export interface BenchPlatform {
  readonly platform: Platform;
  /** Creates an account as the operator; its id and root key. */
  createAccount(alias: string): Promise<{
    accountId: string;
    key: { accessKeyId: string; secretAccessKey: string };
  }>;
}

/**
 * Creates `tableName` on the DynamoDB at `endpoint` and builds the platform over it; `dynamodbTimeoutMs`
 * lifts the local 3 s bound on one DynamoDB request for a bench that loads DynamoDB Local heavily.
 */
export async function benchPlatform(
  endpoint: string,
  tableName: string,
  options: { readonly dynamodbTimeoutMs?: number } = {},
): Promise<BenchPlatform> {
  await ensureTable(createStoreContext({ tableName, endpoint }));
  const platform = createPlatform(
    {
      tableName,
      dynamodbEndpoint: endpoint,
      ...(options.dynamodbTimeoutMs ? { dynamodbTimeoutMs: options.dynamodbTimeoutMs } : {}),
      operatorAccessKeyId: BENCH_OPERATOR.accessKeyId,
      operatorSecretAccessKey: BENCH_OPERATOR.secretAccessKey,
      masterKey: Buffer.alloc(32, 7).toString('base64'),
      partition: 'aws',
    },
    () => {},
    undefined,
    systemChangeOrigin('BenchSetUp'),
  );
  return {
    platform,
    async createAccount(alias) {
      const created = await platform.accounts.createAccount(
        operatorCaller(BENCH_OPERATOR.accessKeyId),
        alias,
      );
      if (!created.ok) throw new Error(`${alias}: ${created.message}`);
      return { accountId: created.value.account.accountId, key: created.value.rootAccessKey };
    },
  };
}

/** What a bench measures on: its DynamoDB Local, and the machine's load before it started. */
export interface BenchStart {
  readonly dynamodb: DynamoDbLocal;
  /** The one-minute load average when the bench began (its report shows the load from then to the end). */
  readonly loadAtStart: number;
}

/**
 * Starts DynamoDB Local in memory (stopped with `stops`), runs `measure` on it, then stops everything
 * on `stops`, also when `measure` fails.
 */
export async function runOnDynamoDbLocal(
  stops: StopList,
  progress: (text: string) => void,
  measure: (start: BenchStart) => Promise<void>,
): Promise<void> {
  try {
    const loadAtStart = loadavg()[0] ?? 0;
    progress('starting DynamoDB Local (in memory)');
    await measure({ dynamodb: await startDynamoDbLocalUntilStopped(stops), loadAtStart });
  } finally {
    await stops.stopAll();
  }
}
