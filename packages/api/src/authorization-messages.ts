/**
 * The encoded authorization message of AccessDenied answers (issue #15): the interfaces append the
 * denial's facts, sealed by the sealer the platform app provides, to the message of every
 * AccessDenied that carries them, as AWS does ("Encoded authorization failure message: …").
 */
import type { DeniedRequest, Failure } from '@palisade/failures';
import type { Context, MiddlewareHandler } from 'hono';

/** Seals a denial's facts (only DecodeAuthorizationMessage opens them); undefined: nothing to append. */
export type SealAuthorizationMessage = (denied: DeniedRequest) => string | undefined;

declare module 'hono' {
  interface ContextVariableMap {
    sealAuthorizationMessage?: SealAuthorizationMessage;
  }
}

/** Makes `seal` available to the error responses of the request. */
export function authorizationMessages(seal: SealAuthorizationMessage): MiddlewareHandler {
  // Not async: nothing to do after the request (see clientAddress).
  return function authorizationMessages(c, next) {
    c.set('sealAuthorizationMessage', seal);
    return next();
  };
}

/** A failure's message, with the encoded authorization message appended when it is a denial that has one. */
export function messageWithAuthorization(
  c: Context,
  failure: Pick<Failure, 'code' | 'message' | 'authorization'>,
): string {
  const seal = c.get('sealAuthorizationMessage');
  if (failure.code !== 'access.denied' || failure.authorization === undefined || !seal)
    return failure.message;
  let encoded: string | undefined;
  try {
    encoded = seal(failure.authorization);
  } catch {
    // The denial stands without its encoded message; the sealer's trouble is not the caller's.
    return failure.message;
  }
  return encoded ? `${failure.message} Encoded authorization failure message: ${encoded}` : failure.message;
}
