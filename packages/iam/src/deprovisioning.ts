/**
 * Lifecycle operations for provisioning (SCIM, inbound webhooks), which must never get stuck:
 * delete a user or a group with everything attached, and deactivate or reactivate a user.
 *
 * A deletion is a sequence of small transactions, each one of the IAM operations' own store writes
 * (so each carries its change record and keeps every counter right): the user's keys, login
 * profile and MFA devices first (its credentials stop at once), then its sign-in sessions, inline
 * policies, attachments and memberships, then the user itself. Nothing is remembered between steps:
 * every round reads what is left, so a retry after a crash half-way finishes the job, and a writer
 * adding something meanwhile only costs another round. A group's members are removed a page at a
 * time, so a group of any size is deleted in bounded steps.
 */
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import { type Caller, denialOf } from '@palisade/principals';
import {
  type AccessKeyRecord,
  type CredentialOwnerKey,
  deleteAccessKey,
  deleteInlinePolicy,
  deleteLoginProfile,
  deleteSignInSession,
  detachPolicy,
  GROUP_MEMBER_PAGE_MAX,
  getPrincipal,
  getPrincipalById,
  isEntityId,
  listGroupMembersPage,
  listUserSignInSessionIds,
  type PrincipalRecord,
  type PrincipalRef,
  readPrincipalPartition,
  removeMembership,
  removeMfaDevice,
  setUserActiveFlag,
  toPrincipal,
} from '@palisade/store';
import type { IamContext } from './iam-context.ts';
import { groupName, userName } from './iam-inputs.ts';
import { resolveManagedPolicy } from './managed-policy-refs.ts';
import { noSuch, principalArn, removePrincipal, targetFacts } from './principal-lifecycle.ts';

/** Which user an operation means: by name (case-insensitive, as in IAM) or by immutable id (`AIDA…`). */
export type UserTarget = { readonly userName: string } | { readonly userId: string };

/** Which group an operation means: by name (case-insensitive) or by immutable id (`AGPA…`). */
export type GroupTarget = { readonly groupName: string } | { readonly groupId: string };

/** What a deletion removed: the principal's immutable id and its last name. */
export interface DeletedPrincipal {
  readonly id: string;
  readonly name: string;
}

/** How a group deletion pages through the members of a big group. */
export interface GroupDeletionOptions {
  /** Members read and removed per step (1–1000; default 100). */
  readonly memberPageSize?: number;
}

/** How many times a deletion re-reads what is left after a concurrent writer got in its way. */
const ROUNDS = 5;
/** Members removed per page of a big group, and how many removals of a page run at once. */
const DEFAULT_MEMBER_PAGE = 100;
const MEMBER_REMOVALS_AT_ONCE = 8;
/** Sign-in sessions ended per step. */
const SESSION_PAGE = 100;

/**
 * Deletes a user and everything attached to it (access keys, login profile, MFA devices, which
 * are deactivated and their virtual devices deleted as the console does, sign-in sessions, inline
 * policies, managed-policy attachments, group memberships, tags), authorized as `iam:DeleteUser`
 * on the user. `accountId` must be the caller's own (a provisioning service acts as the account's
 * root or a principal of it). Never a DeleteConflict: a writer adding something meanwhile costs a
 * round; after `ROUNDS` rounds still losing, `entity.concurrent-modification` (retry). An unknown
 * user is `entity.not-found`, which callers may treat as done (a retry of a finished deletion).
 */
export async function deleteUserWithEverything(
  context: IamContext,
  caller: Caller,
  accountId: string,
  target: UserTarget,
): Promise<Result<DeletedPrincipal>> {
  const user = await authorizedPrincipal(
    context,
    caller,
    accountId,
    'user',
    targetOf(target),
    'iam:DeleteUser',
  );
  if (!user.ok) return user;
  return deleteInRounds(context, user.value, async (current, items) => {
    const owner: CredentialOwnerKey = { kind: 'user', userId: current.id };
    for (const item of items) {
      // Credentials first: once these are gone the user cannot act, whatever the rest takes.
      const step =
        item.entity === 'owned-access-key'
          ? await deleteAccessKey(context.store, ownedKey(current, String(item.accessKeyId)))
          : item.entity === 'login-profile'
            ? await deleteLoginProfile(context.store, current.accountId, owner, current.name)
            : item.entity === 'mfa-device'
              ? await removeMfaDevice(context.store, current.accountId, owner, String(item.serialNumber))
              : ok(undefined);
      if (!step.ok && step.code !== 'entity.not-found') return step;
    }
    const ended = await endSignInSessions(context, current);
    if (!ended.ok) return ended;
    const policies = await removePolicies(context, current, items);
    if (!policies.ok) return policies;
    for (const item of items) {
      if (item.entity !== 'membership') continue;
      const group = {
        accountId: current.accountId,
        kind: 'group',
        id: String(item.groupId),
        name: String(item.groupId),
      } as const;
      const removed = await removeMembership(context.store, current, group);
      if (!removed.ok && removed.code !== 'entity.not-found') return removed;
    }
    return ok(undefined);
  });
}

/**
 * Deletes a group with everything attached: its members removed a page at a time (each removal
 * one membership pair and a counter shard, as RemoveUserFromGroup), its managed policies detached,
 * its inline policies deleted, then the group; authorized as `iam:DeleteGroup`, with the same
 * rules and answers as deleteUserWithEverything. Each step reads one page of members (at most
 * `memberPageSize`) and removes them, so a group of any size is deleted in bounded steps.
 */
export async function deleteGroupWithEverything(
  context: IamContext,
  caller: Caller,
  accountId: string,
  target: GroupTarget,
  options: GroupDeletionOptions = {},
): Promise<Result<DeletedPrincipal>> {
  const pageSize = options.memberPageSize ?? DEFAULT_MEMBER_PAGE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > GROUP_MEMBER_PAGE_MAX)
    return fail('request.invalid', `The member page size must be 1 to ${GROUP_MEMBER_PAGE_MAX}.`);
  const group = await authorizedPrincipal(
    context,
    caller,
    accountId,
    'group',
    'groupName' in target ? { name: target.groupName } : { id: target.groupId },
    'iam:DeleteGroup',
  );
  if (!group.ok) return group;
  return deleteInRounds(context, group.value, async (current, items) => {
    const emptied = await removeAllMembers(context, current, pageSize);
    if (!emptied.ok) return emptied;
    return removePolicies(context, current, items);
  });
}

/**
 * Deactivates (`active` false) or reactivates a user, authorized as `iam:UpdateUser` on it. While
 * inactive, its access keys, password sign-in, sign-in sessions (and their refresh tokens) and the
 * temporary credentials it got from GetSessionToken or minted from a sign-in authenticate no one
 * (within the credential freshness bound); reactivating restores exactly what was there, since
 * nothing but the flag changed. IAM reads of the user keep working. Setting the state it already
 * has writes nothing. Answers the user's record as it is now.
 */
export async function setUserActive(
  context: IamContext,
  caller: Caller,
  accountId: string,
  target: UserTarget,
  active: boolean,
): Promise<Result<PrincipalRecord>> {
  const user = await authorizedPrincipal(
    context,
    caller,
    accountId,
    'user',
    targetOf(target),
    'iam:UpdateUser',
  );
  if (!user.ok) return user;
  let current: PrincipalRecord | undefined = user.value;
  for (let round = 0; round < ROUNDS && current; round++) {
    if (current.active === active) return ok(current);
    const set = await setUserActiveFlag(context.store, current, active);
    if (set.ok || set.code !== 'entity.concurrent-modification') return set;
    current = await getPrincipalById(context.store, accountId, 'user', current.id);
  }
  return current ? retryLater(current) : noSuch('user', user.value.name);
}

function targetOf(target: UserTarget): { name: string } | { id: string } {
  return 'userName' in target ? { name: target.userName } : { id: target.userId };
}

/**
 * The principal a lifecycle operation means, after checking the caller may perform `action` on it
 * (with its tags and boundary as context). A principal that does not exist is checked at the ARN
 * it would have at the root path (by name) or at every principal of the kind (by id), so a caller
 * without the permission learns nothing about existence.
 */
async function authorizedPrincipal(
  context: IamContext,
  caller: Caller,
  accountId: string,
  kind: 'user' | 'group',
  target: { name: string } | { id: string },
  action: string,
): Promise<Result<PrincipalRecord>> {
  // INVARIANT: a tenant's principals are reached only with that tenant's own caller.
  if (accountId !== caller.accountId) {
    return fail(
      'access.denied',
      `User: ${caller.arn} is not authorized to perform: ${action} in account ${accountId}`,
    );
  }
  const nameSchema = kind === 'user' ? userName : groupName;
  if ('name' in target && !nameSchema.safeParse(target.name).success)
    return fail('request.invalid', `${kind === 'user' ? 'UserName' : 'GroupName'} is not a valid IAM name.`);
  if ('id' in target && !isEntityId(kind === 'user' ? 'USER' : 'GROUP', target.id))
    return fail('request.invalid', `${target.id} is not a ${kind} id.`);
  const record =
    'name' in target
      ? await getPrincipal(context.store, accountId, kind, target.name)
      : await getPrincipalById(context.store, accountId, kind, target.id);
  const arn =
    record?.arn ??
    ('name' in target
      ? principalArn(context, accountId, kind, '/', target.name)
      : `arn:${context.partition}:iam::${accountId}:${kind}/*`);
  const denied = denialOf(caller, action, arn, record ? targetFacts(record) : {});
  if (denied) return denied;
  return record ? ok(record) : noSuch(kind, 'name' in target ? target.name : target.id);
}

/**
 * Runs `removeHeld` on what the principal holds, then deletes it, re-reading and trying again when
 * a concurrent writer got in the way (a DeleteConflict, a version or shard that moved).
 */
async function deleteInRounds(
  context: IamContext,
  principal: PrincipalRecord,
  removeHeld: (current: PrincipalRecord, items: readonly Record<string, unknown>[]) => Promise<Result<void>>,
): Promise<Result<DeletedPrincipal>> {
  for (let round = 0; round < ROUNDS; round++) {
    const items = await readPrincipalPartition(context.store, principal);
    const recordItem = items.find((item) => item.entity === principal.kind);
    if (!recordItem) return noSuch(principal.kind, principal.name);
    const current = toPrincipal(recordItem);
    const held = await removeHeld(current, items);
    if (!held.ok && !retryable(held)) return held;
    if (!held.ok) continue;
    const removed = await removePrincipal(context, current);
    if (removed.ok) return ok({ id: current.id, name: current.name });
    if (!retryable(removed)) return removed;
  }
  return retryLater(principal);
}

function retryable(failure: Failure): boolean {
  return failure.code === 'entity.delete-conflict' || failure.code === 'entity.concurrent-modification';
}

function retryLater(principal: PrincipalRef): Failure {
  return fail(
    'entity.concurrent-modification',
    `${principal.kind === 'user' ? 'User' : 'Group'} ${principal.name} kept changing meanwhile; retry.`,
  );
}

/** Deletes a principal's inline policies and detaches its managed policies (use counts given back). */
async function removePolicies(
  context: IamContext,
  current: PrincipalRecord,
  items: readonly Record<string, unknown>[],
): Promise<Result<void>> {
  for (const item of items) {
    let step: Result<void> = ok(undefined);
    if (item.entity === 'inline-policy') {
      step = await deleteInlinePolicy(context.store, current, {
        name: String(item.name),
        document: String(item.document),
        size: Number(item.size),
      });
    } else if (item.entity === 'attachment') {
      const arn = String(item.policyArn);
      const ref = await resolveManagedPolicy(context, current.accountId, arn);
      // A customer policy gets its use back; one that no longer resolves has none to give back.
      const customer = ref.ok && ref.value.scope === 'customer' ? ref.value.record : undefined;
      step = await detachPolicy(context.store, current, arn, customer);
    }
    if (!step.ok && step.code !== 'entity.not-found') return step;
  }
  return ok(undefined);
}

/** Ends the sign-in sessions filed under a user, a page at a time, until none is listed that is not already ended. */
async function endSignInSessions(context: IamContext, user: PrincipalRecord): Promise<Result<void>> {
  const ended = new Set<string>();
  for (;;) {
    const ids = await listUserSignInSessionIds(context.store, user.accountId, user.id, SESSION_PAGE);
    // The index is eventually consistent: ids ended a moment ago may still be listed.
    const open = ids.filter((id) => !ended.has(id));
    if (open.length === 0) return ok(undefined);
    for (const id of open) {
      const deleted = await deleteSignInSession(context.store, id);
      if (!deleted.ok) return deleted;
      ended.add(id);
    }
  }
}

/** Removes every member of a group, one page of members at a time. */
async function removeAllMembers(
  context: IamContext,
  group: PrincipalRecord,
  pageSize: number,
): Promise<Result<void>> {
  for (;;) {
    // Always the first page: the members removed are gone from it.
    const page = await listGroupMembersPage(context.store, group.accountId, group.id, { limit: pageSize });
    if (!page.ok) return page;
    const members = page.value.members;
    if (members.length === 0) return ok(undefined);
    let next = 0;
    let removedCount = 0;
    let failed: Failure | undefined;
    await Promise.all(
      Array.from({ length: Math.min(MEMBER_REMOVALS_AT_ONCE, members.length) }, async () => {
        while (next < members.length && !failed) {
          const member = members[next++] as (typeof members)[number];
          const user = {
            accountId: group.accountId,
            kind: 'user',
            id: member.userId,
            name: member.userName,
          } as const;
          const removed = await removeMembership(context.store, user, group);
          if (removed.ok) removedCount++;
          else if (removed.code !== 'entity.not-found') failed = removed;
        }
      }),
    );
    if (failed) return failed;
    // A page where nothing could be removed would come back the same: leave it to the next round.
    if (removedCount === 0) return retryLater(group);
  }
}

/** The access key record a deletion needs: the key's id and owner (the secret is never read). */
function ownedKey(user: PrincipalRecord, accessKeyId: string): AccessKeyRecord {
  return {
    accessKeyId,
    accountId: user.accountId,
    owner: { kind: 'user', userId: user.id },
    status: 'Inactive',
    encryptedSecret: '',
    createdAt: '',
  };
}
