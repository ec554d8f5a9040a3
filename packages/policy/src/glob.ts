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

/** The character a non-wildcard pattern char code stands for (a literal marker stands for `*` or `?`). */
function literalCode(p: number): number {
  return p === 0xe000 ? 0x2a : p === 0xe001 ? 0x3f : p;
}

function charMatches(p: number, t: number): boolean {
  // p is a pattern char code that is not a wildcard
  return literalCode(p) === t;
}

/**
 * Matches `text[tFrom, tTo)` against `pattern[pFrom, pTo)`. The usual path is the iterative
 * single-star backtracking matcher (exact for `*`, `?` and literals, allocates nothing), run on a
 * work budget linear in the input: backtracking can cost O(n·m) (`*aaaa…b` against `aaaa…`), so a
 * match that exhausts the budget is finished by {@link matchBySegments}, whose cost is bounded.
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
  // INVARIANT: a match without backtracking takes at most (tTo - tFrom) + (pTo - pFrom) steps.
  let budget = 2 * (tTo - tFrom) + (pTo - pFrom) + 64;
  while (t < tTo) {
    if (--budget === 0) return matchBySegments(pattern, pFrom, pTo, text, tFrom, tTo);
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

/**
 * The bounded matcher: the text before the first `*` and after the last are anchored at the ends,
 * and each segment between stars takes its leftmost occurrence after the previous one (leftmost is
 * always safe: it leaves the most text for what follows). Segments are found with a bit-parallel
 * scan (Shift-And, `?` in every position's mask), so the cost is O(m + n·⌈L/32⌉) for a text of n
 * characters and a longest segment of L: linear in the text, with no backtracking at all.
 */
export function matchBySegments(
  pattern: string,
  pFrom: number,
  pTo: number,
  text: string,
  tFrom: number,
  tTo: number,
): boolean {
  const firstStar = pattern.indexOf('*', pFrom);
  if (firstStar === -1 || firstStar >= pTo) {
    return tTo - tFrom === pTo - pFrom && segmentAt(pattern, pFrom, pTo, text, tFrom);
  }
  const lastStar = pattern.lastIndexOf('*', pTo - 1);
  const prefix = firstStar - pFrom;
  const suffix = pTo - lastStar - 1;
  if (prefix + suffix > tTo - tFrom) return false;
  if (!segmentAt(pattern, pFrom, firstStar, text, tFrom)) return false;
  if (!segmentAt(pattern, lastStar + 1, pTo, text, tTo - suffix)) return false;
  const end = tTo - suffix;
  let t = tFrom + prefix;
  let p = firstStar + 1;
  while (p < lastStar) {
    let q = p;
    while (q < lastStar && pattern.charCodeAt(q) !== 0x2a) q++;
    if (q > p) {
      const found = findSegment(pattern, p, q, text, t, end);
      if (found === -1) return false;
      t = found + (q - p);
    }
    p = q + 1;
  }
  return true;
}

/** True when the star-free `pattern[pFrom, pTo)` matches the text starting at `at`. */
function segmentAt(pattern: string, pFrom: number, pTo: number, text: string, at: number): boolean {
  for (let i = 0; i < pTo - pFrom; i++) {
    const pc = pattern.charCodeAt(pFrom + i);
    if (pc !== 0x3f && !charMatches(pc, text.charCodeAt(at + i))) return false;
  }
  return true;
}

/** The leftmost start in `[tFrom, tTo)` where the star-free segment matches entirely, or -1. */
function findSegment(
  pattern: string,
  sFrom: number,
  sTo: number,
  text: string,
  tFrom: number,
  tTo: number,
): number {
  const length = sTo - sFrom;
  const words = Math.ceil(length / 32);
  // Bit i of a character's mask is set when segment position i accepts that character.
  const any = new Uint32Array(words);
  for (let i = 0; i < length; i++) {
    if (pattern.charCodeAt(sFrom + i) === 0x3f) any[i >>> 5] = (any[i >>> 5] as number) | (1 << (i & 31));
  }
  const masks = new Map<number, Uint32Array>();
  for (let i = 0; i < length; i++) {
    const pc = pattern.charCodeAt(sFrom + i);
    if (pc === 0x3f) continue;
    const code = literalCode(pc);
    let mask = masks.get(code);
    if (mask === undefined) {
      mask = any.slice();
      masks.set(code, mask);
    }
    mask[i >>> 5] = (mask[i >>> 5] as number) | (1 << (i & 31));
  }
  const state = new Uint32Array(words);
  const lastWord = (length - 1) >>> 5;
  const lastBit = 1 << ((length - 1) & 31);
  for (let t = tFrom; t < tTo; t++) {
    const mask = masks.get(text.charCodeAt(t)) ?? any;
    let carry = 1;
    for (let w = 0; w < words; w++) {
      const word = state[w] as number;
      state[w] = ((word << 1) | carry) & (mask[w] as number);
      carry = word >>> 31;
    }
    if (((state[lastWord] as number) & lastBit) !== 0) return t - length + 1;
  }
  return -1;
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
