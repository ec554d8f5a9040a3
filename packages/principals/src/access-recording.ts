/**
 * Records who used what, cheaply and off the request's critical path: a user's or role's calls to
 * a service (access advisor) and a role's assumptions (RoleLastUsed). An in-process memo answers
 * "already recorded this hour" without a round trip; past it, the store's conditional update
 * moves the timestamp forward at most once per hour whatever other processes do. A failure to
 * record is logged and never fails the request that was being recorded.
 */
import {
  LAST_ACCESS_GRANULARITY_MS,
  recordPasswordUse,
  recordRoleUse,
  recordServiceLastAccess,
  type StoreContext,
  type TrackedPrincipal,
} from '@palisade/store';
import type { Caller } from './caller.ts';
import { callerFacts } from './callers.ts';
import type { OperationTable } from './operation.ts';

/** What the recorder needs: the store, the clock, where to report failures. */
export interface AccessRecordingOptions {
  readonly store: StoreContext;
  readonly now: () => Date;
  /** Told of a failed recording (the request it belonged to goes on regardless). */
  readonly onError?: (error: unknown) => void;
  /** How many principal/service pairs the memo remembers (oldest forgotten first). */
  readonly maxRemembered?: number;
}

/** Records uses; each method resolves when its write (if any) settled, and never rejects. */
export interface AccessRecorder {
  /** A call by `caller` to `service` (its namespace) in `region`; root and the operator are not tracked. */
  serviceAccess(caller: Caller, service: string, region: string, action?: string): Promise<void>;
  /** A use of `service` by the user or role `principal` (a decision about it), tracked as a call is. */
  principalAccess(
    principal: TrackedPrincipal,
    service: string,
    region: string,
    action?: string,
  ): Promise<void>;
  /** An assumption of the role `roleId` of `accountId` in `region`. */
  roleUse(accountId: string, roleId: string, region: string): Promise<void>;
  /** A password sign-in of the user `userId` of `accountId`. */
  passwordUse(accountId: string, userId: string): Promise<void>;
}

const DEFAULT_REMEMBERED = 10_000;

/** The user or role a caller's uses are counted for: users by id, role sessions as their role. */
export function trackedPrincipalOf(caller: Caller): TrackedPrincipal | undefined {
  const userId = callerFacts(caller)?.userId;
  if (!userId) return undefined;
  if (caller.kind === 'user' && userId.startsWith('AIDA'))
    return { accountId: caller.accountId, kind: 'USER', id: userId };
  // An assumed role's UserId is `<role id>:<session name>`.
  const roleId = userId.split(':')[0] ?? '';
  if (caller.kind === 'assumed-role' && roleId.startsWith('AROA'))
    return { accountId: caller.accountId, kind: 'ROLE', id: roleId };
  return undefined;
}

/** Builds a recorder with its own memo (one per process). */
export function createAccessRecorder(options: AccessRecordingOptions): AccessRecorder {
  const remembered = new Map<string, number>();
  const limit = options.maxRemembered ?? DEFAULT_REMEMBERED;

  /** Runs `write` unless this process recorded `key` within the hour; false when skipped. */
  const once = async (key: string, write: (at: Date) => Promise<boolean>): Promise<void> => {
    const at = options.now();
    const last = remembered.get(key);
    if (last !== undefined && at.getTime() - last < LAST_ACCESS_GRANULARITY_MS) return;
    // Claimed before the write: concurrent calls of the same principal do not all write.
    remembered.delete(key);
    remembered.set(key, at.getTime());
    if (remembered.size > limit) {
      const oldest = remembered.keys().next().value;
      if (oldest !== undefined) remembered.delete(oldest);
    }
    try {
      // Written, or refused because the table already holds a use within the hour: either way recent.
      await write(at);
    } catch (error) {
      remembered.delete(key);
      options.onError?.(error);
    }
  };

  const principalAccess: AccessRecorder['principalAccess'] = (principal, service, region, action) => {
    const key = `${principal.accountId}|${principal.id}|${service}`;
    return once(key, (at) =>
      recordServiceLastAccess(options.store, principal, service, {
        at,
        region,
        ...(action ? { action } : {}),
      }),
    );
  };

  return {
    principalAccess,
    serviceAccess(caller, service, region, action) {
      const principal = trackedPrincipalOf(caller);
      return principal ? principalAccess(principal, service, region, action) : Promise.resolve();
    },
    roleUse(accountId, roleId, region) {
      return once(`${accountId}|${roleId}|role-used`, (at) =>
        recordRoleUse(options.store, accountId, roleId, { at, region }),
      );
    },
    passwordUse(accountId, userId) {
      return once(`${accountId}|${userId}|password-used`, (at) =>
        recordPasswordUse(options.store, accountId, userId, { at, region: UNSIGNED_REGION }),
      );
    },
  };
}

/** The region recorded for a caller whose request named none (a Bearer session): STS's global endpoint's. */
const UNSIGNED_REGION = 'us-east-1';

/**
 * The operations of a table, each recording its caller's use of `service` as it starts (not
 * awaited: the recording never delays or fails the operation).
 */
export function recordingAccess<T extends OperationTable>(
  table: T,
  service: string,
  recorder: AccessRecorder,
): T {
  return Object.fromEntries(
    Object.entries(table).map(([action, handler]) => {
      const recorded = (caller: Caller, input: unknown) => {
        const region = callerFacts(caller)?.requestedRegion?.() ?? UNSIGNED_REGION;
        void recorder.serviceAccess(caller, service, region, `${service}:${action}`);
        return handler(caller, input);
      };
      return [action, Object.assign(recorded, { schema: handler.schema })];
    }),
  ) as T;
}
