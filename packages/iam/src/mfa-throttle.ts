/**
 * Wrong MFA codes are counted per device, whichever interface checked them (sign-in,
 * GetSessionToken, AssumeRole, EnableMFADevice), under the lockout policy sign-in uses: five
 * failures within fifteen minutes lock the device for fifteen minutes, during which no code is
 * checked at all, so the answer cannot tell a right code from a wrong one. Counts live in the
 * device's own throttle partition (never one item per account), in 5-minute buckets that an
 * attempt adds to atomically before its code is checked, so concurrent guesses cannot overshoot.
 */
import { createHash } from 'node:crypto';
import {
  addSignInThrottleCount,
  clearSignInThrottle,
  lockSignInThrottle,
  readSignInThrottle,
  type StoreContext,
} from '@palisade/store';

/** A brute-force lockout: failures within a window that lock, and for how long. */
export interface FailureLockout {
  readonly failures: number;
  readonly windowSeconds: number;
  readonly lockoutSeconds: number;
}

/** The lockout sign-in applies per user name, and MFA per device: 5 failures in 15 minutes lock for 15. */
export const DEFAULT_FAILURE_LOCKOUT: FailureLockout = {
  failures: 5,
  windowSeconds: 900,
  lockoutSeconds: 900,
};

const BUCKET_SECONDS = 300;

/** A code check that passed the lockout and holds one count in the device's window until it resolves. */
export interface MfaAttempt {
  readonly deviceHash: string;
  readonly bucket: number;
  readonly firstBucket: number;
  readonly count: number;
}

const deviceHashOf = (serial: string) => createHash('sha256').update(`mfa\n${serial}`, 'utf8').digest('hex');

/** Takes a count for checking a code of device `serial`; undefined when the device is locked. */
export async function beginMfaAttempt(
  store: StoreContext,
  serial: string,
  now: Date,
  policy: FailureLockout = DEFAULT_FAILURE_LOCKOUT,
): Promise<MfaAttempt | undefined> {
  const deviceHash = deviceHashOf(serial);
  const bucketsPerWindow = Math.max(1, Math.ceil(policy.windowSeconds / BUCKET_SECONDS));
  const bucket = Math.floor(now.getTime() / 1000 / BUCKET_SECONDS);
  const firstBucket = bucket - bucketsPerWindow + 1;
  const state = await readSignInThrottle(store, 'MFA', deviceHash, firstBucket, bucket);
  if ((state.lockedUntil ?? 0) > now.getTime()) return undefined;
  const added = await addSignInThrottleCount(
    store,
    'MFA',
    deviceHash,
    bucket,
    1,
    (bucket + bucketsPerWindow + 1) * BUCKET_SECONDS,
  );
  let count = added;
  for (const [b, n] of state.buckets) if (b >= firstBucket && b < bucket) count += Math.max(0, n);
  if (count > policy.failures) {
    // Past the limit already (concurrent guesses): refuse unchecked, and make sure a lock exists.
    await lockSignInThrottle(store, 'MFA', deviceHash, now.getTime() + policy.lockoutSeconds * 1000);
    return undefined;
  }
  return { deviceHash, bucket, firstBucket, count };
}

/** The code was wrong: its count stays, and reaching the limit locks the device. */
export async function mfaAttemptFailed(
  store: StoreContext,
  attempt: MfaAttempt,
  now: Date,
  policy: FailureLockout = DEFAULT_FAILURE_LOCKOUT,
): Promise<void> {
  if (attempt.count < policy.failures) return;
  await lockSignInThrottle(store, 'MFA', attempt.deviceHash, now.getTime() + policy.lockoutSeconds * 1000);
}

/** The code was right: the device's failures are forgotten, as a successful sign-in forgets a user's. */
export async function mfaAttemptSucceeded(store: StoreContext, attempt: MfaAttempt): Promise<void> {
  const buckets = Array.from(
    { length: attempt.bucket - attempt.firstBucket + 1 },
    (_, i) => attempt.firstBucket + i,
  );
  await clearSignInThrottle(store, 'MFA', attempt.deviceHash, buckets);
}
