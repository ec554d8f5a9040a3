/**
 * `attributes` and `excludedAttributes` (RFC 7643 §7, RFC 7644 §3.4.2.5): which attributes a
 * response carries. `id`, `schemas` and `meta` are always returned; names are case-insensitive and
 * may be sub-attributes (`name.givenName`) or carry their schema URN.
 */
import { fail, ok, type Result } from '@palisade/failures';

/** How a response is projected. */
export interface Projection {
  readonly attributes?: readonly string[];
  readonly excludedAttributes?: readonly string[];
}

const ALWAYS = new Set(['id', 'schemas', 'meta']);
const MAX_NAMES = 100;

function namesOf(list: string | undefined): Result<string[] | undefined> {
  if (list === undefined || list.trim() === '') return ok(undefined);
  const names = list.split(',').map((name) => name.trim().toLowerCase());
  if (names.length > MAX_NAMES || names.some((name) => name.length > 300))
    return fail('scim.invalid-value', 'Too many or too long attribute names.');
  return ok(names);
}

/** Reads the two query parameters. */
export function projectionOf(
  attributes: string | undefined,
  excluded: string | undefined,
): Result<Projection> {
  const included = namesOf(attributes);
  if (!included.ok) return included;
  const left = namesOf(excluded);
  if (!left.ok) return left;
  return ok({
    ...(included.value ? { attributes: included.value } : {}),
    ...(left.value ? { excludedAttributes: left.value } : {}),
  });
}

/** The `schema:attribute.sub` form split into the attribute path without its URN. */
function pathParts(name: string): string[] {
  const colon = name.lastIndexOf(':');
  const urn = colon >= 0 ? name.slice(0, colon) : undefined;
  const rest = colon >= 0 ? name.slice(colon + 1) : name;
  // An extension's attributes live under its URN; a core URN prefix adds nothing.
  const parts = rest.split('.');
  return urn?.includes(':extension:') ? [urn, ...parts] : parts;
}

function pick(value: unknown, paths: readonly string[][]): unknown {
  if (paths.some((path) => path.length === 0)) return value;
  if (Array.isArray(value)) return value.map((one) => pick(one, paths));
  if (typeof value !== 'object' || value === null) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const below = paths.filter((path) => path[0] === key.toLowerCase()).map((path) => path.slice(1));
    if (below.length > 0) kept[key] = pick(inner, below);
  }
  return kept;
}

function drop(value: unknown, paths: readonly string[][]): unknown {
  if (Array.isArray(value)) return value.map((one) => drop(one, paths));
  if (typeof value !== 'object' || value === null) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const below = paths.filter((path) => path[0] === key.toLowerCase()).map((path) => path.slice(1));
    if (below.some((path) => path.length === 0)) continue;
    kept[key] = below.length > 0 ? drop(inner, below) : inner;
  }
  return kept;
}

/** True when the projection leaves `attribute` (top level) out, so it need not be read at all. */
export function excludes(projection: Projection, attribute: string): boolean {
  const name = attribute.toLowerCase();
  if (projection.attributes) return !projection.attributes.some((path) => pathParts(path)[0] === name);
  return projection.excludedAttributes?.some((path) => path === name) ?? false;
}

/** A resource as the projection returns it. */
export function project(
  resource: Readonly<Record<string, unknown>>,
  projection: Projection,
): Record<string, unknown> {
  let shaped: Record<string, unknown> = { ...resource };
  if (projection.attributes) {
    const paths = projection.attributes.map(pathParts);
    shaped = pick(shaped, [...paths, ...[...ALWAYS].map((name) => [name])]) as Record<string, unknown>;
  }
  if (projection.excludedAttributes) {
    const paths = projection.excludedAttributes.map(pathParts).filter((path) => !ALWAYS.has(path[0] ?? ''));
    shaped = drop(shaped, paths) as Record<string, unknown>;
  }
  return shaped;
}
