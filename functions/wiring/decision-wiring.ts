/**
 * The decision service as both the full API and the authorize function build it: `"token"`
 * questions are about the sign-in session behind an access JWT, checked exactly as a Bearer
 * caller is (signature, claims, session still active, account active), then remembered for the
 * decisions' freshness window.
 */
import type { DecisionServices, LogSink } from '@palisade/api';
import { cachedTokenResolver, type DecisionService, type ResolveToken } from '@palisade/decisions';
import { ok } from '@palisade/failures';
import { type BearerAuthentication, DECISION_FRESHNESS_MS } from './authentication.ts';

/** Resolves an access JWT in a decision request to the session it stands for. */
export function tokenResolver(authenticateBearer: BearerAuthentication, now: () => Date): ResolveToken {
  const resolve: ResolveToken = async (token) => {
    const session = await authenticateBearer(token, {});
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
  return cachedTokenResolver({ resolve, revalidateAfterMs: DECISION_FRESHNESS_MS, now });
}

/** The two question routes (`/v1/authorize`, `/v1/authorize/batch`) over the decision service. */
export function decisionQuestions(
  service: DecisionService,
): Pick<DecisionServices, 'authorize' | 'authorizeBatch'> {
  return {
    authorize: (caller, { body, requestId }) => service.authorize(caller, body, requestId),
    authorizeBatch: (caller, { body, requestId }) => service.authorizeBatch(caller, body, requestId),
  };
}

/** Logs the internal error behind a `platform-unavailable` deny, whose answer carries only the request id. */
export function storeErrorReporter(log: LogSink): (error: unknown, requestId: string) => void {
  return (error, requestId) =>
    log({
      level: 'error',
      msg: 'decision store unavailable',
      requestId,
      error: describeError(error),
    });
}

/** An error for the operator's log: name and message, and those of its cause (what DynamoDB said). */
function describeError(error: unknown): Record<string, unknown> | string {
  if (!(error instanceof Error)) return String(error);
  return {
    name: error.name,
    message: error.message,
    ...(error.cause !== undefined ? { cause: describeError(error.cause) } : {}),
  };
}
