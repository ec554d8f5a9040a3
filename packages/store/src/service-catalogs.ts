/**
 * Service catalogs: the service namespaces (actions, resource types, condition keys) the operator
 * registers for the whole platform and each account registers for itself. One partition per
 * scope, one item per prefix, so loading a scope's catalog is one query.
 */
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client.ts';
import { serviceCatalogKey } from './keys.ts';

/** Who registered a service: the operator for every account, or one account for itself. */
export type CatalogScope = 'platform' | { readonly accountId: string };

/** A registered service, as stored (the definition is the policy engine's ServiceDefinition shape). */
export interface ServiceCatalogRecord {
  readonly prefix: string;
  readonly definition: {
    readonly prefix: string;
    readonly actions: readonly string[];
    readonly resourceTypes?: readonly { readonly name: string; readonly arnPattern: string }[];
    readonly conditionKeys?: readonly { readonly name: string; readonly type: string }[];
  };
  readonly updatedAt: string;
}

/** Registers (replaces) a service in a scope. */
export async function putServiceDefinition(
  context: StoreContext,
  scope: CatalogScope,
  record: ServiceCatalogRecord,
): Promise<void> {
  await context.documents.send(
    new PutCommand({
      TableName: context.tableName,
      Item: { ...serviceCatalogKey(scope, record.prefix), entity: 'service-definition', ...record },
    }),
  );
}

/** Removes a service from a scope; false when it was not registered. */
export async function deleteServiceDefinition(
  context: StoreContext,
  scope: CatalogScope,
  prefix: string,
): Promise<boolean> {
  try {
    await context.documents.send(
      new DeleteCommand({
        TableName: context.tableName,
        Key: serviceCatalogKey(scope, prefix),
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Every service registered in a scope, in prefix order. */
export async function listServiceDefinitions(
  context: StoreContext,
  scope: CatalogScope,
): Promise<ServiceCatalogRecord[]> {
  const records: ServiceCatalogRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const result = await context.documents.send(
      new QueryCommand({
        TableName: context.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': serviceCatalogKey(scope).pk },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of result.Items ?? []) {
      records.push({
        prefix: String(item.prefix),
        definition: item.definition as ServiceCatalogRecord['definition'],
        updatedAt: String(item.updatedAt),
      });
    }
    start = result.LastEvaluatedKey;
  } while (start);
  return records;
}
