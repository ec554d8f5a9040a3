/**
 * Wildcard matching for IAM patterns: `*` matches any run of characters (including none) and `?`
 * exactly one. Policy variables may need a literal `*` or `?` (the `${*}` and `${?}` escapes, or a
 * substituted value), so those are carried in the pattern as private-use markers that match only
 * the literal character. Policies are limited to U+0009–U+00FF, so the markers cannot collide with
 * policy text.
 */

/** Stands for a literal `*` inside a pattern (never a wildcard). */
export const LITERAL_STAR = '\uE000';
/** Stands for a literal `?` inside a pattern (never a wildcard). */
export const LITERAL_QUESTION = '\uE001';

/** Replaces `*` and `?` in text that must match literally (a substituted variable value). */
export function escapeWildcards(text: string): string {
  if (text.indexOf('*') === -1 && text.indexOf('?') === -1) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    out += c === '*' ? LITERAL_STAR : c === '?' ? LITERAL_QUESTION : c;
  }
  return out;
}

/** True when a pattern contains a `*` or `?` wildcard. */
export function hasWildcard(pattern: string): boolean {
  return pattern.indexOf('*') !== -1 || pattern.indexOf('?') !== -1;
}

function charMatches(p: number, t: number): boolean {
  // p is a pattern char code that is not a wildcard
  if (p === 0xe000) return t === 0x2a;
  if (p === 0xe001) return t === 0x3f;
  return p === t;
}

/**
 * Matches `text[tFrom, tTo)` against `pattern[pFrom, pTo)`. Iterative with single-star
 * backtracking, which is exact for patterns made only of `*`, `?` and literals; allocates nothing.
 */
export function globMatchRanges(
  pattern: string,
  pFrom: number,
  pTo: number,
  text: string,
  tFrom: number,
  tTo: number,
): boolean {
  let p = pFrom;
  let t = tFrom;
  let starP = -1;
  let starT = 0;
  while (t < tTo) {
    if (p < pTo) {
      const pc = pattern.charCodeAt(p);
      if (pc === 0x2a) {
        starP = p++;
        starT = t;
        continue;
      }
      if (pc === 0x3f || charMatches(pc, text.charCodeAt(t))) {
        p++;
        t++;
        continue;
      }
    }
    if (starP === -1) return false;
    p = starP + 1;
    t = ++starT;
  }
  while (p < pTo && pattern.charCodeAt(p) === 0x2a) p++;
  return p === pTo;
}

/** True when `pattern[pFrom, pTo)` equals `text[tFrom, tTo)` with no wildcard meaning. */
export function literalRangeEquals(
  pattern: string,
  pFrom: number,
  pTo: number,
  text: string,
  tFrom: number,
  tTo: number,
): boolean {
  if (pTo - pFrom !== tTo - tFrom) return false;
  for (let i = 0; i < pTo - pFrom; i++) {
    if (!charMatches(pattern.charCodeAt(pFrom + i), text.charCodeAt(tFrom + i))) return false;
  }
  return true;
}

/** Matches the whole text against the pattern. */
export function globMatch(pattern: string, text: string): boolean {
  return globMatchRanges(pattern, 0, pattern.length, text, 0, text.length);
}

/** A matcher precompiled for one pattern: equality, prefix, suffix or general wildcard. */
export type TextMatcher = (text: string) => boolean;

/** Compiles a pattern once into the cheapest matcher that is exact for it. */
export function compileGlob(pattern: string): TextMatcher {
  if (pattern === '*') return () => true;
  if (!hasWildcard(pattern)) {
    const literal = unmark(pattern);
    return (text) => text === literal;
  }
  const firstStar = pattern.indexOf('*');
  const onlyTrailingStar =
    firstStar === pattern.length - 1 && pattern.indexOf('?') === -1 && !hasMarkers(pattern);
  if (onlyTrailingStar) {
    const prefix = pattern.slice(0, -1);
    return (text) => text.startsWith(prefix);
  }
  return (text) => globMatch(pattern, text);
}

function hasMarkers(pattern: string): boolean {
  return pattern.indexOf(LITERAL_STAR) !== -1 || pattern.indexOf(LITERAL_QUESTION) !== -1;
}

/** Turns markers back into the literal characters they stand for. */
export function unmark(pattern: string): string {
  if (!hasMarkers(pattern)) return pattern;
  return pattern.replaceAll(LITERAL_STAR, '*').replaceAll(LITERAL_QUESTION, '?');
}
