/**
 * Sign-in sessions over HTTP: access JWTs accepted as Bearer by the platform's interfaces, refused
 * with 401 when forged, expired, mis-addressed or revoked; refresh rotation with family
 * revocation; sign-out; JWKS and discovery; lazy signing-key rotation with overlap.
 */
import { createHmac, createPublicKey } from 'node:crypto';
import { createSecretBoxFromConfig, openSigningKey } from '@palisade/credentials';
import { iamOperations } from '@palisade/iam';
import { type Caller, type OperationTable, operatorCaller, rootCaller } from '@palisade/principals';
import { readSigningKeys } from '@palisade/store';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../../functions/wiring/platform.ts';
import { mustRunOperation } from '../../../test/fixtures/run-operation.ts';
import { requestSignIn } from '../../../test/fixtures/sign-in-request.ts';
import { createTestAccount, createTestPlatform, logErrors } from '../../../test/fixtures/test-platform.ts';

const START = new Date('2026-11-28T12:00:00Z');
let clock = START;
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
const ISSUER = 'http://127.0.0.1:4000';
const PASSWORD = 'correct horse battery staple';
let platform: Platform;
let ops: OperationTable;
let root: Caller;
let accountId: string;

const call = (caller: Caller, action: string, input: object) => mustRunOperation(ops, caller, action, input);

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return platform.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const signIn = (userName: string | undefined, password = PASSWORD) =>
  requestSignIn((path, init) => platform.app.request(path, init), {
    account: 'tokens-co',
    password,
    ...(userName ? { userName } : {}),
  });

/** A REST route behind the platform's Authenticate (answers REST statuses). */
const restRoute = (token: string) =>
  platform.app.request('/v1/service-catalog', { headers: { authorization: `Bearer ${token}` } });

/** The Query API (IAM GetUser) with a bearer token. */
const queryGetUser = (token: string) =>
  platform.app.request('/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
    body: 'Action=GetUser&Version=2010-05-08',
  });

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const partsOf = (token: string) => token.split('.') as [string, string, string];
const decode = (part: string) =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

beforeAll(async () => {
  platform = await createTestPlatform({
    prefix: 'sign-in-tokens',
    masterKey: MASTER_KEY,
    issuer: ISSUER,
    log: logErrors,
    now: () => clock,
  });
  ({ accountId } = await createTestAccount(platform, 'tokens-co'));
  ops = iamOperations(platform.iam);
  root = rootCaller('aws', accountId);
  for (const name of ['ana', 'ben']) {
    await call(root, 'CreateUser', { UserName: name });
    await call(root, 'AttachUserPolicy', {
      UserName: name,
      PolicyArn: 'arn:aws:iam::palisade:policy/ReadOnlyAccess',
    });
    await call(root, 'CreateLoginProfile', { UserName: name, Password: PASSWORD });
  }
}, 60_000);

/** A fresh session of ana's, opened at START. */
async function anaSession(): Promise<{ accessToken: string; refreshToken: string }> {
  clock = START;
  const signedIn = await signIn('ana');
  expect(signedIn.status).toBe(200);
  return { accessToken: String(signedIn.body.accessToken), refreshToken: String(signedIn.body.refreshToken) };
}

describe('bearer sessions', () => {
  // Opened before any test and only read by them (a test that revokes opens its own), so no test
  // leans on what another did; it also dates the signing key from START.
  let sharedToken: string;
  beforeAll(async () => {
    sharedToken = (await anaSession()).accessToken;
  }, 30_000);
  // Every test starts at START whatever the one before it did with the clock.
  beforeEach(() => {
    clock = START;
  });

  it('signs a user in and lets the access token call the Query API as that user', {
    timeout: 30_000,
  }, async () => {
    const signedIn = await signIn('ana');
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      passwordResetRequired: false,
    });
    const accessToken = String(signedIn.body.accessToken);
    const header = decode(partsOf(accessToken)[0]);
    const payload = decode(partsOf(accessToken)[1]);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: ISSUER,
      aud: 'palisade',
      sub: `arn:aws:iam::${accountId}:user/ana`,
      account: accountId,
      mfa: false,
      auth_time: START.getTime() / 1000,
    });

    const response = await queryGetUser(accessToken);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<UserName>ana</UserName>');
    expect((await restRoute(accessToken)).status).not.toBe(401);
  });

  it('publishes the signing key in the JWKS and the discovery document, unauthenticated', async () => {
    const accessToken = sharedToken;
    const jwks = (await (await platform.app.request('/.well-known/jwks.json')).json()) as {
      keys: Record<string, unknown>[];
    };
    const { kid } = decode(partsOf(accessToken)[0]);
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
    const discovery = (await (
      await platform.app.request('/.well-known/openid-configuration')
    ).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({ issuer: ISSUER, jwks_uri: `${ISSUER}/.well-known/jwks.json` });
  });

  it('refuses forged, tampered and mis-addressed tokens with 401', async () => {
    const accessToken = sharedToken;
    const [headerPart, payloadPart, signature] = partsOf(accessToken);
    const header = decode(headerPart);
    const payload = decode(payloadPart);
    const { keys } = await readSigningKeys(platform.store);
    const stored = keys.find((k) => k.kid === header.kid);
    if (!stored) throw new Error('signing key not stored');
    const opened = openSigningKey(createSecretBoxFromConfig(MASTER_KEY), stored.kid, stored.sealedPrivateJwk);
    if (!opened.ok) throw new Error(opened.message);
    const realKey = await importJWK(opened.value, 'ES256');
    const signWith = (claims: Record<string, unknown>, key = realKey, kid = String(header.kid)) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).sign(key);
    const publicPem = createPublicKey({ key: stored.publicJwk as never, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const hsHeader = b64url(JSON.stringify({ ...header, alg: 'HS256' }));
    const stranger = await generateKeyPair('ES256', { extractable: true });

    const cases: Record<string, string> = {
      'alg none': `${b64url(JSON.stringify({ ...header, alg: 'none' }))}.${payloadPart}.`,
      'HS256 keyed with the public key': `${hsHeader}.${payloadPart}.${createHmac('sha256', publicPem)
        .update(`${hsHeader}.${payloadPart}`)
        .digest('base64url')}`,
      'unknown kid': await signWith(payload, stranger.privateKey, 'unknown-kid-0000000000'),
      'right kid, another key': await signWith(payload, stranger.privateKey),
      'wrong issuer': await signWith({ ...payload, iss: 'https://evil.example' }),
      'wrong audience': await signWith({ ...payload, aud: 'someone-else' }),
      'not yet valid': await signWith({ ...payload, nbf: payload.exp, iat: payload.exp }),
      'tampered payload': `${headerPart}.${b64url(JSON.stringify({ ...payload, sub: `arn:aws:iam::${accountId}:user/ben` }))}.${signature}`,
      'session id that does not exist': await signWith({ ...payload, sid: 'AAAAAAAAAAAAAAAAAAAAAA' }),
      garbage: 'not.a.jwt',
    };
    expect(JSON.stringify(await exportJWK(stranger.publicKey))).not.toContain(String(header.kid));
    for (const [name, token] of Object.entries(cases)) {
      const response = await restRoute(token);
      expect({ name, status: response.status }).toEqual({ name, status: 401 });
    }
    // The genuine token still works after all that.
    expect((await queryGetUser(accessToken)).status).toBe(200);
  });

  it('refuses an expired access token', async () => {
    const accessToken = sharedToken;
    clock = new Date(START.getTime() + 16 * 60_000);
    const response = await restRoute(accessToken);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'credentials.expired-token' } });
  });

  it('mints temporary credentials for the CLI from a session', async () => {
    const accessToken = sharedToken;
    const response = await post('/v1/sign-in/credentials', {}, { authorization: `Bearer ${accessToken}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const credentials = (await response.json()) as Record<string, string>;
    expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(credentials.secretAccessKey).toHaveLength(40);
    expect(credentials.sessionToken?.length).toBeGreaterThan(40);
    expect(credentials.expiration).toBe(new Date(START.getTime() + 3600_000).toISOString());
    expect((await post('/v1/sign-in/credentials', {}, { authorization: 'Bearer x.y.z' })).status).toBe(401);
  });

  it('rotates refresh tokens, and revokes the whole family when a used one comes back', async () => {
    const { accessToken, refreshToken } = await anaSession();
    const first = await post('/v1/sign-in/refresh', { refreshToken });
    expect(first.status).toBe(200);
    const rotated = (await first.json()) as { accessToken: string; refreshToken: string };
    expect(rotated.refreshToken).not.toBe(refreshToken);
    expect(decode(partsOf(rotated.accessToken)[1]).sid).toBe(decode(partsOf(accessToken)[1]).sid);
    expect((await queryGetUser(rotated.accessToken)).status).toBe(200);

    const replay = await post('/v1/sign-in/refresh', { refreshToken });
    expect(replay.status).toBe(401);
    // The thief's replay revoked the family: the legitimate holder's newer tokens stop too.
    expect((await post('/v1/sign-in/refresh', { refreshToken: rotated.refreshToken })).status).toBe(401);
    expect((await restRoute(rotated.accessToken)).status).toBe(401);
    expect((await restRoute(accessToken)).status).toBe(401);
  });

  it('lets exactly one of two concurrent refreshes with the same token through, then revokes', async () => {
    const signedIn = await signIn('ben');
    const token = String(signedIn.body.refreshToken);
    const results = await Promise.all([
      post('/v1/sign-in/refresh', { refreshToken: token }),
      post('/v1/sign-in/refresh', { refreshToken: token }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  }, 20_000);

  it('signs out: the session is refused afterwards, and so is its refresh token', async () => {
    const signedIn = await signIn('ben');
    const token = String(signedIn.body.accessToken);
    expect((await queryGetUser(token)).status).toBe(200);
    const signedOut = await post('/v1/sign-out', {}, { authorization: `Bearer ${token}` });
    expect(signedOut.status).toBe(204);
    expect((await restRoute(token)).status).toBe(401);
    expect((await post('/v1/sign-in/refresh', { refreshToken: signedIn.body.refreshToken })).status).toBe(
      401,
    );
    expect((await post('/v1/sign-out', {})).status).toBe(401);
  }, 20_000);

  it('refuses a session once the login profile is deleted or the account suspended', async () => {
    const signedIn = await signIn('ben');
    const token = String(signedIn.body.accessToken);
    expect((await queryGetUser(token)).status).toBe(200);
    await call(root, 'DeleteLoginProfile', { UserName: 'ben' });
    expect((await restRoute(token)).status).toBe(401);
    // A re-created profile stands behind none of the sessions opened before the deletion.
    await call(root, 'CreateLoginProfile', { UserName: 'ben', Password: PASSWORD });
    expect((await restRoute(token)).status).toBe(401);
    const fresh = String((await signIn('ben')).body.accessToken);
    expect((await queryGetUser(fresh)).status).toBe(200);

    const suspended = await platform.accounts.setStatus(
      operatorCaller('AKIAOPERATOR0000TEST'),
      accountId,
      'suspended',
    );
    expect(suspended.ok).toBe(true);
    try {
      expect((await restRoute(fresh)).status).toBe(403);
    } finally {
      await platform.accounts.setStatus(operatorCaller('AKIAOPERATOR0000TEST'), accountId, 'active');
    }
  }, 30_000);

  it('signs the root in with the account and no user name', async () => {
    await call(root, 'CreateLoginProfile', { Password: PASSWORD });
    const signedIn = await signIn(undefined);
    expect(signedIn.status).toBe(200);
    const token = String(signedIn.body.accessToken);
    expect(decode(partsOf(token)[1]).sub).toBe(`arn:aws:iam::${accountId}:root`);
    const response = await queryGetUser(token);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`<Arn>arn:aws:iam::${accountId}:root</Arn>`);
  }, 20_000);

  it('rotates the signing key once it is older than a day, still accepting the previous key meanwhile', async () => {
    clock = new Date(START.getTime() + 24 * 3600_000 - 60_000);
    const before = await signIn('ana');
    const oldToken = String(before.body.accessToken);
    const oldKid = decode(partsOf(oldToken)[0]).kid;

    clock = new Date(START.getTime() + 24 * 3600_000 + 60_000);
    const after = await signIn('ana');
    const newKid = decode(partsOf(String(after.body.accessToken))[0]).kid;
    expect(newKid).not.toBe(oldKid);
    expect((await queryGetUser(oldToken)).status).toBe(200);
    const jwks = (await (await platform.app.request('/.well-known/jwks.json')).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    const { currentKid, keys } = await readSigningKeys(platform.store);
    expect(currentKid).toBe(newKid);
    expect(keys.find((k) => k.kid === oldKid)?.supersededAt).toBe(clock.toISOString());
  }, 30_000);
});
