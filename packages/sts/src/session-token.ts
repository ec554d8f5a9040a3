/**
 * GetSessionToken: temporary credentials for an IAM user or the root, with the same permissions as
 * the long-term keys that asked (plus MFA state when a code was given). Sessions cannot ask again,
 * and the root's sessions last at most an hour.
 */
import { fail, ok, type Result } from '@palisade/failures';
import {
  type Caller,
  callerFacts,
  operation,
  passwordResetDenial,
  signInBindingOf,
} from '@palisade/principals';
import { z } from 'zod';
import { verifyRequestMfa } from './mfa.ts';
import { issueSession, type TemporaryCredentials } from './session-credentials.ts';
import type { StsContext } from './sts-context.ts';
import { serialNumber, sessionTokenDurationSeconds, tokenCode } from './sts-inputs.ts';

/** Sessions of IAM users last 12 hours unless asked otherwise. */
export const DEFAULT_SESSION_TOKEN_SECONDS = 43200;
/** The root's sessions are capped at one hour (AWS shortens longer requests silently). */
export const ROOT_SESSION_TOKEN_LIMIT_SECONDS = 3600;

/** The GetSessionToken operation. */
export function getSessionTokenOperation(context: StsContext) {
  return operation(
    z.object({
      DurationSeconds: sessionTokenDurationSeconds.optional(),
      SerialNumber: serialNumber.optional(),
      TokenCode: tokenCode.optional(),
    }),
    async (caller, input) => {
      let mfaAuthenticatedAt: string | undefined;
      if (input.SerialNumber !== undefined || input.TokenCode !== undefined) {
        const verified = await verifyRequestMfa(
          context,
          caller,
          input.SerialNumber,
          input.TokenCode,
          context.now(),
        );
        if (!verified.ok) return verified;
        mfaAuthenticatedAt = verified.value.toISOString();
      }
      return issueSessionToken(context, caller, input.DurationSeconds, mfaAuthenticatedAt);
    },
  );
}

/**
 * GetSessionToken's credentials for a caller whose MFA was proven another way: a sign-in session
 * that used MFA hands it on to the CLI keys it asks for (`POST /v1/sign-in/credentials`), as the
 * AWS console's MFA carries into the sessions it starts. Only the wiring calls this, with what
 * the verified access token says; no request member can claim MFA.
 */
export function sessionTokenForSignIn(
  context: StsContext,
  caller: Caller,
  options: { readonly durationSeconds: number; readonly mfaAuthenticatedAt?: Date },
): Promise<Result<{ Credentials: TemporaryCredentials }>> {
  return issueSessionToken(
    context,
    caller,
    options.durationSeconds,
    options.mfaAuthenticatedAt?.toISOString(),
  );
}

/** The claims of a verified sign-in access token that its CLI keys carry on. */
export type VerifyAccessToken = (
  token: string,
  at: Date,
) => Promise<Result<{ readonly mfa: boolean; readonly auth_time: number }>>;

/** CLI keys for a signed-in session, as `POST /v1/sign-in/credentials` answers them. */
export interface SignInCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: string;
}

/**
 * CLI keys for a signed-in session: GetSessionToken as the session's caller, for an hour, carrying
 * the sign-in's MFA (its time is the token's `auth_time`) as the console's keys do.
 */
export function signInCredentialIssuer(
  context: StsContext,
  verifyAccessToken: VerifyAccessToken,
): (accessToken: string, caller: Caller) => Promise<Result<SignInCredentials>> {
  return async (accessToken, caller) => {
    const claims = await verifyAccessToken(accessToken, context.now());
    if (!claims.ok) return claims;
    const minted = await sessionTokenForSignIn(context, caller, {
      durationSeconds: 3600,
      ...(claims.value.mfa ? { mfaAuthenticatedAt: new Date(claims.value.auth_time * 1000) } : {}),
    });
    if (!minted.ok) return minted;
    const { Credentials } = minted.value;
    return ok({
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
      expiration: Credentials.Expiration.toISOString(),
    });
  };
}

async function issueSessionToken(
  context: StsContext,
  caller: Caller,
  durationSeconds: number | undefined,
  mfaAuthenticatedAt: string | undefined,
): Promise<Result<{ Credentials: TemporaryCredentials }>> {
  const facts = callerFacts(caller);
  if (!facts || (caller.kind !== 'user' && caller.kind !== 'root')) {
    return fail('access.denied', 'GetSessionToken is available to IAM users and the root user only.');
  }
  if (facts.session) return fail('access.denied', 'Cannot call GetSessionToken with session credentials');
  if (facts.passwordResetRequired) return passwordResetDenial(caller, 'sts:GetSessionToken');
  const binding = signInBindingOf(facts);
  const now = context.now();
  let duration = durationSeconds ?? DEFAULT_SESSION_TOKEN_SECONDS;
  if (caller.kind === 'root') duration = Math.min(duration, ROOT_SESSION_TOKEN_LIMIT_SECONDS);
  const issued = await issueSession(
    context,
    {
      accountId: caller.accountId,
      subject:
        caller.kind === 'root'
          ? { kind: 'root' }
          : { kind: 'user', userName: caller.userName ?? '', userId: facts.userId },
      sessionPolicies: [],
      tags: [],
      transitiveTagKeys: [],
      ...(mfaAuthenticatedAt !== undefined ? { mfaAuthenticatedAt } : {}),
      chained: false,
      ...(binding ? { signInSession: binding } : {}),
    },
    duration,
    now,
  );
  return issued.ok ? ok({ Credentials: issued.value.credentials }) : issued;
}
