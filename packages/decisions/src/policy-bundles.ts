/**
 * The warm process's cache of compiled policies: principal bundles (keyed by account + principal)
 * and resource bundles (keyed by resource ARN) in one LRU. Each bundle carries the stamps of the
 * records it was built from ({pk, sk, version} of the principal, each group, each customer-managed
 * policy incl. the boundary; of the resource's policy item), read with the load, never after it.
 * Every write that changes something a bundle reads bumps the version of the record that owns it
 * in the same transaction (store/record-stamps.ts), so a bundle whose stamps all still hold is as
 * fresh as the table, and a change invalidates only the bundles that read its record: a write to
 * another user of the account leaves this one warm (no reload, no recompile).
 *
 * Freshness bound: a bundle (and an account's status and log settings) is trusted for
 * `revalidateAfterMs`; after that, the next decision re-reads exactly its stamped keys in one
 * strongly consistent BatchGetItem (merged with the other revalidations the decision starts, so
 * one round trip) and keeps it only if every version is unchanged (an item gone or appeared is a
 * change). A change is therefore served stale for at most `revalidateAfterMs` plus one round trip.
 * Within the window a warm decision makes no DynamoDB call. A failed revalidation is an error,
 * never a reason to serve the old entry (fail closed).
 *
 * Ahead of the window (`refreshAheadMs`, off unless given): a decision that finds an entry at
 * least that old, but still inside the window, is answered from it at once and starts the same
 * revalidation in the background, so under steady traffic no decision waits for one. The bound is
 * unchanged: an entry is only ever served within the window from the start of the read that last
 * confirmed it. A background revalidation that fails forgets the entry (the next decision reloads).
 *
 * Role sessions are not stamped (they are single puts, not owned by any record), so the list of
 * sessions carrying an assumed-role ARN is simply re-read once it is older than the same window.
 * Expiry is not left to the list: the decision service drops sessions that expired since, against
 * its own clock, on every decision.
 */

import {
  compilePrincipalPolicies,
  compileResourcePolicies,
  type PrincipalPolicies,
  type ResourcePolicies,
} from '@palisade/policy';
import {
  compileEffectivePolicies,
  type EffectivePolicies,
  loadEffectivePolicies,
  signInBindingStands,
} from '@palisade/principals';
import {
  type AccountDecisionState,
  absentStamp,
  createStampReader,
  findRoleSessions,
  getResourcePolicyStamped,
  isResourceArn,
  principalNameKey,
  type RecordStamp,
  type ResourcePolicyRecord,
  readAccountDecisionStates,
  type StampReader,
  type StoreContext,
  type StsSessionRecord,
  stampsHold,
} from '@palisade/store';
import type { PrincipalRef } from './principal-arn.ts';

type AssumedRoleRef = Extract<PrincipalRef, { kind: 'assumed-role' }>;

/** A principal's compiled policies; `effective` is undefined for root and for a missing principal. */
export interface PrincipalBundle {
  readonly found: boolean;
  readonly effective: EffectivePolicies | undefined;
  readonly compiled: PrincipalPolicies;
  /** The records it was built from (for a missing principal: its absent record). */
  readonly stamps: readonly RecordStamp[];
}

/** A resource's compiled policy and tags; `record` is undefined when nothing is registered. */
export interface ResourceBundle {
  readonly record: ResourcePolicyRecord | undefined;
  readonly compiled: ResourcePolicies;
  /** The resource's policy item, or its absence. */
  readonly stamps: readonly RecordStamp[];
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
  /** How old a bundle or account state may be before a decision re-reads its stamps (the freshness window). */
  readonly revalidateAfterMs?: number;
  /** From this age (below the window), a decision revalidates in the background; absent: never. */
  readonly refreshAheadMs?: number;
  readonly maxEntries?: number;
}

/** Counters for tests and the benchmark. */
export interface BundleCacheStats {
  hits: number;
  /** Bundles and session lists read from the table. */
  loads: number;
  /** Policy sets compiled (principal and resource bundles). */
  compiles: number;
  /** Stamp and account-state reads started after a window ran out. */
  revalidations: number;
}

/** The cache the decision service reads through. */
export interface BundleCache {
  /** The current state of each account, revalidated when older than the window. */
  accountStates(accountIds: readonly string[]): Promise<Map<string, AccountDecisionState>>;
  principal(ref: PrincipalRef): Promise<PrincipalBundle>;
  /** `accountId` is the ARN's account segment (undefined when the ARN has none). */
  resource(arn: string, accountId: string | undefined): Promise<ResourceBundle>;
  /** The stamp reader revalidations go through (shared with authentication, so they share round trips). */
  readonly readStamps: StampReader;
  /** The sessions carrying an assumed-role ARN, re-read when older than the window; `now` bounds the read. */
  roleSessions(ref: AssumedRoleRef, now: Date): Promise<RoleSessionList>;
  readonly stats: BundleCacheStats;
  /** The freshness window in milliseconds. */
  readonly revalidateAfterMs: number;
  /** Settles once the revalidations started in the background so far have (tests, shutdown). */
  settled(): Promise<void>;
}

interface AccountEntry {
  state: AccountDecisionState;
  checkedAt: number;
}

interface BundleEntry {
  value: PrincipalBundle | ResourceBundle;
  /** When the stamps were last known to hold (the start of the read that showed it). */
  checkedAt: number;
}

const EMPTY_PRINCIPAL = compilePrincipalPolicies({ identityPolicies: [] });
const NO_RESOURCE = compileResourcePolicies({});

/** Builds the cache. */
export function createBundleCache(options: BundleCacheOptions): BundleCache {
  const clock = options.clock ?? (() => performance.now());
  const window = options.revalidateAfterMs ?? 250;
  const refreshAhead = options.refreshAheadMs ?? Number.POSITIVE_INFINITY;
  const background = new Set<Promise<unknown>>();
  // A background revalidation answers no one: its failure is only remembered as a forgotten entry.
  const inBackground = (work: Promise<unknown>, onFailure: () => void) => {
    const tracked = work.then(
      () => undefined,
      () => onFailure(),
    );
    background.add(tracked);
    void tracked.finally(() => background.delete(tracked));
  };
  const maxEntries = options.maxEntries ?? 10_000;
  const readStamps = createStampReader(options.store);
  const accounts = new Map<string, AccountEntry>();
  const inFlightStates = new Map<string, Promise<Map<string, AccountDecisionState>>>();
  const entries = new Map<string, BundleEntry>();
  const inFlight = new Map<string, Promise<PrincipalBundle | ResourceBundle>>();
  const stats: BundleCacheStats = { hits: 0, loads: 0, compiles: 0, revalidations: 0 };
  const sessionLists = new Map<string, { list: RoleSessionList; checkedAt: number }>();
  const inFlightSessions = new Map<string, Promise<RoleSessionList>>();

  const remember = (key: string, entry: BundleEntry) => {
    entries.delete(key);
    entries.set(key, entry);
    if (entries.size > maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
  };

  const loadInto = async <T extends PrincipalBundle | ResourceBundle>(
    key: string,
    load: () => Promise<T>,
  ): Promise<T> => {
    const startedAt = clock();
    const value = await load();
    stats.loads++;
    // INVARIANT: the stamps were read with the load, so a change racing it leaves an older version
    // in them and the next revalidation reloads; the window counts from before the load.
    remember(key, { value, checkedAt: startedAt });
    return value;
  };

  // One load or revalidation per key at a time: a batch of 100 decisions about one principal loads it once.
  const through = <T extends PrincipalBundle | ResourceBundle>(
    key: string,
    load: () => Promise<T>,
  ): Promise<T> => {
    const cached = entries.get(key);
    const age = cached ? clock() - cached.checkedAt : Number.POSITIVE_INFINITY;
    if (cached && age < window) {
      stats.hits++;
      remember(key, cached);
      if (age >= refreshAhead && !inFlight.has(key)) {
        inBackground(revalidate(key, cached, load), () => {
          if (entries.get(key) === cached) entries.delete(key);
        });
      }
      return Promise.resolve(cached.value as T);
    }
    const running = inFlight.get(key);
    if (running) return running as Promise<T>;
    return revalidate(key, cached, load);
  };

  const revalidate = <T extends PrincipalBundle | ResourceBundle>(
    key: string,
    cached: BundleEntry | undefined,
    load: () => Promise<T>,
  ): Promise<T> => {
    const work = async (): Promise<T> => {
      if (!cached) return loadInto(key, load);
      stats.revalidations++;
      const startedAt = clock();
      // A failed read rejects: never a reason to serve the old entry.
      const current = await readStamps(cached.value.stamps);
      if (stampsHold(cached.value.stamps, current)) {
        stats.hits++;
        remember(key, { value: cached.value, checkedAt: startedAt });
        return cached.value as T;
      }
      return loadInto(key, load);
    };
    const flight = work();
    inFlight.set(key, flight);
    const settle = () => {
      if (inFlight.get(key) === flight) inFlight.delete(key);
    };
    flight.then(settle, settle);
    return flight;
  };

  /** Reads the states of `ids` into the cache (one read, shared with anyone asking meanwhile). */
  const readStates = (ids: readonly string[]) => {
    stats.revalidations++;
    const startedAt = clock();
    const reading = readAccountDecisionStates(options.store, ids, readStamps).then((states) => {
      for (const id of ids) {
        const state = states.get(id) ?? { status: 'missing', logSampleRate: 0, stamps: [] };
        // The window counts from when the read started: the state is at least that fresh.
        accounts.set(id, { state, checkedAt: startedAt });
      }
      return states;
    });
    for (const id of ids) inFlightStates.set(id, reading);
    const settle = () => {
      for (const id of ids) if (inFlightStates.get(id) === reading) inFlightStates.delete(id);
    };
    reading.then(settle, settle);
    return reading;
  };

  return {
    stats,
    revalidateAfterMs: window,
    readStamps,
    async settled() {
      while (background.size > 0) await Promise.all(background);
    },
    async accountStates(accountIds) {
      const now = clock();
      const result = new Map<string, AccountDecisionState>();
      const stale: string[] = [];
      const ahead: string[] = [];
      const waiting: Promise<void>[] = [];
      for (const id of new Set(accountIds)) {
        const entry = accounts.get(id);
        if (entry && now - entry.checkedAt < window) {
          result.set(id, entry.state);
          if (now - entry.checkedAt >= refreshAhead && !inFlightStates.has(id)) ahead.push(id);
        } else {
          const running = inFlightStates.get(id);
          if (running)
            waiting.push(
              running.then((states) => void result.set(id, states.get(id) as AccountDecisionState)),
            );
          else stale.push(id);
        }
      }
      if (ahead.length > 0) {
        const served = ahead.map((id) => accounts.get(id));
        inBackground(readStates(ahead), () =>
          ahead.forEach((id, i) => {
            if (accounts.get(id) === served[i]) accounts.delete(id);
          }),
        );
      }
      if (stale.length > 0) {
        const states = await readStates(stale);
        for (const id of stale)
          result.set(id, states.get(id) ?? { status: 'missing', logSampleRate: 0, stamps: [] });
      }
      await Promise.all(waiting);
      return result;
    },

    principal(ref) {
      if (ref.kind === 'root') {
        return Promise.resolve({ found: true, effective: undefined, compiled: EMPTY_PRINCIPAL, stamps: [] });
      }
      if (ref.kind === 'assumed-role') throw new Error('role sessions are resolved by the decision service');
      const key = `P|${ref.accountId}|${ref.kind}|${ref.name.toLowerCase()}`;
      return through(key, async (): Promise<PrincipalBundle> => {
        const effective = await loadEffectivePolicies(
          options.store,
          options.partition,
          ref.accountId,
          ref.kind,
          ref.name,
        );
        if (!effective) {
          // Nothing answers to the name: the name item is what a principal created later would write.
          const missing = absentStamp(principalNameKey(ref.accountId, ref.kind, ref.name));
          return { found: false, effective: undefined, compiled: EMPTY_PRINCIPAL, stamps: [missing] };
        }
        stats.compiles++;
        return {
          found: true,
          effective,
          compiled: compileEffectivePolicies(effective),
          stamps: effective.stamps,
        };
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

    resource(arn, accountId) {
      if (accountId === undefined || !isResourceArn(arn)) {
        return Promise.resolve({ record: undefined, compiled: NO_RESOURCE, stamps: [] });
      }
      return through(`R|${arn}`, async (): Promise<ResourceBundle> => {
        const { record, stamp } = await getResourcePolicyStamped(options.store, accountId, arn);
        if (record?.policy === undefined) return { record, compiled: NO_RESOURCE, stamps: [stamp] };
        stats.compiles++;
        const compiled = compileResourcePolicies({ resourcePolicy: { id: arn, document: record.policy } });
        return { record, compiled, stamps: [stamp] };
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
