import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch, globMatchRanges, LITERAL_QUESTION, LITERAL_STAR, matchBySegments } from '../src/glob.ts';
import { evaluateRequest } from '../src/index.ts';

/** The textbook dynamic program: obviously right, O(n·m), used only as the oracle. */
function referenceMatch(pattern: string, text: string): boolean {
  let row = new Array<boolean>(text.length + 1).fill(false);
  row[0] = true;
  for (const p of pattern) {
    const next = new Array<boolean>(text.length + 1).fill(false);
    if (p === '*') {
      next[0] = row[0] === true;
      for (let t = 1; t <= text.length; t++) next[t] = row[t] === true || next[t - 1] === true;
    } else {
      for (let t = 1; t <= text.length; t++) {
        const c = text[t - 1];
        const same =
          p === '?' || (p === LITERAL_STAR ? c === '*' : p === LITERAL_QUESTION ? c === '?' : p === c);
        next[t] = same && row[t - 1] === true;
      }
    }
    row = next;
  }
  return row[text.length] === true;
}

const patternArbitrary = fc
  .array(fc.constantFrom('a', 'b', '*', '?', '*', LITERAL_STAR, LITERAL_QUESTION), { maxLength: 14 })
  .map((chars) => chars.join(''));
const textArbitrary = fc.array(fc.constantFrom('a', 'b', '*', '?'), { maxLength: 24 }).map((c) => c.join(''));

describe('globMatch', () => {
  it('agrees with the reference matcher', () => {
    fc.assert(
      fc.property(patternArbitrary, textArbitrary, (pattern, text) => {
        expect(globMatch(pattern, text)).toBe(referenceMatch(pattern, text));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with the reference matcher on sub-ranges', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 3 }),
        patternArbitrary,
        fc.string({ maxLength: 3 }),
        fc.string({ maxLength: 3 }),
        textArbitrary,
        fc.string({ maxLength: 3 }),
        (pBefore, pattern, pAfter, tBefore, text, tAfter) => {
          const p = pBefore + pattern + pAfter;
          const t = tBefore + text + tAfter;
          const ranges = [p, pBefore.length, pBefore.length + pattern.length] as const;
          const textRange = [t, tBefore.length, tBefore.length + text.length] as const;
          expect(globMatchRanges(...ranges, ...textRange)).toBe(referenceMatch(pattern, text));
          expect(matchBySegments(...ranges, ...textRange)).toBe(referenceMatch(pattern, text));
        },
      ),
      { numRuns: 3000 },
    );
  });

  // Before the bounded fallback these took seconds each (single-star backtracking is O(n·m)).
  it.each([
    ['a star then a long literal', `*${'a'.repeat(5_000)}b`, 'a'.repeat(100_000), false],
    ['many stars', `${'a*'.repeat(2_500)}b`, 'a'.repeat(100_000), false],
    ['a long literal with ? between stars', `*${'a?'.repeat(2_500)}b*`, 'a'.repeat(100_000), false],
    ['a match at the very end', `*${'a'.repeat(5_000)}b`, `${'a'.repeat(100_000)}b`, true],
  ])('matches %s against a 100k-character value in bounded time', (_, pattern, text, expected) => {
    const started = performance.now();
    expect(globMatch(pattern, text)).toBe(expected);
    // Generous: the bounded matcher needs milliseconds; the quadratic one needed seconds.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('keeps a StringLike condition on a long context value from stalling evaluation', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: '*',
          Condition: { StringLike: { 'aws:PrincipalTag/team': `*${'a'.repeat(5_000)}b` } },
        },
      ],
    };
    const started = performance.now();
    const result = evaluateRequest({
      principal: 'arn:aws:iam::123456789012:user/alice',
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::bucket/key',
      context: { 'aws:PrincipalTag/team': 'a'.repeat(100_000) },
      identityPolicies: [{ id: 'p', document: policy }],
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result).toMatchObject({ decision: 'implicitDeny' });
  });
});
