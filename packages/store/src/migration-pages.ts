/** Paging through the whole table for data migrations. */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { schemaVersionKey } from './keys.ts';
import type { MigrationContext, MigrationCursor } from './migrations.ts';

/**
 * Visits every item of the table (but the migration bookkeeping) a page at a time, from where an
 * interrupted run stopped, checkpointing after each page: the usual body of a data migration.
 */
export async function forEachTablePage(
  context: MigrationContext,
  visit: (items: readonly Record<string, unknown>[]) => Promise<void>,
  pageSize = 100,
): Promise<void> {
  const bookkeeping = schemaVersionKey().pk;
  let cursor = context.resumeFrom;
  do {
    const page = await context.store.documents.send(
      new ScanCommand({
        TableName: context.store.tableName,
        ConsistentRead: true,
        Limit: pageSize,
        ...(cursor ? { ExclusiveStartKey: { ...cursor } } : {}),
      }),
    );
    await visit((page.Items ?? []).filter((item) => item.pk !== bookkeeping));
    cursor = page.LastEvaluatedKey as MigrationCursor | undefined;
    await context.checkpoint(cursor);
  } while (cursor);
}
