import { describe, expect, it } from 'vitest';
import {
  generateRefreshToken,
  generateRefreshTokenFamilyId,
  hashRefreshToken,
  readRefreshTokenFamily,
  refreshTokenMatches,
} from '../src/index.ts';

describe('refresh tokens', () => {
  it('are <familyId>.<random> with the hash to store', () => {
    const issued = generateRefreshToken();
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(issued.token.startsWith(`${issued.familyId}.`)).toBe(true);
    expect(issued.hash).toBe(hashRefreshToken(issued.token));
    expect(refreshTokenMatches(issued.token, issued.hash)).toBe(true);
  });

  it('rotate within a family to a different token', () => {
    const first = generateRefreshToken();
    const next = generateRefreshToken(first.familyId);
    expect(next.familyId).toBe(first.familyId);
    expect(next.token).not.toBe(first.token);
    expect(refreshTokenMatches(next.token, first.hash)).toBe(false);
  });

  it('reveal their family without the store, and refuse malformed tokens', () => {
    const familyId = generateRefreshTokenFamilyId();
    expect(readRefreshTokenFamily(generateRefreshToken(familyId).token)).toEqual({
      ok: true,
      value: familyId,
    });
    for (const bad of ['', 'abc', `${familyId}.`, `${familyId}.short`, `${familyId}.${'a'.repeat(43)}.x`]) {
      expect(readRefreshTokenFamily(bad)).toMatchObject({ ok: false, code: 'credentials.invalid-token' });
    }
    expect(() => generateRefreshToken('bad family')).toThrow();
  });
});
