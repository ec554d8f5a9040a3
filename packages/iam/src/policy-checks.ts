/** The policy engine as IAM's document check: precise MalformedPolicyDocument text, and IAM's size. */
import { fail, ok, type Result } from '@palisade/failures';
import { malformedPolicyMessage, policySize, validatePolicy } from '@palisade/policy';
import type { PolicyChecker, StoredPolicyType } from './iam-context.ts';

/** Validates documents with the engine's rules for each stored policy type. */
export const checkPolicyWithEngine: PolicyChecker = (document, type) => {
  const message = malformedPolicyMessage(validatePolicy(document, type));
  if (message) return fail('policy.malformed', message);
  return ok({ size: policySize(document) });
};

/** Checks a document, then that it fits `limit` characters (`quota` is IAM's name for the limit). */
export function checkSizedPolicy(
  check: PolicyChecker,
  document: string,
  type: StoredPolicyType,
  limit: number,
  quota: string,
): Result<void> {
  const checked = check(document, type);
  if (!checked.ok) return checked;
  if (checked.value.size > limit) return fail('quota.exceeded', `Cannot exceed quota for ${quota}: ${limit}`);
  return ok(undefined);
}
