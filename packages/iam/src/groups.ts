/** IAM groups and membership: Create/Get/List/Update/DeleteGroup, Add/RemoveUserToGroup, ListGroupsForUser. */
import { ok } from '@palisade/failures';
import { checkMarker, listing, type OperationTable, operation, pageInMemory } from '@palisade/principals';
import {
  addMembership,
  getPrincipal,
  listGroupMemberRecordsPage,
  listGroupsForUser,
  removeMembership,
} from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { groupName, paging, path, pathPrefix, userName } from './iam-inputs.ts';
import {
  createPrincipal,
  listAuthorized,
  loadAuthorized,
  moveAuthorized,
  noSuch,
  removeAuthorized,
} from './principal-lifecycle.ts';
import { groupShape, userShape } from './principal-shapes.ts';

/** The group operations, by AWS action name. */
export function groupOperations(context: IamContext) {
  return {
    CreateGroup: operation(
      z.object({ GroupName: groupName, Path: path.optional() }),
      async (caller, input) => {
        const created = await createPrincipal(context, caller, 'group', {
          name: input.GroupName,
          path: input.Path,
        });
        return created.ok ? ok({ Group: groupShape(created.value) }) : created;
      },
    ),

    GetGroup: operation(z.object({ GroupName: groupName, ...paging }), async (caller, input) => {
      const group = await loadAuthorized(context, caller, 'group', input.GroupName, 'iam:GetGroup');
      if (!group.ok) return group;
      const after = checkMarker(input.Marker, '');
      if (!after.ok) return after;
      // One page of member ids in user-id order (stable under renames), then one BatchGet of their records.
      const page = await listGroupMemberRecordsPage(context.store, caller.accountId, group.value.id, {
        limit: input.MaxItems ?? 100,
        after: after.value,
      });
      if (!page.ok) return page;
      return ok({
        Group: groupShape(group.value),
        ...listing(
          'Users',
          byName(page.value.users).map((user) => userShape(user)),
          page.value.next,
        ),
      });
    }),

    ListGroups: operation(
      z.object({ PathPrefix: pathPrefix.optional(), ...paging }),
      async (caller, input) => {
        const page = await listAuthorized(context, caller, 'group', input);
        if (!page.ok) return page;
        return ok(listing('Groups', page.value.items.map(groupShape), page.value.next, page.value.nextId));
      },
    ),

    UpdateGroup: operation(
      z.object({ GroupName: groupName, NewPath: path.optional(), NewGroupName: groupName.optional() }),
      (caller, input) =>
        moveAuthorized(context, caller, 'group', input.GroupName, {
          newName: input.NewGroupName,
          newPath: input.NewPath,
        }),
    ),

    DeleteGroup: operation(z.object({ GroupName: groupName }), (caller, input) =>
      removeAuthorized(context, caller, 'group', input.GroupName),
    ),

    AddUserToGroup: operation(
      z.object({ GroupName: groupName, UserName: userName }),
      async (caller, input) => {
        // Both read in one round trip, answered in the same order: the group's check comes first.
        const [group, user] = await Promise.all([
          loadAuthorized(context, caller, 'group', input.GroupName, 'iam:AddUserToGroup'),
          getPrincipal(context.store, caller.accountId, 'user', input.UserName),
        ]);
        if (!group.ok) return group;
        if (!user) return noSuch('user', input.UserName);
        const added = await addMembership(context.store, user, group.value, context.quotas.groupsPerUser);
        // Adding a member twice is not an error in IAM.
        return added.ok || added.code === 'entity.already-exists' ? ok(undefined) : added;
      },
    ),

    RemoveUserFromGroup: operation(
      z.object({ GroupName: groupName, UserName: userName }),
      async (caller, input) => {
        const group = await loadAuthorized(
          context,
          caller,
          'group',
          input.GroupName,
          'iam:RemoveUserFromGroup',
        );
        if (!group.ok) return group;
        const user = await getPrincipal(context.store, caller.accountId, 'user', input.UserName);
        if (!user) return noSuch('user', input.UserName);
        const removed = await removeMembership(context.store, user, group.value);
        return removed.ok ? ok(undefined) : removed;
      },
    ),

    ListGroupsForUser: operation(z.object({ UserName: userName, ...paging }), async (caller, input) => {
      const user = await loadAuthorized(context, caller, 'user', input.UserName, 'iam:ListGroupsForUser');
      if (!user.ok) return user;
      // The group ids, then one BatchGet of their records (at most groupsPerUser: paged in memory).
      const groups = await listGroupsForUser(context.store, user.value);
      const page = pageInMemory(groups, (group) => group.name.toLowerCase(), input.Marker, input.MaxItems);
      if (!page.ok) return page;
      return ok(
        listing(
          'Groups',
          page.value.items.map((group) => groupShape(group)),
          page.value.next,
        ),
      );
    }),
  } satisfies OperationTable;
}

/** Records in name order (relations are keyed by id, whose order means nothing to a reader). */
function byName<T extends { readonly name: string }>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
}
