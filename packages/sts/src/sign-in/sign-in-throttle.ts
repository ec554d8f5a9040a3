/**
 * Brute-force throttling for sign-in, per identity (account + user name, hashed, whether or not
 * they exist, so lockout reveals nothing) and per source IP. Counts live in 5-minute buckets that
 * an attempt adds to atomically *before* its password is checked, so concurrent guesses cannot
 * overshoot the limit: the attempt that brings the window's count past the limit is refused
 * unchecked, and the failure that reaches it sets a lock for the lockout period.
 */
import { createHash } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';
import {
  addSignInThrottleCount,
  clearSignInThrottle,
  lockSignInThrottle,
  readSignInThrottle,
  type ThrottleState,
} from '@palisade/store';
import type { SignInThrottleSettings } from './sign-in-context.ts';

const BUCKET_SECONDS = 300;

/** An attempt that passed the throttle and holds one count in each window until it resolves. */
export interface ThrottleReservation {
  readonly userHash: string;
  readonly sourceHash: string;
  readonly bucket: number;
  readonly firstBucket: number;
  readonly userCount: number;
  readonly sourceCount: number;
}

/** Throttling outcomes for one attempt. */
export interface SignInThrottle {
  /** Takes a count for the attempt, or refuses it with `credentials.throttled`. */
  begin(identity: string, sourceIp: string | undefined, now: Date): Promise<Result<ThrottleReservation>>;
  /** The attempt failed: its count stays, and reaching the limit locks. */
  failed(reservation: ThrottleReservation, now: Date): Promise<void>;
  /** The attempt proved nothing either way (an MFA code is still needed): give its count back. */
  released(reservation: ThrottleReservation): Promise<void>;
  /** The attempt succeeded: the identity's failures are forgotten; the source's count is given back. */
  succeeded(reservation: ThrottleReservation): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function sumOlder(state: ThrottleState, firstBucket: number, bucket: number): number {
  let total = 0;
  for (const [b, count] of state.buckets) if (b >= firstBucket && b < bucket) total += Math.max(0, count);
  return total;
}

const throttled = () =>
  fail('credentials.throttled', 'Too many failed sign-in attempts. Wait a while before trying again.');

/** Builds the throttle over the store. */
export function createSignInThrottle(
  store: Parameters<typeof readSignInThrottle>[0],
  settings: SignInThrottleSettings,
): SignInThrottle {
  const bucketsPerWindow = Math.max(1, Math.ceil(settings.windowSeconds / BUCKET_SECONDS));
  const lockUntil = (now: Date) => now.getTime() + settings.lockoutSeconds * 1000;

  return {
    async begin(identity, sourceIp, now) {
      const userHash = sha256(`user\n${identity}`);
      const sourceHash = sha256(`ip\n${sourceIp ?? 'unknown'}`);
      const bucket = Math.floor(now.getTime() / 1000 / BUCKET_SECONDS);
      const firstBucket = bucket - bucketsPerWindow + 1;
      const [user, source] = await Promise.all([
        readSignInThrottle(store, 'USER', userHash, firstBucket, bucket),
        readSignInThrottle(store, 'IP', sourceHash, firstBucket, bucket),
      ]);
      const nowMs = now.getTime();
      if ((user.lockedUntil ?? 0) > nowMs || (source.lockedUntil ?? 0) > nowMs) return throttled();
      const expiresAt = (bucket + bucketsPerWindow + 1) * BUCKET_SECONDS;
      const [userNew, sourceNew] = await Promise.all([
        addSignInThrottleCount(store, 'USER', userHash, bucket, 1, expiresAt),
        addSignInThrottleCount(store, 'IP', sourceHash, bucket, 1, expiresAt),
      ]);
      const userCount = userNew + sumOlder(user, firstBucket, bucket);
      const sourceCount = sourceNew + sumOlder(source, firstBucket, bucket);
      const userOver = userCount > settings.failuresPerUser;
      const sourceOver = sourceCount > settings.failuresPerSource;
      if (userOver || sourceOver) {
        // Past the limit already (concurrent guesses): refuse unchecked, and make sure a lock exists.
        await Promise.all([
          userOver ? lockSignInThrottle(store, 'USER', userHash, lockUntil(now)) : undefined,
          sourceOver ? lockSignInThrottle(store, 'IP', sourceHash, lockUntil(now)) : undefined,
        ]);
        return throttled();
      }
      return ok({ userHash, sourceHash, bucket, firstBucket, userCount, sourceCount });
    },

    async failed(r, now) {
      await Promise.all([
        r.userCount >= settings.failuresPerUser
          ? lockSignInThrottle(store, 'USER', r.userHash, lockUntil(now))
          : undefined,
        r.sourceCount >= settings.failuresPerSource
          ? lockSignInThrottle(store, 'IP', r.sourceHash, lockUntil(now))
          : undefined,
      ]);
    },

    async released(r) {
      const expiresAt = (r.bucket + bucketsPerWindow + 1) * BUCKET_SECONDS;
      await Promise.all([
        addSignInThrottleCount(store, 'USER', r.userHash, r.bucket, -1, expiresAt),
        addSignInThrottleCount(store, 'IP', r.sourceHash, r.bucket, -1, expiresAt),
      ]);
    },

    async succeeded(r) {
      const expiresAt = (r.bucket + bucketsPerWindow + 1) * BUCKET_SECONDS;
      const buckets = Array.from({ length: r.bucket - r.firstBucket + 1 }, (_, i) => r.firstBucket + i);
      await Promise.all([
        clearSignInThrottle(store, 'USER', r.userHash, buckets),
        addSignInThrottleCount(store, 'IP', r.sourceHash, r.bucket, -1, expiresAt),
      ]);
    },
  };
}
