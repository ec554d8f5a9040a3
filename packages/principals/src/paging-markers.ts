/**
 * AWS-style paging: an opaque `Marker` wrapping a store cursor, checked to continue the listing it
 * came from, and the `IsTruncated`/`Marker` envelope a listing answers.
 */
import { fail, ok, type Result } from '@palisade/failures';

/** An opaque paging marker from a store cursor. */
export function encodeMarker(cursor: string | undefined): string | undefined {
  return cursor === undefined ? undefined : Buffer.from(cursor, 'utf8').toString('base64url');
}

/** The store cursor inside a marker (callers can only page within their own account's listing). */
export function decodeMarker(marker: string | undefined): string | undefined {
  return marker === undefined ? undefined : Buffer.from(marker, 'base64url').toString('utf8');
}

/** A marker this listing can continue from: it decodes to a cursor inside the listed path prefix. */
export function checkMarker(marker: string | undefined, pathPrefix = '/'): Result<string | undefined> {
  const cursor = decodeMarker(marker);
  if (cursor !== undefined && !cursor.startsWith(pathPrefix)) {
    return fail('request.invalid', 'Invalid Marker: it does not continue this listing.');
  }
  return ok(cursor);
}

/** IAM's listing envelope: IsTruncated, and Marker when there is more. */
export function listing<K extends string, T>(
  key: K,
  items: T[],
  next: string | undefined,
): { [P in K]: T[] } & { IsTruncated: boolean; Marker?: string } {
  const marker = encodeMarker(next);
  return { [key]: items, IsTruncated: marker !== undefined, ...(marker ? { Marker: marker } : {}) } as {
    [P in K]: T[];
  } & { IsTruncated: boolean; Marker?: string };
}
