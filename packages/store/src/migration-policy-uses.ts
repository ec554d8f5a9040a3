/**
 * Layout v4: a customer policy's use counts live in use shards in its own partition
 * (`USES#nn`, managed-policies.ts), no longer as `attachmentCount`/`boundaryUsageCount` on its
 * record and name item, so attaching one policy to many principals at once writes no common item.
 *
 * For every customer policy: its shards are created (an update that leaves existing counts alone)
 * and the two counters leave its record and name item. Each use is counted again from what it
 * left behind rather than copied from those counters, because a detach must give back to the
 * shard its use was counted in: each reverse attachment item, and each user or role whose
 * boundary is a customer policy, is counted once in one shard (chosen from its key, so a resumed
 * run chooses as a clean one did) and records it (`useShard`, `permissionsBoundaryShard`).
 *
 * Idempotent: a use is counted only while it records no shard (the condition and the count are
 * one transaction), the shards' creation adds zero, and removing removed counters changes
 * nothing. A use whose policy is gone is left uncounted and logged. As with migration 3, writes by
 * older code while it runs are not followed: a deploy crossing to v4 stops writes meanwhile.
 */
import { createHash } from 'node:crypto';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client.ts';
import { allShards } from './counter-shards.ts';
import {
  COUNTER_SHARDS,
  type EntityKind,
  entityNameKey,
  type ItemKey,
  policyAttachmentPrefix,
  policyRecordKey,
  policyUseShardKey,
} from './keys.ts';
import { forEachTablePage } from './migration-pages.ts';
import type { Migration } from './migrations.ts';

const USE_SHARD_ENTITY = 'policy-use-count';
// A customer policy's ARN: its account, then the name after the path's last slash.
const CUSTOMER_POLICY_ARN = /^arn:[\w-]{1,20}:iam::(\d{12}):policy\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,128})$/;

/** Migration 4: policy use counts in shards of each policy's partition. */
export const policyUseShards: Migration = {
  version: 4,
  name: 'policy use counts: use shards in each policy partition, every attachment and boundary counted once',
  async run(context, log) {
    const { store } = context;
    const tally = { policies: 0, attachments: 0, boundaries: 0, uncounted: 0 };
    await forEachTablePage(context, async (items) => {
      for (const item of items) {
        const sk = String(item.sk);
        const accountId = typeof item.accountId === 'string' ? item.accountId : undefined;
        if (item.entity === 'managed-policy' && sk === 'POLICY' && accountId !== undefined) {
          await spreadPolicy(store, accountId, String(item.id), String(item.name));
          tally.policies++;
        } else if (
          item.entity === 'policy-attachment' &&
          sk.startsWith(policyAttachmentPrefix) &&
          typeof item.useShard !== 'number'
        ) {
          const [, account, , policyId] = String(item.pk).split('#');
          const counted = await countOnce(
            store,
            { accountId: String(account), id: String(policyId) },
            'attachments',
            [
              {
                key: { pk: String(item.pk), sk },
                field: 'useShard',
                condition: 'attribute_not_exists(useShard)',
              },
            ],
          );
          tally[counted ? 'attachments' : 'uncounted']++;
        } else if (
          (item.entity === 'user' || item.entity === 'role') &&
          sk === String(item.entity).toUpperCase() &&
          accountId !== undefined &&
          typeof item.permissionsBoundary === 'string' &&
          typeof item.permissionsBoundaryShard !== 'number'
        ) {
          const counted = await countBoundary(store, accountId, item);
          if (counted !== undefined) tally[counted ? 'boundaries' : 'uncounted']++;
        }
      }
    });
    log({ msg: 'counted policy uses in use shards', ...tally });
  },
};

/** Creates a policy's use shards (leaving counts alone) and drops the counters from its record and name item. */
async function spreadPolicy(store: StoreContext, accountId: string, id: string, name: string): Promise<void> {
  const dropped = 'REMOVE attachmentCount, boundaryUsageCount';
  await store.documents.send(
    new TransactWriteCommand({
      TransactItems: [
        ...allShards.map((shard) => ({
          Update: {
            TableName: store.tableName,
            Key: policyUseShardKey(accountId, id, shard),
            UpdateExpression: 'SET entity = :entity ADD attachments :zero, boundaries :zero',
            ExpressionAttributeValues: { ':entity': USE_SHARD_ENTITY, ':zero': 0 },
          },
        })),
        {
          Update: {
            TableName: store.tableName,
            Key: policyRecordKey(accountId, id),
            UpdateExpression: dropped,
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        {
          Update: {
            TableName: store.tableName,
            Key: entityNameKey(accountId, 'POLICY', name),
            UpdateExpression: dropped,
            ConditionExpression: 'id = :id',
            ExpressionAttributeValues: { ':id': id },
          },
        },
      ],
    }),
  );
}

/**
 * Counts a user's or role's boundary once, when it is a customer policy of its account that
 * exists: true when counted, false when not (counted already, or the policy is gone), undefined
 * when the boundary is no customer policy (an operator-managed one has no counts).
 */
async function countBoundary(
  store: StoreContext,
  accountId: string,
  item: Record<string, unknown>,
): Promise<boolean | undefined> {
  const arn = String(item.permissionsBoundary);
  const parsed = CUSTOMER_POLICY_ARN.exec(arn);
  if (!parsed || parsed[1] !== accountId) return undefined;
  const { Item: policy } = await store.documents.send(
    new GetCommand({
      TableName: store.tableName,
      Key: entityNameKey(accountId, 'POLICY', parsed[2] as string),
      ConsistentRead: true,
    }),
  );
  if (!policy || policy.arn !== arn) return false;
  const kind = String(item.entity).toUpperCase() as EntityKind;
  return countOnce(store, { accountId, id: String(policy.id) }, 'boundaries', [
    {
      key: { pk: String(item.pk), sk: String(item.sk) },
      field: 'permissionsBoundaryShard',
      condition: 'attribute_not_exists(permissionsBoundaryShard) AND permissionsBoundary = :arn',
      values: { ':arn': arn },
    },
    {
      key: entityNameKey(accountId, kind, String(item.name)),
      field: 'permissionsBoundaryShard',
      condition: 'id = :id',
      values: { ':id': item.id },
    },
  ]);
}

/** An item that records the shard a use is counted in, under its own condition. */
interface Marked {
  readonly key: ItemKey;
  readonly field: 'useShard' | 'permissionsBoundaryShard';
  readonly condition: string;
  readonly values?: Readonly<Record<string, unknown>>;
}

/**
 * Records a shard on the marked items and counts one use of the policy there, in one transaction
 * that also checks the policy exists: false when a condition fails (counted already, or gone).
 */
async function countOnce(
  store: StoreContext,
  policy: { readonly accountId: string; readonly id: string },
  field: 'attachments' | 'boundaries',
  marked: readonly Marked[],
): Promise<boolean> {
  const first = marked[0] as Marked;
  const shard =
    (createHash('sha256').update(`${first.key.pk}|${first.key.sk}`).digest()[0] as number) % COUNTER_SHARDS;
  try {
    await store.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          ...marked.map(({ key, field: marker, condition, values }) => ({
            Update: {
              TableName: store.tableName,
              Key: key,
              UpdateExpression: `SET ${marker} = :shard`,
              ConditionExpression: condition,
              ExpressionAttributeValues: { ':shard': shard, ...values },
            },
          })),
          {
            Update: {
              TableName: store.tableName,
              Key: policyUseShardKey(policy.accountId, policy.id, shard),
              UpdateExpression: 'SET entity = :entity ADD #field :one',
              ExpressionAttributeNames: { '#field': field },
              ExpressionAttributeValues: { ':entity': USE_SHARD_ENTITY, ':one': 1 },
            },
          },
          {
            ConditionCheck: {
              TableName: store.tableName,
              Key: policyRecordKey(policy.accountId, policy.id),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
        ],
      }),
    );
    return true;
  } catch (error) {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) return false;
    throw error;
  }
}
