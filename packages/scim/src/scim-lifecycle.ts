/**
 * The user and group lifecycle steps SCIM needs beyond IAM's plain operations: delete with
 * everything attached (deprovisioning must never get stuck on DeleteConflict) and (de)activate.
 * A port owned here; `iamLifecycle` plugs in IAM's deprovisioning functions.
 */
import type { Result } from '@palisade/failures';
import {
  deleteGroupWithEverything,
  deleteUserWithEverything,
  type IamContext,
  setUserActive,
} from '@palisade/iam';
import type { Caller } from '@palisade/principals';
import type { PrincipalRecord } from '@palisade/store';

/** The lifecycle steps SCIM calls; every write goes through IAM's own functions and `transact()`. */
export interface ScimLifecycle {
  /** Deletes the user and everything attached to it. */
  deleteUser(caller: Caller, user: PrincipalRecord): Promise<Result<unknown>>;
  /** Stops (false) or restores exactly (true) what the user's keys, password and sessions allow. */
  setUserActive(caller: Caller, user: PrincipalRecord, active: boolean): Promise<Result<unknown>>;
  /** Deletes the group with its memberships and policies. */
  deleteGroup(caller: Caller, group: PrincipalRecord): Promise<Result<unknown>>;
}

/** The lifecycle over IAM's deprovisioning functions (by immutable id: a rename meanwhile cannot mislead it). */
export function iamLifecycle(context: IamContext): ScimLifecycle {
  return {
    deleteUser: (caller, user) =>
      deleteUserWithEverything(context, caller, user.accountId, { userId: user.id }),
    setUserActive: (caller, user, active) =>
      setUserActive(context, caller, user.accountId, { userId: user.id }, active),
    deleteGroup: (caller, group) =>
      deleteGroupWithEverything(context, caller, group.accountId, { groupId: group.id }),
  };
}
