/**
 * Policy validation as IAM Access Analyzer's ValidatePolicy offers it: every finding (errors,
 * security warnings, warnings, suggestions) for a document of a given type, checked against the
 * caller's service catalog, so unknown actions and mistyped condition keys come back with a
 * "did you mean" before the policy is ever saved.
 */
import { ok, type Result } from '@palisade/failures';
import { type Finding, type PolicyType, type ServiceCatalog, validatePolicy } from '@palisade/policy';
import { actionCatalog, type Caller, denialOf, validationFailure } from '@palisade/principals';
import { z } from 'zod';

/** Access Analyzer's policy type names, mapped to the engine's. */
const POLICY_TYPES: Readonly<Record<string, PolicyType>> = {
  IDENTITY_POLICY: 'identity',
  RESOURCE_POLICY: 'resource',
  SERVICE_CONTROL_POLICY: 'scp',
  RESOURCE_CONTROL_POLICY: 'rcp',
  TRUST_POLICY: 'trust',
  PERMISSIONS_BOUNDARY: 'boundary',
  SESSION_POLICY: 'session',
};

/** `POST /v1/validate-policy`: a policy document and its type. */
export const validatePolicyRequestSchema = z.object({
  policyDocument: z.union([z.string().min(1).max(131_072), z.record(z.string(), z.unknown())]),
  policyType: z.enum(Object.keys(POLICY_TYPES) as [string, ...string[]]),
});

const BUILT_IN = actionCatalog();

/** What validation needs: the catalog an account validates against. */
export interface PolicyValidationDependencies {
  readonly catalogFor: (accountId: string) => Promise<ServiceCatalog>;
}

/** The validation service. */
export function policyValidationService(deps: PolicyValidationDependencies) {
  return {
    /** Validates a document; any authenticated caller with `palisade:ValidatePolicy` may ask. */
    async validate(caller: Caller, body: unknown): Promise<Result<{ findings: Finding[] }>> {
      const parsed = validatePolicyRequestSchema.safeParse(body);
      if (!parsed.success) return validationFailure(parsed.error);
      if (caller.kind !== 'operator') {
        const denied = denialOf(caller, 'palisade:ValidatePolicy', '*');
        if (denied) return denied;
      }
      const type = POLICY_TYPES[parsed.data.policyType] as PolicyType;
      const catalog = await deps.catalogFor(caller.kind === 'operator' ? 'platform' : caller.accountId);
      // IAM and STS come first, from the platform's own action table: it says which keys each action carries.
      return ok({ findings: validatePolicy(parsed.data.policyDocument, type, [...BUILT_IN, ...catalog]) });
    },
  };
}
