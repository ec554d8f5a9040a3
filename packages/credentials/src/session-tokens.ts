/**
 * STS session tokens: long opaque random strings handed to the caller with temporary
 * credentials. Only their SHA-256 is stored, so a leaked table does not leak usable tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constantTimeEqual } from './constant-time.ts';

const TOKEN_BYTES = 64;

/** A new session token: 512 random bits as URL-safe base64 (86 characters). */
export function generateSessionToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** The value to store for a session token: its SHA-256 in lowercase hex. */
export function hashSessionToken(token: string): string {
  // A fast hash is enough: the token is 512 random bits, so there is nothing to brute-force.
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when `token` hashes to `storedHash`, compared in constant time. */
export function sessionTokenMatches(token: string, storedHash: string): boolean {
  return constantTimeEqual(hashSessionToken(token), storedHash);
}
