/**
 * The request context: condition keys and their values. Keys are case-insensitive in IAM, so they
 * are lowercased once per request here and every lookup after that is a plain map read.
 */

/** Context as callers write it: a key maps to one value or a list (a multivalued key). */
export type ContextInput = Readonly<
  Record<string, string | number | boolean | readonly (string | number | boolean)[]>
>;

/** Context after normalisation: lowercase keys, every value a list of strings. */
export type RequestContext = ReadonlyMap<string, readonly string[]>;

// Context keys repeat across requests (aws:SourceIp, aws:PrincipalTag/team…): lowercasing each
// once and remembering it (bounded) takes string work off the per-request path.
const LOWER = new Map<string, string>();
function lower(key: string): string {
  let l = LOWER.get(key);
  if (l === undefined) {
    l = key.toLowerCase();
    if (LOWER.size < 4096) LOWER.set(key, l);
  }
  return l;
}
/** Lowercases keys and turns every value into a list of strings (once per request). */
export function normalizeContext(input: ContextInput | undefined): Map<string, readonly string[]> {
  const context = new Map<string, readonly string[]>();
  if (input === undefined || input === null) return context;
  for (const key of Object.keys(input)) {
    const value = input[key];
    if (value === undefined || value === null) continue;
    const values = Array.isArray(value)
      ? value.map(String)
      : [typeof value === 'string' ? value : String(value)];
    context.set(lower(key), values);
  }
  return context;
}
