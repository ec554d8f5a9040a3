/**
 * Members from the back office: `member.upserted` creates the user if needed and makes `groups`
 * the user's whole set of memberships; `member.removed` deletes the user with everything attached.
 * Both act through IAM's operations as the tenant's root.
 */
import { type FieldError, failFields, ok, type Result } from '@palisade/failures';
import { deleteUserWithEverything } from '@palisade/iam';
import { getExternalTenant, getPrincipal } from '@palisade/store';
import type { ProvisioningContext } from './provisioning-context.ts';
import { runIamStep, tenantRoot } from './tenant-building.ts';
import { unknownTenant } from './tenants.ts';

/** What member.upserted answers. */
export interface MemberApplied {
  readonly accountId: string;
  readonly userName: string;
  readonly groups?: readonly string[];
}

/** The member operations behind the webhook's events. */
export function memberOperations(context: ProvisioningContext) {
  const { store } = context.iam;
  return {
    /** member.upserted: every named group must exist (else 422, nothing changed). */
    async upsertMember(request: {
      tenantExternalId: string;
      userName: string;
      groups?: readonly string[] | undefined;
    }): Promise<Result<MemberApplied>> {
      const tenant = await getExternalTenant(store, request.tenantExternalId);
      if (!tenant) return unknownTenant(request.tenantExternalId);
      const { accountId } = tenant;
      const wanted = request.groups
        ? [...new Map(request.groups.map((g) => [g.toLowerCase(), g])).values()]
        : undefined;
      if (wanted) {
        const found = await Promise.all(
          wanted.map((group) => getPrincipal(store, accountId, 'group', group)),
        );
        const missing: FieldError[] = [];
        found.forEach((group, i) => {
          if (!group)
            missing.push({ path: `data.groups.${i}`, message: `no group ${wanted[i]} in the tenant` });
        });
        if (missing.length > 0)
          return failFields('webhook.invalid-event', 'A named group does not exist.', missing);
      }
      const root = tenantRoot(context, accountId);
      const user = await runIamStep(context, root, 'CreateUser', { UserName: request.userName });
      if (!user.ok) return user;
      if (!wanted) return ok({ accountId, userName: request.userName });
      const listed = await context.operations.ListGroupsForUser(root, { UserName: request.userName });
      if (!listed.ok) return listed;
      const current = listed.value.Groups.map((group) => group.GroupName);
      const wantedLower = new Set(wanted.map((g) => g.toLowerCase()));
      const currentLower = new Set(current.map((g) => g.toLowerCase()));
      for (const group of wanted.filter((g) => !currentLower.has(g.toLowerCase()))) {
        const added = await runIamStep(context, root, 'AddUserToGroup', {
          GroupName: group,
          UserName: request.userName,
        });
        if (!added.ok) return added;
      }
      for (const group of current.filter((g) => !wantedLower.has(g.toLowerCase()))) {
        const removed = await runIamStep(context, root, 'RemoveUserFromGroup', {
          GroupName: group,
          UserName: request.userName,
        });
        if (!removed.ok) return removed;
      }
      return ok({ accountId, userName: request.userName, groups: wanted });
    },

    /** member.removed: the user and everything attached; a user already gone is done. */
    async removeMember(request: {
      tenantExternalId: string;
      userName: string;
    }): Promise<Result<MemberApplied>> {
      const tenant = await getExternalTenant(store, request.tenantExternalId);
      if (!tenant) return unknownTenant(request.tenantExternalId);
      const { accountId } = tenant;
      // INVARIANT: one way to delete a user with everything: IAM's, never a copy here.
      const deleted = await deleteUserWithEverything(context.iam, tenantRoot(context, accountId), accountId, {
        userName: request.userName,
      });
      // A user already gone is done: the event is applied once, whoever deleted it.
      return deleted.ok || deleted.code === 'entity.not-found'
        ? ok({ accountId, userName: request.userName })
        : deleted;
    },
  };
}
