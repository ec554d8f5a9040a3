/**
 * Test support: JSON requests to a running platform, signed with SigV4 for scope service
 * `palisade` exactly as an AWS SDK would sign them (@smithy/signature-v4).
 */
import { request as httpRequest } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** Long-term or temporary credentials. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** For STS temporary credentials: sent as `x-amz-security-token`. */
  readonly sessionToken?: string;
}

/** A response: status and parsed JSON body (undefined when empty). */
export interface JsonResponse {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response members
  readonly body: any;
}

/** The headers an AWS SDK would send for one JSON request to `url` (SigV4, scope service `palisade`). */
export async function signJsonRequest(
  url: URL,
  credentials: Credentials,
  method: string,
  path: string,
  text: string,
  signingDate: Date = new Date(),
  signedHeaders: Readonly<Record<string, string>> = {},
): Promise<Record<string, string>> {
  const [pathname, search] = path.split('?') as [string, string | undefined];
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search ?? '')) query[k] = v;
  const signer = new SignatureV4({
    credentials,
    region: 'us-east-1',
    service: 'palisade',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: true,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: pathname,
      query,
      headers: { host: url.host, 'content-type': 'application/json', ...signedHeaders },
      body: text,
    }),
    { signingDate },
  );
  return signed.headers as Record<string, string>;
}

/** Signs and sends one JSON request to `baseUrl`. */
export async function signedJson(
  baseUrl: string,
  credentials: Credentials,
  method: string,
  path: string,
  body?: unknown,
  signingDate: Date = new Date(),
): Promise<JsonResponse> {
  const url = new URL(baseUrl);
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const headers = await signJsonRequest(url, credentials, method, path, text, signingDate);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, body: raw ? JSON.parse(raw) : undefined });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(text);
  });
}

/** A signed client bound to one platform and one set of credentials. */
export function clientFor(baseUrl: string, credentials: Credentials) {
  return {
    post: (path: string, body?: unknown) => signedJson(baseUrl, credentials, 'POST', path, body),
    put: (path: string, body?: unknown) => signedJson(baseUrl, credentials, 'PUT', path, body),
    get: (path: string) => signedJson(baseUrl, credentials, 'GET', path),
    delete: (path: string) => signedJson(baseUrl, credentials, 'DELETE', path),
  };
}
