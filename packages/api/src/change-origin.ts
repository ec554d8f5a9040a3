/**
 * The API side of change records: every operation that may change something runs inside a
 * `withChangeOrigin` scope naming the request (id, source, user agent), the interface, the
 * operation and the authenticated caller, so the store files each change under who made it.
 */
import { type Caller, type ChangeInterface, changePrincipalOf, withChangeOrigin } from '@palisade/principals';
import type { Context } from 'hono';
import { peerAddressOf } from './client-address.ts';
import { MAX_USER_AGENT } from './signed-request.ts';

const SIGNING_KEY_ID = /Credential=([A-Z0-9]{16,128})\//;

/** The access key id a SigV4 request names (header or presigned query); the request is already verified. */
function signingKeyIdOf(c: Context): string | undefined {
  const header = c.req.header('authorization') ?? '';
  const query = c.req.query('X-Amz-Credential');
  return SIGNING_KEY_ID.exec(header)?.[1] ?? SIGNING_KEY_ID.exec(`Credential=${query ?? ''}`)?.[1];
}

/**
 * Runs `run` as operation `operation` through `via`, by `caller` (absent before anyone is
 * authenticated: sign-in, web identity); every change it commits is recorded with that origin.
 */
export function runAsChange<T>(
  c: Context,
  via: ChangeInterface,
  operation: string,
  caller: Caller | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const sourceIp = c.get('clientAddress') ?? peerAddressOf(c.env);
  const userAgent = c.req.header('user-agent')?.slice(0, MAX_USER_AGENT);
  return withChangeOrigin(
    {
      via,
      operation,
      requestId: c.get('requestId'),
      ...(sourceIp ? { sourceIp } : {}),
      ...(userAgent ? { userAgent } : {}),
      principal: caller ? changePrincipalOf(caller, signingKeyIdOf(c)) : { type: 'anonymous' },
    },
    run,
  );
}
