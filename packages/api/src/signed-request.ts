/**
 * The request exactly as the client signed it: raw target, headers with repeated values kept
 * apart, and the body read once, within a size limit. SigV4 verification needs all three
 * unaltered, whether the app runs on Node or behind API Gateway.
 */
import type { ReceivedRequest } from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import type { Caller } from '@palisade/iam';
import type { Context } from 'hono';
import { peerAddressOf } from './client-address.ts';

/** A signed request read off the wire. */
export interface SignedRequest {
  readonly received: ReceivedRequest;
  readonly bodyText: string;
  readonly sourceIp?: string;
}

/** Authenticates a signed request for a pinned scope service (`iam`, `sts`, `palisade`). */
export type Authenticate = (
  request: ReceivedRequest,
  service: string,
  origin: { readonly sourceIp?: string },
) => Promise<Result<{ readonly caller: Caller }>>;

/** The largest body any API accepts: a 131,072-character policy URL-encoded, with room to spare. */
export const MAX_BODY_BYTES = 1024 * 1024;

interface NodeBindings {
  incoming?: {
    url?: string;
    headersDistinct?: Record<string, string[] | undefined>;
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads the request once: raw target, distinct headers, body bytes (refused past `maxBytes`). */
export async function readSignedRequest(
  c: Context,
  maxBytes = MAX_BODY_BYTES,
): Promise<Result<SignedRequest>> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) return fail('request.invalid', `Request body larger than ${maxBytes} bytes.`);
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.byteLength > maxBytes)
    return fail('request.invalid', `Request body larger than ${maxBytes} bytes.`);
  let bodyText: string;
  try {
    bodyText = strictUtf8.decode(body);
  } catch {
    return fail('request.malformed-body', 'The request body is not valid UTF-8.');
  }
  const node = (c.env ?? {}) as NodeBindings;
  const url = new URL(c.req.url);
  const headers: Record<string, string | readonly string[]> = {};
  if (node.incoming?.headersDistinct) {
    for (const [name, values] of Object.entries(node.incoming.headersDistinct)) {
      if (values) headers[name] = values.length === 1 ? (values[0] as string) : values;
    }
  } else {
    c.req.raw.headers.forEach((value, name) => {
      headers[name] = value;
    });
  }
  // The platform app's clientAddress middleware decides (trusted proxy header); apps without it use the peer.
  const sourceIp = c.get('clientAddress') ?? peerAddressOf(c.env);
  return ok({
    received: {
      method: c.req.method,
      // Node gives the target as sent; elsewhere the URL's path and query are the closest form.
      url: node.incoming?.url ?? `${url.pathname}${url.search}`,
      headers,
      body,
    },
    bodyText,
    ...(sourceIp ? { sourceIp } : {}),
  });
}
