/**
 * AccessDenied in AWS's current words (IAM User Guide, "Troubleshoot access denied error
 * messages"): `User: <principal> is not authorized to perform: <action> on resource: <resource>`
 * followed by why, naming the kind of policy: `because no <type> allows the <action> action` for an
 * implicit deny, `with an explicit deny in a(n) <type>` for an explicit one. Every interface (IAM
 * and STS Query, REST) answers with these messages; they are built here only.
 */
import type { Explanation, PolicyType } from '@palisade/policy';

/** Why a request was denied, as the message names it. */
export interface DenialReason {
  readonly reason: 'explicit-deny' | 'implicit-deny';
  /** The kind of policy that denied (or failed to allow); identity-based when unknown. */
  readonly policyType?: PolicyType;
}

/** What AWS calls each kind of policy in its messages, with the article an explicit deny takes. */
const POLICY_WORDS: Readonly<Record<PolicyType, { readonly name: string; readonly article: string }>> = {
  identity: { name: 'identity-based policy', article: 'an' },
  resource: { name: 'resource-based policy', article: 'a' },
  // A role's trust policy is its resource-based policy.
  trust: { name: 'resource-based policy', article: 'a' },
  boundary: { name: 'permissions boundary', article: 'a' },
  session: { name: 'session policy', article: 'a' },
  scp: { name: 'service control policy', article: 'a' },
  rcp: { name: 'resource control policy', article: 'a' },
};

/**
 * The AccessDenied message for `principalArn` asking `action` on `resource`. Without a reason (a
 * role that cannot be assumed, whose policies a caller of another account may not learn about) the
 * message stops after the resource, as AWS's does.
 */
export function accessDeniedMessage(
  principalArn: string,
  action: string,
  resource: string,
  denial?: DenialReason,
): string {
  const head = `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource}`;
  if (denial === undefined) return head;
  const words = POLICY_WORDS[denial.policyType ?? 'identity'];
  return denial.reason === 'explicit-deny'
    ? `${head} with an explicit deny in ${words.article} ${words.name}`
    : `${head} because no ${words.name} allows the ${action} action`;
}

/**
 * Why the engine denied, from its explanation: the deciding Deny's policy type, or the policy type
 * whose missing Allow decided (an SCP, an RCP, the permissions boundary, the session policy, or
 * nothing granting it: identity-based, or resource-based when only a resource policy could have).
 */
export function denialReasonOf(explanation: Explanation): DenialReason {
  switch (explanation.reason) {
    case 'explicit-deny':
      return {
        reason: 'explicit-deny',
        ...(explanation.decidingStatement ? { policyType: explanation.decidingStatement.policyType } : {}),
      };
    case 'scp-no-allow':
      return { reason: 'implicit-deny', policyType: 'scp' };
    case 'rcp-no-allow':
      return { reason: 'implicit-deny', policyType: 'rcp' };
    case 'boundary-no-allow':
      return { reason: 'implicit-deny', policyType: 'boundary' };
    case 'session-policy-no-allow':
      return { reason: 'implicit-deny', policyType: 'session' };
    default:
      return { reason: 'implicit-deny', policyType: noGrantType(explanation) };
  }
}

/**
 * Nothing granted the request: when the identity-based policies allowed it, the resource side
 * (a role's trust policy, a resource policy of another account) is what lacked the Allow.
 */
function noGrantType(explanation: Explanation): PolicyType {
  if (explanation.policyTypes.identity === 'allowed') {
    if (explanation.policyTypes.trust !== undefined) return 'trust';
    if (explanation.policyTypes.resource !== undefined) return 'resource';
  }
  return 'identity';
}
