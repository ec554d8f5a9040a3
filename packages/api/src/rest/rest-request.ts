/**
 * The first steps of every REST route: read the signed request once, authenticate it for the
 * `palisade` scope service, and parse its JSON body.
 */
import { fail, ok, type Result } from '@palisade/failures';
import type { Caller } from '@palisade/principals';
import type { Context } from 'hono';
import { parseJsonBody } from '../json-body.ts';
import { type Authenticate, readSignedRequest } from '../signed-request.ts';
import { isPlainObject } from './json-shapes.ts';

/** The scope service REST requests are signed for (`--aws-sigv4 "aws:amz:<region>:palisade"`). */
export const REST_SIGNING_SERVICE = 'palisade';

/** An authenticated REST request: who calls, and the body text read while verifying. */
export interface AuthenticatedRequest {
  readonly caller: Caller;
  readonly bodyText: string;
}

/** Reads the request once and authenticates it; the body is never read again. */
export async function authenticateRequest(
  c: Context,
  authenticate: Authenticate,
): Promise<Result<AuthenticatedRequest>> {
  const read = await readSignedRequest(c);
  if (!read.ok) return read;
  const { received, bodyText, origin } = read.value;
  const authenticated = await authenticate(received, REST_SIGNING_SERVICE, origin);
  if (!authenticated.ok) return authenticated;
  return ok({ caller: authenticated.value.caller, bodyText });
}

/** Parses a JSON object body; an empty body is `{}`. */
export function parseJsonObject(bodyText: string): Result<Record<string, unknown>> {
  const parsed = parseJsonBody(bodyText);
  if (!parsed.ok) return parsed;
  return isPlainObject(parsed.value)
    ? ok(parsed.value)
    : fail('request.invalid', 'The request body must be a JSON object.');
}

/** Refuses fields a route does not know, naming the ones it does (catches typos early). */
export function unknownFieldFailure(body: Record<string, unknown>, known: readonly string[]) {
  const unknown = Object.keys(body).filter((field) => !known.includes(field));
  if (unknown.length === 0) return undefined;
  const accepted = known.length ? `accepted fields: ${known.join(', ')}` : 'this route takes no fields';
  return fail(
    'request.invalid',
    `Unknown field${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; ${accepted}.`,
  );
}
