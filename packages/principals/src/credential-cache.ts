/**
 * Warm-process memory of long-term access keys: the key record, its opened secret and its owner's
 * effective policies, with the stamps ({pk, sk, version}) of every record they were read from: the
 * key's lookup item, the account item, the owner's record, each of its groups' and each
 * customer-managed policy's (incl. the boundary). Within the revalidation window a signed request
 * needs no DynamoDB read to authenticate; after it, one BatchGetItem of exactly those keys
 * confirms the entry (every version unchanged, the account active) or drops it. Every committed
 * change to the key, the owner's policies or the account bumps one of those versions (or removes
 * the item), so a revocation reaches authentication within the window plus one round trip, and a
 * change to another user of the account leaves the entry as it is.
 *
 * With `refreshAheadMs`, a request finding an entry at least that old (still inside the window)
 * is served from it and starts the same confirmation in the background, so under steady traffic
 * no request waits for one; the bound is unchanged (an entry is served only within the window from
 * the start of the read that last confirmed it), and a failed confirmation forgets the entry.
 */
import type { AccessKeyRecord, RecordStamp } from '@palisade/store';
import type { EffectivePolicies } from './effective-policies.ts';

/** What authentication remembers about one key. */
export interface CachedCredential {
  readonly key: AccessKeyRecord;
  readonly secretAccessKey: string;
  /** The owning user's policies; absent for the root. */
  readonly effective?: EffectivePolicies;
  /** The records the entry was built from, as read with it. */
  readonly stamps: readonly RecordStamp[];
  checkedAt: number;
  /** When this process last recorded the key's use (epoch ms), so it writes at most once a minute. */
  lastRecordedAt: number;
}

/** A bounded map of cached credentials with its revalidation window. */
export interface CredentialCache {
  readonly revalidateAfterMs: number;
  /** From this age (below the window), a request confirms the entry in the background (Infinity: never). */
  readonly refreshAheadMs: number;
  get(accessKeyId: string): CachedCredential | undefined;
  set(accessKeyId: string, entry: CachedCredential): void;
  delete(accessKeyId: string): void;
  /** Runs `confirm` for `entry` in the background unless one already runs for it; no one awaits its outcome. */
  refresh(entry: CachedCredential, confirm: () => Promise<unknown>): void;
  /** Settles once the background confirmations started so far have (tests, shutdown). */
  settled(): Promise<void>;
}

/** Creates a credential cache (LRU by insertion, at most `maxEntries`). */
export function createCredentialCache(
  options: { revalidateAfterMs?: number; refreshAheadMs?: number; maxEntries?: number } = {},
): CredentialCache {
  const entries = new Map<string, CachedCredential>();
  const maxEntries = options.maxEntries ?? 10_000;
  const running = new Map<CachedCredential, Promise<void>>();
  return {
    revalidateAfterMs: options.revalidateAfterMs ?? 250,
    refreshAheadMs: options.refreshAheadMs ?? Number.POSITIVE_INFINITY,
    refresh(entry, confirm) {
      if (running.has(entry)) return;
      // The confirmation forgets the entry itself when it fails or finds a change.
      const work = confirm().then(
        () => undefined,
        () => undefined,
      );
      running.set(entry, work);
      void work.finally(() => running.delete(entry));
    },
    async settled() {
      while (running.size > 0) await Promise.all(running.values());
    },
    get: (id) => entries.get(id),
    set(id, entry) {
      entries.delete(id);
      entries.set(id, entry);
      // Evict the oldest entry: a Map iterates in insertion order.
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    delete: (id) => {
      entries.delete(id);
    },
  };
}
