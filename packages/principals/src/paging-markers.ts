/**
 * AWS-style paging: an opaque `Marker` naming where a listing continues, checked to continue the
 * listing it came from, and the `IsTruncated`/`Marker` envelope a listing answers.
 *
 * A marker is never longer than IAM's 320 characters, whatever the names and paths: a store cursor of
 * up to 200 bytes is carried whole; a longer one (a 512-character path) is carried as its first 128
 * bytes, a digest of the whole and, for listings of entities, the id of the entity it ends at, from
 * which the store finds the exact cursor again. Only when that entity is gone meanwhile does a
 * listing continue from the shortened cursor, which may list again a few items it already listed
 * (never skip one).
 */
import { createHash } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';

const WHOLE_BYTES = 200;
const NEAR_BYTES = 128;
const DIGEST_CHARS = 16;
const RESUME_ID = /^[A-Z0-9]{1,32}$/;
const MARKER = /^[A-Za-z0-9_-]{1,320}$/;

/** Where a listing continues: after `after` (exact), or from `after`, a prefix of a longer cursor. */
export interface MarkerPosition {
  readonly after: string;
  readonly exact: boolean;
  /** A shortened cursor's digest (base64url of its sha256, cut): what tells the item it ended at. */
  readonly digest?: string;
  /** The id of the entity a shortened cursor ended at, when the listing is of entities. */
  readonly resumeId?: string;
}

function digestOf(cursor: string): string {
  return createHash('sha256').update(cursor, 'utf8').digest('base64url').slice(0, DIGEST_CHARS);
}

function shortened(cursor: string): string {
  let near = cursor;
  // Cut by code points, so a multi-byte character is never split.
  while (Buffer.byteLength(near, 'utf8') > NEAR_BYTES) near = Array.from(near).slice(0, -1).join('');
  return near;
}

/** A raw base64url wrapping of a short cursor (decision log, simulation pages). */
export function encodeMarker(cursor: string | undefined): string | undefined {
  return cursor === undefined ? undefined : Buffer.from(cursor, 'utf8').toString('base64url');
}

/** The cursor a raw `encodeMarker` wrapped. */
export function decodeMarker(marker: string | undefined): string | undefined {
  return marker === undefined ? undefined : Buffer.from(marker, 'base64url').toString('utf8');
}

/** The marker of a listing page ending at store cursor `cursor` (the entity `resumeId`, when entities are listed). */
export function encodeListingMarker(cursor: string | undefined, resumeId?: string): string | undefined {
  if (cursor === undefined) return undefined;
  if (cursor.includes('\u0000')) throw new Error('a listing cursor holds no NUL');
  const text =
    Buffer.byteLength(cursor, 'utf8') <= WHOLE_BYTES
      ? `E${cursor}`
      : `N${digestOf(cursor)}${resumeId && RESUME_ID.test(resumeId) ? resumeId : ''}\u0000${shortened(cursor)}`;
  return Buffer.from(text, 'utf8').toString('base64url');
}

// AWS answers a marker it did not give out with ValidationError "Invalid Marker.".
const invalid = () => fail('request.invalid', 'Invalid Marker.');

/** Where a listing's `marker` continues it; a marker this listing did not give out is a ValidationError. */
export function readMarker(marker: string | undefined, pathPrefix = '/'): Result<MarkerPosition | undefined> {
  if (marker === undefined) return ok(undefined);
  if (!MARKER.test(marker)) return invalid();
  const bytes = Buffer.from(marker, 'base64url');
  const text = bytes.toString('utf8');
  // Only what encodeListingMarker writes: canonical base64url of valid UTF-8.
  if (bytes.toString('base64url') !== marker || Buffer.from(text, 'utf8').compare(bytes) !== 0)
    return invalid();
  let position: MarkerPosition | undefined;
  if (text.startsWith('E') && !text.includes('\u0000') && text.length > 1) {
    position = { after: text.slice(1), exact: true };
  } else if (text.startsWith('N')) {
    const digest = text.slice(1, 1 + DIGEST_CHARS);
    const nul = text.indexOf('\u0000');
    const resumeId = text.slice(1 + DIGEST_CHARS, nul);
    const near = text.slice(nul + 1);
    const wellFormed =
      /^[A-Za-z0-9_-]{16}$/.test(digest) &&
      nul > DIGEST_CHARS &&
      (resumeId === '' || RESUME_ID.test(resumeId)) &&
      near.length > 0 &&
      !near.includes('\u0000');
    if (wellFormed) position = { after: near, exact: false, digest, ...(resumeId ? { resumeId } : {}) };
  }
  if (!position) return invalid();
  // A shortened cursor may end before a long prefix begins: it still continues this listing.
  const inside =
    position.after.startsWith(pathPrefix) || (!position.exact && pathPrefix.startsWith(position.after));
  return inside ? ok(position) : invalid();
}

/** A marker this listing can continue from, as the store cursor to list after (shortened ones approximate). */
export function checkMarker(marker: string | undefined, pathPrefix = '/'): Result<string | undefined> {
  const position = readMarker(marker, pathPrefix);
  return position.ok ? ok(position.value?.after) : position;
}

/** True when `cursor` is the one a shortened marker position ended at. */
export function endsAt(position: MarkerPosition, cursor: string): boolean {
  return position.exact ? position.after === cursor : position.digest === digestOf(cursor);
}

/**
 * One page of a listing held whole in memory (a bounded collection: a principal's attached policies,
 * a policy's versions, a user's keys, tags), in the order of `keyOf`, which must be unique.
 */
export function pageInMemory<T>(
  all: readonly T[],
  keyOf: (item: T) => string,
  marker: string | undefined,
  maxItems: number | undefined,
): Result<{ items: T[]; next?: string }> {
  const position = readMarker(marker, '');
  if (!position.ok) return position;
  const sorted = [...all].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  let start = 0;
  const at = position.value;
  if (at) {
    const ended = sorted.findIndex((item) => endsAt(at, keyOf(item)));
    // The item a page ended at: continue after it; gone, continue after every key before it.
    start = ended >= 0 ? ended + 1 : sorted.findIndex((item) => keyOf(item) > at.after);
    if (start < 0) start = sorted.length;
  }
  const limit = maxItems ?? 100;
  const items = sorted.slice(start, start + limit);
  const last = items.at(-1);
  return ok(start + limit < sorted.length && last !== undefined ? { items, next: keyOf(last) } : { items });
}

/** IAM's listing envelope: IsTruncated, and Marker when there is more. */
export function listing<K extends string, T>(
  key: K,
  items: T[],
  next: string | undefined,
  resumeId?: string,
): { [P in K]: T[] } & { IsTruncated: boolean; Marker?: string } {
  const marker = encodeListingMarker(next, resumeId);
  return { [key]: items, IsTruncated: marker !== undefined, ...(marker ? { Marker: marker } : {}) } as {
    [P in K]: T[];
  } & { IsTruncated: boolean; Marker?: string };
}
