/**
 * The global condition keys of an authorization request, built in one place: what the request
 * itself tells (transport, source address, user agent, region), what the platform knows of the
 * principal and its session, and the clock. Every caller, the decision service and the web
 * identity trust check take their keys from here; the per-action keys come from the action table
 * (`actionContext`), which `contextKeys` adds when it is given the action.
 */
import type { StsSessionRecord, Tag } from '@palisade/store';
import { actionContext, type RequestFacts } from './action-context.ts';

/** What the request itself tells about where it came from and how it arrived. */
export interface RequestOrigin {
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /**
   * The request arrived over TLS (the API layer knows: the URL's scheme, a trusted proxy's
   * `X-Forwarded-Proto`, HTTPS always behind API Gateway). Absent: not known to, so it is judged
   * as plain HTTP (fail closed: a Deny on `aws:SecureTransport` = false applies).
   */
  readonly secureTransport?: boolean;
  /** The region the request was signed for. */
  readonly requestedRegion?: string;
}

/** The principal as the condition keys describe it. */
export interface ContextPrincipal {
  /** `aws:PrincipalArn`: the user's, the root's, or (for a role session) the role's ARN. */
  readonly arn: string;
  readonly accountId: string;
  readonly type: 'Account' | 'User' | 'AssumedRole' | 'FederatedUser';
  /** AWS's UserId: the account id (root), `AIDA…` (user), `AROA…:<session>` (role session). */
  readonly userId: string;
  /** For IAM users. */
  readonly userName?: string;
  /** Principal tags (for a role session: the role's, overridden by the session's). */
  readonly tags: readonly Tag[];
}

/** The session behind temporary credentials or a sign-in, as the condition keys describe it. */
export interface ContextSession {
  /** ISO time the session's token was issued (`aws:TokenIssueTime`). */
  readonly issuedAt: string;
  /** ISO time of the MFA authentication; absent when the session had none. */
  readonly mfaAuthenticatedAt?: string;
  readonly sourceIdentity?: string;
  /** The web identity provider's ARN, for sessions from AssumeRoleWithWebIdentity. */
  readonly federatedProvider?: string;
}

/** The keys the request's origin gives: `aws:SecureTransport` always, the others when known. */
export function originContextKeys(origin: RequestOrigin): Record<string, string> {
  const keys: Record<string, string> = {
    // INVARIANT: always present, so a Deny conditioned on it never silently passes.
    'aws:SecureTransport': origin.secureTransport === true ? 'true' : 'false',
  };
  if (origin.sourceIp !== undefined) keys['aws:SourceIp'] = origin.sourceIp;
  if (origin.userAgent !== undefined) keys['aws:UserAgent'] = origin.userAgent;
  if (origin.requestedRegion !== undefined) keys['aws:RequestedRegion'] = origin.requestedRegion;
  return keys;
}

/**
 * The keys the platform owns (callers of the decision API cannot supply them): the clock, the
 * principal, and its session's MFA state, issue time, source identity and provider.
 */
export function principalContextKeys(input: {
  readonly now: Date;
  readonly principal?: ContextPrincipal;
  readonly session?: ContextSession;
}): Record<string, string | string[]> {
  const { now, principal, session } = input;
  const keys = clockContextKeys(now);
  if (principal) Object.assign(keys, principalKeysOf(principal));
  if (session) Object.assign(keys, sessionContextKeys(session, now));
  return keys;
}

/** `aws:CurrentTime` and `aws:EpochTime`. */
export function clockContextKeys(now: Date): Record<string, string | string[]> {
  return {
    'aws:CurrentTime': now.toISOString(),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
  };
}

/**
 * The principal's own keys, which do not change with the clock (the decision service builds them
 * once per loaded principal, not once per question).
 */
export function principalKeysOf(principal: ContextPrincipal): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = {
    'aws:PrincipalArn': principal.arn,
    'aws:PrincipalAccount': principal.accountId,
    'aws:PrincipalType': principal.type,
    'aws:PrincipalIsAWSService': 'false',
    'aws:userid': principal.userId,
  };
  if (principal.userName !== undefined) keys['aws:username'] = principal.userName;
  for (const tag of principal.tags) keys[`aws:PrincipalTag/${tag.Key}`] = tag.Value;
  if (principal.tags.length) keys['aws:PrincipalTagKeys'] = principal.tags.map((t) => t.Key);
  return keys;
}

/** The session's keys at `now` (MFA state and age, issue time, source identity, provider). */
export function sessionContextKeys(session: ContextSession, now: Date): Record<string, string> {
  const keys: Record<string, string> = {
    'aws:MultiFactorAuthPresent': session.mfaAuthenticatedAt === undefined ? 'false' : 'true',
  };
  if (session.mfaAuthenticatedAt !== undefined) {
    const age = Math.floor((now.getTime() - Date.parse(session.mfaAuthenticatedAt)) / 1000);
    keys['aws:MultiFactorAuthAge'] = String(Math.max(0, age));
  }
  keys['aws:TokenIssueTime'] = session.issuedAt;
  if (session.sourceIdentity !== undefined) keys['aws:SourceIdentity'] = session.sourceIdentity;
  if (session.federatedProvider !== undefined) keys['aws:FederatedProvider'] = session.federatedProvider;
  return keys;
}

/**
 * Every global condition key of one authorization request, and the action's own keys when the
 * action is given: the one builder all request contexts come from.
 */
export function contextKeys(input: {
  readonly now: Date;
  readonly origin: RequestOrigin;
  readonly principal?: ContextPrincipal;
  readonly session?: ContextSession;
  readonly action?: { readonly name: string; readonly facts: RequestFacts };
}): Record<string, string | string[]> {
  // Object.assign, not spreads: V8 (Node 20) copies a second spread source through a slow path.
  return Object.assign(
    input.action ? actionContext(input.action.name, input.action.facts) : {},
    originContextKeys(input.origin),
    principalContextKeys(input),
  );
}

/** The condition-key facts of an STS session record (temporary credentials). */
export function stsSessionFacts(
  session: Pick<StsSessionRecord, 'issuedAt' | 'mfaAuthenticatedAt' | 'sourceIdentity' | 'federation'>,
): ContextSession {
  return {
    issuedAt: session.issuedAt,
    ...(session.mfaAuthenticatedAt !== undefined ? { mfaAuthenticatedAt: session.mfaAuthenticatedAt } : {}),
    ...(session.sourceIdentity !== undefined ? { sourceIdentity: session.sourceIdentity } : {}),
    ...(session.federation !== undefined ? { federatedProvider: session.federation.provider } : {}),
  };
}

/** The condition-key facts of a sign-in session (epoch seconds from its token: issued, authenticated). */
export function signInSessionFacts(session: {
  readonly issuedAt: number;
  readonly authTime: number;
  readonly mfa: boolean;
}): ContextSession {
  return {
    issuedAt: new Date(session.issuedAt * 1000).toISOString(),
    ...(session.mfa ? { mfaAuthenticatedAt: new Date(session.authTime * 1000).toISOString() } : {}),
  };
}
