/**
 * What sign-in needs from the outside: the store, the secret box (signing keys and MFA seeds), the
 * deployment's issuer and audience, a clock, and its tunables (token lifetimes, key rotation age,
 * throttling thresholds, how long attempts are kept).
 */

import { CURRENT_SCRYPT_PARAMETERS, type ScryptParameters, type SecretBox } from '@palisade/credentials';
import { DEFAULT_FAILURE_LOCKOUT } from '@palisade/iam';
import type { AccessRecorder } from '@palisade/principals';
import type { StoreContext } from '@palisade/store';

/** Brute-force limits: failures per identity and per source within a window, and the lockout. */
export interface SignInThrottleSettings {
  /** Failed attempts for one account + user name within the window that lock it. */
  readonly failuresPerUser: number;
  /** Failed attempts from one source IP within the window that lock it. */
  readonly failuresPerSource: number;
  readonly windowSeconds: number;
  readonly lockoutSeconds: number;
}

/** Sign-in's dependencies and settings. */
export interface SignInContext {
  readonly store: StoreContext;
  readonly secrets: SecretBox;
  readonly partition: string;
  readonly now: () => Date;
  /** `iss` of access tokens (config PALISADE_ISSUER). */
  readonly issuer: string;
  /** `aud` of access tokens. */
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  /** A session's absolute lifetime: refresh tokens stop working after it. */
  readonly sessionTtlSeconds: number;
  /** The current signing key is replaced once it is older than this. */
  readonly signingKeyRotationSeconds: number;
  readonly throttle: SignInThrottleSettings;
  /** Days a sign-in attempt record is kept (TTL). */
  readonly attemptRetentionDays: number;
  /** The scrypt cost of new password hashes and of the stand-in check for unknown users. */
  readonly passwordHashing: ScryptParameters;
  /** Records users' password sign-ins (PasswordLastUsed); absent: not recorded. */
  readonly accessRecorder?: AccessRecorder;
}

/** Defaults: 15-minute access tokens, 12-hour sessions, daily key rotation, 5 failures / 15 min, OWASP scrypt. */
export const defaultSignInSettings = {
  audience: 'palisade',
  accessTokenTtlSeconds: 900,
  sessionTtlSeconds: 12 * 3600,
  signingKeyRotationSeconds: 24 * 3600,
  // The same lockout MFA devices have (iam's mfa-throttle), whichever interface checks their codes.
  throttle: {
    failuresPerUser: DEFAULT_FAILURE_LOCKOUT.failures,
    failuresPerSource: 50,
    windowSeconds: DEFAULT_FAILURE_LOCKOUT.windowSeconds,
    lockoutSeconds: DEFAULT_FAILURE_LOCKOUT.lockoutSeconds,
  },
  attemptRetentionDays: 90,
  passwordHashing: CURRENT_SCRYPT_PARAMETERS,
} satisfies Partial<SignInContext>;
