/**
 * The consumer side of change records on DynamoDB Local's real stream: the local reader `npm start`
 * runs, the Lambda handler's decoding of a stream event, and the rule that no change is written
 * without its origin.
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import {
  type ChangeRecord,
  type ChangeStreamRecord,
  createStoreContext,
  decodeChangeStream,
  getPasswordPolicy,
  putPasswordPolicy,
  type StoreContext,
  startChangeStreamReader,
  systemChangeOrigin,
  withChangeOrigin,
} from '@palisade/store';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { handler } from '../functions/change-stream.ts';
import { createTestTable } from './fixtures/test-table.ts';

const ACCOUNT = '123456789012';
let store: StoreContext;

beforeAll(async () => {
  store = await createTestTable('change-stream', { stream: true });
});

const origin = (operation: string) => ({
  via: 'iam-query' as const,
  operation,
  requestId: `req-${operation}`,
  principal: { type: 'root', arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
});

async function until<T>(read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every raw record of the table's stream so far. */
async function rawStream(): Promise<StreamRecord[]> {
  const client = new DynamoDBStreamsClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const arn = (await client.send(new ListStreamsCommand({ TableName: store.tableName }))).Streams?.[0]
    ?.StreamArn;
  const shards =
    (await client.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription?.Shards ?? [];
  const records: StreamRecord[] = [];
  for (const shard of shards) {
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(page.Records ?? []));
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  client.destroy();
  return records;
}

describe('the local change stream reader', () => {
  const received: ChangeRecord[] = [];
  let reader: ReturnType<typeof startChangeStreamReader>;

  beforeAll(async () => {
    reader = startChangeStreamReader({
      tableName: store.tableName,
      endpoint: inject('dynamodbEndpoint'),
      pollMs: 50,
      consume: async (records) => {
        received.push(...records);
      },
    });
    await reader.ready;
  });
  afterAll(() => reader.stop());

  it('delivers the record of a committed change, and nothing for the other items it wrote', async () => {
    await withChangeOrigin(origin('UpdateAccountPasswordPolicy'), () =>
      putPasswordPolicy(store, ACCOUNT, { MinimumPasswordLength: 12 }),
    );
    const record = await until(() => received.find((r) => r.operation === 'UpdateAccountPasswordPolicy'));
    expect(record).toMatchObject({
      accountId: ACCOUNT,
      origin: { via: 'iam-query', requestId: 'req-UpdateAccountPasswordPolicy' },
      items: [
        { entity: 'password-policy', change: 'put', key: { pk: `ACCT#${ACCOUNT}`, sk: 'PASSWORD-POLICY' } },
      ],
    });
    expect(received.every((r) => r.recordId && r.items.length > 0)).toBe(true);
  });

  it('stops cleanly and delivers nothing after it stopped', async () => {
    // A second reader still running shows when the record was there to deliver: no sleep to guess it.
    const witnessed: ChangeRecord[] = [];
    const witness = startChangeStreamReader({
      tableName: store.tableName,
      endpoint: inject('dynamodbEndpoint'),
      pollMs: 50,
      consume: async (records) => {
        witnessed.push(...records);
      },
    });
    await witness.ready;
    await reader.stop();
    const before = received.length;
    await withChangeOrigin(origin('DeleteAccountPasswordPolicy'), async () => {
      await putPasswordPolicy(store, ACCOUNT, { MinimumPasswordLength: 14 });
    });
    await until(() => witnessed.find((r) => r.operation === 'DeleteAccountPasswordPolicy'));
    // A later record of the same item comes on the same shard after it: by the time the witness has
    // it too, a reader still polling at the same pace would have delivered the first.
    await withChangeOrigin(origin('AfterStopProbe'), () =>
      putPasswordPolicy(store, ACCOUNT, { MinimumPasswordLength: 15 }),
    );
    await until(() => witnessed.find((r) => r.operation === 'AfterStopProbe')).finally(() => witness.stop());
    expect(received.length).toBe(before);
  });
});

describe('the change-stream Lambda handler', () => {
  it('decodes a stream event into change records and ignores every other item', async () => {
    await withChangeOrigin(origin('LambdaProbe'), () =>
      putPasswordPolicy(store, ACCOUNT, { MinimumPasswordLength: 16 }),
    );
    const records = await rawStream();
    const event = { Records: records as unknown as ChangeStreamRecord[] };
    // The stream holds the policy items too; only outbox items decode.
    expect(records.length).toBeGreaterThan(decodeChangeStream(event.Records).length);
    // The handler opens the table from its configuration (its sealer seals the trails changed).
    vi.stubEnv('TABLE_NAME', store.tableName);
    vi.stubEnv('DYNAMODB_ENDPOINT', inject('dynamodbEndpoint'));
    // Outbound events are announced on the delivery queue; no subscription here, so none is sent.
    vi.stubEnv('PALISADE_EVENT_QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/123456789012/unused');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await handler(event);
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
    }
    const summaries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(summaries).toContainEqual(
      expect.objectContaining({
        msg: 'change',
        operation: 'LambdaProbe',
        accountId: ACCOUNT,
        via: 'iam-query',
      }),
    );
    expect(summaries.every((summary) => summary.msg === 'change')).toBe(true);
  });
});

describe('decodeChangeStream', () => {
  it('skips an item that is not a change record, even one whose image it could not decode', () => {
    // DynamoDB Local's stream shows an empty map attribute as a value of no type (a SCIM profile
    // with no extra attributes): decoding it would throw and stall every consumer of the stream.
    const undecodable = {
      eventName: 'INSERT',
      dynamodb: {
        NewImage: {
          pk: { S: `ACCT#${ACCOUNT}#USER#AIDAEXAMPLEUSER00001` },
          sk: { S: 'SCIM' },
          entity: { S: 'scim-profile' },
          attributes: {},
        },
      },
    };
    expect(decodeChangeStream([undecodable as unknown as ChangeStreamRecord])).toEqual([]);
  });
});

describe('transact', () => {
  it('refuses a change with no origin and writes nothing', async () => {
    const strict = createStoreContext({ tableName: store.tableName, endpoint: inject('dynamodbEndpoint') });
    const other = '210987654321';
    await expect(putPasswordPolicy(strict, other, { MinimumPasswordLength: 20 })).rejects.toThrow(
      /a change needs its origin/,
    );
    expect(await getPasswordPolicy(store, other)).toBeUndefined();
    // A system origin (bootstrap, migrations) is an origin.
    const system = createStoreContext({
      tableName: store.tableName,
      endpoint: inject('dynamodbEndpoint'),
      systemOrigin: systemChangeOrigin('Bootstrap'),
    });
    await putPasswordPolicy(system, other, { MinimumPasswordLength: 20 });
    expect(await getPasswordPolicy(store, other)).toEqual({ MinimumPasswordLength: 20 });
  });
});
