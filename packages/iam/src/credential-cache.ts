/**
 * Warm-process memory of long-term access keys: the key record, its opened secret and its owner's
 * effective policies, tagged with the account's policy epoch read before they were loaded. Within
 * the revalidation window a signed request needs no DynamoDB read to authenticate; after it, one
 * read of the account's epoch and status confirms the entry or drops it. Every committed change to
 * the key, the owner's policies or the account bumps the epoch (or is the status itself), so a
 * revocation reaches authentication within the window plus one round trip.
 */
import type { AccessKeyRecord } from '@palisade/store';
import type { EffectivePolicies } from './effective-policies.ts';

/** What authentication remembers about one key. */
export interface CachedCredential {
  readonly key: AccessKeyRecord;
  readonly secretAccessKey: string;
  /** The owning user's policies; absent for the root. */
  readonly effective?: EffectivePolicies;
  readonly epoch: number;
  checkedAt: number;
  /** When this process last recorded the key's use (epoch ms), so it writes at most once a minute. */
  lastRecordedAt: number;
}

/** A bounded map of cached credentials with its revalidation window. */
export interface CredentialCache {
  readonly revalidateAfterMs: number;
  get(accessKeyId: string): CachedCredential | undefined;
  set(accessKeyId: string, entry: CachedCredential): void;
  delete(accessKeyId: string): void;
}

/** Creates a credential cache (LRU by insertion, at most `maxEntries`). */
export function createCredentialCache(
  options: { revalidateAfterMs?: number; maxEntries?: number } = {},
): CredentialCache {
  const entries = new Map<string, CachedCredential>();
  const maxEntries = options.maxEntries ?? 10_000;
  return {
    revalidateAfterMs: options.revalidateAfterMs ?? 250,
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
