/**
 * Test support: signs requests the way AWS clients do, with @smithy/signature-v4, and turns the
 * result into the ReceivedRequest a server would see.
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ReceivedRequest } from '../../src/index.ts';

/** Credentials a test client signs with. */
export interface ClientCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** What a test client sends before signing. */
export interface ClientRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string | string[]>;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** Signing parameters of a test client. */
export interface ClientSigning {
  readonly credentials: ClientCredentials;
  readonly service: string;
  readonly region: string;
  readonly date: Date;
  /** Add x-amz-content-sha256 as SDK v3 does. */
  readonly applyChecksum?: boolean;
  /** Presign with this X-Amz-Expires instead of signing the Authorization header. */
  readonly presignExpiresIn?: number;
  /** Headers added after signing (sent but not signed), as the CLI and proxies do. */
  readonly unsignedHeaders?: Record<string, string>;
}

function escapeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Serialises a query the way smithy clients put it on the wire. */
export function serializeQuery(query: Record<string, string | string[] | null | undefined>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value])
      parts.push(`${escapeRfc3986(name)}=${escapeRfc3986(v)}`);
  }
  return parts.join('&');
}

/** Signs `request` as a client would and returns what the server receives. */
export async function signAsClient(request: ClientRequest, signing: ClientSigning): Promise<ReceivedRequest> {
  const signer = new SignatureV4({
    credentials: signing.credentials,
    region: signing.region,
    service: signing.service,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: signing.applyChecksum ?? false,
  });
  const body = new TextEncoder().encode(request.body ?? '');
  const unsigned = new HttpRequest({
    method: request.method,
    protocol: 'https:',
    hostname: request.headers.host ?? 'localhost',
    path: request.path,
    query: { ...(request.query ?? {}) },
    headers: { ...request.headers },
    body,
  });
  const signed =
    signing.presignExpiresIn === undefined
      ? await signer.sign(unsigned, { signingDate: signing.date })
      : await signer.presign(unsigned, { signingDate: signing.date, expiresIn: signing.presignExpiresIn });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...signed.headers, ...(signing.unsignedHeaders ?? {}) })) {
    headers[name.toLowerCase()] = value;
  }
  const query = serializeQuery(signed.query ?? {});
  return { method: signed.method, url: query ? `${signed.path}?${query}` : signed.path, headers, body };
}
