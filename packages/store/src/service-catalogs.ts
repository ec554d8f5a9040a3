/**
 * Service catalogs: the service namespaces (actions, resource types, condition keys) the operator
 * registers for the whole platform and each account registers for itself. One partition per
 * scope, one item per prefix, so loading a scope's catalog is one query. An account's catalog is
 * bounded: the account summary counts its services and their bytes, in the same transaction as
 * each write, under a condition that holds the quota.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { accountSummaryKey, serviceCatalogKey } from './keys.ts';
import { queryWholePartition } from './partition-queries.ts';
import { type GuardedWrite, transact } from './transactions.ts';

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

/** An account's catalog limits: how many services, and how many bytes of definitions in all. */
export interface CatalogQuota {
  readonly services: number;
  readonly bytes: number;
}

/** The stored size of a definition (its JSON in UTF-8), what the byte quota counts. */
export function serviceDefinitionBytes(definition: ServiceCatalogRecord['definition']): number {
  return Buffer.byteLength(JSON.stringify(definition), 'utf8');
}

/** What a write replaces: its size and version, read strongly consistent. */
async function currentEntry(
  context: StoreContext,
  accountId: string,
  prefix: string,
): Promise<{ bytes: number; version: number | undefined } | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: serviceCatalogKey({ accountId }, prefix),
      ConsistentRead: true,
    }),
  );
  if (!result.Item) return undefined;
  const item = result.Item;
  return {
    bytes:
      typeof item.bytes === 'number'
        ? item.bytes
        : serviceDefinitionBytes(item.definition as ServiceCatalogRecord['definition']),
    version: typeof item.version === 'number' ? item.version : undefined,
  };
}

/** The condition that the item is still what `current` describes (absent, or this version). */
function unchangedSince(current: { version: number | undefined } | undefined): {
  ConditionExpression: string;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  if (current === undefined) return { ConditionExpression: 'attribute_not_exists(pk)' };
  if (current.version === undefined)
    return { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(version)' };
  return {
    ConditionExpression: 'version = :version',
    ExpressionAttributeValues: { ':version': current.version },
  };
}

const CHANGED = fail('entity.concurrent-modification', 'The service changed concurrently; retry.');

/**
 * Registers (replaces) a service in a scope. In an account's scope the write and the account's
 * catalog counters change together, and only within `quota`: a new service needs a free slot, and
 * growth needs room in the byte quota.
 */
export async function putServiceDefinition(
  context: StoreContext,
  scope: CatalogScope,
  record: ServiceCatalogRecord,
  quota: CatalogQuota,
): Promise<Result<void>> {
  if (scope === 'platform') {
    return transact(context, [
      {
        write: {
          Put: {
            Item: { ...serviceCatalogKey(scope, record.prefix), entity: 'service-definition', ...record },
          },
        },
      },
    ]);
  }
  const bytes = serviceDefinitionBytes(record.definition);
  const current = await currentEntry(context, scope.accountId, record.prefix);
  const added = bytes - (current?.bytes ?? 0);
  const room = quota.bytes - added;
  const exceeded = fail(
    'quota.exceeded',
    `Cannot exceed the service catalog quota of ${quota.services} services and ${quota.bytes} bytes of definitions per account.`,
  );
  if (room < 0) return exceeded;
  // INVARIANT: the counters move only with the items they count, under conditions that hold the quota.
  const conditions = [
    ...(current === undefined
      ? ['(attribute_not_exists(catalogServices) OR catalogServices < :services)']
      : []),
    ...(added > 0 ? ['(attribute_not_exists(catalogBytes) OR catalogBytes <= :room)'] : []),
  ];
  const writes: GuardedWrite[] = [
    {
      write: {
        Put: {
          Item: {
            ...serviceCatalogKey(scope, record.prefix),
            entity: 'service-definition',
            ...record,
            bytes,
            version: (current?.version ?? 0) + 1,
          },
          ...unchangedSince(current),
        },
      },
      onConditionFailed: CHANGED,
    },
    {
      write: {
        Update: {
          Key: accountSummaryKey(scope.accountId),
          UpdateExpression: 'ADD catalogServices :count, catalogBytes :added',
          ExpressionAttributeValues: {
            ':count': current === undefined ? 1 : 0,
            ':added': added,
            ...(current === undefined ? { ':services': quota.services } : {}),
            ...(added > 0 ? { ':room': room } : {}),
          },
          ...(conditions.length ? { ConditionExpression: conditions.join(' AND ') } : {}),
        },
      },
      onConditionFailed: exceeded,
    },
  ];
  return transact(context, writes);
}

/** Removes a service from a scope; false when it was not registered. An account's slot and bytes are freed. */
export async function deleteServiceDefinition(
  context: StoreContext,
  scope: CatalogScope,
  prefix: string,
): Promise<Result<boolean>> {
  if (scope !== 'platform') {
    const current = await currentEntry(context, scope.accountId, prefix);
    if (current === undefined) return ok(false);
    const removed = await transact(context, [
      {
        write: { Delete: { Key: serviceCatalogKey(scope, prefix), ...unchangedSince(current) } },
        onConditionFailed: CHANGED,
      },
      {
        write: {
          Update: {
            Key: accountSummaryKey(scope.accountId),
            UpdateExpression: 'ADD catalogServices :minus, catalogBytes :freed',
            ExpressionAttributeValues: { ':minus': -1, ':freed': -current.bytes },
          },
        },
      },
    ]);
    return removed.ok ? ok(true) : removed;
  }
  const removed = await transact(context, [
    {
      write: {
        Delete: { Key: serviceCatalogKey(scope, prefix), ConditionExpression: 'attribute_exists(pk)' },
      },
      onConditionFailed: fail('entity.not-found', `No service ${prefix}.`),
    },
  ]);
  return ok(removed.ok);
}

/** Every service registered in a scope, in prefix order. */
export async function listServiceDefinitions(
  context: StoreContext,
  scope: CatalogScope,
): Promise<ServiceCatalogRecord[]> {
  const items = await queryWholePartition(context, serviceCatalogKey(scope).pk);
  const records = items.map(
    (item): ServiceCatalogRecord => ({
      prefix: String(item.prefix),
      definition: item.definition as ServiceCatalogRecord['definition'],
      updatedAt: String(item.updatedAt),
    }),
  );
  return records;
}
