/**
 * The account password policy, with AWS IAM's fields (UpdateAccountPasswordPolicy): length and
 * character classes are checked here; age, reuse and expiry need history and belong to the
 * service that stores it.
 */
import { fail, ok, type Result } from '@palisade/failures';

/** The password-content rules of an account password policy (AWS field names in camelCase). */
export interface PasswordPolicy {
  /** 6..128; AWS's default is 8. */
  readonly minimumPasswordLength: number;
  readonly requireSymbols: boolean;
  readonly requireNumbers: boolean;
  readonly requireUppercaseCharacters: boolean;
  readonly requireLowercaseCharacters: boolean;
}

/** AWS's policy when an account has set none: at least 8 characters, no class requirements. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  minimumPasswordLength: 8,
  requireSymbols: false,
  requireNumbers: false,
  requireUppercaseCharacters: false,
  requireLowercaseCharacters: false,
};

/** AWS's upper bound for a password and for MinimumPasswordLength. */
export const MAX_PASSWORD_LENGTH = 128;

/** The non-alphanumeric characters AWS counts as symbols: ! @ # $ % ^ & * ( ) _ + - = [ ] { } | ' */
const SYMBOLS = /[!@#$%^&*()_+\-=[\]{}|']/;

/** Checks the policy's own fields, as UpdateAccountPasswordPolicy does (`request.invalid`). */
export function validatePasswordPolicy(policy: PasswordPolicy): Result<PasswordPolicy> {
  const length = policy.minimumPasswordLength;
  if (!Number.isInteger(length) || length < 6 || length > MAX_PASSWORD_LENGTH) {
    return fail(
      'request.invalid',
      `MinimumPasswordLength must be an integer from 6 to ${MAX_PASSWORD_LENGTH}.`,
    );
  }
  return ok(policy);
}

/**
 * Checks a new password against the policy and the user's name. `credentials.password-policy`
 * with every unmet rule in the message (never the password itself).
 */
export function checkPasswordPolicy(
  password: string,
  policy: PasswordPolicy,
  userName: string,
): Result<void> {
  // Count code points, not UTF-16 units, so "é" or an emoji is one character as the user sees it.
  const length = [...password].length;
  const unmet: string[] = [];
  if (length < policy.minimumPasswordLength)
    unmet.push(`at least ${policy.minimumPasswordLength} characters`);
  if (length > MAX_PASSWORD_LENGTH) unmet.push(`at most ${MAX_PASSWORD_LENGTH} characters`);
  if (policy.requireUppercaseCharacters && !/[A-Z]/.test(password)) unmet.push('an uppercase letter (A-Z)');
  if (policy.requireLowercaseCharacters && !/[a-z]/.test(password)) unmet.push('a lowercase letter (a-z)');
  if (policy.requireNumbers && !/[0-9]/.test(password)) unmet.push('a number (0-9)');
  if (policy.requireSymbols && !SYMBOLS.test(password))
    unmet.push("a symbol (! @ # $ % ^ & * ( ) _ + - = [ ] { } | ')");
  if (userName !== '' && password.toLowerCase() === userName.toLowerCase())
    unmet.push('to differ from the user name');
  if (unmet.length === 0) return ok(undefined);
  return fail(
    'credentials.password-policy',
    `Password does not conform to the account password policy. It needs ${unmet.join('; ')}.`,
  );
}
