/**
 * Who is calling, as the services see it: authenticated identity plus a way to ask the policy
 * engine whether it may do something. Built by the authentication layer; the services never look
 * at credentials.
 */
import { type DeniedRequest, type Failure, fail } from '@palisade/failures';
import type { PolicyType } from '@palisade/policy';
import { accessDeniedMessage } from './access-denied-messages.ts';
import { type ActionContext, actionContext, actionContextSpec, type RequestFacts } from './action-context.ts';

/** The engine's answer for one operation. */
export type AccessVerdict =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** `password-reset-required`: a sign-in session that must change its password first. */
      readonly reason: 'explicit-deny' | 'implicit-deny' | 'password-reset-required';
      /** The kind of policy that denied, or whose missing Allow did. */
      readonly policyType?: PolicyType;
      /** The denied request's facts, for the encoded authorization message (built only when asked). */
      readonly deniedRequest?: () => DeniedRequest;
    };

/** The kinds of authenticated principal. */
export type CallerKind = 'root' | 'user' | 'assumed-role' | 'federated-user' | 'operator';

/** An authenticated caller. */
export interface Caller {
  readonly accountId: string;
  readonly arn: string;
  readonly kind: CallerKind;
  /** The IAM user's name, for users. */
  readonly userName?: string;
  /**
   * Asks whether this caller may perform `action` on `resource` with the request's condition keys
   * (from `actionContext`); deny is the default.
   */
  authorize(action: string, resource: string, context?: ActionContext): AccessVerdict;
}

/**
 * Returns AccessDenied in AWS's words when the caller may not perform the action, else undefined.
 * `facts` are what the operation knows of the request; the action table turns them into the
 * condition keys the action carries.
 */
export function denialOf(
  caller: Caller,
  action: string,
  resource: string,
  facts: RequestFacts = {},
): Failure | undefined {
  let verdict: AccessVerdict;
  try {
    // INVARIANT: an IAM or STS action outside the table has no known request context, and a
    // guardrail conditioned on its keys would silently pass: it is denied instead.
    const unknown = /^(iam|sts):/i.test(action) && actionContextSpec(action) === undefined;
    verdict = unknown
      ? { allowed: false, reason: 'implicit-deny' }
      : caller.authorize(action, resource, actionContext(action, facts));
  } catch {
    // INVARIANT: the platform fails closed; an error while deciding is a denial.
    verdict = { allowed: false, reason: 'implicit-deny' };
  }
  if (verdict.allowed) return undefined;
  if (verdict.reason === 'password-reset-required') return passwordResetDenial(caller, action);
  const denial = {
    reason: verdict.reason,
    ...(verdict.policyType !== undefined ? { policyType: verdict.policyType } : {}),
  };
  const failure = fail('access.denied', accessDeniedMessage(caller.arn, action, resource, denial));
  return verdict.deniedRequest ? { ...failure, authorization: verdict.deniedRequest() } : failure;
}

/** AccessDenied for a sign-in session that must change its password before anything else. */
export function passwordResetDenial(caller: Caller, action: string): Failure {
  return fail(
    'access.denied',
    `User: ${caller.arn} is not authorized to perform: ${action}: the password must be changed first`,
  );
}
