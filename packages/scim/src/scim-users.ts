/**
 * SCIM Users ↔ IAM users of the token's account. `id` is the IAM user id, `userName` the IAM user
 * name (renamed through UpdateUser); users created here get the path `/scim/`. What IAM has no field
 * for (externalId, name, displayName, emails, active, the enterprise extension, …) is the user's
 * SCIM profile. Every write is an IAM operation or store function, so it carries its change record.
 */
import { fail, ok, type Result } from '@palisade/failures';
import {
  deleteScimProfile,
  getPrincipal,
  getPrincipalById,
  getPrincipalsByIds,
  getScimProfiles,
  listGroupsForUser,
  listMemberIds,
  type PrincipalRecord,
  putScimProfile,
  type ScimProfileRecord,
} from '@palisade/store';
import {
  checkIfMatch,
  entityTag,
  everyPrincipal,
  loadWithProfile,
  metaOf,
  noSuchResource,
  type PageRequest,
  type ScimContext,
  type ScimPage,
  type ScimRequester,
  scimCaller,
} from './scim-context.ts';
import { equalityOn, type ScimFilter } from './scim-filters.ts';
import { applyPatch, patchOperationsOf } from './scim-patches.ts';
import { ENTERPRISE_SCHEMA, reduceResource, USER_SCHEMA } from './scim-schemas.ts';

/** The path of users SCIM creates. */
export const SCIM_USER_PATH = '/scim/';
const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;
/** The largest SCIM profile kept for one resource (JSON bytes): well inside an item's 400 KB. */
export const MAX_PROFILE_BYTES = 64 * 1024;

interface LoadedUser {
  readonly user: PrincipalRecord;
  readonly profile: ScimProfileRecord | undefined;
  /** False for a user this request created (it can be in no group yet). */
  readonly existed?: boolean;
}

/** A user as a SCIM resource. */
function userResource(
  { user, profile }: LoadedUser,
  baseUrl: string,
  groups?: readonly Record<string, unknown>[],
): Record<string, unknown> {
  const { externalId, ...attributes } = profile?.attributes ?? {};
  return {
    schemas: [USER_SCHEMA, ...(attributes[ENTERPRISE_SCHEMA] ? [ENTERPRISE_SCHEMA] : [])],
    id: user.id,
    ...(externalId === undefined ? {} : { externalId }),
    userName: user.name,
    ...attributes,
    // IAM's flag is the truth (setUserActive); the profile does not keep it.
    active: user.active !== false,
    // An empty multi-valued attribute is omitted (RFC 7643 §2.4).
    ...(groups && groups.length > 0 ? { groups } : {}),
    meta: metaOf('User', user, profile, baseUrl),
  };
}

function userNameOf(value: unknown): Result<string> {
  if (typeof value !== 'string' || value === '')
    return fail('scim.invalid-value', 'userName is required and must be a string.');
  if (!IAM_USER_NAME.test(value))
    return fail(
      'scim.invalid-value',
      `userName ${JSON.stringify(value.slice(0, 100))} cannot be an IAM user name: 1-64 letters, digits and +=,.@_-.`,
    );
  return ok(value);
}

/** The kept attributes of a reduced resource (everything but userName), bounded in size. */
function profileOf(reduced: Readonly<Record<string, unknown>>): Result<Record<string, unknown>> {
  const { userName: _userName, active: _active, ...attributes } = reduced;
  if (Buffer.byteLength(JSON.stringify(attributes)) > MAX_PROFILE_BYTES)
    return fail('scim.invalid-value', `The resource's attributes exceed ${MAX_PROFILE_BYTES} bytes.`);
  return ok(attributes);
}

/** The SCIM user service. */
export function scimUsers(context: ScimContext) {
  const { store } = context.iam;

  async function load(accountId: string, id: string): Promise<LoadedUser | undefined> {
    const loaded = await loadWithProfile(context, accountId, 'user', id);
    return loaded && { user: loaded.record, profile: loaded.profile };
  }

  async function withProfiles(accountId: string, users: readonly PrincipalRecord[]): Promise<LoadedUser[]> {
    const profiles = await getScimProfiles(
      store,
      accountId,
      'user',
      users.map((user) => user.id),
    );
    return users.map((user) => ({ user, profile: profiles.get(user.id) }));
  }

  /** The user's groups as SCIM lists them (read-only; at most IAM's groups-per-user quota). */
  async function groupsOf(user: PrincipalRecord, baseUrl: string): Promise<Record<string, unknown>[]> {
    const groups = await listGroupsForUser(store, user);
    return groups
      .map((group) => ({
        value: group.id,
        $ref: `${baseUrl}/Groups/${group.id}`,
        display: group.name,
        type: 'direct',
      }))
      .sort((a, b) => a.value.localeCompare(b.value));
  }

  async function membersPage(
    requester: ScimRequester,
    groupId: string,
    page: PageRequest,
  ): Promise<Result<ScimPage>> {
    const { accountId } = requester.owner;
    const ids = /^AGPA[A-Z0-9]{8,60}$/.test(groupId)
      ? (await listMemberIds(store, { accountId, kind: 'group', id: groupId })).sort()
      : [];
    const slice = ids.slice(page.startIndex - 1, page.startIndex - 1 + page.count);
    const users = await getPrincipalsByIds(store, accountId, 'user', slice);
    const resources: Record<string, unknown>[] = [];
    for (const loaded of await withProfiles(accountId, users))
      resources.push(userResource(loaded, requester.baseUrl, await groupsOf(loaded.user, requester.baseUrl)));
    return ok({ totalResults: ids.length, startIndex: page.startIndex, resources });
  }

  /** Writes the new state of a user: rename, profile, then (de)activation when `active` changed. */
  async function save(
    requester: ScimRequester,
    current: LoadedUser,
    reduced: Record<string, unknown>,
  ): Promise<Result<Record<string, unknown>>> {
    const { owner } = requester;
    const caller = scimCaller(context, owner);
    const name = userNameOf(reduced.userName ?? current.user.name);
    if (!name.ok) return name;
    const attributes = profileOf(reduced);
    if (!attributes.ok) return attributes;
    let user = current.user;
    if (name.value !== user.name) {
      const renamed = await context.operations.UpdateUser(caller, {
        UserName: user.name,
        NewUserName: name.value,
      });
      if (!renamed.ok) return renamed;
      user = (await getPrincipalById(store, owner.accountId, 'user', user.id)) ?? user;
    }
    const now = context.iam.now().toISOString();
    const profile = await putScimProfile(
      store,
      {
        accountId: owner.accountId,
        kind: 'user',
        id: user.id,
        attributes: attributes.value,
        createdAt: current.profile?.createdAt ?? user.createdAt,
        lastModified: now,
      },
      current.profile?.version,
    );
    if (!profile.ok) return profile;
    // Absent `active` (PUT without it, or a PATCH that leaves it) keeps the user as it is.
    const wanted = typeof reduced.active === 'boolean' ? reduced.active : user.active !== false;
    if (wanted !== (user.active !== false)) {
      const switched = await context.lifecycle.setUserActive(caller, user, wanted);
      if (!switched.ok) return switched;
      // The flag's write moved the record's version: the answer's ETag must be the new one.
      user = (await getPrincipalById(store, owner.accountId, 'user', user.id)) ?? { ...user, active: wanted };
    }
    // A user just created is in no group: only a changed one's groups are read.
    const groups = current.existed === false ? [] : await groupsOf(user, requester.baseUrl);
    return ok(userResource({ user, profile: profile.value }, requester.baseUrl, groups));
  }

  return {
    /** POST /Users. */
    async create(requester: ScimRequester, body: Readonly<Record<string, unknown>>) {
      const reduced = reduceResource('User', body);
      if (!reduced.ok) return reduced;
      const name = userNameOf(reduced.value.userName);
      if (!name.ok) return name;
      const attributes = profileOf(reduced.value);
      if (!attributes.ok) return attributes;
      const caller = scimCaller(context, requester.owner);
      const created = await context.operations.CreateUser(caller, {
        UserName: name.value,
        Path: SCIM_USER_PATH,
      });
      if (!created.ok) return created;
      const user = await getPrincipal(store, requester.owner.accountId, 'user', name.value);
      if (!user) return fail('entity.concurrent-modification', 'The user was deleted while it was created.');
      return save(requester, { user, profile: undefined, existed: false }, reduced.value);
    },

    /** GET /Users/{id}. */
    async get(requester: ScimRequester, id: string): Promise<Result<Record<string, unknown>>> {
      const loaded = await load(requester.owner.accountId, id);
      if (!loaded) return noSuchResource('User', id);
      return ok(userResource(loaded, requester.baseUrl, await groupsOf(loaded.user, requester.baseUrl)));
    },

    /** GET /Users: the account's users matching `filter`, one page. */
    async list(
      requester: ScimRequester,
      filter: ScimFilter | undefined,
      page: PageRequest,
    ): Promise<Result<ScimPage>> {
      const { accountId } = requester.owner;
      const groupId = filter && equalityOn(filter, 'groups.value');
      // A group's members a page at a time (how SCIM pages a big group): only the page is read.
      if (groupId !== undefined) return membersPage(requester, groupId, page);
      const userName = filter && equalityOn(filter, 'userName');
      let users: PrincipalRecord[];
      if (userName !== undefined) {
        // The IdP's existence check: one read of the name item.
        const one = IAM_USER_NAME.test(userName)
          ? await getPrincipal(store, accountId, 'user', userName)
          : undefined;
        users = one ? [one] : [];
      } else {
        users = await everyPrincipal(context, accountId, 'user');
      }
      // A filter on groups reads each user's groups; no other filter pays for them.
      const withGroups = filter !== undefined && /"groups/i.test(JSON.stringify(filter.ast));
      const loaded = await withProfiles(accountId, users);
      const resources: Record<string, unknown>[] = [];
      for (const one of loaded) {
        const resource = userResource(
          one,
          requester.baseUrl,
          withGroups ? await groupsOf(one.user, requester.baseUrl) : undefined,
        );
        if (!filter || filter.matches(resource)) resources.push(resource);
      }
      return ok({
        totalResults: resources.length,
        startIndex: page.startIndex,
        resources: resources.slice(page.startIndex - 1, page.startIndex - 1 + page.count),
      });
    },

    /** PUT /Users/{id}: replaces every attribute the request can set. */
    async replace(
      requester: ScimRequester,
      id: string,
      body: Readonly<Record<string, unknown>>,
      ifMatch?: string,
    ) {
      const current = await load(requester.owner.accountId, id);
      if (!current) return noSuchResource('User', id);
      const matched = checkIfMatch(ifMatch, entityTag(current.user, current.profile));
      if (!matched.ok) return matched;
      const reduced = reduceResource('User', body);
      if (!reduced.ok) return reduced;
      // PUT replaces the whole resource, and userName is required (RFC 7643 §4.1.1).
      if (reduced.value.userName === undefined)
        return fail('scim.invalid-value', 'userName is required: PUT replaces the whole user.');
      return save(requester, current, reduced.value);
    },

    /** PATCH /Users/{id}. */
    async patch(requester: ScimRequester, id: string, body: unknown, ifMatch?: string) {
      const operations = patchOperationsOf(body);
      if (!operations.ok) return operations;
      const current = await load(requester.owner.accountId, id);
      if (!current) return noSuchResource('User', id);
      const matched = checkIfMatch(ifMatch, entityTag(current.user, current.profile));
      if (!matched.ok) return matched;
      const {
        meta: _meta,
        schemas: _schemas,
        id: _id,
        ...resource
      } = userResource(current, requester.baseUrl);
      const patched = applyPatch('User', resource, operations.value);
      if (!patched.ok) return patched;
      const reduced = reduceResource('User', patched.value);
      if (!reduced.ok) return reduced;
      return save(requester, current, reduced.value);
    },

    /** DELETE /Users/{id}: the user with everything attached. */
    async remove(requester: ScimRequester, id: string, ifMatch?: string): Promise<Result<unknown>> {
      const current = await load(requester.owner.accountId, id);
      if (!current) return noSuchResource('User', id);
      const matched = checkIfMatch(ifMatch, entityTag(current.user, current.profile));
      if (!matched.ok) return matched;
      // The profile first: a retry after a failure half-way finds the user and finishes the job.
      const dropped = await deleteScimProfile(store, requester.owner.accountId, 'user', id);
      if (!dropped.ok) return dropped;
      return context.lifecycle.deleteUser(scimCaller(context, requester.owner), current.user);
    },
  };
}

/** The SCIM user service's type. */
export type ScimUsers = ReturnType<typeof scimUsers>;
