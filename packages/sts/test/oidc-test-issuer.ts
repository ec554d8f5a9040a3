/**
 * A loopback OpenID Connect issuer for the verifier's tests, on plain node:http so that a test can
 * replace what any path answers (redirects, endless bodies, silence) and count what was fetched.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

/** What a path answers. */
export type Route = (request: IncomingMessage, response: ServerResponse) => void;

/** A running issuer: its URL (the `iss` of its tokens), what it served, a signer, a way to stop it. */
export interface TestIssuer {
  readonly url: string;
  /** Requests received, by path. */
  readonly hits: Map<string, number>;
  /** TCP connections accepted (a refused fetch opens none). */
  connections(): number;
  /** Replaces what `path` answers. */
  route(path: string, answer: Route): void;
  /** Signs an RS256 token with the published key: `iss` is the issuer unless given, no `exp` unless given. */
  sign(claims: JWTPayload, kid?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts an issuer on 127.0.0.1 with a random port, publishing one RS256 key as `kid` `k1`. */
export async function startTestIssuer(): Promise<TestIssuer> {
  const pair = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const hits = new Map<string, number>();
  const routes = new Map<string, Route>();
  let url = '';
  const json =
    (body: unknown): Route =>
    (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const answer = routes.get(path);
    if (answer) return answer(request, response);
    response.writeHead(404).end();
  });
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes.set('/.well-known/openid-configuration', json({ issuer: url, jwks_uri: `${url}/jwks` }));
  routes.set('/jwks', json({ keys: [jwk] }));
  return {
    url,
    hits,
    connections: () => connections,
    route: (path, answer) => routes.set(path, answer),
    sign: (claims, kid = 'k1') =>
      new SignJWT({ iss: url, ...claims }).setProtectedHeader({ alg: 'RS256', kid }).sign(pair.privateKey),
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
