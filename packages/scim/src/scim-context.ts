/**
 * What the SCIM services need, the caller they act as, and what every resource shares: its meta
 * (ETag from the IAM record's and the SCIM profile's versions), If-Match, and list paging.
 */
import { createHash } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';
import type { IamContext, IamOperations } from '@palisade/iam';
import { type Caller, rootCaller } from '@palisade/principals';
import {
  getPrincipalById,
  getScimProfiles,
  isEntityId,
  listPrincipals,
  type PrincipalRecord,
  type ScimEntityKind,
  type ScimProfileRecord,
  type ScimTokenOwner,
} from '@palisade/store';
import type { ScimLifecycle } from './scim-lifecycle.ts';
import type { ScimResourceType } from './scim-schemas.ts';

/** The dependencies of the SCIM resource services. */
export interface ScimContext {
  readonly iam: IamContext;
  readonly operations: IamOperations;
  readonly lifecycle: ScimLifecycle;
}

/** Who a SCIM request acts for: the account its token belongs to, and where its resources live. */
export interface ScimRequester {
  readonly owner: ScimTokenOwner;
  /** The absolute base URL of `/scim/v2`, for `meta.location`. */
  readonly baseUrl: string;
}

/** The most resources one list answers (`count` is capped to it). */
export const MAX_PAGE_SIZE = 1000;
/** The page size when `count` is absent. */
export const DEFAULT_PAGE_SIZE = 100;

/**
 * The caller a SCIM token's requests act as inside IAM: the account's root authority over its own
 * account and nothing else (the token is the account's delegation to its IdP); the change records
 * name the token, not root (the API layer's change origin).
 */
export function scimCaller(context: ScimContext, owner: ScimTokenOwner): Caller {
  return rootCaller(context.iam.partition, owner.accountId, context.iam.now);
}

/**
 * A resource's version: weak, from the IAM record's version, the SCIM profile's and, for a group,
 * how many times its membership changed (its members are not on its record).
 */
export function entityTag(
  entity: PrincipalRecord,
  profile: ScimProfileRecord | undefined,
  memberChanges = 0,
): string {
  const members = memberChanges === 0 ? '' : `:${memberChanges}`;
  const digest = createHash('sha256')
    .update(`${entity.id}:${entity.version}:${profile?.version ?? 0}${members}`)
    .digest('base64url');
  return `W/"${digest.slice(0, 16)}"`;
}

/** The `meta` of a resource. */
export function metaOf(
  type: ScimResourceType,
  entity: PrincipalRecord,
  profile: ScimProfileRecord | undefined,
  baseUrl: string,
  memberChanges = 0,
) {
  return {
    resourceType: type,
    created: entity.createdAt,
    lastModified: profile?.lastModified ?? entity.createdAt,
    location: `${baseUrl}/${type}s/${entity.id}`,
    version: entityTag(entity, profile, memberChanges),
  };
}

/**
 * True when a GET's If-None-Match names the current version (`*`: any), so the answer is 304
 * (RFC 7644 §3.14; weak comparison, RFC 7232 §3.2: `W/` is ignored on both sides).
 */
export function matchesIfNoneMatch(ifNoneMatch: string | undefined, current: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(current));
}

/** Refuses a change whose If-Match does not name the current version (`*` matches any). */
export function checkIfMatch(ifMatch: string | undefined, current: string): Result<void> {
  if (ifMatch === undefined || ifMatch.trim() === '*') return ok(undefined);
  const tags = ifMatch.split(',').map((tag) => tag.trim());
  return tags.includes(current)
    ? ok(undefined)
    : fail('entity.precondition-failed', 'The resource has changed: its version no longer matches If-Match.');
}

/** Paging of a list request (RFC 7644 §3.4.2.4): 1-based `startIndex`, `count` capped. */
export interface PageRequest {
  readonly startIndex: number;
  readonly count: number;
}

/** Reads `startIndex` and `count` (absent, below 1, or not numbers: the defaults, as RFC 7644 says). */
export function pageOf(startIndex: string | undefined, count: string | undefined): PageRequest {
  const start = Number.parseInt(startIndex ?? '', 10);
  const size = Number.parseInt(count ?? '', 10);
  return {
    startIndex: Number.isFinite(start) && start >= 1 ? start : 1,
    count: Number.isFinite(size) ? Math.min(Math.max(size, 0), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE,
  };
}

/** A list answer: the page's resources, and how many matched in all. */
export interface ScimPage {
  readonly totalResults: number;
  readonly startIndex: number;
  readonly resources: readonly Record<string, unknown>[];
}

/** The not-found failure of a resource id. */
export function noSuchResource(type: ScimResourceType, id: string): Result<never> {
  return fail('entity.not-found', `${type} ${id.slice(0, 128)} not found.`);
}

/** A user or group with its SCIM profile (absent for one never written through SCIM). */
export interface WithProfile {
  readonly record: PrincipalRecord;
  readonly profile: ScimProfileRecord | undefined;
}

/** Reads a user or group by its SCIM id (the IAM id) with its profile; undefined for no such id. */
export async function loadWithProfile(
  context: ScimContext,
  accountId: string,
  kind: ScimEntityKind,
  id: string,
): Promise<WithProfile | undefined> {
  if (!isEntityId(kind === 'user' ? 'USER' : 'GROUP', id)) return undefined;
  const { store } = context.iam;
  const [record, profiles] = await Promise.all([
    getPrincipalById(store, accountId, kind, id),
    getScimProfiles(store, accountId, kind, [id]),
  ]);
  return record ? { record, profile: profiles.get(id) } : undefined;
}

/** Every user or group of the account in listing order, pages of 1,000, bounded by the account's quota. */
export async function everyPrincipal(
  context: ScimContext,
  accountId: string,
  kind: ScimEntityKind,
): Promise<PrincipalRecord[]> {
  const { quotas, store } = context.iam;
  const bound = kind === 'user' ? quotas.usersPerAccount : quotas.groupsPerAccount;
  const records: PrincipalRecord[] = [];
  let after: string | undefined;
  do {
    const page = await listPrincipals(store, accountId, kind, { limit: 1000, ...(after ? { after } : {}) });
    records.push(...page.items);
    after = page.next;
  } while (after && records.length <= bound);
  return records;
}
