/**
 * Who may ask about whom (`palisade:Authorize` on the principal's ARN): the subject of a question,
 * named by ARN or by an access token, resolved only for an asker allowed to ask about it. A refusal
 * reads the same whether or not the subject exists.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { compilePrincipalPolicies, evaluate, type PrincipalPolicies } from '@palisade/policy';
import { type Caller, callerFacts, denialOf } from '@palisade/principals';
import type { SessionFacts } from './platform-context.ts';
import type { BundleCache } from './policy-bundles.ts';
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

/** The subject a token names, with the facts of its sign-in session. */
export interface TokenSubject {
  readonly ref: PrincipalRef;
  readonly session: SessionFacts;
}

/** The checks on an asker, over the bundle cache (cross-account grants are resource policies). */
export interface Asking {
  /** Resolves who a question is about (`principal`, or the caller) and checks that the caller may ask. */
  resolveSubject(caller: Caller, principal: string | undefined): Promise<Result<PrincipalRef>>;
  /**
   * The subject of a token question: a failure when the caller may not ask about tokens at all,
   * undefined for a token that is invalid or names a principal the caller may not ask about.
   */
  tokenSubject(caller: Caller, token: string): Promise<Result<TokenSubject | undefined>>;
}

const ASK_ACTION = 'palisade:Authorize';
let askingPolicies: PrincipalPolicies | undefined;
// Compiled on the first cross-account question, not at module load: compiling a policy is a good
// part of the authorize function's start-up, and most processes never ask across accounts.
const identityAllowsAsking = () =>
  (askingPolicies ??= compilePrincipalPolicies({
    identityPolicies: [
      {
        id: '(caller identity, checked separately)',
        document: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ASK_ACTION, Resource: '*' }],
        },
      },
    ],
  }));

/** Builds the asker checks. */
export function createAsking(deps: {
  readonly cache: BundleCache;
  readonly partition: string;
  /** Absent until the sign-in service provides a verifier: token questions are then refused. */
  readonly resolveToken?: ResolveToken;
}): Asking {
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
      identityAllowsAsking(),
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
    const verdict = callerFacts(caller)?.evaluate({
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

  return {
    async resolveSubject(caller, principal) {
      if (principal === undefined && caller.kind === 'operator')
        return fail('request.invalid', 'The operator has no policies of its own; name a "principal".');
      const ref = parsePrincipalArn(deps.partition, principal ?? caller.arn);
      if (!ref.ok) return ref;
      const allowed = await mayAsk(caller, ref.value);
      return allowed.ok ? ref : allowed;
    },
    async tokenSubject(caller, token) {
      if (!deps.resolveToken) return fail('request.invalid', 'Token decisions are not configured.');
      // INVARIANT: nothing about a token shows before the asker is known to be allowed to ask
      // about tokens at all, and one it may not ask about is answered exactly as a forged one.
      const asking = mayAskAboutTokens(caller);
      if (!asking.ok) return asking;
      const resolved = await deps.resolveToken(token);
      if (!resolved.ok) return ok(undefined);
      const session = resolved.value;
      // Only a principal of the caller's own account (the operator: any) that the caller may ask about.
      if (caller.kind !== 'operator' && session.accountId !== caller.accountId) return ok(undefined);
      const ref = parsePrincipalArn(deps.partition, session.principalArn);
      if (!ref.ok || (caller.kind !== 'operator' && ref.value.accountId !== caller.accountId))
        return ok(undefined);
      if (!(await mayAsk(caller, ref.value)).ok) return ok(undefined);
      return ok({
        ref: ref.value,
        session: { mfa: session.mfa, authTime: session.authTime, sessionId: session.sessionId },
      });
    },
  };
}
