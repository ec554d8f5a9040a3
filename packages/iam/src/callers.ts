/**
 * Builds callers: the operator, an account's root, and IAM users whose every operation is decided
 * by the engine over their effective policies, with the context keys the platform owns.
 */
import { compilePrincipalPolicies, evaluate, type PrincipalPolicies } from '@palisade/policy';
import { rootArn } from './arns.ts';
import type { AccessVerdict, Caller } from './caller.ts';
import type { EffectivePolicies } from './effective-policies.ts';

/** The operator: manages accounts; inside an account it has no identity and may do nothing. */
export function operatorCaller(accessKeyId: string): Caller {
  return {
    accountId: 'operator',
    arn: `operator/${accessKeyId}`,
    kind: 'operator',
    authorize: () => ({ allowed: false, reason: 'implicit-deny' }),
  };
}

/** An account's root: every action on its own account's resources, nothing elsewhere. */
export function rootCaller(partition: string, accountId: string): Caller {
  return {
    accountId,
    arn: rootArn(partition, accountId),
    kind: 'root',
    authorize: (_action, resource) =>
      resource === '*' || arnAccount(resource) === accountId
        ? { allowed: true }
        : { allowed: false, reason: 'implicit-deny' },
  };
}

/** The account segment of an ARN (`arn:partition:service:region:account:resource`), if any. */
export function arnAccount(arn: string): string | undefined {
  const parts = arn.split(':', 6);
  return parts.length === 6 && parts[0] === 'arn' && parts[4] ? parts[4] : undefined;
}

/** The context keys the platform supplies about a principal (callers cannot override them). */
export function principalContextKeys(
  effective: EffectivePolicies,
  now: Date,
): Record<string, string | string[]> {
  const { principal } = effective;
  const keys: Record<string, string | string[]> = {
    'aws:PrincipalArn': principal.arn,
    'aws:PrincipalAccount': principal.accountId,
    'aws:PrincipalType': principal.kind === 'user' ? 'User' : 'AssumedRole',
    'aws:userid': principal.id,
    'aws:CurrentTime': now.toISOString(),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    'aws:SecureTransport': 'true',
  };
  if (principal.kind === 'user') keys['aws:username'] = principal.name;
  for (const tag of principal.tags) keys[`aws:PrincipalTag/${tag.Key}`] = tag.Value;
  if (principal.tags.length) keys['aws:PrincipalTagKeys'] = principal.tags.map((t) => t.Key);
  return keys;
}

/** Compiles a principal's effective policies for the engine (once per load). */
export function compileEffectivePolicies(effective: EffectivePolicies): PrincipalPolicies {
  return compilePrincipalPolicies({
    identityPolicies: effective.identityPolicies,
    ...(effective.boundary ? { permissionsBoundaries: [effective.boundary] } : {}),
  });
}

/** An IAM user whose operations the engine decides over its effective policies. */
export function userCaller(
  effective: EffectivePolicies,
  now: () => Date,
  extraContext: Record<string, string | string[]> = {},
): Caller {
  const compiled = compileEffectivePolicies(effective);
  const { principal } = effective;
  return {
    accountId: principal.accountId,
    arn: principal.arn,
    kind: 'user',
    userName: principal.name,
    authorize(action, resource): AccessVerdict {
      const explanation = evaluate(
        {
          principal: principal.arn,
          action,
          resource,
          resourceAccount: principal.accountId,
          context: { ...extraContext, ...principalContextKeys(effective, now()) },
        },
        compiled,
      );
      if (explanation.decision === 'allowed') return { allowed: true };
      const policyType = explanation.decidingStatement?.policyType ?? explanation.blockedBy[0];
      return {
        allowed: false,
        reason: explanation.decision === 'explicitDeny' ? 'explicit-deny' : 'implicit-deny',
        ...(policyType ? { policyType: POLICY_TYPE_WORDS[policyType] ?? 'identity-based' } : {}),
      };
    },
  };
}

const POLICY_TYPE_WORDS: Record<string, string> = {
  identity: 'identity-based',
  boundary: 'permissions boundary',
  session: 'session',
  scp: 'service control',
  rcp: 'resource control',
  resource: 'resource-based',
};
