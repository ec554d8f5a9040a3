/**
 * The decision log: sampled authorization decisions per account, queryable by time and expired by
 * TTL. Items are written without a transaction (they change no policy); the sampling rate lives
 * on its own item whose version every change bumps, so cached account states pick it up.
 */
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { decisionLogKey, decisionLogPartition, decisionLogSettingsKey, decisionLogSortKey } from './keys.ts';
import { transact } from './transactions.ts';

/** One logged decision. */
export interface DecisionLogRecord {
  readonly accountId: string;
  readonly at: string;
  readonly requestId: string;
  /** Position in a batch (0 for a single decision). */
  readonly index: number;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: string;
  readonly reason: string;
  /** `<policy id>#<statement>` of the deciding statement, when one decided. */
  readonly decidingStatement?: string;
  /** The asker's ARN. */
  readonly askedBy: string;
  /** Epoch seconds after which DynamoDB TTL removes the item. */
  readonly expiresAt: number;
}

/** Writes logged decisions (25 per batch call, retrying unprocessed items briefly). */
export async function putDecisionLogRecords(
  context: StoreContext,
  records: readonly DecisionLogRecord[],
): Promise<void> {
  for (let start = 0; start < records.length; start += 25) {
    let requests: Record<string, unknown>[] | undefined = records.slice(start, start + 25).map((record) => ({
      PutRequest: {
        Item: {
          ...decisionLogKey(record.accountId, record.at, record.requestId, record.index),
          entity: 'decision',
          ...record,
        },
      },
    }));
    for (let attempt = 0; requests && requests.length > 0 && attempt < 5; attempt++) {
      const result = await context.documents.send(
        new BatchWriteCommand({ RequestItems: { [context.tableName]: requests as never } }),
      );
      requests = result.UnprocessedItems?.[context.tableName] as Record<string, unknown>[] | undefined;
      if (requests?.length) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
    }
  }
}

/** Reads an account's decisions between two instants (inclusive), oldest first, a page at a time. */
export async function queryDecisionLog(
  context: StoreContext,
  accountId: string,
  range: { from: string; to: string; limit: number; after?: string },
): Promise<{ items: DecisionLogRecord[]; next?: string }> {
  const lower = decisionLogSortKey(range.from);
  // `~` sorts after every character a sort key suffix holds, so `to` includes that instant's items.
  const upper = `${decisionLogSortKey(range.to)}~`;
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      KeyConditionExpression: range.after
        ? 'pk = :pk AND sk BETWEEN :after AND :to'
        : 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': decisionLogPartition(accountId),
        ':to': upper,
        ...(range.after ? { ':after': `${decisionLogSortKey(range.after)}!` } : { ':from': lower }),
      },
      Limit: range.limit,
    }),
  );
  const items = (result.Items ?? []).map(
    (item): DecisionLogRecord => ({
      accountId: String(item.accountId),
      at: String(item.at),
      requestId: String(item.requestId),
      index: Number(item.index),
      principal: String(item.principal),
      action: String(item.action),
      resource: String(item.resource),
      decision: String(item.decision),
      reason: String(item.reason),
      ...(typeof item.decidingStatement === 'string' ? { decidingStatement: item.decidingStatement } : {}),
      askedBy: String(item.askedBy),
      expiresAt: Number(item.expiresAt),
    }),
  );
  const last = result.Items?.at(-1);
  return result.LastEvaluatedKey && last ? { items, next: String(last.sk) } : { items };
}

/** Sets the fraction of an account's decisions to log (0 turns logging off). */
export async function putDecisionLogSettings(
  context: StoreContext,
  accountId: string,
  sampleRate: number,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        // An update, so the version (what cached account states revalidate against) counts up.
        Update: {
          Key: decisionLogSettingsKey(accountId),
          UpdateExpression:
            'SET entity = :entity, sampleRate = :rate, version = if_not_exists(version, :zero) + :one',
          ExpressionAttributeValues: {
            ':entity': 'decision-log-settings',
            ':rate': sampleRate,
            ':zero': 0,
            ':one': 1,
          },
        },
      },
    },
  ]);
}
