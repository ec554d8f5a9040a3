/**
 * The warm process's cache of compiled policies: principal bundles (keyed by account + principal)
 * and resource bundles (keyed by resource ARN) in one LRU, each tagged with its account's policy
 * epoch as read BEFORE the bundle was loaded. Every transaction in an account bumps the epoch
 * atomically (store/policy-epochs.ts), so a bundle whose epoch still equals the account's current
 * one is exactly as fresh as the table.
 *
 * Freshness bound: an account's epoch (with its status and log settings) is re-read at most every
 * `revalidateAfterMs`, in one BatchGetItem for every account a decision touches; a change is
 * therefore served stale for at most `revalidateAfterMs` plus one round trip. Within the window a
 * warm decision makes no DynamoDB call. A failed revalidation is an error, never a reason to serve
 * the old entry (fail closed).
 *
 * Role sessions are not covered by the epoch (they are single puts, outside any transaction), so
 * the list of sessions carrying an assumed-role ARN is simply re-read once it is older than the
 * same window. Expiry is not left to the list: the decision service drops sessions that expired
 * since, against its own clock, on every decision.
 */
import {
  compileEffectivePolicies,
  type EffectivePolicies,
  loadEffectivePolicies,
  signInBindingStands,
} from '@palisade/iam';
import {
  compilePrincipalPolicies,
  compileResourcePolicies,
  type PrincipalPolicies,
  type ResourcePolicies,
} from '@palisade/policy';
import {
  type AccountDecisionState,
  findRoleSessions,
  getResourcePolicy,
  isResourceArn,
  type ResourcePolicyRecord,
  readAccountDecisionStates,
  type StoreContext,
  type StsSessionRecord,
} from '@palisade/store';
import type { PrincipalRef } from './principal-arn.ts';

type AssumedRoleRef = Extract<PrincipalRef, { kind: 'assumed-role' }>;

/** A principal's compiled policies; `effective` is undefined for root and for a missing principal. */
export interface PrincipalBundle {
  readonly found: boolean;
  readonly effective: EffectivePolicies | undefined;
  readonly compiled: PrincipalPolicies;
  readonly epoch: number;
}

/** A resource's compiled policy and tags; `record` is undefined when nothing is registered. */
export interface ResourceBundle {
  readonly record: ResourcePolicyRecord | undefined;
  readonly compiled: ResourcePolicies;
  readonly epoch: number;
}

/** At most this many live sessions may share one assumed-role ARN; beyond it, decisions deny. */
export const MAX_SESSIONS_PER_ARN = 20;

/** The sessions filed under one assumed-role ARN when they were read (possibly expired since). */
export interface RoleSessionList {
  /** Unexpired when read, soonest-expiring first; at most `MAX_SESSIONS_PER_ARN`. */
  readonly sessions: readonly StsSessionRecord[];
  /** True when more than `MAX_SESSIONS_PER_ARN` were found: the list is incomplete. */
  readonly overLimit: boolean;
}

/** Options of the cache. */
export interface BundleCacheOptions {
  readonly store: StoreContext;
  readonly partition: string;
  /** Milliseconds on a monotonic clock (tests pass their own). */
  readonly clock?: () => number;
  /** How old an account's epoch may be before a decision re-reads it (the freshness window). */
  readonly revalidateAfterMs?: number;
  readonly maxEntries?: number;
}

/** Counters for tests and the benchmark. */
export interface BundleCacheStats {
  hits: number;
  loads: number;
  revalidations: number;
}

/** The cache the decision service reads through. */
export interface BundleCache {
  /** The current state of each account, revalidated when older than the window. */
  accountStates(accountIds: readonly string[]): Promise<Map<string, AccountDecisionState>>;
  principal(ref: PrincipalRef, epoch: number): Promise<PrincipalBundle>;
  /** `accountId` is the ARN's account segment (undefined when the ARN has none). */
  resource(arn: string, accountId: string | undefined, epoch: number): Promise<ResourceBundle>;
  /** The sessions carrying an assumed-role ARN, re-read when older than the window; `now` bounds the read. */
  roleSessions(ref: AssumedRoleRef, now: Date): Promise<RoleSessionList>;
  readonly stats: BundleCacheStats;
  /** The freshness window in milliseconds. */
  readonly revalidateAfterMs: number;
}

interface AccountEntry {
  state: AccountDecisionState;
  checkedAt: number;
}

const EMPTY_PRINCIPAL = compilePrincipalPolicies({ identityPolicies: [] });
const NO_RESOURCE = compileResourcePolicies({});

/** Builds the cache. */
export function createBundleCache(options: BundleCacheOptions): BundleCache {
  const clock = options.clock ?? (() => performance.now());
  const window = options.revalidateAfterMs ?? 250;
  const maxEntries = options.maxEntries ?? 10_000;
  const accounts = new Map<string, AccountEntry>();
  const inFlightStates = new Map<string, Promise<Map<string, AccountDecisionState>>>();
  const entries = new Map<string, PrincipalBundle | ResourceBundle>();
  const inFlightLoads = new Map<string, Promise<PrincipalBundle | ResourceBundle>>();
  const stats: BundleCacheStats = { hits: 0, loads: 0, revalidations: 0 };
  const sessionLists = new Map<string, { list: RoleSessionList; checkedAt: number }>();
  const inFlightSessions = new Map<string, Promise<RoleSessionList>>();

  const remember = (key: string, value: PrincipalBundle | ResourceBundle) => {
    entries.delete(key);
    entries.set(key, value);
    if (entries.size > maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
  };

  // One load per key and epoch at a time: a batch of 100 decisions about one principal loads it once.
  const through = async <T extends PrincipalBundle | ResourceBundle>(
    key: string,
    epoch: number,
    load: () => Promise<T>,
  ): Promise<T> => {
    const cached = entries.get(key);
    if (cached && cached.epoch === epoch) {
      stats.hits++;
      remember(key, cached);
      return cached as T;
    }
    const flightKey = `${key}@${epoch}`;
    const running = inFlightLoads.get(flightKey);
    if (running) return running as Promise<T>;
    const loading = load().then((value) => {
      stats.loads++;
      // INVARIANT: tagged with the epoch read before loading, so a concurrent change only makes it reload.
      remember(key, value);
      return value;
    });
    inFlightLoads.set(flightKey, loading);
    try {
      return await loading;
    } finally {
      inFlightLoads.delete(flightKey);
    }
  };

  return {
    stats,
    revalidateAfterMs: window,
    async accountStates(accountIds) {
      const now = clock();
      const result = new Map<string, AccountDecisionState>();
      const stale: string[] = [];
      const waiting: Promise<void>[] = [];
      for (const id of new Set(accountIds)) {
        const entry = accounts.get(id);
        if (entry && now - entry.checkedAt < window) result.set(id, entry.state);
        else {
          const running = inFlightStates.get(id);
          if (running)
            waiting.push(
              running.then((states) => void result.set(id, states.get(id) as AccountDecisionState)),
            );
          else stale.push(id);
        }
      }
      if (stale.length > 0) {
        stats.revalidations++;
        const startedAt = clock();
        const reading = readAccountDecisionStates(options.store, stale);
        for (const id of stale) inFlightStates.set(id, reading);
        try {
          const states = await reading;
          for (const id of stale) {
            const state = states.get(id) ?? { epoch: 0, status: 'missing', logSampleRate: 0 };
            // The window counts from when the read started: the state is at least that fresh.
            accounts.set(id, { state, checkedAt: startedAt });
            result.set(id, state);
          }
        } finally {
          for (const id of stale) if (inFlightStates.get(id) === reading) inFlightStates.delete(id);
        }
      }
      await Promise.all(waiting);
      return result;
    },

    principal(ref, epoch) {
      if (ref.kind === 'root') {
        return Promise.resolve({ found: true, effective: undefined, compiled: EMPTY_PRINCIPAL, epoch });
      }
      if (ref.kind === 'assumed-role') throw new Error('role sessions are resolved by the decision service');
      const key = `P|${ref.accountId}|${ref.kind}|${ref.name.toLowerCase()}`;
      return through(key, epoch, async (): Promise<PrincipalBundle> => {
        const effective = await loadEffectivePolicies(
          options.store,
          options.partition,
          ref.accountId,
          ref.kind,
          ref.name,
        );
        if (!effective) return { found: false, effective: undefined, compiled: EMPTY_PRINCIPAL, epoch };
        return { found: true, effective, compiled: compileEffectivePolicies(effective), epoch };
      });
    },

    async roleSessions(ref, now) {
      // The role name is case-insensitive in the index; the session name and account are exact.
      const key = `S|${ref.accountId}|${ref.roleName.toLowerCase()}|${ref.sessionName}`;
      const cached = sessionLists.get(key);
      if (cached && clock() - cached.checkedAt < window) {
        stats.hits++;
        return cached.list;
      }
      const running = inFlightSessions.get(key);
      if (running) return running;
      const startedAt = clock();
      const reading = findRoleSessions(options.store, ref, now, MAX_SESSIONS_PER_ARN + 1)
        .then(standingSessions(options.store, now))
        .then((found): RoleSessionList => {
          stats.loads++;
          const list = {
            sessions: found.slice(0, MAX_SESSIONS_PER_ARN),
            overLimit: found.length > MAX_SESSIONS_PER_ARN,
          };
          sessionLists.delete(key);
          sessionLists.set(key, { list, checkedAt: startedAt });
          if (sessionLists.size > maxEntries) {
            const oldest = sessionLists.keys().next().value;
            if (oldest !== undefined) sessionLists.delete(oldest);
          }
          return list;
        });
      inFlightSessions.set(key, reading);
      try {
        return await reading;
      } finally {
        inFlightSessions.delete(key);
      }
    },

    resource(arn, accountId, epoch) {
      if (accountId === undefined || !isResourceArn(arn)) {
        return Promise.resolve({ record: undefined, compiled: NO_RESOURCE, epoch });
      }
      return through(`R|${arn}`, epoch, async (): Promise<ResourceBundle> => {
        const record = await getResourcePolicy(options.store, accountId, arn);
        const compiled =
          record?.policy === undefined
            ? NO_RESOURCE
            : compileResourcePolicies({ resourcePolicy: { id: arn, document: record.policy } });
        return { record, compiled, epoch };
      });
    },
  };
}

/**
 * Drops the sessions minted from a sign-in that no longer stands (signed out, revoked, password
 * changed): their credentials no longer sign requests, so no answer is computed from them either.
 */
function standingSessions(store: StoreContext, now: Date) {
  return async (found: readonly StsSessionRecord[]): Promise<StsSessionRecord[]> => {
    const stands = await Promise.all(
      found.map((session) =>
        session.signInSession ? signInBindingStands(store, session.signInSession, now) : true,
      ),
    );
    return found.filter((_, i) => stands[i]);
  };
}
