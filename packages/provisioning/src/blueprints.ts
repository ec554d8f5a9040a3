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
  const problems: FieldError[] = [];
  const check = (path: string, text: string, type: 'identity' | 'trust') => {
    const checked = context.iam.checkPolicy(text, type);
    if (!checked.ok) problems.push({ path, message: checked.message });
  };
  blueprint.policies.forEach((policy, i) => {
    check(`policies.${i}.document`, policy.document, 'identity');
  });
  blueprint.groups.forEach((group, g) => {
    group.policies.forEach((policy, i) => {
      check(`groups.${g}.policies.${i}.document`, policy.document, 'identity');
    });
  });
  blueprint.roles.forEach((role, r) => {
    check(`roles.${r}.trustPolicy`, role.trustPolicy, 'trust');
    role.policies.forEach((policy, i) => {
      check(`roles.${r}.policies.${i}.document`, policy.document, 'identity');
    });
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
