/** Strongly consistent reads of many items by key, the one BatchGetItem loop every module shares. */
import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client.ts';
import type { ItemKey } from './keys.ts';

/**
 * Reads items by key with BatchGetItem (100 keys a request, unprocessed keys retried), strongly
 * consistent; up to `width` requests in flight at once (default one after another); only the
 * top-level attributes in `projection` when given.
 */
export async function batchGetItems(
  context: StoreContext,
  keys: readonly ItemKey[],
  width = 1,
  projection?: readonly string[],
): Promise<Record<string, unknown>[]> {
  const projected = projection && projectionOf(projection);
  const items: Record<string, unknown>[] = [];
  const starts = Array.from({ length: Math.ceil(keys.length / 100) }, (_, i) => i * 100);
  const readChunk = async (start: number) => {
    let batch: Record<string, unknown>[] | undefined = keys
      .slice(start, start + 100)
      .map((key) => ({ ...key }));
    while (batch && batch.length > 0) {
      const result: BatchGetCommandOutput = await context.documents.send(
        new BatchGetCommand({
          RequestItems: { [context.tableName]: { Keys: batch, ConsistentRead: true, ...projected } },
        }),
      );
      items.push(...(result.Responses?.[context.tableName] ?? []));
      batch = result.UnprocessedKeys?.[context.tableName]?.Keys;
      // Throttled keys come back unprocessed: back off briefly before asking again.
      if (batch?.length) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, width), starts.length) }, async () => {
      while (next < starts.length) await readChunk(starts[next++] as number);
    }),
  );
  return items;
}

/** The projection expression of exactly `attributes` (top-level names, each through a placeholder). */
export function projectionOf(attributes: readonly string[]): {
  readonly ProjectionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
} {
  return {
    ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])),
  };
}
