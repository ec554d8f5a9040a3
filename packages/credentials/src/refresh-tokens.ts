/**
 * Refresh tokens: opaque `<familyId>.<random>` strings. Only their SHA-256 is stored; the family
 * id (readable without the store) lets the store revoke a whole rotation family when a used token
 * is presented again. Rotation itself is the store's; these are the pure pieces.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';
import { constantTimeEqual } from './constant-time.ts';

const FAMILY_ID = /^[A-Za-z0-9_-]{22}$/;
const REFRESH_TOKEN = /^([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/;

/** A refresh token to hand out, with what to store for it. */
export interface IssuedRefreshToken {
  readonly token: string;
  readonly familyId: string;
  /** `hashRefreshToken(token)`: the only form the store keeps. */
  readonly hash: string;
}

/** A new family id (128 random bits) for a fresh sign-in. */
export function generateRefreshTokenFamilyId(): string {
  return randomBytes(16).toString('base64url');
}

/** A new refresh token in `familyId` (a new family when omitted): 256 random bits after the id. */
export function generateRefreshToken(familyId = generateRefreshTokenFamilyId()): IssuedRefreshToken {
  if (!FAMILY_ID.test(familyId)) throw new Error('refresh token family id is malformed');
  const token = `${familyId}.${randomBytes(32).toString('base64url')}`;
  return { token, familyId, hash: hashRefreshToken(token) };
}

/** The stored form of a refresh token: SHA-256 in lowercase hex. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The family id of a well-formed refresh token; `credentials.invalid-token` otherwise. */
export function readRefreshTokenFamily(token: string): Result<string> {
  const m = REFRESH_TOKEN.exec(token);
  if (!m?.[1]) return fail('credentials.invalid-token', 'The refresh token is invalid.');
  return ok(m[1]);
}

/** True when `token` hashes to `storedHash`, compared in constant time. */
export function refreshTokenMatches(token: string, storedHash: string): boolean {
  return constantTimeEqual(hashRefreshToken(token), storedHash);
}
