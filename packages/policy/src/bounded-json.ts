/**
 * JSON from outside, parsed with its nesting bounded. `JSON.parse` itself copes with deep input,
 * but everything that walks the result afterwards (JSON.stringify, schema validation, the policy
 * reader, jsonc-parser) recurses and overflows the stack on a 100,000-deep document; a linear scan
 * refuses such text before anything is built from it.
 */

/** How deeply arrays and objects may nest in any JSON the platform accepts (a policy needs 6). */
export const MAX_JSON_DEPTH = 32;

/** Parsed JSON, or why the text was refused. */
export type BoundedJson =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: 'syntax' | 'too-deep' };

/** Parses `text` as JSON, refusing nesting deeper than `maxDepth`. Never throws. */
export function parseBoundedJson(text: string, maxDepth: number = MAX_JSON_DEPTH): BoundedJson {
  if (jsonDepthExceeds(text, maxDepth)) return { ok: false, reason: 'too-deep' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'syntax' };
  }
}

/** True when brackets outside strings nest deeper than `maxDepth` (malformed text is left to the parser). */
function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  // Nesting past `maxDepth` needs more than `maxDepth` opening brackets somewhere in the text: when
  // there are not that many (a decision question has a handful), the character scan below is
  // skipped. Counting them by indexOf is native and far quicker than the scan.
  if (openingBracketsAtMost(text, maxDepth)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c)
        i++; // a backslash escapes the next character, a quote included
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      depth++;
      if (depth > maxDepth) return true;
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** True when `text` holds at most `limit` opening brackets (`[` or `{`), in strings or not. */
function openingBracketsAtMost(text: string, limit: number): boolean {
  let count = 0;
  for (let at = text.indexOf('{'); at !== -1; at = text.indexOf('{', at + 1)) {
    if (++count > limit) return false;
  }
  for (let at = text.indexOf('['); at !== -1; at = text.indexOf('[', at + 1)) {
    if (++count > limit) return false;
  }
  return true;
}
