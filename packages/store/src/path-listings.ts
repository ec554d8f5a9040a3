/**
 * One page of a GSI1 listing ordered by path then name (users, groups, roles, managed policies),
 * with IAM's paging: a cursor only when another item really follows.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { projectionOf } from './batch-get-items.ts';
import type { StoreContext } from './client.ts';
import { type EntityKind, entityRecordKey, isEntityId } from './keys.ts';

/** A page request: items whose path starts with `pathPrefix`, after the cursor `after`. */
export interface PathPage {
  readonly pathPrefix?: string;
  readonly limit: number;
  readonly after?: string;
}

/**
 * Reads one page of the listing partition `gsi1pk`; `pathOf` reads an item's path for the prefix
 * filter. With `attributes`, each item holds only those (plus the listing's own `gsi1sk` and `id`):
 * IAM's listings show a subset of each entity, and DynamoDB reads, sends and the SDK unmarshals less.
 */
export async function queryPathListing(
  context: StoreContext,
  gsi1pk: string,
  page: PathPage,
  pathOf: (item: Record<string, unknown>) => string,
  attributes?: readonly string[],
): Promise<{ items: Record<string, unknown>[]; next?: string; nextId?: string }> {
  const prefix = page.pathPrefix ?? '/';
  // A cursor outside this listing's range (a forged or stale marker) lists nothing.
  if (page.after !== undefined && !page.after.startsWith(prefix)) return { items: [] };
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: page.after
        ? 'gsi1pk = :p AND gsi1sk BETWEEN :after AND :end'
        : 'gsi1pk = :p AND begins_with(gsi1sk, :prefix)',
      ...(attributes && projectionOf([...new Set([...attributes, 'gsi1sk', 'id'])])),
      ExpressionAttributeValues: {
        ':p': gsi1pk,
        ...(page.after
          ? { ':after': `${page.after}\u0000`, ':end': `${prefix}\uffff` }
          : { ':prefix': prefix }),
      },
      // One more than asked: DynamoDB reports LastEvaluatedKey whenever Limit is reached, even when
      // nothing follows, which would make clients fetch an empty last page.
      Limit: page.limit + 1,
    }),
  );
  const found = result.Items ?? [];
  const pageItems = found.slice(0, page.limit);
  const items = pageItems.filter((item) => pathOf(item).startsWith(prefix));
  const last = pageItems.at(-1);
  const more = found.length > page.limit;
  return more && last ? { items, next: String(last.gsi1sk), nextId: String(last.id) } : { items };
}

/**
 * The cursor a listing continues after when its marker carried only `near`, a prefix of the cursor,
 * and the id of the entity the page ended at: that entity's listing key while it is still where the
 * page left it (one GetItem); `near` otherwise (gone or moved: items may be listed again, none skipped).
 */
export async function pathListingCursor(
  context: StoreContext,
  accountId: string,
  kind: EntityKind,
  id: string | undefined,
  near: string,
): Promise<string> {
  if (id === undefined || !isEntityId(kind, id)) return near;
  const found = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: entityRecordKey(accountId, kind, id),
      ConsistentRead: true,
    }),
  );
  const cursor = found.Item?.gsi1sk;
  return typeof cursor === 'string' && cursor.startsWith(near) ? cursor : near;
}
