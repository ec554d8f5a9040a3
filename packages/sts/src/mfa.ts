/**
 * MFA in STS requests: SerialNumber and TokenCode come together, the device must be the calling
 * user's (or root's) own, and a verified code puts `aws:MultiFactorAuthPresent` and
 * `aws:MultiFactorAuthAge` into the decision.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { type Caller, callerFacts } from '@palisade/principals';
import type { MfaOwner, StsContext } from './sts-context.ts';

/** Verifies the MFA code of a request for the caller's own device; returns the authentication time. */
export async function verifyRequestMfa(
  context: StsContext,
  caller: Caller,
  serialNumber: string | undefined,
  tokenCode: string | undefined,
  now: Date,
): Promise<Result<Date>> {
  if (serialNumber === undefined || tokenCode === undefined) {
    return fail(
      'credentials.invalid-mfa',
      'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.',
    );
  }
  let owner: MfaOwner;
  const userId = callerFacts(caller)?.userId;
  if (caller.kind === 'root') owner = { kind: 'root' };
  // MFA devices are owned by the user's immutable id (the caller's AWS UserId, AIDA…).
  else if (caller.kind === 'user' && userId !== undefined) owner = { kind: 'user', userId };
  // Role sessions have no MFA devices of their own.
  else
    return fail(
      'credentials.invalid-mfa',
      'MultiFactorAuthentication failed with invalid MFA one time pass code.',
    );
  const verified = await context.verifyMfa({
    accountId: caller.accountId,
    owner,
    serialNumber,
    tokenCode,
    now,
  });
  // A locked device answers alike for right and wrong codes; say so rather than "invalid".
  if (!verified.ok && verified.code === 'credentials.throttled') return verified;
  if (!verified.ok) {
    return fail(
      'credentials.invalid-mfa',
      'MultiFactorAuthentication failed with invalid MFA one time pass code.',
    );
  }
  return ok(verified.value.authTime);
}

/** The MFA context keys for a decision (absent when MFA was never used, as for long-term keys). */
export function mfaContext(authenticatedAt: string | undefined, now: Date): Record<string, string> {
  if (authenticatedAt === undefined) return {};
  const age = Math.max(0, Math.floor((now.getTime() - Date.parse(authenticatedAt)) / 1000));
  return { 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': String(age) };
}
