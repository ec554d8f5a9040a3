/**
 * Picks how a request proves who it is from its `Authorization` header: `Bearer <access JWT>` goes
 * to sign-in session authentication, anything else (SigV4 header or presigned query) to signature
 * verification. One `Authenticate` for every interface, so REST and Query routes accept both.
 */
import type { ReceivedRequest } from '@palisade/credentials';
import { fail, type Result } from '@palisade/failures';
import { bearerTokenOf, type Caller, type RequestOrigin } from '@palisade/principals';
import type { Authenticate, AuthenticateOverlapped } from './signed-request.ts';

/** Authenticates a sign-in session's access token. */
export type AuthenticateBearer = (
  token: string,
  origin: RequestOrigin,
) => Promise<Result<{ readonly caller: Caller }>>;

/** The Authorization header of a received request; undefined when absent, an array when repeated. */
function authorizationOf(request: ReceivedRequest): string | readonly string[] | undefined {
  // for…in, not Object.entries: no array of entries built on every request (header records are
  // null-prototype or plain objects, so nothing inherited is enumerated).
  const headers = request.headers;
  for (const name in headers) {
    if (name.toLowerCase() === 'authorization') return headers[name];
  }
  return undefined;
}

/** An Authenticate (or AuthenticateOverlapped) that dispatches on the Authorization scheme. */
export function authenticateByScheme<A extends Authenticate | AuthenticateOverlapped>(
  signed: A,
  bearer: AuthenticateBearer,
): A {
  // The answer is whatever `signed` answers (a pending confirmation included) or the bearer's caller.
  const authenticate: AuthenticateOverlapped = async function authenticate(request, service, origin) {
    const header = authorizationOf(request);
    if (typeof header !== 'string') {
      // INVARIANT: two Authorization headers are ambiguous; refuse rather than pick one.
      if (header !== undefined) return fail('credentials.invalid-token', 'Send one Authorization header.');
      return signed(request, service, origin);
    }
    if (!/^bearer\s/i.test(header.trim())) return signed(request, service, origin);
    const token = bearerTokenOf(header);
    if (!token) return fail('credentials.invalid-token', 'The session token is invalid.');
    return bearer(token, origin);
  };
  return authenticate as A;
}
