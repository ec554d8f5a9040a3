/**
 * The decision service as both the full API and the authorize function build it: `"token"`
 * questions are about the sign-in session behind an access JWT, checked exactly as a Bearer
 * caller is (signature, claims, session still active, account active).
 */
import type { ResolveToken } from '@palisade/decisions';
import { ok } from '@palisade/failures';
import type { BearerAuthentication } from './authentication.ts';

/** Resolves an access JWT in a decision request to the session it stands for. */
export function tokenResolver(authenticateBearer: BearerAuthentication): ResolveToken {
  return async (token) => {
    const session = await authenticateBearer(token, {});
    if (!session.ok) return session;
    const { claims } = session.value;
    return ok({
      principalArn: claims.sub,
      accountId: claims.account,
      mfa: claims.mfa,
      authTime: claims.auth_time,
      sessionId: claims.sid,
    });
  };
}
