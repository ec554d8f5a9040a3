/**
 * Spread counters. A counter many writers move at once (an account's users, a group's members, a
 * customer policy's uses) is split over `COUNTER_SHARDS` items, so concurrent writers of distinct
 * entities update distinct items and DynamoDB does not cancel them for touching one item at the
 * same moment.
 *
 * Quotas stay exact: shard `i` of a counter bounded by `quota` has its own cap, and the caps sum to
 * the quota, so no interleaving of writers can pass it. An entity records the shard it was counted
 * in and gives back to that shard when deleted.
 *
 * Within one process, two writes in flight never hold the same shard (`withShard` hands each a
 * shard no other in-flight write of this process holds, and queues when every shard is taken).
 * Across processes (one Lambda instance per concurrent request), two concurrent writers of one
 * counter pick the same shard with probability 1/COUNTER_SHARDS; that rare collision is a
 * TransactionConflict, which `transact()` retries after the other writer commits.
 */
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import {
  type AccountCounter,
  accountCounterPartition,
  accountCounterShardKey,
  COUNTER_SHARDS,
  parseAccountCounterSortKey,
} from './keys.ts';
import { queryWholePartition } from './partition-queries.ts';
import { type GuardedWrite, transact } from './transactions.ts';

/** The cap of shard `shard` when `quota` is spread over every shard: the caps sum exactly to `quota`. */
export function shardCap(quota: number, shard: number): number {
  const base = Math.floor(quota / COUNTER_SHARDS);
  return base + (shard < quota % COUNTER_SHARDS ? 1 : 0);
}

interface ShardPool {
  readonly held: Set<number>;
  readonly waiting: (() => void)[];
}

// Per process: for each counter, the shards a write in flight holds.
const pools = new Map<string, ShardPool>();

function poolOf(counter: string): ShardPool {
  let pool = pools.get(counter);
  if (!pool) {
    pool = { held: new Set(), waiting: [] };
    pools.set(counter, pool);
  }
  return pool;
}

/**
 * Runs `write` holding one shard of `counter` (a process-wide name: partition + counter) that no
 * other write of this process holds, chosen from `candidates` (default: every shard) starting at a
 * random one, so processes spread over the shards too. Waits while every candidate is held.
 */
export async function withShard<T>(
  counter: string,
  write: (shard: number) => Promise<T>,
  candidates: readonly number[] = allShards,
): Promise<T> {
  if (candidates.length === 0) throw new Error('withShard needs at least one candidate shard');
  const pool = poolOf(counter);
  let shard: number | undefined;
  for (;;) {
    const start = Math.floor(Math.random() * candidates.length);
    for (let i = 0; i < candidates.length && shard === undefined; i++) {
      const candidate = candidates[(start + i) % candidates.length] as number;
      if (!pool.held.has(candidate)) shard = candidate;
    }
    if (shard !== undefined) break;
    await new Promise<void>((resolve) => pool.waiting.push(resolve));
  }
  pool.held.add(shard);
  try {
    return await write(shard);
  } finally {
    pool.held.delete(shard);
    pool.waiting.shift()?.();
    if (pool.held.size === 0 && pool.waiting.length === 0) pools.delete(counter);
  }
}

/** Every shard number, in order. */
export const allShards: readonly number[] = Array.from({ length: COUNTER_SHARDS }, (_, i) => i);

/** The shards of a quota-bounded counter that can take one more (cap above the count), read consistently. */
export async function shardsWithRoom(
  context: StoreContext,
  partition: string,
  prefix: string,
  quota: number,
): Promise<number[]> {
  const counts = await readShardCounts(context, partition, prefix);
  return allShards.filter((shard) => (counts.get(shard) ?? 0) < shardCap(quota, shard));
}

/** The count of each shard of a counter (`prefix` = `<counter>#`), strongly consistent. */
export async function readShardCounts(
  context: StoreContext,
  partition: string,
  prefix: string,
): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const item of await queryWholePartition(context, partition, prefix)) {
    const shard = Number(String(item.sk).slice(prefix.length));
    if (Number.isInteger(shard)) counts.set(shard, Number(item.n ?? 0));
  }
  return counts;
}

/** The failure a full shard means inside `transactCounted` (compared by identity, never returned). */
const SHARD_FULL = fail('quota.exceeded', 'shard full');

/**
 * Commits `writes(shard)` together with one more count in a shard of the account's `counter`,
 * keeping the whole counter within `quota`; answers the shard used, which the entity records so
 * its deletion gives the count back there. `exceeded` is the answer when every shard is full.
 */
export async function transactCounted(
  context: StoreContext,
  accountId: string,
  counter: AccountCounter,
  quota: number,
  exceeded: Failure,
  writes: (shard: number) => readonly GuardedWrite[],
): Promise<Result<number>> {
  const name = accountCounterPool(accountId, counter);
  const attempt = (candidates: readonly number[]) =>
    withShard(
      name,
      async (shard): Promise<Result<number>> => {
        const counted: GuardedWrite = {
          write: {
            Update: {
              Key: accountCounterShardKey(accountId, counter, shard),
              UpdateExpression: 'SET entity = :entity ADD n :one',
              ConditionExpression: 'attribute_not_exists(n) OR n < :cap',
              ExpressionAttributeValues: {
                ':entity': 'counter-shard',
                ':one': 1,
                ':cap': shardCap(quota, shard),
              },
            },
          },
          onConditionFailed: SHARD_FULL,
        };
        const written = await transact(context, [...writes(shard), counted]);
        return written.ok ? ok(shard) : written;
      },
      candidates,
    );
  let candidates = allShards.filter((shard) => shardCap(quota, shard) > 0);
  // Each round either commits or learns of shards filled meanwhile; a shard never empties by itself.
  for (let round = 0; round <= allShards.length && candidates.length > 0; round++) {
    const result = await attempt(candidates);
    if (result !== SHARD_FULL) return result;
    candidates = await shardsWithRoom(context, accountCounterPartition(accountId), `${counter}#`, quota);
  }
  return exceeded;
}

/** The process-wide name of an account counter's shards (what `withShard` holds them under). */
function accountCounterPool(accountId: string, counter: AccountCounter): string {
  return `${accountCounterPartition(accountId)}|${counter}`;
}

/**
 * Runs `write`, which gives a count back to `shard` of the account's `counter`, holding that shard
 * in this process (absent: nothing to hold), so releases and takes of one shard take turns rather
 * than collide.
 */
export function withReleasedShard<T>(
  accountId: string,
  counter: AccountCounter,
  shard: number | undefined,
  write: () => Promise<T>,
): Promise<T> {
  return shard === undefined ? write() : withShard(accountCounterPool(accountId, counter), write, [shard]);
}

/** Gives one count back to the shard an entity was counted in (absent: counted by no shard). */
export function releaseCount(
  accountId: string,
  counter: AccountCounter,
  shard: number | undefined,
): GuardedWrite[] {
  if (shard === undefined) return [];
  return [
    {
      write: {
        Update: {
          Key: accountCounterShardKey(accountId, counter, shard),
          UpdateExpression: 'ADD n :minus',
          ExpressionAttributeValues: { ':minus': -1 },
        },
      },
    },
  ];
}

/** Every account-wide counter's total, summed over its shards (one query). */
export async function readAccountCounters(
  context: StoreContext,
  accountId: string,
): Promise<Partial<Record<AccountCounter, number>>> {
  const totals: Partial<Record<AccountCounter, number>> = {};
  for (const item of await queryWholePartition(context, accountCounterPartition(accountId))) {
    const parsed = parseAccountCounterSortKey(String(item.sk));
    if (parsed) totals[parsed.counter] = (totals[parsed.counter] ?? 0) + Number(item.n ?? 0);
  }
  return totals;
}
