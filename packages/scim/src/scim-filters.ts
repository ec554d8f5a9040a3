/**
 * SCIM filters (RFC 7644 §3.4.2.2): parsed by `scim2-parse-filter` (operators, `and`/`or`/`not`,
 * grouping, value paths, case-insensitive attribute names), evaluated by its Tester with SCIM's
 * string rule: comparisons ignore case except on the case-exact attributes (`id`, `externalId`,
 * `meta.version`). Bounded: a filter longer than MAX_FILTER_LENGTH is refused before parsing.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { type Filter, parse, Tester } from 'scim2-parse-filter';

/** The longest filter accepted (an IdP's existence check is far shorter). */
export const MAX_FILTER_LENGTH = 2048;

const CASE_EXACT = new Set(['id', 'externalid', 'meta.version']);

/** A parsed filter and the predicate it stands for. */
export interface ScimFilter {
  readonly ast: Filter;
  readonly matches: (resource: Readonly<Record<string, unknown>>) => boolean;
}

function folded(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

// The library's extension point is its Tester class: comparisons fold case unless the attribute is case-exact.
class ScimTester extends Tester {
  override test(resource: unknown, filter: Filter): boolean {
    if ('compValue' in filter && !CASE_EXACT.has(filter.attrPath.toLowerCase())) {
      const compValue = folded(filter.compValue) as typeof filter.compValue;
      return super.test(foldStrings(resource), { ...filter, compValue });
    }
    return super.test(resource, filter);
  }
}

function foldStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.toLowerCase();
  if (Array.isArray(value)) return value.map(foldStrings);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, foldStrings(inner)]));
  return value;
}

const tester = new ScimTester();

/** Parses a filter; a malformed or oversized one is `scim.invalid-filter`. */
export function parseScimFilter(text: string): Result<ScimFilter> {
  if (text.length > MAX_FILTER_LENGTH)
    return fail('scim.invalid-filter', `The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  let ast: Filter;
  try {
    ast = parse(text);
  } catch {
    return fail(
      'scim.invalid-filter',
      `The filter ${JSON.stringify(text.slice(0, 200))} is not a SCIM filter.`,
    );
  }
  return ok({ ast, matches: (resource) => tester.test(resource, ast) });
}

/**
 * The value of a top-level `<attribute> eq "<string>"` filter (the existence check every IdP makes),
 * which an index can answer without listing; undefined for any other filter.
 */
export function equalityOn(filter: ScimFilter, attribute: string): string | undefined {
  const { ast } = filter;
  return ast.op === 'eq' &&
    'attrPath' in ast &&
    ast.attrPath.toLowerCase() === attribute.toLowerCase() &&
    typeof ast.compValue === 'string'
    ? ast.compValue
    : undefined;
}
