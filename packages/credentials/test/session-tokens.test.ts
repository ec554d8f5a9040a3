import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  fixedLengthEqual,
  generateSessionToken,
  hashSessionToken,
  sessionTokenMatches,
} from '../src/index.ts';

describe('session tokens', () => {
  it('are long, URL-safe and unique', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateSessionToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{86}$/);
  });

  it('hash to a stable SHA-256 hex that matches only the same token', () => {
    const token = generateSessionToken();
    const stored = hashSessionToken(token);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSessionToken(token)).toBe(stored);
    expect(sessionTokenMatches(token, stored)).toBe(true);
    expect(sessionTokenMatches(generateSessionToken(), stored)).toBe(false);
    expect(sessionTokenMatches(token, stored.toUpperCase())).toBe(false);
    expect(sessionTokenMatches(token, '')).toBe(false);
  });
});

describe('constantTimeEqual', () => {
  it('compares strings of any lengths without throwing', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false);
  });
});

describe('fixedLengthEqual', () => {
  it('is true only for the same string, and false (not a throw) when the lengths differ', () => {
    const signature = `${'f'.repeat(63)}0`;
    expect(fixedLengthEqual(signature, `${'f'.repeat(63)}0`)).toBe(true);
    expect(fixedLengthEqual(signature, `${'f'.repeat(63)}1`)).toBe(false);
    expect(fixedLengthEqual(signature, `0${'f'.repeat(63)}`)).toBe(false);
    expect(fixedLengthEqual(signature, signature.slice(1))).toBe(false);
    expect(fixedLengthEqual(signature, `${signature}0`)).toBe(false);
    // Same number of characters, different number of bytes: compared as bytes, never thrown on.
    expect(fixedLengthEqual('é', 'e')).toBe(false);
  });
});
