/**
 * Layout v2: counters spread over shards (counter-shards.ts) and no account-wide policy epoch.
 * It reads and writes the name-keyed layout of its time (keys.ts `nameKeyedLayout`).
 *
 * For every account: each user, group, role, managed policy and OIDC provider is counted in one
 * shard of its account counter (the least-filled, so shards stay within their caps whenever the
 * account is within its quota) and records that shard; each group gets its member-count shards,
 * and each of its members is counted in one of them; the summary item keeps only the catalog's
 * counters; the POLICY-EPOCH item goes (freshness now comes from the versions of what changed).
 *
 * Idempotent: an entity or member is counted only while it records no shard (the condition and
 * the count are one transaction), a group's shards are created by an update that leaves existing
 * counts alone, and removals of what is already gone change nothing.
 */
import { DeleteCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client.ts';
import { allShards, readShardCounts } from './counter-shards.ts';
import {
  type AccountCounter,
  accountCounterPartition,
  accountCounterShardKey,
  groupMemberShardPrefix,
  type ItemKey,
  nameKeyedLayout,
} from './keys.ts';
import { forEachTablePage } from './migration-pages.ts';
import type { Migration } from './migrations.ts';
import { isConditionFailure } from './transactions.ts';

const COUNTED: Readonly<Record<string, AccountCounter>> = {
  user: 'users',
  group: 'groups',
  role: 'roles',
  'managed-policy': 'policies',
  'oidc-provider': 'oidcProviders',
};
const RECORD_SORT_KEYS = new Set(['USER', 'GROUP', 'ROLE', 'POLICY']);
const SPREAD_SUMMARY_FIELDS = ['users', 'groups', 'roles', 'policies', 'oidcProviders'];

/** Migration 2: spread counters, member shards, no policy epoch. */
export const spreadCounters: Migration = {
  version: 2,
  name: 'spread counters: quota and member-count shards; no policy epoch',
  async run(context, log) {
    const { store } = context;
    // Shard counts as this run has seen and moved them, read from the table on first use (a resume).
    const counts = new Map<string, Map<number, number>>();
    const countsOf = async (partition: string, prefix: string) => {
      const key = `${partition}|${prefix}`;
      let known = counts.get(key);
      if (!known) {
        known = await readShardCounts(store, partition, prefix);
        counts.set(key, known);
      }
      return known;
    };
    const leastFilled = (known: Map<number, number>) =>
      allShards.reduce((best, shard) => ((known.get(shard) ?? 0) < (known.get(best) ?? 0) ? shard : best), 0);
    let counted = 0;
    await forEachTablePage(context, async (items) => {
      for (const item of items) {
        const pk = String(item.pk);
        const sk = String(item.sk);
        const accountId = typeof item.accountId === 'string' ? item.accountId : undefined;
        const counter = COUNTED[String(item.entity)];
        const isCountedRecord =
          counter !== undefined &&
          accountId !== undefined &&
          (item.entity === 'oidc-provider' || RECORD_SORT_KEYS.has(sk));
        if (isCountedRecord && typeof item.quotaShard !== 'number') {
          const known = await countsOf(accountCounterPartition(accountId), `${counter}#`);
          const shard = leastFilled(known);
          const key = accountCounterShardKey(accountId, counter, shard);
          if (await countOnce(store, { pk, sk }, 'quotaShard', shard, key)) counted++;
          known.set(shard, (known.get(shard) ?? 0) + 1);
        }
        if (item.entity === 'group' && sk === 'GROUP' && accountId !== undefined) {
          for (const shard of allShards) {
            await ensureShard(
              store,
              nameKeyedLayout.groupMemberShardKey(accountId, String(item.name), shard),
            );
          }
        }
        if (item.entity === 'member' && typeof item.memberShard !== 'number') {
          const known = await countsOf(pk, groupMemberShardPrefix);
          const shard = leastFilled(known);
          const key = nameKeyedLayout.memberShardKeyIn(pk, shard);
          // The user's side of the membership records the shard too, so a rename can carry it.
          const [, account, , group] = pk.split('#');
          const userSide = nameKeyedLayout.membershipKey(
            String(account),
            String(item.userName),
            String(group),
          );
          if (await countOnce(store, { pk, sk }, 'memberShard', shard, key, [userSide])) counted++;
          known.set(shard, (known.get(shard) ?? 0) + 1);
        }
        if (item.entity === 'account-summary') await dropSpreadFields(store, { pk, sk });
        if (sk === 'POLICY-EPOCH' && /^ACCT#\d{12}$/.test(pk)) {
          await store.documents.send(new DeleteCommand({ TableName: store.tableName, Key: { pk, sk } }));
        }
      }
    });
    log({ msg: 'counted entities and members in shards', counted });
  },
};

/** Records `shard` on the item and counts it there, once: false when it already recorded one. */
async function countOnce(
  store: StoreContext,
  item: ItemKey,
  field: 'quotaShard' | 'memberShard',
  shard: number,
  counterKey: ItemKey,
  alsoMarked: readonly ItemKey[] = [],
): Promise<boolean> {
  try {
    await store.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: store.tableName,
              Key: item,
              UpdateExpression: 'SET #field = :shard',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#field)',
              ExpressionAttributeNames: { '#field': field },
              ExpressionAttributeValues: { ':shard': shard },
            },
          },
          ...alsoMarked.map((key) => ({
            Update: {
              TableName: store.tableName,
              Key: key,
              UpdateExpression: 'SET #field = :shard',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#field': field },
              ExpressionAttributeValues: { ':shard': shard },
            },
          })),
          {
            Update: {
              TableName: store.tableName,
              Key: counterKey,
              UpdateExpression: 'SET entity = if_not_exists(entity, :entity) ADD n :one',
              ExpressionAttributeValues: { ':entity': entityOf(counterKey), ':one': 1 },
            },
          },
        ],
      }),
    );
    return true;
  } catch (error) {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
    throw error;
  }
}

function entityOf(counterKey: ItemKey): string {
  return counterKey.sk.startsWith(groupMemberShardPrefix) ? 'member-count' : 'counter-shard';
}

/** Creates a member-count shard with zero members, leaving an existing one's count alone. */
async function ensureShard(store: StoreContext, key: ItemKey): Promise<void> {
  await store.documents.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: key,
      UpdateExpression: 'SET entity = :entity ADD n :zero',
      ExpressionAttributeValues: { ':entity': 'member-count', ':zero': 0 },
    }),
  );
}

/** Removes the counters that now live in shards from an account's summary item. */
async function dropSpreadFields(store: StoreContext, key: ItemKey): Promise<void> {
  try {
    await store.documents.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: key,
        UpdateExpression: `REMOVE ${SPREAD_SUMMARY_FIELDS.map((_, i) => `#f${i}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.fromEntries(
          SPREAD_SUMMARY_FIELDS.map((field, i) => [`#f${i}`, field]),
        ),
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
