/**
 * The lifecycle shared by users, groups and roles: create (with optional boundary), read, list,
 * move or rename, tag, set or remove the boundary, delete. Each kind's module adds its own
 * members and shapes on top.
 */

import { generateUniqueId } from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import { type Caller, denialOf, entityArn, type RequestFacts, rootArn } from '@palisade/principals';
import {
  deletePrincipal,
  getPrincipal,
  listPrincipalListings,
  type PrincipalKind,
  type PrincipalListing,
  type PrincipalRecord,
  putNewPrincipal,
  renamePrincipal,
  setPermissionsBoundary,
  type Tag,
  updatePrincipal,
} from '@palisade/store';
import type { IamContext } from './iam-context.ts';
import { entityListingCursor } from './listing-markers.ts';
import {
  type BoundaryUse,
  boundaryUsageWrites,
  type ManagedPolicyRef,
  resolveManagedPolicy,
  withBoundaryShard,
} from './managed-policy-refs.ts';

const QUOTA = { user: 'usersPerAccount', group: 'groupsPerAccount', role: 'rolesPerAccount' } as const;
const ID_KIND = { user: 'user', group: 'group', role: 'role' } as const;
const LABEL = { user: 'user', group: 'group', role: 'role' } as const;
const ENTITY_KIND = { user: 'USER', group: 'GROUP', role: 'ROLE' } as const;

/** The IAM action name for an operation on a kind, e.g. `iam:CreateUser`. */
export function iamAction(verb: string, kind: PrincipalKind, suffix = ''): string {
  return `iam:${verb}${kind.charAt(0).toUpperCase()}${kind.slice(1)}${suffix}`;
}

/** The ARN a principal of this kind, path and name has (or would have). */
export function principalArn(
  context: IamContext,
  accountId: string,
  kind: PrincipalKind,
  path: string,
  name: string,
) {
  return entityArn(context.partition, accountId, kind, path, name);
}

/** NoSuchEntity in IAM's words. */
export function noSuch(kind: PrincipalKind, name: string) {
  return fail('entity.not-found', `The ${LABEL[kind]} with name ${name} cannot be found.`);
}

/** What a principal contributes to a request about it: its tags and its permissions boundary. */
export function targetFacts(record: PrincipalRecord): RequestFacts {
  return {
    resourceTags: record.tags,
    ...(record.permissionsBoundary ? { permissionsBoundary: record.permissionsBoundary } : {}),
  };
}

/**
 * Loads a principal for an operation after checking the caller may perform `action` on it, with
 * the target's tags and boundary and the request's own `facts` (which win) as context. The check
 * uses the ARN the entity would have at the root path when it does not exist, so callers without
 * permission learn nothing about existence.
 */
export async function loadAuthorized(
  context: IamContext,
  caller: Caller,
  kind: PrincipalKind,
  name: string,
  action: string,
  facts: RequestFacts = {},
): Promise<Result<PrincipalRecord>> {
  const record = await getPrincipal(context.store, caller.accountId, kind, name);
  const arn = record?.arn ?? principalArn(context, caller.accountId, kind, '/', name);
  const denied = denialOf(caller, action, arn, record ? Object.assign(targetFacts(record), facts) : facts);
  if (denied) return denied;
  return record ? ok(record) : noSuch(kind, name);
}

/** Creates a principal of `kind`; `extra` carries kind-specific members (a role's trust policy…). */
export async function createPrincipal(
  context: IamContext,
  caller: Caller,
  kind: PrincipalKind,
  input: {
    name: string;
    path?: string | undefined;
    tags?: Tag[] | undefined;
    permissionsBoundary?: string | undefined;
  },
  extra: Partial<
    Pick<PrincipalRecord, 'assumeRolePolicyDocument' | 'maxSessionDuration' | 'description'>
  > = {},
): Promise<Result<PrincipalRecord>> {
  const path = input.path ?? '/';
  const arn = principalArn(context, caller.accountId, kind, path, input.name);
  const facts: RequestFacts = {
    ...(input.tags ? { requestTags: input.tags } : {}),
    ...(input.permissionsBoundary !== undefined ? { permissionsBoundary: input.permissionsBoundary } : {}),
  };
  const denied = denialOf(caller, iamAction('Create', kind), arn, facts);
  if (denied) return denied;
  let boundary: ManagedPolicyRef | undefined;
  if (input.permissionsBoundary !== undefined) {
    const boundaryDenied = denialOf(caller, iamAction('Put', kind, 'PermissionsBoundary'), arn, facts);
    if (boundaryDenied) return boundaryDenied;
    const resolved = await resolveManagedPolicy(context, caller.accountId, input.permissionsBoundary);
    if (!resolved.ok) return resolved;
    boundary = resolved.value;
  }
  const id = generateUniqueId(ID_KIND[kind]);
  return withBoundaryShard(undefined, boundary, (boundaryShard) =>
    putNewPrincipal(
      context.store,
      {
        kind,
        accountId: caller.accountId,
        name: input.name,
        path,
        id,
        arn,
        createdAt: context.now().toISOString(),
        tags: input.tags ?? [],
        ...(boundary ? { permissionsBoundary: boundary.arn } : {}),
        ...(boundaryShard !== undefined ? { permissionsBoundaryShard: boundaryShard } : {}),
        ...extra,
      },
      context.quotas[QUOTA[kind]],
      boundaryUsageWrites(undefined, boundary && { ref: boundary, shard: boundaryShard }, {
        accountId: caller.accountId,
        kind,
        id,
      }),
    ),
  );
}

/** Lists principals of a kind, authorized on `*` as IAM's List actions are. */
export async function listAuthorized(
  context: IamContext,
  caller: Caller,
  kind: PrincipalKind,
  page: { PathPrefix?: string | undefined; Marker?: string | undefined; MaxItems?: number | undefined },
): Promise<Result<{ items: PrincipalListing[]; next?: string; nextId?: string }>> {
  const denied = denialOf(caller, iamAction('List', kind, 's'), '*');
  if (denied) return denied;
  const after = await entityListingCursor(
    context,
    caller.accountId,
    ENTITY_KIND[kind],
    page.Marker,
    page.PathPrefix,
  );
  if (!after.ok) return after;
  return ok(
    await listPrincipalListings(context.store, caller.accountId, kind, {
      limit: page.MaxItems ?? 100,
      ...(page.PathPrefix ? { pathPrefix: page.PathPrefix } : {}),
      ...(after.value ? { after: after.value } : {}),
    }),
  );
}

/** Moves a principal to a new path (renaming is refused: IAM keys everything by name). */
export async function updatePrincipalPath(
  context: IamContext,
  current: PrincipalRecord,
  newPath: string | undefined,
  extra: Partial<
    Pick<PrincipalRecord, 'description' | 'maxSessionDuration' | 'assumeRolePolicyDocument'>
  > = {},
): Promise<Result<PrincipalRecord>> {
  const path = newPath ?? current.path;
  const arn = principalArn(context, current.accountId, current.kind, path, current.name);
  return updatePrincipal(context.store, current, { ...(newPath ? { path, arn } : {}), ...extra });
}

/**
 * UpdateUser and UpdateGroup: moves the principal to a new name and/or path. IAM authorizes the
 * move on the old ARN and on the new one.
 */
export async function moveAuthorized(
  context: IamContext,
  caller: Caller,
  kind: 'user' | 'group',
  name: string,
  move: { readonly newName?: string | undefined; readonly newPath?: string | undefined },
): Promise<Result<undefined>> {
  const action = iamAction('Update', kind);
  const loaded = await loadAuthorized(context, caller, kind, name, action);
  if (!loaded.ok) return loaded;
  const current = loaded.value;
  const newPath = move.newPath ?? current.path;
  const newName = move.newName ?? current.name;
  const newArn = principalArn(context, caller.accountId, kind, newPath, newName);
  if (newArn !== current.arn) {
    const denied = denialOf(caller, action, newArn, targetFacts(current));
    if (denied) return denied;
  }
  if (move.newName !== undefined && move.newName !== current.name) {
    const renamed = await renamePrincipal(context.store, current, { newName: move.newName, newPath, newArn });
    return renamed.ok ? ok(undefined) : renamed;
  }
  const updated = await updatePrincipalPath(context, current, move.newPath);
  return updated.ok ? ok(undefined) : updated;
}

/** Adds or overwrites tags (at most 50 in all). */
export async function tagPrincipal(
  context: IamContext,
  current: PrincipalRecord,
  added: Tag[],
): Promise<Result<void>> {
  const byKey = new Map(current.tags.map((t) => [t.Key.toLowerCase(), t]));
  for (const t of added) byKey.set(t.Key.toLowerCase(), t);
  if (byKey.size > 50)
    return fail('quota.exceeded', 'The number of tags has reached the maximum limit (50).');
  const updated = await updatePrincipal(context.store, current, { tags: [...byKey.values()] });
  return updated.ok ? ok(undefined) : updated;
}

/** Removes tags by key. */
export async function untagPrincipal(
  context: IamContext,
  current: PrincipalRecord,
  keys: string[],
): Promise<Result<void>> {
  const removed = new Set(keys.map((k) => k.toLowerCase()));
  const updated = await updatePrincipal(context.store, current, {
    tags: current.tags.filter((t) => !removed.has(t.Key.toLowerCase())),
  });
  return updated.ok ? ok(undefined) : updated;
}

/** Sets (ARN) or removes (undefined) a user's or role's permissions boundary. */
export async function changeBoundary(
  context: IamContext,
  current: PrincipalRecord,
  boundaryArn: string | undefined,
): Promise<Result<void>> {
  let next: ManagedPolicyRef | undefined;
  if (boundaryArn !== undefined) {
    const resolved = await resolveManagedPolicy(context, current.accountId, boundaryArn);
    if (!resolved.ok) return resolved;
    next = resolved.value;
  } else if (!current.permissionsBoundary) {
    return fail(
      'entity.not-found',
      `The ${LABEL[current.kind]} ${current.name} has no permissions boundary.`,
    );
  }
  const previous = await currentBoundary(context, current);
  if (next && previous?.ref.arn === next.arn) {
    // The same boundary again: its use stays counted where it is.
    return setPermissionsBoundary(context.store, current, next.arn, [], previous.shard);
  }
  return withBoundaryShard(previous, next, (shard) =>
    setPermissionsBoundary(
      context.store,
      current,
      next?.arn,
      boundaryUsageWrites(previous, next && { ref: next, shard }, current),
      shard,
    ),
  );
}

/** A principal's boundary as it holds it: the policy (when it still resolves) and the shard counting the use. */
async function currentBoundary(
  context: IamContext,
  current: PrincipalRecord,
): Promise<BoundaryUse | undefined> {
  if (!current.permissionsBoundary) return undefined;
  const resolved = await resolveManagedPolicy(context, current.accountId, current.permissionsBoundary);
  return resolved.ok ? { ref: resolved.value, shard: current.permissionsBoundaryShard } : undefined;
}

/** Deletes a principal that owns nothing, releasing its boundary's usage count. */
export async function removePrincipal(context: IamContext, current: PrincipalRecord): Promise<Result<void>> {
  const previous = await currentBoundary(context, current);
  return withBoundaryShard(previous, undefined, () =>
    deletePrincipal(context.store, current, boundaryUsageWrites(previous, undefined, current)),
  );
}

/** DeleteUser, DeleteGroup and DeleteRole: the principal, authorized for iam:Delete<Kind>, removed. */
export async function removeAuthorized(
  context: IamContext,
  caller: Caller,
  kind: PrincipalKind,
  name: string,
): Promise<Result<undefined>> {
  const loaded = await loadAuthorized(context, caller, kind, name, iamAction('Delete', kind));
  if (!loaded.ok) return loaded;
  const removed = await removePrincipal(context, loaded.value);
  return removed.ok ? ok(undefined) : removed;
}

/** Who owns a credential (access key, login profile, MFA device): an IAM user or the root. */
export type CredentialOwner = { readonly kind: 'user'; readonly userId: string } | { readonly kind: 'root' };

/**
 * The owner a credential request means: the named user, else the calling user, else the root
 * (IAM's rule for omitted UserName), after authorizing `action` on it.
 */
export async function resolveCredentialOwner(
  context: IamContext,
  caller: Caller,
  name: string | undefined,
  action: string,
): Promise<Result<{ owner: CredentialOwner; displayName: string }>> {
  const target = name ?? caller.userName;
  if (target === undefined) {
    if (caller.kind !== 'root') {
      return fail('request.invalid', 'Must specify userName when calling with non-User credentials');
    }
    const denied = denialOf(caller, action, rootArn(context.partition, caller.accountId));
    return denied ?? ok({ owner: { kind: 'root' }, displayName: caller.accountId });
  }
  const user = await loadAuthorized(context, caller, 'user', target, action);
  return user.ok
    ? ok({ owner: { kind: 'user', userId: user.value.id }, displayName: user.value.name })
    : user;
}
