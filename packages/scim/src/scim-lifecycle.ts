/**
 * The user and group lifecycle steps SCIM needs beyond IAM's plain operations: delete with
 * everything attached (deprovisioning must never get stuck on DeleteConflict) and (de)activate.
 * A port owned here, so the IAM package's implementations plug in at the composition root.
 */
import { ok, type Result } from '@palisade/failures';
import type { IamOperations } from '@palisade/iam';
import type { Caller } from '@palisade/principals';
import type { PrincipalRecord } from '@palisade/store';

/** The lifecycle steps SCIM calls; every write goes through IAM's own functions and `transact()`. */
export interface ScimLifecycle {
  /** Deletes the user and everything attached to it. */
  deleteUser(caller: Caller, user: PrincipalRecord): Promise<Result<void>>;
  /** Stops (false) or restores exactly (true) what the user's keys, password and sessions allow. */
  setUserActive(caller: Caller, user: PrincipalRecord, active: boolean): Promise<Result<void>>;
  /** Deletes the group with its memberships and policies. */
  deleteGroup(caller: Caller, group: PrincipalRecord): Promise<Result<void>>;
}

/**
 * SEAM until IAM's deleteUserWithEverything / setUserActive / deleteGroupWithEverything are merged:
 * IAM's plain DeleteUser/DeleteGroup (which refuse with DeleteConflict while anything is attached),
 * and `active` kept on the SCIM profile only (credentials are not yet stopped).
 */
export function plainIamLifecycle(operations: IamOperations): ScimLifecycle {
  return {
    deleteUser: (caller, user) =>
      operations.DeleteUser(caller, { UserName: user.name }) as Promise<Result<void>>,
    setUserActive: async () => ok(undefined),
    deleteGroup: (caller, group) =>
      operations.DeleteGroup(caller, { GroupName: group.name }) as Promise<Result<void>>,
  };
}
