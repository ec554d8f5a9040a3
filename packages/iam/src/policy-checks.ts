/** The policy engine as IAM's document check: precise MalformedPolicyDocument text, and IAM's size. */
import { fail, ok } from '@palisade/failures';
import { malformedPolicyMessage, policySize, validatePolicy } from '@palisade/policy';
import type { PolicyChecker } from './iam-context.ts';

/** Validates documents with the engine's rules for each stored policy type. */
export const checkPolicyWithEngine: PolicyChecker = (document, type) => {
  const message = malformedPolicyMessage(validatePolicy(document, type));
  if (message) return fail('policy.malformed', message);
  return ok({ size: policySize(document) });
};
