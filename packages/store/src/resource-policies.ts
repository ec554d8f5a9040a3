/**
 * Resource-based policies and tags of tenant resources (any ARN with an account segment). The
 * ARN's account owns the item; every put bumps its version and a delete removes it, so cached
 * decisions on the resource (stamped with that item) see either within the revalidation window.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { resourcePolicyKey, resourcePolicyListKey } from './keys.ts';
import type { Tag } from './principals.ts';
import { absentStamp, type RecordStamp, recordStamp } from './record-stamps.ts';
import { transact } from './transactions.ts';

/** A registered resource: its policy document (if any) and its tags. */
export interface ResourcePolicyRecord {
  readonly accountId: string;
  readonly resourceArn: string;
  /** The policy's JSON text; absent when only tags are registered. */
  readonly policy?: string;
  readonly tags: readonly Tag[];
  readonly updatedAt: string;
  readonly version: number;
}

/** Reads a resource's record (strongly consistent); undefined when nothing is registered. */
export async function getResourcePolicy(
  context: StoreContext,
  accountId: string,
  resourceArn: string,
): Promise<ResourcePolicyRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: resourcePolicyKey(accountId, resourceArn),
      ConsistentRead: true,
    }),
  );
  return result.Item ? toResourcePolicy(result.Item) : undefined;
}

/** Like getResourcePolicy, with the item's stamp (or its absence's) for caches. */
export async function getResourcePolicyStamped(
  context: StoreContext,
  accountId: string,
  resourceArn: string,
): Promise<{ record: ResourcePolicyRecord | undefined; stamp: RecordStamp }> {
  const key = resourcePolicyKey(accountId, resourceArn);
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: key, ConsistentRead: true }),
  );
  return result.Item
    ? { record: toResourcePolicy(result.Item), stamp: recordStamp(result.Item) }
    : { record: undefined, stamp: absentStamp(key) };
}

/** Writes (replaces) a resource's policy and tags; `expectedVersion` guards against lost updates. */
export async function putResourcePolicy(
  context: StoreContext,
  record: Omit<ResourcePolicyRecord, 'version'>,
  expectedVersion?: number,
): Promise<Result<ResourcePolicyRecord>> {
  const current = await getResourcePolicy(context, record.accountId, record.resourceArn);
  const version = (current?.version ?? 0) + 1;
  const stored: ResourcePolicyRecord = { ...record, version };
  const guard = expectedVersion ?? current?.version;
  const written = await transact(context, [
    {
      write: {
        Put: {
          Item: {
            ...resourcePolicyKey(record.accountId, record.resourceArn),
            ...resourcePolicyListKey(record.accountId, record.resourceArn),
            entity: 'resource-policy',
            ...stored,
          },
          ...(guard === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': guard },
              }),
        },
      },
      onConditionFailed: fail(
        expectedVersion === undefined ? 'entity.concurrent-modification' : 'entity.precondition-failed',
        `The resource ${record.resourceArn} changed meanwhile; read it again and retry.`,
      ),
    },
  ]);
  return written.ok ? ok(stored) : written;
}

/** Removes a resource's record; entity.not-found when nothing was registered. */
export async function deleteResourcePolicy(
  context: StoreContext,
  accountId: string,
  resourceArn: string,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Delete: {
          Key: resourcePolicyKey(accountId, resourceArn),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.not-found', `No policy or tags are registered for ${resourceArn}.`),
    },
  ]);
}

/** Lists an account's registered resources in ARN order, a page at a time. */
export async function listResourcePolicies(
  context: StoreContext,
  accountId: string,
  page: { limit: number; after?: string },
): Promise<{ items: ResourcePolicyRecord[]; next?: string }> {
  const { gsi1pk } = resourcePolicyListKey(accountId, `arn:x:x::${accountId}:x`);
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: page.after ? 'gsi1pk = :p AND gsi1sk > :after' : 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': gsi1pk, ...(page.after ? { ':after': page.after } : {}) },
      Limit: page.limit,
    }),
  );
  const items = (result.Items ?? []).map(toResourcePolicy);
  const last = items.at(-1);
  return result.LastEvaluatedKey && last ? { items, next: last.resourceArn } : { items };
}

function toResourcePolicy(item: Record<string, unknown>): ResourcePolicyRecord {
  return {
    accountId: String(item.accountId),
    resourceArn: String(item.resourceArn),
    ...(typeof item.policy === 'string' ? { policy: item.policy } : {}),
    tags: (item.tags as Tag[] | undefined) ?? [],
    updatedAt: String(item.updatedAt),
    version: Number(item.version),
  };
}
