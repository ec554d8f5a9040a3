/**
 * Record stamps: what a cached value (a compiled policy bundle, a remembered credential) was built
 * from, as `{pk, sk, version}` of every item it read (`version: null` for an item it found absent).
 * The rule that makes stamps sufficient: every write that changes something a cache reads
 * increments `version` on the record that owns it, in the same transaction or update. Revalidating
 * a cached value is then one strongly consistent BatchGetItem of exactly its stamped keys.
 *
 * Stamps take their keys from the items read (or from the owning store module's key function for
 * an absent item), so no consumer ever builds a key.
 */
import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { projectionOf } from './batch-get-items.ts';
import type { StoreContext } from './client.ts';
import type { ItemKey } from './keys.ts';
import { consistentPointRead } from './point-read-batch.ts';

/** One item a cached value was built from, and the version it had (null: the item did not exist). */
export interface RecordStamp {
  readonly pk: string;
  readonly sk: string;
  readonly version: number | null;
  /**
   * Which incarnation of the item: its immutable `id`, else its `updatedAt`. A name deleted and
   * created again starts over at version 1, so the version alone would not tell the two apart.
   */
  readonly incarnation?: string;
}

function incarnationOf(item: Readonly<Record<string, unknown>>): string | undefined {
  if (typeof item.id === 'string') return item.id;
  return typeof item.updatedAt === 'string' ? item.updatedAt : undefined;
}

/** The stamp of an item as read (an item written before versions existed counts as version 0). */
export function recordStamp(item: Readonly<Record<string, unknown>>): RecordStamp {
  const incarnation = incarnationOf(item);
  const stamp: { pk: string; sk: string; version: number; incarnation?: string } = {
    pk: String(item.pk),
    sk: String(item.sk),
    version: Number(item.version ?? 0),
  };
  if (incarnation !== undefined) stamp.incarnation = incarnation;
  return stamp;
}

/** The stamp of an item that was looked for and not found. */
export function absentStamp(key: ItemKey): RecordStamp {
  return { pk: key.pk, sk: key.sk, version: null };
}

/** What a revalidation read of one key found: its version and the few fields decisions need. */
export interface StampedItem {
  readonly version: number | null;
  readonly incarnation?: string;
  /** The account item's status, when the key is an account's. */
  readonly status?: string;
  /** The decision-log settings' sample rate, when the key is those settings. */
  readonly sampleRate?: number;
}

/** The stamp of `key` as a revalidation read found it (absent when it found nothing). */
export function currentStamp(key: ItemKey, found: StampedItem | undefined): RecordStamp {
  return {
    pk: key.pk,
    sk: key.sk,
    version: found?.version ?? null,
    ...(found?.incarnation !== undefined ? { incarnation: found.incarnation } : {}),
  };
}

/** The identity of a key inside a revalidation result. */
export function stampId(key: ItemKey): string {
  return `${key.pk}\u0000${key.sk}`;
}

const BATCH_LIMIT = 100;
// What a stamp read asks for: the key, the version, and the status / sample rate some stamps carry.
const STAMP_ATTRIBUTES: readonly string[] = [
  'pk',
  'sk',
  'version',
  'status',
  'sampleRate',
  'id',
  'updatedAt',
];
const STAMP_PROJECTION = projectionOf(STAMP_ATTRIBUTES);

/**
 * Reads the current version (and status / sample rate) of each key: strongly consistent, only the
 * key, version and those fields projected, more than 100 keys split into parallel batches and
 * unprocessed keys retried. Every key gets an answer; an absent item's version is null.
 */
export async function readStamps(
  context: StoreContext,
  keys: readonly ItemKey[],
): Promise<Map<string, StampedItem>> {
  const unique = new Map<string, ItemKey>();
  for (const key of keys) unique.set(stampId(key), { pk: key.pk, sk: key.sk });
  const all = [...unique.values()];
  const found = new Map<string, StampedItem>();
  const batches: ItemKey[][] = [];
  for (let start = 0; start < all.length; start += BATCH_LIMIT)
    batches.push(all.slice(start, start + BATCH_LIMIT));
  await Promise.all(
    batches.map(async (batch) => {
      let pending: ItemKey[] = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        const keys = pending;
        const result: BatchGetCommandOutput = await consistentPointRead(
          context,
          { shape: 'batch-get', keys, projection: STAMP_ATTRIBUTES },
          () =>
            new BatchGetCommand({
              RequestItems: {
                [context.tableName]: {
                  Keys: keys.map((key) => ({ pk: key.pk, sk: key.sk })),
                  ConsistentRead: true,
                  ...STAMP_PROJECTION,
                },
              },
            }),
        );
        for (const item of result.Responses?.[context.tableName] ?? []) {
          const incarnation = incarnationOf(item);
          const stamped: { version: number; incarnation?: string; status?: string; sampleRate?: number } = {
            version: Number(item.version ?? 0),
          };
          if (incarnation !== undefined) stamped.incarnation = incarnation;
          if (typeof item.status === 'string') stamped.status = item.status;
          if (item.sampleRate !== undefined) stamped.sampleRate = Number(item.sampleRate);
          found.set(stampId({ pk: String(item.pk), sk: String(item.sk) }), stamped);
        }
        pending = (result.UnprocessedKeys?.[context.tableName]?.Keys ?? []).map((key) => ({
          pk: String(key.pk),
          sk: String(key.sk),
        }));
        // Throttled keys come back unprocessed: back off before asking again.
        if (pending.length > 0)
          await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** Math.min(attempt, 5)));
      }
    }),
  );
  const answers = new Map<string, StampedItem>();
  for (const id of unique.keys()) answers.set(id, found.get(id) ?? { version: null });
  return answers;
}

/** True when every stamped item still has the version it was stamped with (absent stays absent). */
export function stampsHold(
  stamps: readonly RecordStamp[],
  current: ReadonlyMap<string, StampedItem>,
): boolean {
  return stamps.every((stamp) => {
    const now = current.get(stampId(stamp));
    return now !== undefined && now.version === stamp.version && now.incarnation === stamp.incarnation;
  });
}

/** Reads stamps, possibly sharing one BatchGetItem with other callers of the same moment. */
export type StampReader = (keys: readonly ItemKey[]) => Promise<Map<string, StampedItem>>;

/**
 * A stamp reader that merges the keys asked for within one microtask turn into one read: the
 * account state, principal and resource revalidations a decision starts together cost one round
 * trip (one BatchGetItem per 100 keys, sent in parallel).
 */
export function createStampReader(context: StoreContext): StampReader {
  interface Pending {
    readonly keys: ItemKey[];
    readonly waiters: ((read: Promise<Map<string, StampedItem>>) => void)[];
  }
  let queued: Pending | undefined;
  return (keys) =>
    new Promise<Map<string, StampedItem>>((resolve, reject) => {
      let batch = queued;
      if (!batch) {
        const next: Pending = { keys: [], waiters: [] };
        batch = next;
        queued = next;
        queueMicrotask(() => {
          queued = undefined;
          const read = readStamps(context, next.keys);
          for (const waiter of next.waiters) waiter(read);
        });
      }
      batch.keys.push(...keys);
      batch.waiters.push((read) => read.then(resolve, reject));
    });
}
