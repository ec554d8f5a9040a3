/**
 * Blueprints: what a new tenant starts with (groups with inline policies, roles with trust and
 * inline policies, managed policies). Every document is checked on PUT with the same checks IAM
 * applies, so applying a stored blueprint fails on nothing but the tenant's own state.
 */
import { type FieldError, fail, failFields, ok, type Result } from '@palisade/failures';
import type { Caller } from '@palisade/principals';
import { deleteBlueprint, getBlueprint, provisioningKeyPatterns, putBlueprint } from '@palisade/store';
import { z } from 'zod';
import { iamName } from './event-types.ts';
import type { ProvisioningContext } from './provisioning-context.ts';
import { operatorOnly } from './webhook-secrets.ts';

// A document as JSON text or as the object itself (stored as text, as IAM stores it).
const document = z
  .union([z.string().min(1).max(10_240), z.record(z.string(), z.unknown())])
  .transform((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
const namedPolicy = z.strictObject({ name: iamName(128), document });
const MAX_ITEMS = 50;
const MAX_POLICIES_EACH = 10;

/** A blueprint's definition, bounded in every list. */
export const blueprintSchema = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        name: iamName(128),
        policies: z.array(namedPolicy).max(MAX_POLICIES_EACH).default([]),
      }),
    )
    .max(MAX_ITEMS)
    .default([]),
  roles: z
    .array(
      z.strictObject({
        name: iamName(64),
        trustPolicy: document,
        policies: z.array(namedPolicy).max(MAX_POLICIES_EACH).default([]),
      }),
    )
    .max(MAX_ITEMS)
    .default([]),
  policies: z.array(namedPolicy).max(MAX_ITEMS).default([]),
});

/** A validated blueprint. */
export type Blueprint = z.output<typeof blueprintSchema>;

/** A stored blueprint as the API answers it. */
export interface NamedBlueprint extends Blueprint {
  readonly name: string;
  readonly updatedAt: string;
}

function unknownBlueprint(name: string) {
  return fail('entity.not-found', `Blueprint ${name} does not exist.`);
}

/** Every document of a blueprint checked with IAM's rules for its type; the failures name their fields. */
function checkDocuments(context: ProvisioningContext, blueprint: Blueprint): FieldError[] {
  const { quotas } = context.iam;
  const problems: FieldError[] = [];
  // The size IAM counts for each document, 0 for one that failed (already reported).
  const check = (path: string, text: string, type: 'identity' | 'trust', limit?: number): number => {
    const checked = context.iam.checkPolicy(text, type);
    if (!checked.ok) {
      problems.push({ path, message: checked.message });
      return 0;
    }
    if (limit !== undefined && checked.value.size > limit) {
      problems.push({ path, message: `Cannot exceed quota for PolicySize: ${limit}` });
    }
    return checked.value.size;
  };
  // Inline policies count together against their principal's quota, as IAM counts them.
  const inline = (path: string, policies: Blueprint['policies'], limit: number) => {
    const total = policies.reduce(
      (sum, policy, i) => sum + check(`${path}.${i}.document`, policy.document, 'identity'),
      0,
    );
    if (total > limit)
      problems.push({ path, message: `Cannot exceed quota for total inline policy size: ${limit}` });
  };
  blueprint.policies.forEach((policy, i) => {
    check(`policies.${i}.document`, policy.document, 'identity', quotas.managedPolicySize);
  });
  blueprint.groups.forEach((group, g) => {
    inline(`groups.${g}.policies`, group.policies, quotas.inlinePolicyBytesPerGroup);
  });
  blueprint.roles.forEach((role, r) => {
    check(`roles.${r}.trustPolicy`, role.trustPolicy, 'trust', quotas.trustPolicySize);
    inline(`roles.${r}.policies`, role.policies, quotas.inlinePolicyBytesPerRole);
  });
  return problems;
}

/** Validates a blueprint body: its shape, then every document as IAM would. */
export function validateBlueprint(context: ProvisioningContext, body: unknown): Result<Blueprint> {
  const parsed = blueprintSchema.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues
      .slice(0, 20)
      .map((issue) => ({ path: issue.path.map(String).join('.') || 'body', message: issue.message }));
    return failFields('request.invalid', 'The blueprint is not valid.', fields);
  }
  const problems = checkDocuments(context, parsed.data);
  if (problems.length > 0) {
    return failFields(
      'policy.malformed',
      'A policy document of the blueprint is malformed.',
      problems.slice(0, 20),
    );
  }
  return ok(parsed.data);
}

/** Reads a stored blueprint by name (stored blueprints were validated on PUT). */
export async function loadBlueprint(
  context: ProvisioningContext,
  name: string,
): Promise<NamedBlueprint | undefined> {
  if (!provisioningKeyPatterns.blueprintName.test(name)) return undefined;
  const stored = await getBlueprint(context.iam.store, name);
  if (!stored) return undefined;
  return {
    ...blueprintSchema.parse(JSON.parse(stored.definition)),
    name: stored.name,
    updatedAt: stored.updatedAt,
  };
}

/** The operator's blueprint operations. */
export function blueprintOperations(context: ProvisioningContext) {
  return {
    /** Creates or replaces a blueprint after checking every document. */
    async putBlueprint(caller: Caller, name: string, body: unknown): Promise<Result<NamedBlueprint>> {
      const allowed = operatorOnly(caller);
      if (!allowed.ok) return allowed;
      if (!provisioningKeyPatterns.blueprintName.test(name)) {
        return failFields('request.invalid', 'The blueprint name is not valid.', [
          { path: 'name', message: 'must be 1–64 of [\\w.-]' },
        ]);
      }
      const valid = validateBlueprint(context, body);
      if (!valid.ok) return valid;
      const updatedAt = context.iam.now().toISOString();
      const stored = await putBlueprint(context.iam.store, {
        name,
        definition: JSON.stringify(valid.value),
        updatedAt,
      });
      return stored.ok ? ok({ ...valid.value, name, updatedAt }) : stored;
    },

    /** Reads a blueprint. */
    async getBlueprint(caller: Caller, name: string): Promise<Result<NamedBlueprint>> {
      const allowed = operatorOnly(caller);
      if (!allowed.ok) return allowed;
      const found = await loadBlueprint(context, name);
      return found ? ok(found) : unknownBlueprint(name);
    },

    /** Deletes a blueprint; tenants built from it keep what it gave them. */
    async deleteBlueprint(caller: Caller, name: string): Promise<Result<void>> {
      const allowed = operatorOnly(caller);
      if (!allowed.ok) return allowed;
      if (!provisioningKeyPatterns.blueprintName.test(name)) return unknownBlueprint(name);
      return deleteBlueprint(context.iam.store, name);
    },
  };
}
