/**
 * The decision service: "may this principal do this action on this resource?", answered from
 * cached, stamp-validated policy bundles with the engine's explanation. The hot path is: parse →
 * may the caller ask? → account states (cached) → principal and resource bundles (cached, loaded
 * in parallel) → evaluate. Every error on the way is a deny with a reason (fail closed).
 *
 * A question about a role session named by its ARN is answered from the sessions that carry that
 * ARN (several sessions may share one): each live session is evaluated exactly as its own signed
 * requests are (the role's policies, its session policies, tags, source identity and MFA state),
 * and the most restrictive answer is returned.
 */
import { fail, ok, type Result } from '@palisade/failures';
import {
  type ContextInput,
  compilePrincipalPolicies,
  type Explanation,
  evaluate,
  type PrincipalPolicies,
  type StatementRef,
} from '@palisade/policy';
import {
  type Caller,
  type CallerFacts,
  callerFacts,
  denialOf,
  roleSessionCaller,
} from '@palisade/principals';
import {
  type AccountDecisionState,
  type DecisionLogRecord,
  putDecisionLogRecords,
  type StoreContext,
  type StsSessionRecord,
} from '@palisade/store';
import { type DecisionRequest, decisionRequestSchema, MAX_BATCH } from './decision-request.ts';
import { callerContext, platformContext, type SessionFacts } from './platform-context.ts';
import {
  type BundleCache,
  MAX_SESSIONS_PER_ARN,
  type PrincipalBundle,
  type ResourceBundle,
} from './policy-bundles.ts';
import { type PrincipalRef, parsePrincipalArn } from './principal-arn.ts';

/** What an access token stands for, as the platform's verifier reports it. */
export interface TokenSession {
  readonly principalArn: string;
  readonly accountId: string;
  readonly mfa: boolean;
  /** Epoch seconds. */
  readonly authTime: number;
  readonly sessionId: string;
  /** When the token stops being valid (epoch seconds): no cache may answer for it later. */
  readonly expiresAt: number;
}

/** Verifies an access JWT (supplied by the wiring; the sign-in service owns the format). */
export type ResolveToken = (token: string) => Promise<Result<TokenSession>>;

/** What the decision service needs. */
export interface DecisionDependencies {
  readonly store: StoreContext;
  readonly partition: string;
  readonly now: () => Date;
  readonly cache: BundleCache;
  /** Absent until the sign-in service provides a verifier: token questions are then refused. */
  readonly resolveToken?: ResolveToken;
  /** For sampling the decision log; tests pin it. */
  readonly random?: () => number;
  /** How long logged decisions live (days). */
  readonly logRetentionDays?: number;
  /** Hears the internal error behind a `platform-unavailable` deny (for the operator's log, never the answer). */
  readonly reportError?: (error: unknown, requestId: string) => void;
}

/** Why a decision came out as it did: the engine's reasons plus the platform's own. */
export type DecisionReason =
  | Explanation['reason']
  | 'account-not-active'
  | 'token-invalid'
  | 'platform-unavailable'
  | 'too-many-sessions'
  | 'cross-account';

/** Which of the sessions carrying an assumed-role ARN decided (never its access key id). */
export interface DecidingSession {
  readonly issuedAt: string;
  readonly expiration: string;
  readonly sourceIdentity?: string;
  /** How many live sessions carry the ARN; the most restrictive of their answers is returned. */
  readonly liveSessions: number;
}

/** One decision, as the API returns it. */
export interface DecisionResult {
  readonly decision: Explanation['decision'];
  readonly matchedStatements: readonly { readonly policy: string; readonly statement: string }[];
  readonly missingContextKeys: readonly string[];
  readonly ignoredContextKeys: readonly string[];
  readonly requestId: string;
  readonly reason: DecisionReason;
  readonly explanation: {
    readonly principal: string;
    readonly action: string;
    readonly resource: string;
    readonly policyTypes: Explanation['policyTypes'];
    readonly matchedStatements: readonly StatementRef[];
    readonly decidingStatement?: StatementRef;
    readonly blockedBy: Explanation['blockedBy'];
    readonly policyErrors: Explanation['policyErrors'];
    readonly resourceRegistered: boolean;
    /** For a question about a role session by ARN: the session whose answer this is. */
    readonly session?: DecidingSession;
    readonly message?: string;
  };
}

/** One entry of a batch answer: a decision, or the typed error of that request. */
export type BatchEntry =
  | DecisionResult
  | { readonly error: { readonly code: string; readonly message: string } };

/** The service. */
export interface DecisionService {
  authorize(caller: Caller, body: unknown, requestId: string): Promise<Result<DecisionResult>>;
  authorizeBatch(
    caller: Caller,
    body: unknown,
    requestId: string,
  ): Promise<Result<{ results: BatchEntry[] }>>;
  /** Resolves who a question is about and checks that the caller may ask (shared with other services). */
  resolveSubject(caller: Caller, principal: string | undefined): Promise<Result<PrincipalRef>>;
  /** Loads a principal's compiled policies through the cache (after `resolveSubject`). */
  subjectPolicies(ref: PrincipalRef): Promise<Result<SubjectPolicies>>;
  /**
   * How questions about a subject are judged (after `resolveSubject`): one evaluator per policy set
   * that must allow. A user, role or root has one; a role session asking about itself, its own; a
   * role session named by its ARN, one per live session carrying it (all must allow).
   */
  subjectEvaluators(caller: Caller, ref: PrincipalRef): Promise<Result<readonly SubjectEvaluator[]>>;
}

/** One question to a subject evaluator. */
export interface SubjectQuestion {
  readonly action: string;
  readonly resource: string;
  readonly anyResource?: boolean;
  /** The caller's context (platform-owned keys already removed). */
  readonly context: ContextInput;
  readonly resourceTags: DecisionResourceTags;
  readonly resourcePolicies: ResourceBundle['compiled'];
}

/** Judges questions about one subject's policy set. */
export type SubjectEvaluator = (question: SubjectQuestion) => Explanation;

/** A principal's compiled policies and the platform's keys about it. */
export interface SubjectPolicies {
  readonly compiled: PrincipalPolicies;
  readonly platformKeys: (
    resource: string,
    resourceTags: DecisionResourceTags,
  ) => Record<string, string | string[]>;
}

type DecisionResourceTags = readonly { Key: string; Value: string }[] | undefined;

const ASK_ACTION = 'palisade:Authorize';
// One message for every token the asker cannot use: expired, signed out, forged, or not its to ask about.
const TOKEN_INVALID = 'The token is not valid, or is not one you may ask about.';
const IDENTITY_ALLOWS_ASKING = compilePrincipalPolicies({
  identityPolicies: [
    {
      id: '(caller identity, checked separately)',
      document: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ASK_ACTION, Resource: '*' }],
      },
    },
  ],
});

// explicitDeny beats implicitDeny beats allowed: the order in which sessions sharing an ARN combine.
const RESTRICTIVENESS: Record<Explanation['decision'], number> = {
  allowed: 0,
  implicitDeny: 1,
  explicitDeny: 2,
};

/** `aws:ResourceTag/<key>` for a registered resource's tags. */
function resourceTagKeys(tags: DecisionResourceTags): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const tag of tags ?? []) keys[`aws:ResourceTag/${tag.Key}`] = tag.Value;
  return keys;
}

/**
 * What an asker may see of an answer. The operator sees everything. A tenant sees the explanation
 * only when every policy that took part is its own account's: for another account's resource (or
 * principal, asked about under its grant) the answer is the decision alone, so a question cannot
 * read that account's statements, condition keys, tags or whether it registered the resource.
 */
export interface AnswerVisibility {
  /** The resource is in an account other than the asker's: its registration must not show. */
  readonly foreignResource: boolean;
  /** Only the decision may be answered. */
  readonly decisionOnly: boolean;
}

/** The visibility of an answer about `principalAccount`'s principal on a resource in `resourceAccount`. */
export function answerVisibility(
  caller: Caller,
  principalAccount: string,
  resourceAccount: string | undefined,
): AnswerVisibility {
  if (caller.kind === 'operator') return { foreignResource: false, decisionOnly: false };
  const foreignResource = resourceAccount !== undefined && resourceAccount !== caller.accountId;
  return { foreignResource, decisionOnly: foreignResource || principalAccount !== caller.accountId };
}

/**
 * The caller's context for a question: for a resource outside the asker's account its resource tags
 * are the platform's whether or not that account registered the resource (they cannot matter for an
 * unregistered one, which grants nobody from another account), so what is ignored shows nothing.
 */
export function questionContext(
  context: ContextInput | undefined,
  registered: boolean,
  visibility: AnswerVisibility,
): ReturnType<typeof callerContext> {
  return callerContext(context, registered || visibility.foreignResource);
}

const WITHHELD =
  'Policies of another account took part in this decision: only the decision is given, not their statements, keys or registration.';

/** The decision alone, with the asker's own input echoed back (see AnswerVisibility). */
function decisionOnly(result: DecisionResult, session: DecidingSession | undefined): DecisionResult {
  const { principal, action, resource } = result.explanation;
  return {
    decision: result.decision,
    matchedStatements: [],
    missingContextKeys: [],
    ignoredContextKeys: result.ignoredContextKeys,
    requestId: result.requestId,
    reason: 'cross-account',
    explanation: {
      principal,
      action,
      resource,
      policyTypes: {},
      matchedStatements: [],
      blockedBy: [],
      policyErrors: [],
      resourceRegistered: false,
      ...(session ? { session } : {}),
      message: WITHHELD,
    },
  };
}

/** The account segment of an ARN when it is a 12-digit id. */
export function arnAccount(arn: string): string | undefined {
  const account = arn.split(':', 6)[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

function statementName(ref: StatementRef): string {
  return ref.sid ?? `Statement[${ref.statementIndex}]`;
}

/** Builds the decision service. */
export function createDecisionService(deps: DecisionDependencies): DecisionService {
  const random = deps.random ?? Math.random;
  const retentionSeconds = (deps.logRetentionDays ?? 30) * 86_400;

  const refused = (caller: Caller, target: string) =>
    denialOf(
      { ...caller, authorize: () => ({ allowed: false, reason: 'implicit-deny' }) },
      ASK_ACTION,
      target,
    ) as NonNullable<ReturnType<typeof denialOf>>;

  /** May `caller` ask about `target`? Same answer whether or not the target exists. */
  const mayAsk = async (caller: Caller, target: PrincipalRef): Promise<Result<void>> => {
    if (caller.kind === 'operator') return ok(undefined);
    if (target.accountId === caller.accountId) {
      if (caller.arn === target.arn || caller.kind === 'root') return ok(undefined);
      const denied = denialOf(caller, ASK_ACTION, target.arn);
      return denied ?? ok(undefined);
    }
    // Cross-account, as in AWS: the caller's own policies and the target account's grant on the
    // principal's ARN (a resource policy registered by that account) must both allow.
    if (caller.kind !== 'root' && denialOf(caller, ASK_ACTION, target.arn) !== undefined)
      return refused(caller, target.arn);
    // Revalidated together: the account state and the grant cost one round trip.
    const [states, grant] = await Promise.all([
      deps.cache.accountStates([target.accountId]),
      deps.cache.resource(target.arn, target.accountId),
    ]);
    const state = states.get(target.accountId);
    if (state?.status !== 'active') return refused(caller, target.arn);
    const verdict = evaluate(
      { principal: caller.arn, action: ASK_ACTION, resource: target.arn, resourceAccount: target.accountId },
      IDENTITY_ALLOWS_ASKING,
      grant.compiled,
    );
    return verdict.decision === 'allowed' ? ok(undefined) : refused(caller, target.arn);
  };

  /**
   * May `caller` ask about tokens at all? The operator and an account's root may; anyone else needs
   * `palisade:Authorize` on some principal of its account. Decided before the token is looked at,
   * so the refusal is the same for a live token and a forged one.
   */
  const mayAskAboutTokens = (caller: Caller): Result<void> => {
    if (caller.kind === 'operator' || caller.kind === 'root') return ok(undefined);
    const facts = callerFacts(caller);
    const verdict = facts?.evaluate({
      action: ASK_ACTION,
      resource: '*',
      anyResource: true,
      resourceAccount: caller.accountId,
    });
    if (verdict?.decision === 'allowed') return ok(undefined);
    return fail(
      'access.denied',
      `User: ${caller.arn} is not authorized to perform: ${ASK_ACTION} on any principal of its account, which a question about a token needs.`,
    );
  };

  /**
   * Who a verified token is about, when the caller may ask about them: a principal of the caller's
   * own account (the operator: any) that the caller may ask about. Undefined otherwise, which the
   * caller sees as an invalid token.
   */
  const tokenSubjectFor = async (caller: Caller, token: TokenSession): Promise<PrincipalRef | undefined> => {
    if (caller.kind !== 'operator' && token.accountId !== caller.accountId) return undefined;
    const ref = parsePrincipalArn(deps.partition, token.principalArn);
    if (!ref.ok || (caller.kind !== 'operator' && ref.value.accountId !== caller.accountId)) return undefined;
    const allowed = await mayAsk(caller, ref.value);
    return allowed.ok ? ref.value : undefined;
  };

  const resolveSubject = async (
    caller: Caller,
    principal: string | undefined,
  ): Promise<Result<PrincipalRef>> => {
    const arn = principal ?? caller.arn;
    if (principal === undefined && caller.kind === 'operator')
      return fail('request.invalid', 'The operator has no policies of its own; name a "principal".');
    const ref = parsePrincipalArn(deps.partition, arn);
    if (!ref.ok) return ref;
    const allowed = await mayAsk(caller, ref.value);
    if (!allowed.ok) return allowed;
    return ref;
  };

  const subjectPolicies = async (ref: PrincipalRef): Promise<Result<SubjectPolicies>> => {
    if (ref.kind === 'assumed-role') {
      // Each session carrying the ARN has its own session policies and tags: there is no one set.
      return fail(
        'request.invalid',
        'A role session named by its ARN has no single policy set to list; ask POST /v1/authorize about it.',
      );
    }
    const [states, bundle] = await Promise.all([
      deps.cache.accountStates([ref.accountId]),
      deps.cache.principal(ref),
    ]);
    const state = states.get(ref.accountId);
    if (state?.status !== 'active')
      return fail('account.suspended', `The account ${ref.accountId} is not active.`);
    if (!bundle.found || (bundle.effective && bundle.effective.principal.arn !== ref.arn))
      return fail('entity.not-found', `The principal ${ref.arn} does not exist.`);
    return ok({
      compiled: bundle.compiled,
      platformKeys: (resource, resourceTags) =>
        platformContext({
          principal: bundle.effective?.principal,
          principalArn: ref.arn,
          principalAccount: ref.accountId,
          resourceAccount: arnAccount(resource),
          resourceTags,
          session: undefined,
          now: deps.now(),
        }),
    });
  };

  /**
   * Decides `request` for sessions known by their facts (their own policies and context): the
   * resource's policy and tags join each one's question, and the most restrictive answer wins.
   */
  const decideAsSessions = (
    sessions: readonly [CallerFacts, ...CallerFacts[]],
    principalArn: string,
    request: DecisionRequest,
    requestId: string,
    resource: ResourceBundle,
    visibility: AnswerVisibility,
  ): { result: DecisionResult; explanation: Explanation; deciding: number } => {
    const resourceAccount = arnAccount(request.resource);
    const registered = resource.record !== undefined;
    const { accepted, ignored } = questionContext(
      request.context as ContextInput | undefined,
      registered,
      visibility,
    );
    const resourceTags = resourceTagKeys(resource.record?.tags);
    const question = {
      action: request.action,
      resource: request.resource,
      ...(resourceAccount ? { resourceAccount } : {}),
      context: { ...(accepted as Record<string, string | string[]>), ...resourceTags },
      resourcePolicies: resource.compiled,
    };
    let deciding = 0;
    let explanation = sessions[0].evaluate(question);
    for (let i = 1; i < sessions.length && explanation.decision !== 'explicitDeny'; i++) {
      const next = (sessions[i] as CallerFacts).evaluate(question);
      // INVARIANT: fail closed across sessions sharing an ARN; a tie keeps the earlier-issued one.
      if (RESTRICTIVENESS[next.decision] > RESTRICTIVENESS[explanation.decision]) {
        explanation = next;
        deciding = i;
      }
    }
    return {
      result: toResult(request, principalArn, requestId, explanation, ignored, registered),
      explanation,
      deciding,
    };
  };

  const decideForOwnSession = async (
    caller: Caller,
    facts: CallerFacts,
    request: DecisionRequest,
    requestId: string,
  ): Promise<DecisionResult> => {
    const resourceAccount = arnAccount(request.resource);
    const [states, resource] = await Promise.all([
      deps.cache.accountStates(resourceAccount ? [caller.accountId, resourceAccount] : [caller.accountId]),
      deps.cache.resource(request.resource, resourceAccount),
    ]);
    if (states.get(caller.accountId)?.status !== 'active') {
      return platformDenial(
        request,
        caller.arn,
        requestId,
        'account-not-active',
        `The account ${caller.accountId} is not active.`,
      );
    }
    const visibility = answerVisibility(caller, caller.accountId, resourceAccount);
    const { result } = decideAsSessions(
      [facts],
      facts.principalArn,
      request,
      requestId,
      resource,
      visibility,
    );
    return visibility.decisionOnly ? decisionOnly(result, undefined) : result;
  };

  /**
   * The live sessions among those listed for a session ARN, oldest first, each with the facts its
   * own signed requests are judged by: unexpired by the service's clock (TTL deletes late) and of
   * the role as it exists now (not one deleted and recreated under its name).
   */
  const liveSessions = (
    ref: Extract<PrincipalRef, { kind: 'assumed-role' }>,
    listed: readonly StsSessionRecord[],
    effective: PrincipalBundle['effective'],
    now: Date,
  ): { record: StsSessionRecord; facts: CallerFacts }[] => {
    const live: { record: StsSessionRecord; facts: CallerFacts }[] = [];
    if (!effective) return live;
    for (const record of listed) {
      if (!(now.getTime() < Date.parse(record.expiration))) continue;
      if (record.subject.kind !== 'role' || record.subject.roleId !== effective.principal.id) continue;
      const session = roleSessionCaller(effective, record, deps.now);
      if (session.arn === ref.arn) live.push({ record, facts: session.facts });
    }
    return live.sort((a, b) => a.record.issuedAt.localeCompare(b.record.issuedAt));
  };

  /** The evaluator of a role session's own facts: its policies, session policies, tags and MFA. */
  const sessionEvaluator =
    (facts: CallerFacts): SubjectEvaluator =>
    (question) => {
      const resourceAccount = arnAccount(question.resource);
      return facts.evaluate({
        action: question.action,
        resource: question.resource,
        ...(resourceAccount ? { resourceAccount } : {}),
        ...(question.anyResource ? { anyResource: true } : {}),
        context: {
          ...(question.context as Record<string, string | string[]>),
          ...resourceTagKeys(question.resourceTags),
        },
        resourcePolicies: question.resourcePolicies,
      });
    };

  const subjectEvaluators = async (
    caller: Caller,
    ref: PrincipalRef,
  ): Promise<Result<readonly SubjectEvaluator[]>> => {
    const facts = callerFacts(caller);
    if (ref.kind === 'assumed-role' && caller.kind === 'assumed-role' && ref.arn === caller.arn && facts)
      return ok([sessionEvaluator(facts)]);
    if (ref.kind !== 'assumed-role') {
      const policies = await subjectPolicies(ref);
      if (!policies.ok) return policies;
      return ok([
        (question) =>
          evaluate(
            {
              principal: ref.arn,
              action: question.action,
              resource: question.resource,
              ...(question.anyResource ? { anyResource: true } : {}),
              context: {
                ...(question.context as Record<string, string | string[]>),
                ...policies.value.platformKeys(question.resource, question.resourceTags),
              },
            },
            policies.value.compiled,
            question.resourcePolicies,
          ),
      ]);
    }
    const now = deps.now();
    const [states, listed, role] = await Promise.all([
      deps.cache.accountStates([ref.accountId]),
      deps.cache.roleSessions(ref, now),
      deps.cache.principal({
        kind: 'role',
        arn: `arn:${deps.partition}:iam::${ref.accountId}:role/${ref.roleName}`,
        accountId: ref.accountId,
        name: ref.roleName,
      }),
    ]);
    const state = states.get(ref.accountId);
    if (state?.status !== 'active')
      return fail('account.suspended', `The account ${ref.accountId} is not active.`);
    if (listed.overLimit)
      return fail(
        'quota.exceeded',
        `More than ${MAX_SESSIONS_PER_ARN} live sessions carry ${ref.arn}; ask as one of them instead.`,
      );
    const live = liveSessions(ref, listed.sessions, role.effective, now);
    if (live.length === 0) return fail('entity.not-found', `There is no active session with ARN ${ref.arn}.`);
    return ok(live.map((session) => sessionEvaluator(session.facts)));
  };

  /**
   * A question about a role session named by its ARN: every live session carrying the ARN (as of
   * the pinned clock, whatever TTL has not yet deleted; of the role as it exists now, not one
   * deleted and recreated under its name) is evaluated as its own requests would be.
   */
  const decideAboutSessionArn = async (
    caller: Caller,
    ref: Extract<PrincipalRef, { kind: 'assumed-role' }>,
    request: DecisionRequest,
    requestId: string,
    index: number,
    log: DecisionLogRecord[],
  ): Promise<Result<DecisionResult>> => {
    const resourceAccount = arnAccount(request.resource);
    const now = deps.now();
    const roleRef = {
      kind: 'role',
      arn: `arn:${deps.partition}:iam::${ref.accountId}:role/${ref.roleName}`,
      accountId: ref.accountId,
      name: ref.roleName,
    } as const;
    // The session list is not stamped: it is re-read in the same round trip as the revalidations.
    const [states, listed, role, resource] = await Promise.all([
      deps.cache.accountStates(resourceAccount ? [ref.accountId, resourceAccount] : [ref.accountId]),
      deps.cache.roleSessions(ref, now),
      deps.cache.principal(roleRef),
      deps.cache.resource(request.resource, resourceAccount),
    ]);
    const state = states.get(ref.accountId);
    if (state?.status !== 'active') {
      return ok(
        platformDenial(
          request,
          ref.arn,
          requestId,
          'account-not-active',
          `The account ${ref.accountId} is not active.`,
        ),
      );
    }
    if (listed.overLimit) {
      return ok(
        platformDenial(
          request,
          ref.arn,
          requestId,
          'too-many-sessions',
          `More than ${MAX_SESSIONS_PER_ARN} live sessions carry ${ref.arn}; denied without evaluating them.`,
        ),
      );
    }
    const live = liveSessions(ref, listed.sessions, role.effective, now);
    const [first, ...rest] = live;
    if (!first) return fail('entity.not-found', `There is no active session with ARN ${ref.arn}.`);
    const visibility = answerVisibility(caller, ref.accountId, resourceAccount);
    const decided = decideAsSessions(
      [first.facts, ...rest.map((s) => s.facts)],
      ref.arn,
      request,
      requestId,
      resource,
      visibility,
    );
    const record = (live[decided.deciding] ?? first).record;
    const result: DecisionResult = {
      ...decided.result,
      explanation: {
        ...decided.result.explanation,
        session: {
          issuedAt: record.issuedAt,
          expiration: record.expiration,
          ...(record.sourceIdentity !== undefined ? { sourceIdentity: record.sourceIdentity } : {}),
          liveSessions: live.length,
        },
        ...(live.length > 1
          ? {
              message: `${live.length} live sessions carry this ARN; this is the most restrictive of their answers, from the session issued at ${record.issuedAt}.`,
            }
          : {}),
      },
    };
    sample(log, state, {
      accountId: ref.accountId,
      principal: ref.arn,
      request,
      requestId,
      index,
      explanation: decided.explanation,
      askedBy: caller.arn,
      now,
    });
    if (!visibility.decisionOnly) return ok(result);
    // The sessions are the asker's own account's (or it would not see them at all): it keeps which decided.
    return ok(
      decisionOnly(result, ref.accountId === caller.accountId ? result.explanation.session : undefined),
    );
  };

  /** Records a decision in the account's log when the account's sampling rate picks it. */
  const sample = (
    log: DecisionLogRecord[],
    state: AccountDecisionState,
    entry: {
      accountId: string;
      principal: string;
      request: DecisionRequest;
      requestId: string;
      index: number;
      explanation: Explanation;
      askedBy: string;
      now: Date;
    },
  ) => {
    if (!(state.logSampleRate > 0 && random() < state.logSampleRate)) return;
    const { explanation, request } = entry;
    // The log belongs to the principal's account: another account's resource policy stays out of it.
    const resourceAccount = arnAccount(request.resource);
    const ownResource = resourceAccount === undefined || resourceAccount === entry.accountId;
    const shown = (s: StatementRef | undefined) =>
      s !== undefined && (ownResource || (s.policyType !== 'resource' && s.policyType !== 'rcp'))
        ? s
        : undefined;
    const deciding = explanation.decidingStatement
      ? shown(explanation.decidingStatement)
      : explanation.matchedStatements.find((s) => s.effect === 'Allow' && shown(s));
    log.push({
      accountId: entry.accountId,
      at: entry.now.toISOString(),
      requestId: entry.requestId,
      index: entry.index,
      principal: entry.principal,
      action: request.action,
      resource: request.resource,
      decision: explanation.decision,
      reason: ownResource ? explanation.reason : 'cross-account',
      ...(deciding ? { decidingStatement: `${deciding.policyId}#${statementName(deciding)}` } : {}),
      askedBy: entry.askedBy,
      expiresAt: Math.floor(entry.now.getTime() / 1000) + retentionSeconds,
    });
  };

  const unavailable = (
    request: DecisionRequest,
    principal: string,
    requestId: string,
    error: unknown,
  ): DecisionResult => {
    try {
      deps.reportError?.(error, requestId);
    } catch {
      // A failing log must not turn a deny into an exception.
    }
    // INVARIANT: the answer names no internal error (store messages, hosts, stacks); the request id
    // finds the cause in the operator's log.
    return platformDenial(
      request,
      principal,
      requestId,
      'platform-unavailable',
      'Denied because the policy store could not be read; retry later.',
    );
  };

  /** Decides one parsed request; never throws. */
  const decide = async (
    caller: Caller,
    request: DecisionRequest,
    requestId: string,
    index: number,
    log: DecisionLogRecord[],
  ): Promise<Result<DecisionResult>> => {
    let principalArn = request.principal ?? caller.arn;
    try {
      let session: SessionFacts | undefined;
      let tokenSubject: PrincipalRef | undefined;
      if (request.token !== undefined) {
        if (!deps.resolveToken) return fail('request.invalid', 'Token decisions are not configured.');
        // INVARIANT: nothing about a token shows before the asker is known to be allowed to ask
        // about tokens at all, and one it may not ask about is answered exactly as a forged one.
        const asking = mayAskAboutTokens(caller);
        if (!asking.ok) return asking;
        const resolved = await deps.resolveToken(request.token);
        const subject = resolved.ok ? await tokenSubjectFor(caller, resolved.value) : undefined;
        if (!resolved.ok || subject === undefined) {
          return ok(platformDenial(request, '(token)', requestId, 'token-invalid', TOKEN_INVALID));
        }
        tokenSubject = subject;
        principalArn = resolved.value.principalArn;
        session = {
          mfa: resolved.value.mfa,
          authTime: resolved.value.authTime,
          sessionId: resolved.value.sessionId,
        };
      }
      // A role session asking about itself: its own session policies, tags and MFA state apply,
      // exactly as they do to its API calls (they live on the caller, not in the principal store).
      const facts = callerFacts(caller);
      if (
        request.token === undefined &&
        (request.principal === undefined || request.principal === caller.arn) &&
        caller.kind === 'assumed-role' &&
        facts
      ) {
        return ok(await decideForOwnSession(caller, facts, request, requestId));
      }
      const subject = tokenSubject ? ok(tokenSubject) : await resolveSubject(caller, request.principal);
      if (!subject.ok) return subject;
      const ref = subject.value;
      principalArn = ref.arn;
      if (ref.kind === 'assumed-role')
        return await decideAboutSessionArn(caller, ref, request, requestId, index, log);
      const resourceAccount = arnAccount(request.resource);
      // The account state, the principal and the resource revalidate together: one round trip.
      const [states, bundle, resource] = await Promise.all([
        deps.cache.accountStates(resourceAccount ? [ref.accountId, resourceAccount] : [ref.accountId]),
        deps.cache.principal(ref),
        deps.cache.resource(request.resource, resourceAccount),
      ]);
      const state = states.get(ref.accountId);
      if (state?.status !== 'active') {
        return ok(
          platformDenial(
            request,
            principalArn,
            requestId,
            'account-not-active',
            `The account ${ref.accountId} is not active.`,
          ),
        );
      }
      if (!bundle.found || (bundle.effective && bundle.effective.principal.arn !== ref.arn))
        return fail('entity.not-found', `The principal ${ref.arn} does not exist.`);
      const registered = resource.record !== undefined;
      const visibility = answerVisibility(caller, ref.accountId, resourceAccount);
      const { accepted, ignored } = questionContext(
        request.context as ContextInput | undefined,
        registered,
        visibility,
      );
      const now = deps.now();
      const context = {
        ...accepted,
        ...platformContext({
          principal: bundle.effective?.principal,
          principalArn,
          principalAccount: ref.accountId,
          resourceAccount,
          resourceTags: resource.record?.tags,
          session,
          now,
        }),
      };
      const explanation = evaluate(
        { principal: principalArn, action: request.action, resource: request.resource, context },
        bundle.compiled,
        resource.compiled,
      );
      const result = toResult(request, principalArn, requestId, explanation, ignored, registered);
      sample(log, state, {
        accountId: ref.accountId,
        principal: principalArn,
        request,
        requestId,
        index,
        explanation,
        askedBy: caller.arn,
        now,
      });
      return ok(visibility.decisionOnly ? decisionOnly(result, undefined) : result);
    } catch (error) {
      // INVARIANT: fail closed. Any error while loading or deciding is a deny that says why.
      return ok(unavailable(request, principalArn, requestId, error));
    }
  };

  const writeLog = async (log: DecisionLogRecord[]) => {
    if (log.length === 0) return;
    try {
      await putDecisionLogRecords(deps.store, log);
    } catch {
      // The log is sampled telemetry: losing an entry must not change or delay a decision's answer.
    }
  };

  return {
    resolveSubject,
    subjectPolicies,
    subjectEvaluators,
    async authorize(caller, body, requestId) {
      const parsed = decisionRequestSchema.safeParse(body);
      if (!parsed.success) return fail('request.invalid', describeIssues(parsed.error.issues));
      const log: DecisionLogRecord[] = [];
      const result = await decide(caller, parsed.data, requestId, 0, log);
      await writeLog(log);
      return result;
    },
    async authorizeBatch(caller, body, requestId) {
      const requests = (body as { requests?: unknown } | undefined)?.requests;
      if (
        typeof body !== 'object' ||
        body === null ||
        !Array.isArray(requests) ||
        Object.keys(body).length !== 1
      )
        return fail(
          'request.invalid',
          'The body must be {"requests": [...]} with 1 to 100 decision requests.',
        );
      if (requests.length === 0 || requests.length > MAX_BATCH)
        return fail(
          'request.invalid',
          `A batch holds 1 to ${MAX_BATCH} requests; this one has ${requests.length}.`,
        );
      const log: DecisionLogRecord[] = [];
      const results = await Promise.all(
        requests.map(async (item, index): Promise<BatchEntry> => {
          const parsed = decisionRequestSchema.safeParse(item);
          if (!parsed.success)
            return {
              error: {
                code: 'request.invalid',
                message: `requests[${index}]: ${describeIssues(parsed.error.issues)}`,
              },
            };
          const decided = await decide(caller, parsed.data, requestId, index, log);
          return decided.ok ? decided.value : { error: { code: decided.code, message: decided.message } };
        }),
      );
      await writeLog(log);
      return ok({ results });
    },
  };
}

function platformDenial(
  request: DecisionRequest,
  principal: string,
  requestId: string,
  reason: DecisionReason,
  message: string,
): DecisionResult {
  return {
    decision: 'implicitDeny',
    matchedStatements: [],
    missingContextKeys: [],
    ignoredContextKeys: [],
    requestId,
    reason,
    explanation: {
      principal,
      action: request.action,
      resource: request.resource,
      policyTypes: {},
      matchedStatements: [],
      blockedBy: [],
      policyErrors: [],
      resourceRegistered: false,
      message,
    },
  };
}

function toResult(
  request: DecisionRequest,
  principal: string,
  requestId: string,
  explanation: Explanation,
  ignored: readonly string[],
  resourceRegistered: boolean,
): DecisionResult {
  return {
    decision: explanation.decision,
    matchedStatements: explanation.matchedStatements.map((ref) => ({
      policy: ref.policyId,
      statement: statementName(ref),
    })),
    missingContextKeys: explanation.missingContextKeys,
    ignoredContextKeys: ignored,
    requestId,
    reason: explanation.reason,
    explanation: {
      principal,
      action: request.action,
      resource: request.resource,
      policyTypes: explanation.policyTypes,
      matchedStatements: explanation.matchedStatements,
      ...(explanation.decidingStatement ? { decidingStatement: explanation.decidingStatement } : {}),
      blockedBy: explanation.blockedBy,
      policyErrors: explanation.policyErrors,
      resourceRegistered,
    },
  };
}

/** Zod issues in one line (path: message; …). */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((issue) =>
      issue.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message,
    )
    .join('; ');
}
