/**
 * Who is calling, from `Authorization: Bearer <access JWT>`: the token's signature, algorithm,
 * issuer, audience and lifetime (checked by the verifier port), then the session it names must
 * still stand (active, unexpired, opened under the owner's current password), its account be
 * active, and its principal be the same one that signed in (a user deleted, or re-created under
 * the same name, or whose login profile was deleted, is refused). A session that must reset its
 * password may do only that; whatever the caller mints is bound to the session.
 * The store reads run in parallel, then the login profile (keyed by the user's id). Every refusal is a typed failure; nothing throws through.
 */
import type { AccessTokenClaims } from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import {
  type CredentialOwnerKey,
  getAccount,
  getLoginProfile,
  getSignInSession,
  type LoginProfileRecord,
  type SignInBinding,
  type StoreContext,
} from '@palisade/store';
import { parseArnOf, rootArn } from './arns.ts';
import type { Caller } from './caller.ts';
import { type CallerRequest, type FactualCaller, rootCaller, userCaller } from './callers.ts';
import { type RequestOrigin, signInSessionFacts } from './context-keys.ts';
import { loadEffectivePolicies } from './effective-policies.ts';
import { signInMustResetPassword, signInSessionStands } from './sign-in-standing.ts';

/** Verifies an access JWT's signature and claims (the sign-in keyring provides it). */
export type AccessTokenCheck = (token: string, now: Date) => Promise<Result<AccessTokenClaims>>;

/** What bearer authentication needs. */
export interface BearerAuthenticationContext {
  readonly store: StoreContext;
  readonly partition: string;
  readonly now: () => Date;
  readonly verifyAccessToken: AccessTokenCheck;
}

/** A request authenticated by a sign-in session. */
export interface BearerAuthenticated {
  readonly caller: Caller;
  readonly claims: AccessTokenClaims;
}

const INVALID = 'The session token is invalid.';

/** The token in an `Authorization: Bearer …` header value, or undefined when it is not one. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i.exec(authorization?.trim() ?? '');
  return m?.[1];
}

/** Authenticates an access JWT and builds the caller its session stands for. */
export async function authenticateBearerToken(
  context: BearerAuthenticationContext,
  token: string,
  origin: RequestOrigin = {},
): Promise<Result<BearerAuthenticated>> {
  const now = context.now();
  const verified = await context.verifyAccessToken(token, now);
  if (!verified.ok) return verified;
  const claims = verified.value;
  try {
    return await sessionCaller(context, claims, now, origin);
  } catch {
    // INVARIANT: fail closed; a store error (or a claim the key grammar refuses) authenticates no one.
    return fail('credentials.invalid-token', INVALID);
  }
}

async function sessionCaller(
  context: BearerAuthenticationContext,
  claims: AccessTokenClaims,
  now: Date,
  origin: RequestOrigin,
): Promise<Result<BearerAuthenticated>> {
  const isRoot = claims.sub === rootArn(context.partition, claims.account);
  const user = isRoot ? undefined : parseArnOf(context.partition, 'user', claims.sub);
  if (!isRoot && user?.accountId !== claims.account) return fail('credentials.invalid-token', INVALID);
  const userName = user?.name;
  const [session, account, effective] = await Promise.all([
    getSignInSession(context.store, claims.sid),
    getAccount(context.store, claims.account),
    userName === undefined
      ? undefined
      : loadEffectivePolicies(context.store, context.partition, claims.account, 'user', userName),
  ]);
  if (userName !== undefined && !effective) return fail('credentials.invalid-token', INVALID);
  // Login profiles are keyed by the user's id, which the user's record gives.
  const owner: CredentialOwnerKey = effective
    ? { kind: 'user', userId: effective.principal.id }
    : { kind: 'root' };
  const profile = await getLoginProfile(context.store, claims.account, owner);
  if (!signInSessionStands(session, profile, now) || session.accountId !== claims.account) {
    return fail('credentials.invalid-token', INVALID);
  }
  if (session.principalArn !== claims.sub) return fail('credentials.invalid-token', INVALID);
  if (account?.status !== 'active') {
    return fail(
      'account.suspended',
      `The account ${claims.account} is ${account?.status ?? 'closed'}; its sessions are disabled.`,
    );
  }
  // INVARIANT: what this caller mints (STS credentials) is bound to this session and ends with it.
  const binding: SignInBinding = {
    sessionId: session.sessionId,
    accountId: session.accountId,
    owner,
    expiresAt: session.expiresAt,
  };
  const mustReset = signInMustResetPassword(session, profile as LoginProfileRecord);

  const request: CallerRequest = {
    origin,
    session: signInSessionFacts({ issuedAt: claims.iat, authTime: claims.auth_time, mfa: claims.mfa }),
  };
  if (userName === undefined) {
    if (session.principalId !== claims.account) return fail('credentials.invalid-token', INVALID);
    const caller = bound(
      rootCaller(context.partition, claims.account, context.now, undefined, request),
      binding,
    );
    return ok({ caller: mustReset ? resetOnly(caller, ROOT_RESET_ACTIONS) : caller, claims });
  }
  // A user deleted and re-created under the same name has a new id: the old session is not theirs.
  if (
    !effective ||
    effective.principal.id !== session.principalId ||
    effective.principal.arn !== claims.sub ||
    effective.principal.active === false
  ) {
    return fail('credentials.invalid-token', INVALID);
  }
  const caller = bound(userCaller(effective, context.now, request), binding);
  return ok({ caller: mustReset ? resetOnly(caller, RESET_ACTIONS) : caller, claims });
}

/** The caller with the sign-in session it stands for in its facts. */
function bound(caller: FactualCaller, binding: SignInBinding): FactualCaller {
  return { ...caller, facts: { ...caller.facts, signInSession: binding } };
}

/** What a user who must reset the password may still do, as IAM allows: change it and read the rules. */
const RESET_ACTIONS: ReadonlySet<string> = new Set(['iam:changepassword', 'iam:getaccountpasswordpolicy']);
/** The root changes its own password with UpdateLoginProfile (ChangePassword is for users). */
const ROOT_RESET_ACTIONS: ReadonlySet<string> = new Set([...RESET_ACTIONS, 'iam:updateloginprofile']);

const resetDenial = { allowed: false, reason: 'password-reset-required' } as const;

/**
 * Narrows a caller to the password-reset actions (still subject to its own policies), on every
 * path a service may ask: `authorize`, the engine behind `facts` (AssumeRole, decisions), and a
 * flag for the operations that need no permission (GetSessionToken, GetCallerIdentity).
 */
function resetOnly(caller: FactualCaller, allowed: ReadonlySet<string>): FactualCaller {
  const { facts } = caller;
  // The root's own password only: UpdateLoginProfile on a user's profile is administration.
  const permitted = (action: string, resource: string) => {
    const lower = action.toLowerCase();
    return allowed.has(lower) && (lower !== 'iam:updateloginprofile' || resource === caller.arn);
  };
  return {
    ...caller,
    authorize: (action, resource, context) =>
      permitted(action, resource) ? caller.authorize(action, resource, context) : resetDenial,
    facts: {
      ...facts,
      passwordResetRequired: true,
      evaluate: (request) => {
        const explanation = facts.evaluate(request);
        if (permitted(request.action, request.resource) || explanation.decision !== 'allowed') {
          return explanation;
        }
        return { ...explanation, decision: 'implicitDeny', reason: 'no-grant', matchedStatements: [] };
      },
    },
  };
}
