/**
 * One page of a GSI1 listing ordered by path then name (users, groups, roles, managed policies),
 * with IAM's paging: a cursor only when another item really follows.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client.ts';

/** A page request: items whose path starts with `pathPrefix`, after the cursor `after`. */
export interface PathPage {
  readonly pathPrefix?: string;
  readonly limit: number;
  readonly after?: string;
}

/** Reads one page of the listing partition `gsi1pk`; `pathOf` reads an item's path for the prefix filter. */
export async function queryPathListing(
  context: StoreContext,
  gsi1pk: string,
  page: PathPage,
  pathOf: (item: Record<string, unknown>) => string,
): Promise<{ items: Record<string, unknown>[]; next?: string }> {
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
  return more && last ? { items, next: String(last.gsi1sk) } : { items };
}
