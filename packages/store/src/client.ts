/**
 * The DynamoDB client and table bootstrap. Everything else in the store takes a `StoreContext`,
 * so tests and the local runtime point the same code at DynamoDB Local.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { platformUnavailableError } from '@palisade/failures';
import type { ChangeOrigin } from './change-records.ts';
import { keyAttributes, type TableDefinition, tableDefinition } from './table-definition.ts';

/** Where the table lives and the client that reaches it. */
export interface StoreContext {
  readonly tableName: string;
  readonly documents: DynamoDBDocumentClient;
  readonly dynamodb: DynamoDBClient;
  /**
   * The origin of changes made outside any `withChangeOrigin` scope: set for bootstrap, migration
   * and test stores; absent in a serving process, where every change must come from a request.
   */
  readonly systemOrigin?: ChangeOrigin;
  /** Days an audit event is kept (TTL); DEFAULT_AUDIT_RETENTION_DAYS (audit-events.ts) when absent. */
  readonly auditRetentionDays?: number;
}

/** Options for reaching DynamoDB: a local endpoint, or the Lambda's default AWS configuration. */
export interface StoreOptions {
  readonly tableName: string;
  readonly endpoint?: string;
  readonly region?: string;
  /**
   * Milliseconds before one DynamoDB attempt is abandoned (a decision must not hang). When absent:
   * 1,000 against DynamoDB (single-digit milliseconds is normal, so three attempts give up within
   * about 3.5 s) and 3,000 against a local endpoint (DynamoDB Local is a JVM on a shared machine).
   * A request makes at most `maxAttempts` attempts.
   */
  readonly requestTimeoutMs?: number;
  readonly maxAttempts?: number;
  /** See StoreContext.systemOrigin. */
  readonly systemOrigin?: ChangeOrigin;
  /** See StoreContext.auditRetentionDays. */
  readonly auditRetentionDays?: number;
}

/** Builds the store context: one DynamoDB client with marshalling that drops undefined values. */
export function createStoreContext(options: StoreOptions): StoreContext {
  const local = options.endpoint !== undefined;
  const requestTimeout = options.requestTimeoutMs ?? (local ? 3_000 : 1_000);
  const dynamodb = new DynamoDBClient({
    ...(local
      ? {
          endpoint: options.endpoint,
          region: options.region ?? 'local',
          // DynamoDB Local accepts any credentials; real AWS uses the Lambda role.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : { region: options.region }),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      requestTimeout,
      // DynamoDB Local accepts connections from one JVM on a shared machine: under a burst of
      // requests a connect can take as long as an answer, so locally it gets the same bound.
      connectionTimeout: local ? requestTimeout : Math.min(requestTimeout, 1_000),
      // Without it the handler only logs a warning and keeps waiting for a stalled DynamoDB.
      throwOnRequestTimeout: true,
    },
  });
  // Outermost, so it sees what is left after the SDK's retries.
  dynamodb.middlewareStack.add(
    (next) =>
      async function storeUnavailable(args) {
        try {
          return await next(args);
        } catch (error) {
          if (isUnavailability(error)) {
            throw platformUnavailableError('DynamoDB did not answer in time or is failing.', error);
          }
          throw error;
        }
      },
    { step: 'initialize', name: 'storeUnavailable' },
  );
  const documents = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    tableName: options.tableName,
    documents,
    dynamodb,
    ...(options.systemOrigin ? { systemOrigin: options.systemOrigin } : {}),
    ...(options.auditRetentionDays === undefined ? {} : { auditRetentionDays: options.auditRetentionDays }),
  };
}

/** Creates the table from the one definition when it is missing; returns whether it created it. */
export async function ensureTable(
  context: StoreContext,
  definition: TableDefinition = tableDefinition,
): Promise<boolean> {
  try {
    await context.dynamodb.send(new DescribeTableCommand({ TableName: context.tableName }));
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await context.dynamodb.send(
      new CreateTableCommand({
        TableName: context.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keyAttributes(definition).map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: definition.partitionKey, KeyType: 'HASH' },
          { AttributeName: definition.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: definition.globalIndexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
        ...(definition.stream
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const } }
          : {}),
      }),
    );
  } catch (error) {
    // Two processes bootstrapping at once: the other one won, which is fine.
    if (error instanceof ResourceInUseException) return false;
    throw error;
  }
  await context.dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: context.tableName,
      TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
    }),
  );
  return true;
}

/** Asks the table to describe itself: the health check's proof that the store answers. */
export async function pingTable(
  context: StoreContext,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const described = await context.dynamodb.send(new DescribeTableCommand({ TableName: context.tableName }));
    const status = described.Table?.TableStatus;
    return status === 'ACTIVE' ? { ok: true } : { ok: false, reason: `table status ${status ?? 'unknown'}` };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    return { ok: false, reason: `table unreachable (${name})` };
  }
}

const TRANSPORT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/** A timeout, a transport failure, throttling or a server fault: DynamoDB cannot answer now. */
function isUnavailability(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const detail = error as Error & { code?: unknown; $fault?: unknown };
  return (
    error.name === 'TimeoutError' ||
    TRANSPORT_CODES.has(String(detail.code)) ||
    TRANSPORT_CODES.has(error.name) ||
    THROTTLING.has(error.name) ||
    detail.$fault === 'server'
  );
}
