/** Continuing a listing of users, groups, roles or managed policies from the marker a page gave out. */
import { ok, type Result } from '@palisade/failures';
import { readMarker } from '@palisade/principals';
import { type EntityKind, pathListingCursor } from '@palisade/store';
import type { IamContext } from './iam-context.ts';

/** The store cursor `marker` continues the account's listing of `kind` under `pathPrefix` after. */
export async function entityListingCursor(
  context: IamContext,
  accountId: string,
  kind: EntityKind,
  marker: string | undefined,
  pathPrefix = '/',
): Promise<Result<string | undefined>> {
  const position = readMarker(marker, pathPrefix);
  if (!position.ok || !position.value) return position.ok ? ok(undefined) : position;
  const at = position.value;
  if (at.exact) return ok(at.after);
  const cursor = await pathListingCursor(context.store, accountId, kind, at.resumeId, at.after);
  // A shortened cursor ending before a long prefix begins continues from the prefix's start.
  return ok(cursor.startsWith(pathPrefix) ? cursor : undefined);
}
