import { createHmac, generateKeyPairSync } from 'node:crypto';
import {
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenSubject,
  createAccessTokenSigner,
  createAccessTokenVerifier,
  createSecretBoxFromConfig,
  generateSessionSigningKey,
  openSigningKey,
  type SessionSigningKey,
  sealSigningKey,
  toPublicSigningJwk,
} from '../src/index.ts';

const ISSUER = 'https://palisade.test/accounts/123456789012';
const AUDIENCE = 'palisade-console';
const NOW = new Date('2026-03-14T09:26:53Z');
const SUBJECT: AccessTokenSubject = {
  principalArn: 'arn:aws:iam::123456789012:user/alice',
  accountId: '123456789012',
  sessionId: 'sess-1',
  authTime: new Date('2026-03-14T09:26:00Z'),
  amr: ['pwd', 'otp'],
  mfa: true,
};
const seconds = (n: number) => new Date(NOW.getTime() + n * 1000);

let key: SessionSigningKey;
let sign: Awaited<ReturnType<typeof createAccessTokenSigner>>;
let verify: ReturnType<typeof createAccessTokenVerifier>;

beforeAll(async () => {
  key = await generateSessionSigningKey();
  sign = await createAccessTokenSigner({
    privateJwk: key.privateJwk,
    issuer: ISSUER,
    audience: AUDIENCE,
    ttlSeconds: 900,
  });
  verify = createAccessTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, publicKeys: [key.publicJwk] });
});

/** Signs arbitrary header and claims with our private key, for cases the signer would never make. */
async function forge(header: Record<string, unknown>, claims: Record<string, unknown>) {
  const privateKey = await importJWK(key.privateJwk, 'ES256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', ...header }).sign(privateKey);
}

function validClaims(): Record<string, unknown> {
  const iat = Math.floor(NOW.getTime() / 1000);
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: SUBJECT.principalArn,
    account: SUBJECT.accountId,
    sid: SUBJECT.sessionId,
    auth_time: iat - 53,
    amr: ['pwd'],
    mfa: false,
    iat,
    nbf: iat,
    exp: iat + 900,
    jti: 'j-1',
  };
}

const codeOf = (r: { ok: boolean; code?: string }) => (r.ok ? 'ok' : r.code);

describe('session signing keys', () => {
  it('names the key by its thumbprint and publishes only public members', () => {
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key.publicJwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: key.kid,
      alg: 'ES256',
      use: 'sig',
    });
    expect(key.privateJwk.d).toEqual(expect.any(String));
    expect(toPublicSigningJwk(key.privateJwk)).not.toHaveProperty('d');
  });

  it('round-trips the private key through the secret box, bound to its kid', () => {
    const box = createSecretBoxFromConfig(Buffer.alloc(32, 7).toString('base64'));
    const sealed = sealSigningKey(box, key);
    expect(sealed).not.toContain(String(key.privateJwk.d));
    expect(openSigningKey(box, key.kid, sealed)).toEqual({ ok: true, value: key.privateJwk });
    expect(openSigningKey(box, 'another-kid', sealed).ok).toBe(false);
  });
});

describe('access tokens', () => {
  it('carry the session claims and verify', async () => {
    const { token, expiresAt, jti } = await sign(SUBJECT, NOW);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' });
    expect(expiresAt).toEqual(seconds(900));
    const result = await verify(token, seconds(10));
    expect(result).toEqual({
      ok: true,
      value: {
        iss: ISSUER,
        aud: AUDIENCE,
        sub: SUBJECT.principalArn,
        account: '123456789012',
        sid: 'sess-1',
        auth_time: Math.floor(SUBJECT.authTime.getTime() / 1000),
        amr: ['pwd', 'otp'],
        mfa: true,
        iat: NOW.getTime() / 1000,
        nbf: NOW.getTime() / 1000,
        exp: NOW.getTime() / 1000 + 900,
        jti,
      },
    });
  });

  it('verify less than 5 seconds past expiry (clock tolerance) and not from then on', async () => {
    const { token } = await sign(SUBJECT, NOW);
    expect(codeOf(await verify(token, seconds(904)))).toBe('ok');
    expect(codeOf(await verify(token, seconds(905)))).toBe('credentials.expired-token');
  });

  it('refuse a token whose nbf is in the future beyond the tolerance', async () => {
    const { token } = await sign(SUBJECT, seconds(60));
    expect(codeOf(await verify(token, NOW))).toBe('credentials.invalid-token');
  });

  it('refuse the wrong issuer or audience', async () => {
    const { token } = await sign(SUBJECT, NOW);
    const otherIssuer = createAccessTokenVerifier({
      issuer: `${ISSUER}x`,
      audience: AUDIENCE,
      publicKeys: [key.publicJwk],
    });
    const otherAudience = createAccessTokenVerifier({
      issuer: ISSUER,
      audience: 'other',
      publicKeys: [key.publicJwk],
    });
    expect(codeOf(await otherIssuer(token, NOW))).toBe('credentials.invalid-token');
    expect(codeOf(await otherAudience(token, NOW))).toBe('credentials.invalid-token');
  });

  it('refuse a tampered payload', async () => {
    const { token } = await sign(SUBJECT, NOW);
    const [header, , signature] = token.split('.');
    const payload = base64url.encode(
      JSON.stringify({ ...decodeJwt(token), sub: 'arn:aws:iam::123456789012:root' }),
    );
    expect(codeOf(await verify(`${header}.${payload}.${signature}`, NOW))).toBe('credentials.invalid-token');
  });

  it('refuse alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', kid: key.kid, typ: 'at+jwt' }));
    const payload = base64url.encode(JSON.stringify(validClaims()));
    expect(codeOf(await verify(`${header}.${payload}.`, NOW))).toBe('credentials.invalid-token');
  });

  it('refuse HS256 signed with the public key (algorithm confusion)', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' }));
    const payload = base64url.encode(JSON.stringify(validClaims()));
    const publicKeyForms = [
      JSON.stringify(key.publicJwk),
      (await importJWK(key.publicJwk, 'ES256').then(async (k) =>
        JSON.stringify(await exportJWK(k)),
      )) as string,
      String(key.publicJwk.x),
    ];
    for (const secret of publicKeyForms) {
      const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      expect(codeOf(await verify(`${header}.${payload}.${mac}`, NOW))).toBe('credentials.invalid-token');
    }
  });

  it('refuse a token signed by another key under our kid, even with the attacker key embedded', async () => {
    const attacker = await generateKeyPair('ES256', { extractable: true });
    const token = await new SignJWT(validClaims())
      .setProtectedHeader({
        alg: 'ES256',
        kid: key.kid,
        typ: 'at+jwt',
        jwk: await exportJWK(attacker.publicKey),
      })
      .sign(attacker.privateKey);
    expect(codeOf(await verify(token, NOW))).toBe('credentials.invalid-token');
  });

  it('refuse an unknown or missing kid', async () => {
    expect(codeOf(await verify(await forge({ kid: 'unknown', typ: 'at+jwt' }, validClaims()), NOW))).toBe(
      'credentials.invalid-token',
    );
    expect(codeOf(await verify(await forge({ typ: 'at+jwt' }, validClaims()), NOW))).toBe(
      'credentials.invalid-token',
    );
  });

  it('refuse RS256 even from a key the attacker controls', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })
      .sign(privateKey);
    expect(codeOf(await verify(token, NOW))).toBe('credentials.invalid-token');
  });

  it('refuse a token without exp, or with a claim of the wrong type', async () => {
    const { exp: _exp, ...noExp } = validClaims();
    expect(codeOf(await verify(await forge({ kid: key.kid, typ: 'at+jwt' }, noExp), NOW))).toBe(
      'credentials.invalid-token',
    );
    const badMfa = { ...validClaims(), mfa: 'yes' };
    expect(codeOf(await verify(await forge({ kid: key.kid, typ: 'at+jwt' }, badMfa), NOW))).toBe(
      'credentials.invalid-token',
    );
  });

  it('refuse a JWT of another type (e.g. an ID token)', async () => {
    expect(codeOf(await verify(await forge({ kid: key.kid, typ: 'JWT' }, validClaims()), NOW))).toBe(
      'credentials.invalid-token',
    );
    expect(codeOf(await verify(await forge({ kid: key.kid, typ: 'at+jwt' }, validClaims()), NOW))).toBe('ok');
  });

  it('refuse garbage', async () => {
    for (const token of ['', 'a.b.c', 'not-a-jwt', `${'x'.repeat(20)}..`]) {
      expect(codeOf(await verify(token, NOW))).toBe('credentials.invalid-token');
    }
  });

  it('verify against any key of a rotated set and refuse retired keys', async () => {
    const next = await generateSessionSigningKey();
    const signNext = await createAccessTokenSigner({
      privateJwk: next.privateJwk,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const both = createAccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      publicKeys: [next.publicJwk, key.publicJwk],
    });
    const onlyNext = createAccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      publicKeys: [next.publicJwk],
    });
    const old = (await sign(SUBJECT, NOW)).token;
    expect(codeOf(await both(old, NOW))).toBe('ok');
    expect(codeOf(await both((await signNext(SUBJECT, NOW)).token, NOW))).toBe('ok');
    expect(codeOf(await onlyNext(old, NOW))).toBe('credentials.invalid-token');
  });
});
