/**
 * Warm memory of the sessions behind access tokens in decision requests. A SaaS backend asks
 * about the same end user's token on every request; verifying it in full costs the session,
 * account, login-profile and policy reads each time. A verified token is trusted for the
 * decisions' freshness window (and never past its own expiry), then verified again: a sign-out,
 * revocation or suspension reaches token decisions within the same bound as every other change.
 * Failures are not remembered, so a token that failed once is checked afresh next time.
 */
import { ok, type Result } from '@palisade/failures';
import { authenticateBearerToken, type BearerAuthenticationContext } from '@palisade/principals';
import type { ResolveToken, TokenSession } from './asking.ts';

interface Remembered {
  readonly session: TokenSession;
  readonly checkedAt: number;
}

/** Options: the full resolver, the window (ms), a clock, and how many tokens to remember. */
export interface TokenSessionCacheOptions {
  readonly resolve: ResolveToken;
  readonly revalidateAfterMs: number;
  readonly now: () => Date;
  readonly maxEntries?: number;
}

/** A ResolveToken that remembers successful resolutions for the window. */
export function cachedTokenResolver(options: TokenSessionCacheOptions): ResolveToken {
  const entries = new Map<string, Remembered>();
  const inFlight = new Map<string, Promise<Result<TokenSession>>>();
  const maxEntries = options.maxEntries ?? 10_000;
  return async (token) => {
    const now = options.now().getTime();
    const entry = entries.get(token);
    if (entry) {
      // INVARIANT: never past the token's own expiry, whatever the window says.
      const fresh = now - entry.checkedAt < options.revalidateAfterMs && now < entry.session.expiresAt * 1000;
      if (fresh) return ok(entry.session);
      entries.delete(token);
    }
    const running = inFlight.get(token);
    if (running) return running;
    const resolving = options.resolve(token);
    inFlight.set(token, resolving);
    try {
      const resolved = await resolving;
      if (resolved.ok) {
        entries.set(token, { session: resolved.value, checkedAt: now });
        if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      }
      return resolved;
    } finally {
      inFlight.delete(token);
    }
  };
}

/**
 * Resolves a decision request's access token to the sign-in session it stands for, checked
 * exactly as a Bearer caller is (signature, claims, session still active, account active), then
 * remembered for the decisions' freshness window.
 */
export function accessTokenResolver(
  context: BearerAuthenticationContext & { readonly revalidateAfterMs: number },
): ResolveToken {
  const resolve: ResolveToken = async (token) => {
    const session = await authenticateBearerToken(context, token, {});
    if (!session.ok) return session;
    const { claims } = session.value;
    return ok({
      principalArn: claims.sub,
      accountId: claims.account,
      mfa: claims.mfa,
      authTime: claims.auth_time,
      sessionId: claims.sid,
      expiresAt: claims.exp,
    });
  };
  return cachedTokenResolver({ resolve, revalidateAfterMs: context.revalidateAfterMs, now: context.now });
}
