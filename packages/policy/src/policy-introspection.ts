/**
 * What a policy can grant, read from the engine's own parse: whether it allows any of a service's
 * actions (IAM's ListPoliciesGrantingServiceAccess).
 */
import { globMatch } from './glob.ts';
import type { NormalizedPolicy } from './policy-document.ts';

/**
 * True when some Allow statement of the policy matches at least one of `actions` (full names,
 * `service:Action`), by Action or by NotAction, whatever its resources and conditions: IAM's
 * "grants access to the service" is about the actions a policy can allow, not about one request.
 */
export function policyAllowsAnyAction(policy: NormalizedPolicy, actions: readonly string[]): boolean {
  const lowered = actions.map((action) => action.toLowerCase());
  const matches = (patterns: readonly string[], action: string) =>
    patterns.some((pattern) => globMatch(pattern.toLowerCase(), action));
  return policy.statements.some(
    (statement) =>
      statement.effect === 'Allow' &&
      lowered.some((action) =>
        statement.action ? matches(statement.action, action) : !matches(statement.notAction ?? [], action),
      ),
  );
}
