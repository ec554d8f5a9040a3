import { Readable } from 'node:stream';
import type { OidcProviderRecord } from '@palisade/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPublicAddress, type ResolvedAddress } from '../src/idp-fetch.ts';
import { createWebIdentityVerifier, type WebIdentityVerifierOptions } from '../src/index.ts';
import { startTestIssuer, type TestIssuer } from './oidc-test-issuer.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
const epoch = Math.floor(NOW.getTime() / 1000);
const DISCOVERY = '/.well-known/openid-configuration';

/** The provider record of an issuer URL, registered with one client id. */
function providerOf(issuer: string): OidcProviderRecord {
  const providerId = issuer.replace(/^https?:\/\//, '');
  return {
    accountId: '200000000002',
    providerId,
    issuer,
    arn: `arn:aws:iam::200000000002:oidc-provider/${providerId}`,
    clientIds: ['app-1'],
    thumbprints: [],
    tags: [],
    createdAt: NOW.toISOString(),
    version: 1,
  };
}

/** A token naming `issuer`, signed by the test issuer's key. */
async function tokenFor(issuer: string, kid = 'k1'): Promise<string> {
  return idp.sign({ sub: 'user-1', aud: 'app-1', iat: epoch, exp: epoch + 300, iss: issuer }, kid);
}

/** A resolver that knows a few names, and remembers what it was asked. */
function resolverOf(names: Record<string, readonly string[]>) {
  const asked: string[] = [];
  const resolveHost = async (hostname: string): Promise<readonly ResolvedAddress[]> => {
    asked.push(hostname);
    const addresses = names[hostname];
    if (!addresses) throw new Error(`ENOTFOUND ${hostname}`);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { asked, resolveHost };
}

let idp: TestIssuer;
let clock: number;
const fixedClock = () => clock;
/** Each test of the verifier gets a fresh issuer and the pinned clock. */
function withIssuer(): void {
  beforeEach(async () => {
    idp = await startTestIssuer();
    clock = NOW.getTime();
  });
  afterEach(() => idp.close());
}

/** A verifier with a pinned clock; loopback allowed (the test issuer's only address) unless said. */
function verifier(options: Partial<WebIdentityVerifierOptions> = {}) {
  return createWebIdentityVerifier({ allowLoopbackIssuers: true, clock: fixedClock, ...options });
}

const invalidToken = { ok: false, code: 'credentials.invalid-identity-token' } as const;
const unreachable = { ok: false, code: 'credentials.idp-unreachable' } as const;

describe('web identity verifier', () => {
  withIssuer();
  it('accepts a token signed by the issuer for a registered audience', async () => {
    const verify = verifier();
    const token = await idp.sign({ sub: 'user-1', aud: 'app-1', iat: epoch, exp: epoch + 300 });
    expect(await verify(token, providerOf(idp.url), NOW)).toMatchObject({
      ok: true,
      value: { subject: 'user-1', audience: 'app-1', issuer: idp.url },
    });
  });

  it('refuses a token without an expiration as an invalid identity token', async () => {
    const verify = verifier();
    const token = await idp.sign({ sub: 'user-1', aud: 'app-1', iat: epoch });
    expect(await verify(token, providerOf(idp.url), NOW)).toMatchObject(invalidToken);
  });
});

describe('fetching from identity providers', () => {
  withIssuer();
  it('refuses loopback issuers without the development flag, before connecting', async () => {
    const { asked, resolveHost } = resolverOf({ localhost: ['127.0.0.1'] });
    const verify = verifier({ allowLoopbackIssuers: false, resolveHost });
    const port = new URL(idp.url).port;
    for (const issuer of [
      `https://127.0.0.1:${port}`,
      `https://localhost:${port}`,
      `https://[::ffff:127.0.0.1]:${port}`,
      idp.url,
    ]) {
      expect(await verify(await tokenFor(issuer), providerOf(issuer), NOW), issuer).toMatchObject(
        invalidToken,
      );
    }
    expect(asked).toEqual(['localhost']);
    expect(idp.connections()).toBe(0);
  });

  it('refuses private, link-local, shared and metadata addresses, whatever the flag', async () => {
    const { resolveHost } = resolverOf({});
    const verify = verifier({ resolveHost, timeoutMs: 10_000 });
    for (const host of [
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
    ]) {
      const issuer = `https://${host}`;
      expect(await verify(await tokenFor(issuer), providerOf(issuer), NOW), issuer).toMatchObject(
        invalidToken,
      );
    }
    for (const host of ['[fd00:ec2::254]', '[fe80::1]', '[::ffff:10.0.0.1]', '[::ffff:a9fe:a9fe]', '[::]']) {
      const issuer = `https://${host}`;
      expect(await verify(await tokenFor(issuer), providerOf(issuer), NOW), issuer).toMatchObject(
        invalidToken,
      );
    }
  });

  it('refuses a name that resolves to a private or loopback address, checked after resolution', async () => {
    const { asked, resolveHost } = resolverOf({
      'idp.internal.example': ['10.0.0.1'],
      'mixed.example': ['93.184.216.34', '127.0.0.1'],
      'loop.example': ['127.0.0.1'],
    });
    const strict = verifier({ allowLoopbackIssuers: false, resolveHost, timeoutMs: 10_000 });
    for (const issuer of ['https://idp.internal.example', 'https://mixed.example', 'https://loop.example']) {
      expect(await strict(await tokenFor(issuer), providerOf(issuer), NOW), issuer).toMatchObject(
        invalidToken,
      );
    }
    expect(asked).toEqual(['idp.internal.example', 'mixed.example', 'loop.example']);
    // The development flag admits loopback only: a private address stays refused.
    const local = verifier({ resolveHost, timeoutMs: 10_000 });
    const issuer = 'https://idp.internal.example';
    expect(await local(await tokenFor(issuer), providerOf(issuer), NOW)).toMatchObject(invalidToken);
  });

  it('connects to the address it checked, not to a second resolution of the name', async () => {
    const name = `http://idp.pinned.example:${new URL(idp.url).port}`;
    idp.route(DISCOVERY, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ issuer: name, jwks_uri: `${name}/jwks` }));
    });
    const { asked, resolveHost } = resolverOf({ 'idp.pinned.example': ['127.0.0.1'] });
    const verify = verifier({ resolveHost });
    expect(await verify(await tokenFor(name), providerOf(name), NOW)).toMatchObject({ ok: true });
    // Discovery and JWKS: each fetch resolves (and checks) once, and the system resolver never runs.
    expect(asked).toEqual(['idp.pinned.example', 'idp.pinned.example']);
  });

  it("refuses a jwks_uri outside the issuer's origin without fetching it", async () => {
    const port = new URL(idp.url).port;
    for (const jwksUri of [`http://localhost:${port}/jwks`, `https://127.0.0.1:${port}/jwks`]) {
      idp.route(DISCOVERY, (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ issuer: idp.url, jwks_uri: jwksUri }));
      });
      const verify = verifier();
      expect(await verify(await tokenFor(idp.url), providerOf(idp.url), NOW), jwksUri).toMatchObject(
        invalidToken,
      );
    }
    expect(idp.hits.get('/jwks')).toBeUndefined();
  });

  it('refuses a redirect instead of following it', async () => {
    idp.route(DISCOVERY, (_request, response) => {
      response.writeHead(302, { location: `${idp.url}/elsewhere` }).end();
    });
    idp.route('/elsewhere', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ issuer: idp.url, jwks_uri: `${idp.url}/jwks` }));
    });
    expect(await verifier()(await tokenFor(idp.url), providerOf(idp.url), NOW)).toMatchObject(invalidToken);
    expect(idp.hits.get('/elsewhere')).toBeUndefined();
  });

  it('refuses a JWKS larger than 256 KB and stops reading it', async () => {
    let served = 0;
    idp.route('/jwks', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      // 512 MB on offer, produced only as fast as the client reads.
      Readable.from(
        (function* () {
          for (let i = 0; i < 8192; i += 1) {
            served += chunk.length;
            yield chunk;
          }
        })(),
      ).pipe(response);
    });
    const started = performance.now();
    expect(await verifier()(await tokenFor(idp.url), providerOf(idp.url), NOW)).toMatchObject(invalidToken);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(served).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses a JWKS that announces more than 256 KB', async () => {
    idp.route('/jwks', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': 300 * 1024 });
      response.write('{"keys":[');
    });
    // The deadline is far away: what refuses the response is its announced size, not its silence.
    const verify = verifier({ timeoutMs: 10_000 });
    const started = performance.now();
    expect(await verify(await tokenFor(idp.url), providerOf(idp.url), NOW)).toMatchObject(invalidToken);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('gives up on an identity provider that is too slow, headers or body', async () => {
    idp.route(DISCOVERY, () => {
      // Never answers.
    });
    const verify = verifier({ timeoutMs: 300 });
    const timed = async (token: string, issuer: string) => {
      const started = performance.now();
      const answer = await verify(token, providerOf(issuer), NOW);
      return { answer, ms: performance.now() - started };
    };
    const silent = await timed(await tokenFor(idp.url), idp.url);
    expect(silent.answer).toMatchObject(unreachable);
    expect(silent.ms).toBeLessThan(2_000);

    const trickle = await startTestIssuer();
    try {
      trickle.route(DISCOVERY, (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => response.write(' '), 50);
        response.on('close', () => clearInterval(timer));
      });
      const token = await trickle.sign({ sub: 'user-1', aud: 'app-1', iat: epoch, exp: epoch + 300 });
      const slow = await timed(token, trickle.url);
      expect(slow.answer).toMatchObject(unreachable);
      expect(slow.ms).toBeLessThan(2_000);
    } finally {
      await trickle.close();
    }
  });

  it('remembers a failure for a while instead of fetching again', async () => {
    idp.route(DISCOVERY, (_request, response) => {
      response.writeHead(503).end();
    });
    const verify = verifier({ failureCacheMs: 30_000 });
    const token = await tokenFor(idp.url);
    expect(await verify(token, providerOf(idp.url), NOW)).toMatchObject(unreachable);
    expect(await verify(token, providerOf(idp.url), NOW)).toMatchObject(unreachable);
    expect(idp.hits.get(DISCOVERY)).toBe(1);
    clock += 30_001;
    expect(await verify(token, providerOf(idp.url), NOW)).toMatchObject(unreachable);
    expect(idp.hits.get(DISCOVERY)).toBe(2);
  });

  it('fetches an issuer at most once per interval, even for tokens naming unknown keys', async () => {
    const verify = verifier({ minFetchIntervalMs: 10_000 });
    const unknownKeys = await Promise.all([1, 2, 3, 4, 5].map((n) => tokenFor(idp.url, `rotated-${n}`)));
    const answers = await Promise.all(unknownKeys.map((token) => verify(token, providerOf(idp.url), NOW)));
    for (const answer of answers) expect(answer).toMatchObject(invalidToken);
    for (const token of unknownKeys)
      expect(await verify(token, providerOf(idp.url), NOW)).toMatchObject(invalidToken);
    expect(idp.hits.get('/jwks')).toBe(1);
    expect(idp.hits.get(DISCOVERY)).toBe(1);
    // After the interval, an unknown key may trigger one new fetch (the issuer may have rotated).
    clock += 10_001;
    expect(await verify(unknownKeys[0] ?? '', providerOf(idp.url), NOW)).toMatchObject(invalidToken);
    expect(idp.hits.get('/jwks')).toBe(2);
    // A token signed with a known key needs no fetch at all.
    expect(await verify(await tokenFor(idp.url), providerOf(idp.url), NOW)).toMatchObject({ ok: true });
    expect(idp.hits.get('/jwks')).toBe(2);
  });
});

describe('isPublicAddress', () => {
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    ['93.184.216.34', true],
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['127.0.0.1', false],
    ['127.255.0.9', false],
    ['10.1.2.3', false],
    ['172.31.255.255', false],
    ['172.32.0.1', true],
    ['192.168.0.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['100.127.255.254', false],
    ['100.128.0.1', true],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::', false],
    ['::1', false],
    ['fc00::1', false],
    ['fd00:ec2::254', false],
    ['fe80::1', false],
    ['ff02::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:169.254.169.254', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:93.184.216.34', true],
    ['64:ff9b::a9fe:a9fe', false],
    ['2002:a9fe:a9fe::1', false],
    ['not-an-address', false],
  ];
  it.each(cases)('classifies %s as public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});
