/**
 * Strong ETags and `If-Match` (RFC 9110 §8.8.3, §13.1.1). An entity's ETag is a hash of its REST
 * representation, so any change a client could see changes it; an account's ETag is its stored
 * version, which the store already uses for optimistic concurrency.
 */
import { createHash } from 'node:crypto';

/** The strong ETag of a JSON representation. */
export function entityTag(representation: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(representation)).digest('base64url');
  return `"${digest}"`;
}

/** True when an `If-Match` header value matches `current` (strong comparison; `*` matches any). */
export function ifMatchSatisfied(header: string, current: string): boolean {
  const candidates = header.split(',').map((tag) => tag.trim());
  // Weak tags never match under the strong comparison If-Match requires.
  return candidates.some((tag) => tag === '*' || tag === current);
}

/** The ETag of an account at a stored version. */
export function accountTag(version: number): string {
  return `"v${version}"`;
}

/**
 * The version an `If-Match` header demands of an account: a number, `undefined` for `*`, or
 * `Number.NaN` when no listed tag names a version (nothing can match it).
 */
export function versionFromIfMatch(header: string): number | undefined {
  const candidates = header.split(',').map((tag) => tag.trim());
  if (candidates.includes('*')) return undefined;
  for (const tag of candidates) {
    const match = /^"v(\d{1,15})"$/.exec(tag);
    if (match) return Number(match[1]);
  }
  return Number.NaN;
}
