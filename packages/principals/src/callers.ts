/**
 * Builds callers: the operator, an account's root, and IAM users whose every operation is decided
 * by the engine over their effective policies, with the context keys the platform owns.
 */

import type { DeniedRequest } from '@palisade/failures';
import {
  compilePrincipalPolicies,
  type Explanation,
  evaluate,
  type PrincipalPolicies,
  type ResourcePolicies,
} from '@palisade/policy';
import type { PrincipalRecord, SignInBinding, StsSessionRecord, Tag } from '@palisade/store';
import { denialReasonOf } from './access-denied-messages.ts';
import {
  arnAccount,
  arnPartition,
  assumedRoleArn,
  federatedUserArn,
  parsePolicyArn,
  rootArn,
} from './arns.ts';
import type { AccessVerdict, Caller } from './caller.ts';
import {
  type ContextPrincipal,
  type ContextSession,
  contextKeys,
  type RequestOrigin,
  stsSessionFacts,
} from './context-keys.ts';
import type { EffectivePolicies, PolicySource } from './effective-policies.ts';

/** One authorization question with what only trusted services add: a resource policy and context. */
export interface FactsRequest {
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount?: string;
  /** Context the service vouches for (sts:ExternalId, aws:RequestTag/…); it overrides the caller's. */
  readonly context?: Record<string, string | string[]>;
  readonly resourcePolicies?: ResourcePolicies;
  /** The resource is `*` standing for "some resource" (what-can-I-do questions over a type). */
  readonly anyResource?: boolean;
}

/** What STS needs to know about a caller beyond `authorize`: identity, session, and the engine. */
export interface CallerFacts {
  /** The caller as the engine sees it: a user, root, or assumed-role session ARN. */
  readonly principalArn: string;
  /** AWS's UserId: the account id (root), `AIDA…` (user), `AROA…:<session>` (role session). */
  readonly userId: string;
  /** The temporary credential the caller signed with, when it did. */
  readonly session?: StsSessionRecord;
  /** The caller's principal tags (for a role session: the role's, overridden by session tags). */
  readonly principalTags: readonly Tag[];
  /** The sign-in session behind a Bearer caller (temporary credentials carry theirs in `session`). */
  readonly signInSession?: SignInBinding;
  /** A sign-in session that must change its password first: it may do nothing else. */
  readonly passwordResetRequired?: boolean;
  /** Decides one request over the caller's own policies plus the request's resource policies. */
  evaluate(request: FactsRequest): Explanation;
  /** The whole context `evaluate` decides `request` with, now (for a denial's authorization message). */
  requestContext?(request: FactsRequest): Record<string, string | string[]>;
  /** The region the caller's request was signed for (`aws:RequestedRegion`), when it names one. */
  requestedRegion?(): string | undefined;
}

/** A caller built from stored policies, carrying its facts. */
export type FactualCaller = Caller & { readonly facts: CallerFacts };

/** The facts of a caller built by this module; undefined for callers that have none (the operator). */
export function callerFacts(caller: Caller): CallerFacts | undefined {
  return (caller as Partial<FactualCaller>).facts;
}

/** The sign-in session a caller acts for (Bearer, or credentials minted from one): what it mints is bound to it. */
export function signInBindingOf(facts: CallerFacts): SignInBinding | undefined {
  return facts.signInSession ?? facts.session?.signInSession;
}

/** The operator: manages accounts; inside an account it has no identity and may do nothing. */
export function operatorCaller(accessKeyId: string): Caller {
  return {
    accountId: 'operator',
    arn: `operator/${accessKeyId}`,
    kind: 'operator',
    authorize: () => ({ allowed: false, reason: 'implicit-deny' }),
  };
}

/**
 * What a caller's requests tell besides its principal: where they come from, and the session
 * facts of a caller whose session is not an STS record (a sign-in session's access token).
 */
export interface CallerRequest {
  readonly origin?: RequestOrigin;
  readonly session?: ContextSession;
}

/** An account's root: every action on its own account's resources, nothing elsewhere. */
export function rootCaller(
  partition: string,
  accountId: string,
  now: () => Date = () => new Date(),
  session?: StsSessionRecord,
  request: CallerRequest = {},
): FactualCaller {
  const arn = rootArn(partition, accountId);
  const compiled = compilePrincipalPolicies({ identityPolicies: [] });
  const principal: ContextPrincipal = { arn, accountId, type: 'Account', userId: accountId, tags: [] };
  const facts = engineFacts({
    principalArn: arn,
    userId: accountId,
    compiled,
    now,
    principalTags: [],
    ...(session ? { session } : {}),
    contextOf: callerContextOf(principal, session, request),
  });
  return {
    accountId,
    arn,
    kind: 'root',
    authorize: (action, resource) => {
      if (sessionRestriction(session, action)) return { allowed: false, reason: 'implicit-deny' };
      return resource === '*' ||
        arnAccount(resource) === accountId ||
        readsPlatformPolicy(partition, action, resource)
        ? { allowed: true }
        : { allowed: false, reason: 'implicit-deny' };
    },
    facts,
  };
}

/** Root reads operator-managed policies as it reads AWS managed policies (they belong to no account). */
function readsPlatformPolicy(partition: string, action: string, resource: string): boolean {
  return /^iam:(Get|List)/i.test(action) && parsePolicyArn(partition, resource)?.scope === 'platform';
}

/** A caller's request context: every key at the time it is asked, and the one key read alone. */
interface CallerContext {
  /** The context keys of the caller's every request at `now` (the one builder's). */
  readonly at: (now: Date) => Record<string, string | string[]>;
  /** `aws:RequestedRegion` as `at` gives it, without building the other keys. */
  readonly requestedRegion: string | undefined;
}

/** The context keys of a caller's every request, at the time it is asked (the one builder's). */
function callerContextOf(
  principal: ContextPrincipal,
  session: StsSessionRecord | undefined,
  request: CallerRequest,
): CallerContext {
  const sessionFacts = session ? stsSessionFacts(session) : request.session;
  const origin = request.origin ?? {};
  return {
    at: (now) => contextKeys({ now, origin, principal, ...(sessionFacts ? { session: sessionFacts } : {}) }),
    // INVARIANT: only the origin gives aws:RequestedRegion (originContextKeys); principal and
    // session keys never name it.
    requestedRegion: origin.requestedRegion,
  };
}

/**
 * What GetSessionToken credentials may not do, as AWS documents it: no IAM API call unless the
 * session was authenticated with MFA, and of STS only AssumeRole and GetCallerIdentity.
 * GetFederationToken credentials: no IAM API call at all, and of STS only GetCallerIdentity.
 */
function sessionRestriction(session: StsSessionRecord | undefined, action: string): boolean {
  if (session === undefined || session.subject.kind === 'role') return false;
  const lower = action.toLowerCase();
  if (session.subject.kind === 'federated-user') {
    return lower.startsWith('iam:') || (lower.startsWith('sts:') && lower !== 'sts:getcalleridentity');
  }
  if (lower.startsWith('iam:')) return session.mfaAuthenticatedAt === undefined;
  if (lower.startsWith('sts:')) return lower !== 'sts:assumerole' && lower !== 'sts:getcalleridentity';
  return false;
}

/** A role's tags overridden by the session's tags with the same key (compared case-insensitively). */
export function effectivePrincipalTags(roleTags: readonly Tag[], sessionTags: readonly Tag[]): Tag[] {
  const overridden = new Set(sessionTags.map((tag) => tag.Key.toLowerCase()));
  return [...roleTags.filter((tag) => !overridden.has(tag.Key.toLowerCase())), ...sessionTags];
}

/** A stored principal as the condition keys describe it (a role asked about stands as its sessions would). */
export function contextPrincipalOf(principal: PrincipalRecord): ContextPrincipal {
  return {
    arn: principal.arn,
    accountId: principal.accountId,
    type: principal.kind === 'user' ? 'User' : 'AssumedRole',
    userId: principal.id,
    ...(principal.kind === 'user' ? { userName: principal.name } : {}),
    tags: principal.tags,
  };
}

/** Compiles a principal's effective policies for the engine (once per load). */
export function compileEffectivePolicies(effective: EffectivePolicies): PrincipalPolicies {
  // Loaded policies are immutable and cached by authentication and the decision cache, so a
  // compiled form per loaded object spares every request a compile (the engine's costliest step).
  let compiled = compiledPolicies.get(effective);
  if (!compiled) {
    compiled = compilePrincipalPolicies({
      identityPolicies: effective.identityPolicies,
      ...(effective.boundary ? { permissionsBoundaries: [effective.boundary] } : {}),
    });
    compiledPolicies.set(effective, compiled);
  }
  return compiled;
}

const compiledPolicies = new WeakMap<EffectivePolicies, PrincipalPolicies>();
const compiledSessions = new WeakMap<EffectivePolicies, WeakMap<StsSessionRecord, PrincipalPolicies>>();

/** A role's policies within its boundary intersected with one session's policies, compiled once. */
function compileSessionPolicies(role: EffectivePolicies, session: StsSessionRecord): PrincipalPolicies {
  if (session.sessionPolicies.length === 0) return compileEffectivePolicies(role);
  let sessions = compiledSessions.get(role);
  if (!sessions) {
    sessions = new WeakMap();
    compiledSessions.set(role, sessions);
  }
  let compiled = sessions.get(session);
  if (!compiled) {
    const sessionPolicies: PolicySource[] = session.sessionPolicies.map((p) => ({
      id: p.id,
      document: p.document,
    }));
    compiled = compilePrincipalPolicies({
      identityPolicies: role.identityPolicies,
      ...(role.boundary ? { permissionsBoundaries: [role.boundary] } : {}),
      sessionPolicies,
    });
    sessions.set(session, compiled);
  }
  return compiled;
}

/** An IAM user whose operations the engine decides over its effective policies. */
export function userCaller(
  effective: EffectivePolicies,
  now: () => Date,
  request: CallerRequest = {},
  session?: StsSessionRecord,
): FactualCaller {
  const compiled = compileEffectivePolicies(effective);
  const { principal } = effective;
  const facts = engineFacts({
    principalArn: principal.arn,
    userId: principal.id,
    compiled,
    now,
    principalTags: principal.tags,
    ...(session ? { session } : {}),
    contextOf: callerContextOf(contextPrincipalOf(principal), session, request),
  });
  return {
    accountId: principal.accountId,
    arn: principal.arn,
    kind: 'user',
    userName: principal.name,
    authorize: (action, resource, context) =>
      sessionRestriction(session, action)
        ? { allowed: false, reason: 'implicit-deny' }
        : authorizeInAccount(facts, principal.accountId)(action, resource, context),
    facts,
  };
}

/**
 * A role session (temporary credentials from AssumeRole or AssumeRoleWithWebIdentity): the role's
 * policies within its boundary, intersected with the session policies, with the session's tags,
 * source identity and MFA state as context.
 */
export function roleSessionCaller(
  role: EffectivePolicies,
  session: StsSessionRecord,
  now: () => Date,
  request: CallerRequest = {},
): FactualCaller {
  const { principal } = role;
  const sessionName = session.subject.kind === 'role' ? session.subject.sessionName : '';
  const arn = assumedRoleArn(
    arnPartition(principal.arn) ?? 'aws',
    principal.accountId,
    principal.name,
    sessionName,
  );
  const userId = `${principal.id}:${sessionName}`;
  const compiled = compileSessionPolicies(role, session);
  const principalTags = effectivePrincipalTags(principal.tags, session.tags);
  const facts = engineFacts({
    principalArn: arn,
    userId,
    compiled,
    now,
    session,
    principalTags,
    contextOf: callerContextOf(
      {
        arn: principal.arn,
        accountId: principal.accountId,
        type: 'AssumedRole',
        userId,
        tags: principalTags,
      },
      session,
      request,
    ),
  });
  return {
    accountId: principal.accountId,
    arn,
    kind: 'assumed-role',
    authorize: authorizeInAccount(facts, principal.accountId),
    facts,
  };
}

/** A caller's `authorize` over its facts, for actions on resources of its own account. */
function authorizeInAccount(facts: CallerFacts, accountId: string): Caller['authorize'] {
  return (action, resource, context) => {
    const request = { action, resource, resourceAccount: accountId, ...(context ? { context } : {}) };
    const explanation = facts.evaluate(request);
    const verdict = verdictOf(explanation);
    if (verdict.allowed) return verdict;
    return { ...verdict, deniedRequest: () => deniedRequestOf(facts, accountId, request, explanation) };
  };
}

/** A denial's facts as the encoded authorization message carries them. */
function deniedRequestOf(
  facts: CallerFacts,
  accountId: string,
  request: FactsRequest,
  explanation: Explanation,
): DeniedRequest {
  const name = facts.principalArn.slice(facts.principalArn.lastIndexOf('/') + 1);
  return {
    accountId,
    principal: { id: facts.userId, name, arn: facts.principalArn },
    action: request.action,
    resource: request.resource,
    explicitDeny: explanation.decision === 'explicitDeny',
    matchedStatements: explanation.matchedStatements.map((s) => ({
      statementId: s.sid ?? `${s.policyId}#${s.statementIndex}`,
      effect: s.effect,
      policyId: s.policyId,
      policyType: s.policyType,
    })),
    failures: explanation.policyErrors.map((e) => `${e.policyId}: ${e.message}`),
    context: facts.requestContext?.(request) ?? request.context ?? {},
  };
}

function engineFacts(input: {
  principalArn: string;
  userId: string;
  compiled: PrincipalPolicies;
  now: () => Date;
  session?: StsSessionRecord;
  principalTags: readonly Tag[];
  contextOf: CallerContext;
}): CallerFacts {
  return {
    principalArn: input.principalArn,
    userId: input.userId,
    ...(input.session ? { session: input.session } : {}),
    principalTags: input.principalTags,
    requestContext: (request) => ({ ...input.contextOf.at(input.now()), ...request.context }),
    // Asked on every decision about a user or role (access advisor): no whole context built for it.
    requestedRegion: () => input.contextOf.requestedRegion,
    evaluate: (request) =>
      evaluate(
        {
          principal: input.principalArn,
          action: request.action,
          resource: request.resource,
          ...(request.resourceAccount ? { resourceAccount: request.resourceAccount } : {}),
          ...(request.anyResource ? { anyResource: true } : {}),
          context: { ...input.contextOf.at(input.now()), ...request.context },
        },
        input.compiled,
        request.resourcePolicies,
      ),
  };
}

/** The verdict `authorize` reports for an engine explanation. */
export function verdictOf(explanation: Explanation): AccessVerdict {
  if (explanation.decision === 'allowed') return { allowed: true };
  return { allowed: false, ...denialReasonOf(explanation) };
}

// ---- GetFederationToken sessions (issue #15) ----

/** The root's permissions as a policy: everything (its account alone is enforced by `authorize`). */
const ROOT_PERMISSIONS: PolicySource = {
  id: 'root',
  document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
};
/** A federated user given no session policy has no permissions (but what a resource policy names it for). */
const NO_SESSION_POLICY: PolicySource = {
  id: 'no-session-policy',
  document: '{"Version":"2012-10-17","Statement":[]}',
};

const compiledFederations = new WeakMap<
  StsSessionRecord,
  { readonly issuer: EffectivePolicies | undefined; readonly compiled: PrincipalPolicies }
>();

/** The issuer's policies within its boundary intersected with the session's policies, compiled once. */
function compileFederatedPolicies(
  issuer: EffectivePolicies | undefined,
  session: StsSessionRecord,
): PrincipalPolicies {
  const known = compiledFederations.get(session);
  if (known && known.issuer === issuer) return known.compiled;
  // INVARIANT: a federated user always has a session layer, so it never exceeds what its policies grant.
  const sessionPolicies: PolicySource[] =
    session.sessionPolicies.length > 0
      ? session.sessionPolicies.map((p) => ({ id: p.id, document: p.document }))
      : [NO_SESSION_POLICY];
  const compiled = compilePrincipalPolicies({
    identityPolicies: issuer ? issuer.identityPolicies : [ROOT_PERMISSIONS],
    ...(issuer?.boundary ? { permissionsBoundaries: [issuer.boundary] } : {}),
    sessionPolicies,
  });
  compiledFederations.set(session, { issuer, compiled });
  return compiled;
}

/**
 * A federated user (GetFederationToken credentials): the issuing user's policies within its
 * boundary (or the root's whole account) intersected with the session policies, with the user's
 * tags overridden by the session tags. `issuer` is undefined when the root asked for the token.
 */
export function federatedUserCaller(
  partition: string,
  issuer: EffectivePolicies | undefined,
  session: StsSessionRecord,
  now: () => Date,
  request: CallerRequest = {},
): FactualCaller {
  const { accountId } = session;
  const name = session.subject.kind === 'federated-user' ? session.subject.name : '';
  const arn = federatedUserArn(partition, accountId, name);
  const userId = `${accountId}:${name}`;
  const principalTags = effectivePrincipalTags(issuer?.principal.tags ?? [], session.tags);
  const facts = engineFacts({
    principalArn: arn,
    userId,
    compiled: compileFederatedPolicies(issuer, session),
    now,
    session,
    principalTags,
    contextOf: callerContextOf(
      { arn, accountId, type: 'FederatedUser', userId, tags: principalTags },
      session,
      request,
    ),
  });
  const inAccount = authorizeInAccount(facts, accountId);
  return {
    accountId,
    arn,
    kind: 'federated-user',
    authorize: (action, resource, context) => {
      if (sessionRestriction(session, action)) return { allowed: false, reason: 'implicit-deny' };
      // What the root federates stays in the root's account, as the root itself does.
      if (!issuer && resource !== '*' && arnAccount(resource) !== accountId) {
        return { allowed: false, reason: 'implicit-deny' };
      }
      return inAccount(action, resource, context);
    },
    facts,
  };
}
