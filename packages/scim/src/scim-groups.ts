/**
 * SCIM Groups ↔ IAM groups of the token's account; `members` ↔ memberships (which IAM's
 * ListGroupsForUser then shows). The display name is kept as sent; the IAM group name is derived
 * from it (groupNameFor). Adding or removing one member writes that membership pair and one
 * member-count shard, never the group or its member list, so big groups cost what the change costs.
 */
import { createHash } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';
import {
  addMembership,
  deleteScimProfile,
  getPrincipal,
  getPrincipalById,
  getPrincipalsByIds,
  getScimProfiles,
  groupMembershipVersion,
  listMemberIds,
  type PrincipalRecord,
  putScimProfile,
  removeMembership,
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
import { equalityOn, parseScimFilter, type ScimFilter } from './scim-filters.ts';
import { applyPatch, type PatchOperation, patchOperationsOf, pathAttribute } from './scim-patches.ts';
import { GROUP_SCHEMA, reduceResource } from './scim-schemas.ts';

/** The path of groups SCIM creates. */
export const SCIM_GROUP_PATH = '/scim/';
const _GROUP_ID = /^AGPA[A-Z0-9]{8,60}$/;
const USER_ID = /^AIDA[A-Z0-9]{8,60}$/;
/** The most members one request may add or remove (a full sync sends them in batches). */
export const MAX_MEMBER_CHANGES = 1000;
const MEMBER_WRITES_IN_FLIGHT = 8;

/**
 * The IAM group name for a display name. Rule: letters (accents stripped), digits and `+=,.@_-` are
 * kept, every run of anything else becomes one `-`, leading and trailing `-` go, and the result is
 * cut to 128 characters ("Engineering Team" → `Engineering-Team`). When that name is taken by
 * another group (`variant` 1), or nothing is left of the display name, the name is the kept part
 * cut to 119 characters plus `-` and the first 8 hex digits of the display name's sha256
 * (`group-<hash>` when nothing is left). So the same display name always yields the same one or two
 * names, a different display name a different one, and IAM's case-insensitive uniqueness decides.
 */
export function groupNameFor(displayName: string, variant: 0 | 1): string {
  const kept = displayName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\w+=,.@-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const digest = createHash('sha256').update(displayName, 'utf8').digest('hex').slice(0, 8);
  if (kept === '') return `group-${digest}`;
  return variant === 0 ? kept.slice(0, 128) : `${kept.slice(0, 119).replace(/-+$/, '')}-${digest}`;
}

interface LoadedGroup {
  readonly group: PrincipalRecord;
  readonly profile: ScimProfileRecord | undefined;
  /** How many times its membership changed when read (part of its version). */
  readonly memberChanges: number;
}

function displayNameOf(value: unknown): Result<string> {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 256)
    return fail('scim.invalid-value', 'displayName is required: a string of 1-256 characters.');
  return ok(value);
}

/** The member ids a `members` value names (`[{"value": "<id>"}]`). */
function memberIdsOf(value: unknown): Result<string[]> {
  const values = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  if (values.length > MAX_MEMBER_CHANGES)
    return fail('scim.too-many', `At most ${MAX_MEMBER_CHANGES} members can change in one request.`);
  const ids: string[] = [];
  for (const member of values) {
    const id =
      typeof member === 'object' && member !== null ? (member as { value?: unknown }).value : undefined;
    if (typeof id !== 'string')
      return fail('scim.invalid-value', 'Each member needs a "value": the user id.');
    ids.push(id);
  }
  return ok([...new Set(ids)]);
}

/** Runs `work` over `items`, a few at a time, stopping at the first failure. */
async function eachBounded<T>(
  items: readonly T[],
  work: (item: T) => Promise<Result<void>>,
): Promise<Result<void>> {
  let next = 0;
  let failure: Result<void> | undefined;
  await Promise.all(
    Array.from({ length: Math.min(MEMBER_WRITES_IN_FLIGHT, items.length) }, async () => {
      while (next < items.length && !failure) {
        const done = await work(items[next++] as T);
        if (!done.ok) failure ??= done;
      }
    }),
  );
  return failure ?? ok(undefined);
}

/** The SCIM group service. */
export function scimGroups(context: ScimContext) {
  const { store } = context.iam;

  async function load(accountId: string, id: string): Promise<LoadedGroup | undefined> {
    const [loaded, memberChanges] = await Promise.all([
      loadWithProfile(context, accountId, 'group', id),
      groupMembershipVersion(store, { accountId, kind: 'group', id }),
    ]);
    return loaded && { group: loaded.record, profile: loaded.profile, memberChanges };
  }

  const versionOf = ({ group, profile, memberChanges }: LoadedGroup) =>
    entityTag(group, profile, memberChanges);

  /** The group as it is after a change of its members (which moved its version). */
  async function reread(loaded: Omit<LoadedGroup, 'memberChanges'>): Promise<LoadedGroup> {
    return { ...loaded, memberChanges: await groupMembershipVersion(store, loaded.group) };
  }

  async function groupResource(
    { group, profile, memberChanges }: LoadedGroup,
    baseUrl: string,
    withMembers: boolean,
  ): Promise<Record<string, unknown>> {
    const memberIds = withMembers ? await listMemberIds(store, group) : undefined;
    const { externalId, displayName } = profile?.attributes ?? {};
    return {
      schemas: [GROUP_SCHEMA],
      id: group.id,
      ...(externalId === undefined ? {} : { externalId }),
      displayName: displayName ?? group.name,
      ...(memberIds
        ? {
            members: memberIds
              .sort()
              .map((value) => ({ value, $ref: `${baseUrl}/Users/${value}`, type: 'User' })),
          }
        : {}),
      meta: metaOf('Group', group, profile, baseUrl, memberChanges),
    };
  }

  /** Adds (or removes) users by id; already a member (or not one) is fine, an unknown user is invalidValue. */
  async function changeMembers(
    requester: ScimRequester,
    group: PrincipalRecord,
    ids: readonly string[],
    change: 'add' | 'remove',
  ): Promise<Result<void>> {
    const { accountId } = requester.owner;
    if (ids.some((id) => !USER_ID.test(id)))
      return fail('scim.invalid-value', 'A member value is not a user id.');
    const users = await getPrincipalsByIds(store, accountId, 'user', ids);
    if (change === 'add' && users.length < ids.length) {
      const found = new Set(users.map((user) => user.id));
      return fail('scim.invalid-value', `No user ${ids.find((id) => !found.has(id))} in this account.`);
    }
    return eachBounded(users, async (user) => {
      const done =
        change === 'add'
          ? await addMembership(store, user, group, context.iam.quotas.groupsPerUser)
          : await removeMembership(store, user, group);
      const settled = change === 'add' ? 'entity.already-exists' : 'entity.not-found';
      return done.ok || done.code === settled ? ok(undefined) : done;
    });
  }

  /** Creates the IAM group under the derived name (or its variant when taken). */
  async function createIamGroup(
    requester: ScimRequester,
    displayName: string,
  ): Promise<Result<PrincipalRecord>> {
    const caller = scimCaller(context, requester.owner);
    for (const variant of [0, 1] as const) {
      const name = groupNameFor(displayName, variant);
      const created = await context.operations.CreateGroup(caller, {
        GroupName: name,
        Path: SCIM_GROUP_PATH,
      });
      if (!created.ok && created.code === 'entity.already-exists' && variant === 0) continue;
      if (!created.ok) return created;
      const group = await getPrincipal(store, requester.owner.accountId, 'group', name);
      return group
        ? ok(group)
        : fail('entity.concurrent-modification', 'The group was deleted while it was created.');
    }
    return fail('entity.already-exists', 'A group with this displayName exists.');
  }

  /** Writes a group's display name (renaming the IAM group when the derived name changes) and externalId. */
  async function saveProfile(
    requester: ScimRequester,
    current: LoadedGroup,
    attributes: Record<string, unknown>,
  ): Promise<Result<LoadedGroup>> {
    const displayName = displayNameOf(attributes.displayName);
    if (!displayName.ok) return displayName;
    let group = current.group;
    const currentName = (current.profile?.attributes.displayName as string | undefined) ?? group.name;
    if (displayName.value !== currentName) {
      const renamed = await renameIamGroup(requester, group, displayName.value);
      if (!renamed.ok) return renamed;
      group = renamed.value;
    }
    const kept = {
      displayName: displayName.value,
      ...(attributes.externalId === undefined ? {} : { externalId: attributes.externalId }),
    };
    const profile = await putScimProfile(
      store,
      {
        accountId: requester.owner.accountId,
        kind: 'group',
        id: group.id,
        attributes: kept,
        createdAt: current.profile?.createdAt ?? group.createdAt,
        lastModified: context.iam.now().toISOString(),
      },
      current.profile?.version,
    );
    return profile.ok ? ok({ group, profile: profile.value, memberChanges: current.memberChanges }) : profile;
  }

  async function renameIamGroup(
    requester: ScimRequester,
    group: PrincipalRecord,
    displayName: string,
  ): Promise<Result<PrincipalRecord>> {
    const caller = scimCaller(context, requester.owner);
    for (const variant of [0, 1] as const) {
      const name = groupNameFor(displayName, variant);
      if (name.toLowerCase() === group.name.toLowerCase()) return ok(group);
      const renamed = await context.operations.UpdateGroup(caller, {
        GroupName: group.name,
        NewGroupName: name,
      });
      if (!renamed.ok && renamed.code === 'entity.already-exists' && variant === 0) continue;
      if (!renamed.ok) return renamed;
      const read = await getPrincipalById(store, requester.owner.accountId, 'group', group.id);
      return read ? ok(read) : noSuchResource('Group', group.id);
    }
    return fail('entity.already-exists', 'A group with this displayName exists.');
  }

  /** The members a `members[...]` path selects: its `value eq` ids, else those of the current members it matches. */
  async function selectedMembers(group: PrincipalRecord, path: string): Promise<Result<string[]>> {
    const inner = /^members\[(.*)\]$/is.exec(path)?.[1];
    if (inner === undefined) return fail('scim.invalid-path', `${path.slice(0, 200)} is not a members path.`);
    const filter = parseScimFilter(inner);
    if (!filter.ok) return filter;
    const equal = equalityOn(filter.value, 'value');
    if (equal !== undefined) return ok([equal]);
    const current = await listMemberIds(store, group);
    return ok(current.filter((value) => filter.value.matches({ value })));
  }

  /** Applies the member operations of a PATCH, one membership at a time. */
  async function patchMembers(
    requester: ScimRequester,
    group: PrincipalRecord,
    operations: readonly PatchOperation[],
  ): Promise<Result<void>> {
    for (const operation of operations) {
      // Only membership is kept: add or replace on selected members' sub-attributes changes nothing.
      if (operation.op !== 'remove' && operation.path?.includes('[')) continue;
      const selected = operation.path?.includes('[')
        ? await selectedMembers(group, operation.path)
        : undefined;
      if (selected && !selected.ok) return selected;
      const named = selected?.value ?? memberIdsOf(operation.value);
      const ids = Array.isArray(named) ? ok(named) : named;
      if (!ids.ok) return ids;
      if (operation.op === 'add') {
        const added = await changeMembers(requester, group, ids.value, 'add');
        if (!added.ok) return added;
      } else if (operation.op === 'remove') {
        // `remove members` without a value or filter removes every member (RFC 7644 §3.5.2.2).
        const all = !selected && operation.value === undefined;
        const removed = await changeMembers(
          requester,
          group,
          all ? await listMemberIds(store, group) : ids.value,
          'remove',
        );
        if (!removed.ok) return removed;
      } else {
        const replaced = await replaceMembers(requester, group, ids.value);
        if (!replaced.ok) return replaced;
      }
    }
    return ok(undefined);
  }

  async function replaceMembers(requester: ScimRequester, group: PrincipalRecord, ids: readonly string[]) {
    const current = new Set(await listMemberIds(store, group));
    const wanted = new Set(ids);
    const added = await changeMembers(
      requester,
      group,
      ids.filter((id) => !current.has(id)),
      'add',
    );
    if (!added.ok) return added;
    return changeMembers(
      requester,
      group,
      [...current].filter((id) => !wanted.has(id)),
      'remove',
    );
  }

  /** The groups a `displayName eq` can name: the derived name and its variant. */
  async function byDisplayName(accountId: string, displayName: string): Promise<PrincipalRecord[]> {
    const names = [...new Set([groupNameFor(displayName, 0), groupNameFor(displayName, 1)])];
    const found = await Promise.all(names.map((name) => getPrincipal(store, accountId, 'group', name)));
    return found.filter((group): group is PrincipalRecord => group !== undefined);
  }

  return {
    /** POST /Groups. */
    async create(requester: ScimRequester, body: Readonly<Record<string, unknown>>) {
      const reduced = reduceResource('Group', body);
      if (!reduced.ok) return reduced;
      const displayName = displayNameOf(reduced.value.displayName);
      if (!displayName.ok) return displayName;
      const members = memberIdsOf(reduced.value.members);
      if (!members.ok) return members;
      const group = await createIamGroup(requester, displayName.value);
      if (!group.ok) return group;
      const saved = await saveProfile(
        requester,
        { group: group.value, profile: undefined, memberChanges: 0 },
        reduced.value,
      );
      if (!saved.ok) return saved;
      const added = await changeMembers(requester, group.value, members.value, 'add');
      if (!added.ok) return added;
      return ok(await groupResource(await reread(saved.value), requester.baseUrl, true));
    },

    /** GET /Groups/{id}; `withMembers` false skips reading the member list. */
    async get(
      requester: ScimRequester,
      id: string,
      withMembers: boolean,
    ): Promise<Result<Record<string, unknown>>> {
      const loaded = await load(requester.owner.accountId, id);
      return loaded
        ? ok(await groupResource(loaded, requester.baseUrl, withMembers))
        : noSuchResource('Group', id);
    },

    /** GET /Groups. */
    async list(
      requester: ScimRequester,
      filter: ScimFilter | undefined,
      page: PageRequest,
      withMembers: boolean,
    ): Promise<Result<ScimPage>> {
      const { accountId } = requester.owner;
      const displayName = filter && equalityOn(filter, 'displayName');
      const groups =
        displayName !== undefined
          ? await byDisplayName(accountId, displayName)
          : await everyPrincipal(context, accountId, 'group');
      const profiles = await getScimProfiles(
        store,
        accountId,
        'group',
        groups.map((group) => group.id),
      );
      // Filtered before members are read (a filter on members reads them for every group).
      const needsMembers =
        withMembers || (filter !== undefined && /members/i.test(JSON.stringify(filter.ast)));
      const matching: Record<string, unknown>[] = [];
      for (const group of groups) {
        const loaded = await reread({ group, profile: profiles.get(group.id) });
        const resource = await groupResource(loaded, requester.baseUrl, needsMembers);
        if (!filter || filter.matches(resource)) matching.push(resource);
      }
      const paged = matching.slice(page.startIndex - 1, page.startIndex - 1 + page.count);
      return ok({
        totalResults: matching.length,
        startIndex: page.startIndex,
        resources: withMembers ? paged : paged.map(({ members: _members, ...rest }) => rest),
      });
    },

    /** PUT /Groups/{id}: display name, externalId and the member list as sent. */
    async replace(
      requester: ScimRequester,
      id: string,
      body: Readonly<Record<string, unknown>>,
      ifMatch?: string,
    ) {
      const current = await load(requester.owner.accountId, id);
      if (!current) return noSuchResource('Group', id);
      const matched = checkIfMatch(ifMatch, versionOf(current));
      if (!matched.ok) return matched;
      const reduced = reduceResource('Group', body);
      if (!reduced.ok) return reduced;
      const members = memberIdsOf(reduced.value.members);
      if (!members.ok) return members;
      const saved = await saveProfile(requester, current, reduced.value);
      if (!saved.ok) return saved;
      const replaced = await replaceMembers(requester, saved.value.group, members.value);
      if (!replaced.ok) return replaced;
      return ok(await groupResource(await reread(saved.value), requester.baseUrl, true));
    },

    /** PATCH /Groups/{id}: member operations one membership at a time, the rest on the profile. */
    async patch(
      requester: ScimRequester,
      id: string,
      body: unknown,
      ifMatch?: string,
    ): Promise<Result<LoadedGroup>> {
      const operations = patchOperationsOf(body);
      if (!operations.ok) return operations;
      const current = await load(requester.owner.accountId, id);
      if (!current) return noSuchResource('Group', id);
      const matched = checkIfMatch(ifMatch, versionOf(current));
      if (!matched.ok) return matched;
      // A path-less value may carry members beside other attributes (Okta's rename sends id too).
      const memberOps: PatchOperation[] = [];
      const otherOps: PatchOperation[] = [];
      for (const operation of operations.value) {
        if (operation.path !== undefined) {
          (pathAttribute(operation.path) === 'members' ? memberOps : otherOps).push(operation);
          continue;
        }
        const value = (operation.value ?? {}) as Record<string, unknown>;
        const membersKey = Object.keys(value).find((key) => key.toLowerCase() === 'members');
        if (membersKey !== undefined)
          memberOps.push({ op: operation.op, path: 'members', value: value[membersKey] });
        const { [membersKey ?? '']: _members, ...rest } = value;
        if (Object.keys(rest).length > 0) otherOps.push({ op: operation.op, value: rest });
      }
      let saved: LoadedGroup = current;
      if (otherOps.length > 0) {
        const {
          meta: _meta,
          schemas: _schemas,
          id: _id,
          ...resource
        } = await groupResource(current, requester.baseUrl, false);
        const patched = applyPatch('Group', resource, otherOps);
        if (!patched.ok) return patched;
        const reduced = reduceResource('Group', patched.value);
        if (!reduced.ok) return reduced;
        const written = await saveProfile(requester, current, reduced.value);
        if (!written.ok) return written;
        saved = written.value;
      }
      const changed = await patchMembers(requester, saved.group, memberOps);
      if (!changed.ok) return changed;
      return ok(memberOps.length > 0 ? await reread(saved) : saved);
    },

    /** A group's version (its ETag). */
    versionOf,

    /** The resource of a group just patched (when the client asks for it back). */
    resourceOf: (requester: ScimRequester, loaded: LoadedGroup, withMembers: boolean) =>
      groupResource(loaded, requester.baseUrl, withMembers),

    /** DELETE /Groups/{id}. */
    async remove(requester: ScimRequester, id: string, ifMatch?: string): Promise<Result<unknown>> {
      const current = await load(requester.owner.accountId, id);
      if (!current) return noSuchResource('Group', id);
      const matched = checkIfMatch(ifMatch, versionOf(current));
      if (!matched.ok) return matched;
      const dropped = await deleteScimProfile(store, requester.owner.accountId, 'group', id);
      if (!dropped.ok) return dropped;
      return context.lifecycle.deleteGroup(scimCaller(context, requester.owner), current.group);
    },
  };
}

/** The SCIM group service's type. */
export type ScimGroups = ReturnType<typeof scimGroups>;
