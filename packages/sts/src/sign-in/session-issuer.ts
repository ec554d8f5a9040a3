/**
 * Sign-in sessions: a session item per refresh-token family, a short-lived access JWT naming it
 * (`sid`), and rotation: each refresh token works once; presenting one that was already rotated
 * (or two requests racing with the same one) revokes the whole session, since only a thief or a
 * replay holds an old token. Sign-out revokes the session its access token names.
 */
import { generateRefreshToken, readRefreshTokenFamily, refreshTokenMatches } from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import { signInSessionStands } from '@palisade/principals';
import {
  type CredentialOwnerKey,
  getAccount,
  getLoginProfile,
  getPrincipalById,
  getSignInSession,
  putNewSignInSession,
  revokeSignInSession,
  rotateSessionRefreshHash,
  type SignInSessionRecord,
} from '@palisade/store';
import type { SignInContext } from './sign-in-context.ts';
import type { SigningKeyring } from './signing-keyring.ts';

/** What a successful sign-in or refresh answers. */
export interface SessionTokens {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly passwordResetRequired: boolean;
}

/** Who signed in and how, for a new session. */
export interface SessionSubject {
  readonly accountId: string;
  readonly owner: CredentialOwnerKey;
  readonly principalArn: string;
  readonly principalId: string;
  readonly authTime: Date;
  readonly mfa: boolean;
  readonly passwordResetRequired: boolean;
  /** The login profile's sign-in generation the password was checked against. */
  readonly profileGeneration?: string;
}

/** Session operations. */
export interface SessionIssuer {
  open(subject: SessionSubject, now: Date): Promise<Result<SessionTokens>>;
  refresh(refreshToken: string, now: Date): Promise<Result<SessionTokens>>;
  signOut(accessToken: string, now: Date): Promise<Result<void>>;
}

const invalidRefresh = () =>
  fail('credentials.invalid-token', 'The refresh token is invalid or has been revoked.');

/** Builds the session operations over the store and the keyring. */
export function createSessionIssuer(context: SignInContext, keyring: SigningKeyring): SessionIssuer {
  async function tokensFor(session: SignInSessionRecord, refreshToken: string, now: Date) {
    const signed = await keyring.sign(
      {
        principalArn: session.principalArn,
        accountId: session.accountId,
        sessionId: session.sessionId,
        authTime: new Date(session.authTime),
        amr: session.amr,
        mfa: session.mfa,
      },
      now,
    );
    if (!signed.ok) return signed;
    return ok({
      accessToken: signed.value.token,
      tokenType: 'Bearer' as const,
      expiresIn: Math.max(0, Math.round((signed.value.expiresAt.getTime() - now.getTime()) / 1000)),
      refreshToken,
      passwordResetRequired: session.passwordResetRequired,
    });
  }

  /**
   * The session's principal is still the one that signed in, in an active account, and its login
   * profile still stands behind the session (no password change or deletion since).
   */
  async function stillValid(session: SignInSessionRecord, now: Date): Promise<boolean> {
    const [account, user, profile] = await Promise.all([
      getAccount(context.store, session.accountId),
      session.owner.kind === 'user'
        ? getPrincipalById(context.store, session.accountId, 'user', session.owner.userId)
        : undefined,
      getLoginProfile(context.store, session.accountId, session.owner),
    ]);
    if (account?.status !== 'active') return false;
    if (!signInSessionStands(session, profile, now)) return false;
    // The owner is keyed by id: a renamed user (another ARN) no longer stands behind the session.
    return (
      session.owner.kind === 'root' ||
      (user?.id === session.principalId && user.arn === session.principalArn && user.active !== false)
    );
  }

  return {
    async open(subject, now) {
      const refresh = generateRefreshToken();
      const session: SignInSessionRecord = {
        sessionId: refresh.familyId,
        accountId: subject.accountId,
        owner: subject.owner,
        principalArn: subject.principalArn,
        principalId: subject.principalId,
        authTime: subject.authTime.toISOString(),
        mfa: subject.mfa,
        amr: subject.mfa ? ['pwd', 'otp', 'mfa'] : ['pwd'],
        passwordResetRequired: subject.passwordResetRequired,
        ...(subject.profileGeneration !== undefined ? { profileGeneration: subject.profileGeneration } : {}),
        refreshHash: refresh.hash,
        status: 'active',
        createdAt: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + context.sessionTtlSeconds,
      };
      await putNewSignInSession(context.store, session);
      return tokensFor(session, refresh.token, now);
    },

    async refresh(refreshToken, now) {
      const family = readRefreshTokenFamily(refreshToken);
      if (!family.ok) return invalidRefresh();
      const session = await getSignInSession(context.store, family.value);
      if (session?.status !== 'active' || session.expiresAt * 1000 <= now.getTime()) {
        return invalidRefresh();
      }
      if (!refreshTokenMatches(refreshToken, session.refreshHash)) {
        // INVARIANT: a rotated refresh token presented again revokes its whole family.
        await revokeSignInSession(context.store, session.sessionId, 'refresh-token-reuse', now.toISOString());
        return invalidRefresh();
      }
      const next = generateRefreshToken(session.sessionId);
      const rotated = await rotateSessionRefreshHash(
        context.store,
        session.sessionId,
        session.refreshHash,
        next.hash,
        now.toISOString(),
      );
      if (!rotated) {
        // Another request rotated this same token at the same moment: one of them is a replay.
        await revokeSignInSession(context.store, session.sessionId, 'refresh-token-reuse', now.toISOString());
        return invalidRefresh();
      }
      if (!(await stillValid(session, now))) {
        await revokeSignInSession(context.store, session.sessionId, 'principal-gone', now.toISOString());
        return invalidRefresh();
      }
      return tokensFor(session, next.token, now);
    },

    async signOut(accessToken, now) {
      const claims = await keyring.verify(accessToken, now);
      if (!claims.ok) return claims;
      const session = await getSignInSession(context.store, claims.value.sid);
      if (
        !session ||
        session.accountId !== claims.value.account ||
        session.principalArn !== claims.value.sub
      ) {
        return fail('credentials.invalid-token', 'The session token is invalid.');
      }
      await revokeSignInSession(context.store, session.sessionId, 'sign-out', now.toISOString());
      return ok(undefined);
    },
  };
}
