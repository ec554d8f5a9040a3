/**
 * GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy: the context keys policies
 * read, found exactly as the simulator finds the keys it reports missing (policy-text.ts), one
 * entry per key compared case-insensitively, sorted.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { malformedPolicyMessage, validatePolicy } from '@palisade/policy';
import {
  denialOf,
  list,
  loadAuthorizedEntityPolicies,
  type OperationTable,
  operation,
} from '@palisade/principals';
import { z } from 'zod';
import { contextKeySpellings } from './policy-text.ts';
import { parseEntity, type SimulationDependencies } from './simulation.ts';

const policyText = z.string().min(1).max(131_072);

const operatorRefused = (arn: string, action: string) =>
  fail(
    'access.denied',
    `User: ${arn} is not authorized to perform: ${action}: it acts inside a tenant account.`,
  );

/** The context keys of identity policies, sorted case-insensitively; InvalidInput for a malformed one. */
export function contextKeyNames(documents: readonly string[], member: string): Result<string[]> {
  for (const [i, document] of documents.entries()) {
    const message = malformedPolicyMessage(validatePolicy(document, 'identity'));
    if (message) return fail('request.invalid-input', `${member}.member.${i + 1}: ${message}`);
  }
  const spellings = contextKeySpellings(documents.map((text) => ({ text, type: 'identity' as const })));
  return ok([...spellings].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, key]) => key));
}

/** The two GetContextKeysFor…Policy operations, by IAM action name. */
export function contextKeyOperations(deps: SimulationDependencies) {
  return {
    GetContextKeysForCustomPolicy: operation(
      z.object({
        PolicyInputList: list(policyText, 100).refine(
          (items) => items.length > 0,
          'PolicyInputList is required',
        ),
      }),
      async (caller, input) => {
        // The operator belongs to no account; its policies are not IAM's to introspect.
        if (caller.kind === 'operator')
          return operatorRefused(caller.arn, 'iam:GetContextKeysForCustomPolicy');
        const denied = denialOf(caller, 'iam:GetContextKeysForCustomPolicy', '*');
        if (denied) return denied;
        const names = contextKeyNames(input.PolicyInputList, 'PolicyInputList');
        return names.ok ? ok({ ContextKeyNames: names.value }) : names;
      },
    ),

    GetContextKeysForPrincipalPolicy: operation(
      z.object({
        PolicySourceArn: z.string().min(20).max(2048),
        PolicyInputList: list(policyText, 100).optional(),
      }),
      async (caller, input) => {
        if (caller.kind === 'operator')
          return operatorRefused(caller.arn, 'iam:GetContextKeysForPrincipalPolicy');
        const source = parseEntity(deps.partition, input.PolicySourceArn);
        if (!source)
          return fail('request.invalid-input', 'PolicySourceArn must be the ARN of a user, group or role.');
        const effective = await loadAuthorizedEntityPolicies(
          deps.store,
          deps.partition,
          caller,
          source,
          input.PolicySourceArn,
          'iam:GetContextKeysForPrincipalPolicy',
        );
        if (!effective.ok) return effective;
        // A user's own policies and its groups', as IAM reads them (stored documents are valid).
        const stored = effective.value.identityPolicies.map((policy) => policy.document);
        const given = contextKeyNames(input.PolicyInputList ?? [], 'PolicyInputList');
        if (!given.ok) return given;
        const names = contextKeyNames([...stored, ...(input.PolicyInputList ?? [])], 'PolicyInputList');
        return names.ok ? ok({ ContextKeyNames: names.value }) : names;
      },
    ),
  } satisfies OperationTable;
}
