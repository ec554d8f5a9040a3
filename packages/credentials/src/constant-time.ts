/**
 * Comparison of secret-bearing strings without a timing side channel.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when `a` and `b` are the same string, in time independent of where they differ.
 * Both sides are hashed first so that unequal lengths leak nothing either (timingSafeEqual
 * itself throws on a length mismatch, which would be a timing and a crash hazard).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a, 'utf8').digest();
  const digestB = createHash('sha256').update(b, 'utf8').digest();
  // The extra length check keeps a (practically impossible) digest collision from passing.
  return timingSafeEqual(digestA, digestB) && a.length === b.length;
}

/**
 * True when `a` and `b` are the same string, for values whose length is public (a SigV4 signature
 * is always 64 hex digits, an access key id's length is no secret): without hashing either side.
 * SECURITY: timingSafeEqual is constant-time for two buffers of equal length, which is all this
 * compares; only a length mismatch answers early, and it tells nothing the format does not.
 * The length check must stay: timingSafeEqual throws on unequal lengths.
 */
export function fixedLengthEqual(a: string, b: string): boolean {
  const bytesA = Buffer.from(a, 'utf8');
  const bytesB = Buffer.from(b, 'utf8');
  return bytesA.byteLength === bytesB.byteLength && timingSafeEqual(bytesA, bytesB);
}
