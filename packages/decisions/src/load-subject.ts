/**
 * The one function that loads a subject: whoever a question is about, as the evaluators its
 * questions are judged by, with its account's state and (when asked for) the resource's bundle,
 * all revalidated in one round trip. A role session named by its ARN is every live session
 * carrying the ARN, each evaluated exactly as its own signed requests are.
 */
import { fail, ok, type Result } from '@palisade/failures';
import {
  arnAccount,
  type Caller,
  type CallerFacts,
  callerFacts,
  entityArn,
  roleSessionCaller,
  trackedPrincipalOf,
} from '@palisade/principals';
import type { AccountDecisionState, StsSessionRecord } from '@palisade/store';
import { platformContext, type SessionFacts } from './platform-context.ts';
import type { BundleCache, PrincipalBundle, ResourceBundle } from './policy-bundles.ts';
import type { PrincipalRef } from './principal-arn.ts';
import { policyEvaluator, type Subject, sessionEvaluator } from './subject.ts';

/** Whom to load: a resolved principal, and for a token question the facts of its sign-in session. */
export interface SubjectTarget {
  readonly ref: PrincipalRef;
  readonly session?: SessionFacts;
}

/** The resource a question is about, loaded together with the subject. */
export interface ResourceTarget {
  readonly arn: string;
  /** The ARN's account segment (undefined when it has none). */
  readonly account: string | undefined;
}

/** Why a subject cannot be judged although it exists: each caller answers it in its own words. */
export type SubjectRefusal = 'account-not-active' | 'too-many-sessions';

/** A loaded subject, or the refusal that stands instead of judging it. */
export type SubjectLoad =
  | {
      readonly loaded: true;
      readonly subject: Subject;
      readonly state: AccountDecisionState;
      /** Present when a resource was asked for. */
      readonly resource: ResourceBundle | undefined;
    }
  | { readonly loaded: false; readonly refusal: SubjectRefusal };

/** Loads a subject (and optionally the resource) through the cache; `entity.not-found` when there is none. */
export type LoadSubject = (
  caller: Caller,
  target: SubjectTarget,
  resource?: ResourceTarget,
) => Promise<Result<SubjectLoad>>;

type AssumedRoleRef = Extract<PrincipalRef, { kind: 'assumed-role' }>;

const REFUSED_INACTIVE: SubjectLoad = { loaded: false, refusal: 'account-not-active' };

/** Builds the subject loader. */
export function createSubjectLoader(deps: {
  readonly cache: BundleCache;
  readonly partition: string;
  readonly now: () => Date;
}): LoadSubject {
  const { cache } = deps;
  const subjects = new WeakMap<PrincipalBundle, Subject>();
  const loadedOrRefused = (
    state: AccountDecisionState | undefined,
    subject: Subject,
    resource: ResourceBundle | undefined,
  ): SubjectLoad =>
    state?.status === 'active' ? { loaded: true, subject, state, resource } : REFUSED_INACTIVE;

  return async (caller, { ref, session }, resource) => {
    // The account state, the principal and the resource revalidate together: one round trip.
    const accounts = resource?.account ? [ref.accountId, resource.account] : [ref.accountId];
    const resourceBundle = resource ? cache.resource(resource.arn, resource.account) : undefined;
    const facts = callerFacts(caller);
    if (session === undefined && isOwnSession(caller, ref) && facts) {
      // A role session asking about itself: its own session policies, tags and MFA state apply,
      // exactly as they do to its API calls (they live on the caller, not in the principal store).
      const [states, bundle] = await Promise.all([cache.accountStates(accounts), resourceBundle]);
      const ownRole = trackedPrincipalOf(caller);
      const subject: Subject = {
        arn: facts.principalArn,
        accountId: ref.accountId,
        evaluators: [sessionEvaluator(facts)],
        ...(ownRole ? { tracked: ownRole } : {}),
      };
      return ok(loadedOrRefused(states.get(ref.accountId), subject, bundle));
    }
    if (ref.kind === 'assumed-role') return loadSessions(ref, accounts, resourceBundle);
    const [states, principal, bundle] = await Promise.all([
      cache.accountStates(accounts),
      cache.principal(ref),
      resourceBundle,
    ]);
    const state = states.get(ref.accountId);
    if (state?.status !== 'active') return ok(REFUSED_INACTIVE);
    if (!principal.found || (principal.effective && principal.effective.principal.arn !== ref.arn))
      return fail('entity.not-found', `The principal ${ref.arn} does not exist.`);
    const subject =
      session === undefined && principal.effective
        ? principalSubject(ref, principal)
        : buildSubject(ref, principal, session);
    return ok({ loaded: true, subject, state, resource: bundle });
  };

  /**
   * The subject of a stored user or role asked about by ARN, built once per loaded bundle: every
   * input is the bundle's (a reload, which any stamped change causes, is a new bundle), the ARN
   * asked for equals the bundle's (checked before), and the clock is read per question.
   */
  function principalSubject(ref: PrincipalRef, principal: PrincipalBundle): Subject {
    let subject = subjects.get(principal);
    if (subject?.arn !== ref.arn) {
      subject = buildSubject(ref, principal, undefined);
      subjects.set(principal, subject);
    }
    return subject;
  }

  function buildSubject(
    ref: PrincipalRef,
    principal: PrincipalBundle,
    session: SessionFacts | undefined,
  ): Subject {
    const keys = platformContext({
      principal: principal.effective?.principal,
      principalArn: ref.arn,
      principalAccount: ref.accountId,
      session,
    });
    const evaluator = policyEvaluator(ref.arn, principal.compiled, (question) =>
      keys(deps.now(), arnAccount(question.resource), question.resourceTags),
    );
    const id = principal.effective?.principal.id;
    return {
      arn: ref.arn,
      accountId: ref.accountId,
      evaluators: [evaluator],
      ...(id && (ref.kind === 'user' || ref.kind === 'role')
        ? { tracked: { accountId: ref.accountId, kind: ref.kind === 'user' ? 'USER' : 'ROLE', id } }
        : {}),
    };
  }

  /**
   * Every live session carrying a role session's ARN (as of the pinned clock, whatever TTL has not
   * yet deleted; of the role as it exists now, not one deleted and recreated under its name).
   */
  async function loadSessions(
    ref: AssumedRoleRef,
    accounts: readonly string[],
    resourceBundle: Promise<ResourceBundle> | undefined,
  ): Promise<Result<SubjectLoad>> {
    const now = deps.now();
    // The session list is not stamped: it is re-read in the same round trip as the revalidations.
    const [states, listed, role, bundle] = await Promise.all([
      cache.accountStates(accounts),
      cache.roleSessions(ref, now),
      cache.principal({
        kind: 'role',
        arn: entityArn(deps.partition, ref.accountId, 'role', '/', ref.roleName),
        accountId: ref.accountId,
        name: ref.roleName,
      }),
      resourceBundle,
    ]);
    const state = states.get(ref.accountId);
    if (state?.status !== 'active') return ok(REFUSED_INACTIVE);
    if (listed.overLimit) return ok({ loaded: false, refusal: 'too-many-sessions' });
    const live = liveSessions(ref, listed.sessions, role.effective, now);
    const [first, ...rest] = live;
    if (!first) return fail('entity.not-found', `There is no active session with ARN ${ref.arn}.`);
    const subject: Subject = {
      arn: ref.arn,
      accountId: ref.accountId,
      evaluators: [sessionEvaluator(first.facts), ...rest.map((s) => sessionEvaluator(s.facts))],
      sessions: live.map((s) => s.record),
      // A role session's uses count for its role, as its own calls do.
      ...(role.effective
        ? { tracked: { accountId: ref.accountId, kind: 'ROLE', id: role.effective.principal.id } }
        : {}),
    };
    return ok({ loaded: true, subject, state, resource: bundle });
  }

  /**
   * The live sessions among those listed for a session ARN, oldest first, each with the facts its
   * own signed requests are judged by: unexpired by the service's clock (TTL deletes late) and of
   * the role as it exists now (not one deleted and recreated under its name).
   */
  function liveSessions(
    ref: AssumedRoleRef,
    listed: readonly StsSessionRecord[],
    effective: PrincipalBundle['effective'],
    now: Date,
  ): { record: StsSessionRecord; facts: CallerFacts }[] {
    const live: { record: StsSessionRecord; facts: CallerFacts }[] = [];
    if (!effective) return live;
    for (const record of listed) {
      if (!(now.getTime() < Date.parse(record.expiration))) continue;
      if (record.subject.kind !== 'role' || record.subject.roleId !== effective.principal.id) continue;
      const session = roleSessionCaller(effective, record, deps.now);
      if (session.arn === ref.arn) live.push({ record, facts: session.facts });
    }
    return live.sort((a, b) => a.record.issuedAt.localeCompare(b.record.issuedAt));
  }
}

/** Is the question about the calling role session itself? */
function isOwnSession(caller: Caller, ref: PrincipalRef): boolean {
  return ref.kind === 'assumed-role' && caller.kind === 'assumed-role' && ref.arn === caller.arn;
}
