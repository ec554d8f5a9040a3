/** Whole-partition reads: every item of one partition (optionally under a sort-key prefix), paged to the end. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client.ts';

/** Every item of partition `pk` whose sort key starts with `prefix` (all when absent), strongly consistent. */
export async function queryWholePartition(
  context: StoreContext,
  pk: string,
  prefix?: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const result = await context.documents.send(
      new QueryCommand({
        TableName: context.tableName,
        KeyConditionExpression: prefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ...(prefix === undefined ? {} : { ':prefix': prefix }) },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(result.Items ?? []));
    start = result.LastEvaluatedKey;
  } while (start);
  return items;
}
