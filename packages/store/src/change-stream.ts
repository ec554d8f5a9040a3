/**
 * The consumer side of change records: a port the audit trail, outbound events and cache
 * invalidation plug into, the decoder from the table's stream (NEW_AND_OLD_IMAGES, see
 * table-definition.ts) to records, and the local reader `npm start` runs on DynamoDB Local's
 * stream. In AWS the stream subscriber function (functions/change-stream.ts) feeds the same port.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { CHANGE_RECORD_ENTITY, type ChangeRecord, toChangeRecord } from './change-records.ts';

/** What consumes change records, in commit order per account; a throw means "deliver again". */
export type ChangeConsumer = (records: readonly ChangeRecord[]) => Promise<void>;

/** One stream record as Lambda's DynamoDB event and the Streams API both carry it. */
export interface ChangeStreamRecord {
  readonly eventName?: string;
  readonly dynamodb?: { readonly NewImage?: Record<string, unknown> };
}

/** Fans records out to every consumer, in order; one failing consumer fails the batch. */
export function fanOut(consumers: readonly ChangeConsumer[]): ChangeConsumer {
  return async function changeConsumers(records) {
    for (const consume of consumers) await consume(records);
  };
}

/**
 * The change records among stream records: inserted outbox items only (every other item, and
 * the TTL's removal of an outbox item, is ignored).
 */
export function decodeChangeStream(records: readonly ChangeStreamRecord[]): ChangeRecord[] {
  const decoded: ChangeRecord[] = [];
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || !image) continue;
    // INVARIANT: only outbox items are decoded. The local reader sees every item of the table, and
    // one it could not decode (DynamoDB Local shows an empty map as a value of no type) would
    // otherwise stall every consumer on that batch for good.
    if ((image as Record<string, { S?: string }>).entity?.S !== CHANGE_RECORD_ENTITY) continue;
    const change = toChangeRecord(unmarshall(image as Record<string, AttributeValue>));
    if (change) decoded.push(change);
  }
  return decoded;
}

/** Where and how the local reader polls. */
export interface ChangeStreamReaderOptions {
  readonly tableName: string;
  readonly endpoint: string;
  readonly region?: string;
  readonly consume: ChangeConsumer;
  /** Pause between polls of an idle shard. */
  readonly pollMs?: number;
  /** Called with errors the reader survives (it retries the shard on the next poll). */
  readonly onError?: (error: unknown) => void;
}

/** A running local reader. */
export interface ChangeStreamReader {
  /** Resolves once the reader is positioned on the stream: changes from then on are delivered. */
  readonly ready: Promise<void>;
  /** Stops polling and resolves once the current poll has finished. */
  stop(): Promise<void>;
}

const MAX_RECORDS_PER_CALL = 1000;

/**
 * Reads DynamoDB Local's stream of the table from its latest position in this process: one
 * iterator per open shard, following each shard into its children when it closes. Records a
 * consumer refused are delivered again on the next poll (the iterator only moves on success).
 */
export function startChangeStreamReader(options: ChangeStreamReaderOptions): ChangeStreamReader {
  const client = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: options.region ?? 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const pollMs = options.pollMs ?? 250;
  let stopped = false;
  let wake: (() => void) | undefined;
  // Shard id -> the iterator to read next; shards seen are never reopened from the start.
  const iterators = new Map<string, string>();
  const seen = new Set<string>();
  let positioned: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    positioned = resolve;
  });

  async function discover(streamArn: string, firstTime: boolean): Promise<void> {
    let start: string | undefined;
    do {
      const described = await client.send(
        new DescribeStreamCommand({
          StreamArn: streamArn,
          ...(start ? { ExclusiveStartShardId: start } : {}),
        }),
      );
      const shards = described.StreamDescription?.Shards ?? [];
      for (const shard of shards) {
        const id = shard.ShardId;
        if (!id || seen.has(id)) continue;
        seen.add(id);
        const open = shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
        // At start, read only what is new; shards that appear later are read from their beginning.
        if (firstTime && !open) continue;
        const iterator = await client.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: id,
            ShardIteratorType: firstTime ? 'LATEST' : 'TRIM_HORIZON',
          }),
        );
        if (iterator.ShardIterator) iterators.set(id, iterator.ShardIterator);
      }
      start = described.StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }

  async function poll(streamArn: string): Promise<boolean> {
    let delivered = false;
    for (const [shardId, iterator] of [...iterators]) {
      if (stopped) return delivered;
      const page = await client.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: MAX_RECORDS_PER_CALL }),
      );
      const records = decodeChangeStream((page.Records ?? []) as ChangeStreamRecord[]);
      if (records.length > 0) {
        await options.consume(records);
        delivered = true;
      }
      if (page.NextShardIterator) iterators.set(shardId, page.NextShardIterator);
      else {
        // The shard closed: its children carry on from where it ended.
        iterators.delete(shardId);
        await discover(streamArn, false);
      }
    }
    return delivered;
  }

  const running = (async () => {
    let streamArn: string | undefined;
    while (!stopped) {
      try {
        if (!streamArn) {
          const listed = await client.send(new ListStreamsCommand({ TableName: options.tableName }));
          streamArn = listed.Streams?.[0]?.StreamArn;
          if (streamArn) {
            await discover(streamArn, true);
            positioned();
          }
        } else {
          if (iterators.size === 0) await discover(streamArn, false);
          if (await poll(streamArn)) continue;
        }
      } catch (error) {
        options.onError?.(error);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();

  return {
    ready,
    async stop() {
      stopped = true;
      wake?.();
      await running;
      client.destroy();
    },
  };
}
