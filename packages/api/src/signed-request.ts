/**
 * The request exactly as the client signed it: raw target, headers with repeated values kept
 * apart, and the body read once, within a size limit. SigV4 verification needs all three
 * unaltered, whether the app runs on Node or behind API Gateway.
 */
import type { ReceivedRequest } from '@palisade/credentials';
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import type { Caller, OverlappedCaller, RequestOrigin } from '@palisade/principals';
import type { Context } from 'hono';
import { peerAddressOf } from './client-address.ts';

/** A signed request read off the wire. */
export interface SignedRequest {
  readonly received: ReceivedRequest;
  readonly bodyText: string;
  /** Where the request came from and how: source address, user agent, TLS. */
  readonly origin: RequestOrigin;
}

/** Authenticates a signed request for a pinned scope service (`iam`, `sts`, `palisade`). */
export type Authenticate = (
  request: ReceivedRequest,
  service: string,
  origin: RequestOrigin,
) => Promise<Result<{ readonly caller: Caller }>>;

/**
 * Like Authenticate, but a remembered credential may come back before it is confirmed: only for
 * consumers that run the operation through `runConfirmed` (@palisade/principals), which holds its writes
 * and its answer until then.
 */
export type AuthenticateOverlapped = (
  request: ReceivedRequest,
  service: string,
  origin: RequestOrigin,
) => Promise<Result<OverlappedCaller>>;

/** The longest user agent a request's origin keeps (`aws:UserAgent`, change records). */
export const MAX_USER_AGENT = 256;

/** The largest body any API accepts: a 131,072-character policy URL-encoded, with room to spare. */
export const MAX_BODY_BYTES = 1024 * 1024;

interface NodeBindings {
  incoming?: {
    url?: string;
    /** Header names and values as received, alternating. */
    rawHeaders?: readonly string[];
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads the request once: raw target, distinct headers, body bytes (refused past `maxBytes`). */
export async function readSignedRequest(
  c: Context,
  maxBytes = MAX_BODY_BYTES,
): Promise<Result<SignedRequest>> {
  const length = c.req.header('content-length');
  if (Number(length ?? '0') > maxBytes) return tooLarge(maxBytes);
  // A declared length bounds what the HTTP parser delivers, so the runtime's buffered read (on
  // Node, straight off the socket, no web stream) is safe; a chunked body is read up to the limit.
  const body =
    length !== undefined
      ? new Uint8Array(await c.req.raw.arrayBuffer())
      : await readBounded(c.req.raw, maxBytes);
  // INVARIANT: never more than the limit, whatever a header declared (a Lambda event's body is whole).
  if (body === undefined || body.byteLength > maxBytes) return tooLarge(maxBytes);
  let bodyText: string;
  try {
    bodyText = strictUtf8.decode(body);
  } catch {
    return fail('request.malformed-body', 'The request body is not valid UTF-8.');
  }
  const node = (c.env ?? {}) as NodeBindings;
  // Null prototype, as Node's own header objects: a header named `constructor` is just a header.
  const headers: Record<string, string | string[]> = Object.create(null);
  const rawHeaders = node.incoming?.rawHeaders;
  if (rawHeaders) {
    // One pass over the headers as received (name, value, name, value…), what Node's
    // headersDistinct would build first and this loop copy again: lowercased, repeats kept apart.
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as string).toLowerCase();
      const value = rawHeaders[i + 1] as string;
      const seen = headers[name];
      if (seen === undefined) headers[name] = value;
      else if (typeof seen === 'string') headers[name] = [seen, value];
      else seen.push(value);
    }
  } else {
    c.req.raw.headers.forEach((value, name) => {
      headers[name] = value;
    });
  }
  // The platform app's clientAddress middleware decides (trusted proxy headers); apps without it use
  // the peer and the URL's scheme.
  const sourceIp = c.get('clientAddress') ?? peerAddressOf(c.env);
  const userAgent = c.req.header('user-agent')?.slice(0, MAX_USER_AGENT);
  // Built field by field (in the order the spreads gave), not from spreads: every signed request runs this.
  const origin: { sourceIp?: string; userAgent?: string; secureTransport?: boolean } = {};
  if (sourceIp) origin.sourceIp = sourceIp;
  if (userAgent) origin.userAgent = userAgent;
  origin.secureTransport = c.get('secureTransport') ?? c.req.url.startsWith('https:');
  return ok({
    received: {
      method: c.req.method,
      // Node gives the target as sent; elsewhere the URL's path and query are the closest form.
      url: node.incoming?.url ?? targetOf(c.req.url),
      headers,
      body,
    },
    bodyText,
    origin,
  });
}

/** Path and query of an absolute URL: parsed only where the runtime does not hand over the raw target. */
function targetOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

function tooLarge(maxBytes: number): Failure {
  return fail('request.too-large', `Request body larger than ${maxBytes} bytes.`);
}

/**
 * The body's bytes, or undefined as soon as they pass `maxBytes`: a chunked body declares no
 * length, so the stream is read only up to the limit and then cancelled, never buffered whole.
 * (Hono's bodyLimit does the same, but answers outside the error table and re-wraps the request.)
 */
async function readBounded(request: Request, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}
