/**
 * PATCH (RFC 7644 §3.5.2) applied with `scim-patch`: add/replace/remove, with and without `path`,
 * value-filter paths, ops in any case (Entra's `"Replace"`). Before the library sees them, operations
 * are reduced to what the resource type declares: a path naming an unknown attribute is a no-op (as
 * Entra expects), and no key can reach an object's prototype (the library would follow `__proto__`).
 */
import { fail, ok, type Result } from '@palisade/failures';
import { type ScimPatchOperation, scimPatch } from 'scim-patch';
import { z } from 'zod';
import { isKnownPath, PATCH_SCHEMA, type ScimResourceType } from './scim-schemas.ts';

/** The most operations one PATCH may carry. */
export const MAX_PATCH_OPERATIONS = 1000;

/** One PATCH operation, op lower-cased. */
export interface PatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path?: string;
  readonly value?: unknown;
}

const patchBody = z.object({
  schemas: z
    .array(z.string())
    .refine((schemas) => schemas.includes(PATCH_SCHEMA), `schemas must include ${PATCH_SCHEMA}`),
  Operations: z
    .array(
      z.object({
        op: z.string().regex(/^(add|replace|remove)$/i, 'op must be add, replace or remove'),
        path: z.string().min(1).max(1024).optional(),
        value: z.unknown().optional(),
      }),
    )
    .min(1)
    .max(MAX_PATCH_OPERATIONS),
});

/** A PATCH body's operations, op lower-cased; a malformed body is `scim.invalid-syntax`. */
export function patchOperationsOf(body: unknown): Result<PatchOperation[]> {
  const parsed = patchBody.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(
      'scim.invalid-syntax',
      `Not a SCIM PATCH request: ${issue?.path.join('.')} ${issue?.message}`.trim(),
    );
  }
  return ok(
    parsed.data.Operations.map(({ op, path, value }) => ({
      op: op.toLowerCase() as PatchOperation['op'],
      ...(path === undefined ? {} : { path }),
      ...(value === undefined ? {} : { value }),
    })),
  );
}

/** The attribute a path starts with, for splitting operations by attribute (`members[value eq "x"]` → members). */
export function pathAttribute(path: string): string {
  return (/^[A-Za-z$][\w$-]*/.exec(path)?.[0] ?? '').toLowerCase();
}

function keepKnownKeys(type: ScimResourceType, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  // A path-less value's keys are paths themselves (`name.givenName`, an extension URN).
  return Object.fromEntries(
    Object.entries(value).filter(([key]) => isKnownPath(type, key) || /^urn:[\w:.-]+$/i.test(key)),
  );
}

const SCIM_TYPES: Readonly<
  Record<string, 'scim.invalid-syntax' | 'scim.invalid-path' | 'scim.no-target' | 'scim.invalid-value'>
> = {
  invalidSyntax: 'scim.invalid-syntax',
  invalidPath: 'scim.invalid-path',
  noTarget: 'scim.no-target',
  invalidValue: 'scim.invalid-value',
};

/**
 * Applies operations to a resource (a copy; `resource` is not changed). Operations on attributes the
 * type does not declare are skipped; removing what is not there is a no-op.
 */
export function applyPatch(
  type: ScimResourceType,
  resource: Readonly<Record<string, unknown>>,
  operations: readonly PatchOperation[],
): Result<Record<string, unknown>> {
  const known: ScimPatchOperation[] = [];
  for (const operation of operations) {
    if (operation.path !== undefined) {
      if (!isKnownPath(type, operation.path)) continue;
      known.push(operation as ScimPatchOperation);
    } else if (operation.op === 'remove') {
      return fail('scim.no-target', 'A remove operation needs a path.');
    } else {
      known.push({ op: operation.op, value: keepKnownKeys(type, operation.value) });
    }
  }
  const start = structuredClone({
    meta: { created: new Date(0), lastModified: new Date(0) },
    schemas: [],
    ...resource,
  });
  let patched: Record<string, unknown> = start;
  for (const operation of known) {
    try {
      patched = scimPatch(patched as never, [operation], { mutateDocument: false, treatMissingAsAdd: true });
    } catch (error) {
      // Removing a value that a filter does not find leaves the resource as it is (RFC 7644 §3.5.2.2).
      if (operation.op === 'remove') continue;
      const scimType = (error as { scimCode?: string }).scimCode ?? 'invalidValue';
      return fail(SCIM_TYPES[scimType] ?? 'scim.invalid-value', (error as Error).message.slice(0, 300));
    }
  }
  const { meta: _meta, schemas: _schemas, ...rest } = patched;
  return ok(rest);
}
