/** Whole-partition reads: every item of one partition (optionally under a sort-key prefix), paged to the end. */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client.ts';

/** Every item of partition `pk` whose sort key starts with `prefix` (all when absent), strongly consistent. */
export function queryWholePartition(
  context: StoreContext,
  pk: string,
  prefix?: string,
): Promise<Record<string, unknown>[]> {
  return queryAllPages(context, {
    KeyConditionExpression: prefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ...(prefix === undefined ? {} : { ':prefix': prefix }) },
    ConsistentRead: true,
  });
}

/** Every item a Query of the store's table (or one of its indexes) matches, paged to the end. */
export async function queryAllPages(
  context: StoreContext,
  query: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const result = await context.documents.send(
      new QueryCommand({
        ...query,
        TableName: context.tableName,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(result.Items ?? []));
    start = result.LastEvaluatedKey;
  } while (start);
  return items;
}
