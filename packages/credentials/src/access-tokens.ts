/**
 * Short-lived session access tokens: JWTs (RFC 9068 `at+jwt`) signed with ES256. Verification
 * accepts exactly ES256, requires issuer, audience and expiry, finds the key by `kid` in a given
 * set, and turns every refusal into a typed failure.
 */
import { randomUUID } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';
import type { JWK, JWTPayload } from 'jose';
import { type PublicSigningJwk, SESSION_SIGNING_ALGORITHM } from './signing-keys.ts';

// Loaded on the first token signed or verified, not at start-up (see jose-library.ts); the
// promise is kept so that later calls do not go through the module loader again.
let joseLoaded: Promise<typeof import('./jose-library.ts')> | undefined;
const jose = () => {
  joseLoaded ??= import('./jose-library.ts');
  return joseLoaded;
};

const TOKEN_TYPE = 'at+jwt';
/** Seconds of clock difference tolerated on exp and nbf. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** Who a session belongs to and how they signed in. */
export interface AccessTokenSubject {
  /** The principal's ARN (becomes `sub`). */
  readonly principalArn: string;
  readonly accountId: string;
  readonly sessionId: string;
  readonly authTime: Date;
  /** Authentication methods (RFC 8176), e.g. ['pwd', 'otp']. */
  readonly amr: readonly string[];
  readonly mfa: boolean;
}

/** The claims of a verified access token. */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly account: string;
  readonly sid: string;
  readonly auth_time: number;
  readonly amr: readonly string[];
  readonly mfa: boolean;
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  readonly jti: string;
}

/** A signed access token and when it stops being valid. */
export interface SignedAccessToken {
  readonly token: string;
  readonly jti: string;
  readonly expiresAt: Date;
}

/** Signs access tokens with one private key (imported once) for one issuer and audience. */
export async function createAccessTokenSigner(options: {
  privateJwk: JWK;
  issuer: string;
  audience: string;
  /** Lifetime in seconds; 15 minutes by default. */
  ttlSeconds?: number;
}): Promise<(subject: AccessTokenSubject, now: Date) => Promise<SignedAccessToken>> {
  const { kid } = options.privateJwk;
  if (typeof kid !== 'string' || kid === '') throw new Error('signing key has no kid');
  const { importJWK, SignJWT } = await jose();
  const key = await importJWK(options.privateJwk, SESSION_SIGNING_ALGORITHM);
  const ttl = options.ttlSeconds ?? 900;

  return async function signAccessToken(subject, now) {
    const iat = Math.floor(now.getTime() / 1000);
    const jti = randomUUID();
    const token = await new SignJWT({
      account: subject.accountId,
      sid: subject.sessionId,
      auth_time: Math.floor(subject.authTime.getTime() / 1000),
      amr: [...subject.amr],
      mfa: subject.mfa,
    })
      .setProtectedHeader({ alg: SESSION_SIGNING_ALGORITHM, kid, typ: TOKEN_TYPE })
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setSubject(subject.principalArn)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + ttl)
      .setJti(jti)
      .sign(key);
    return { token, jti, expiresAt: new Date((iat + ttl) * 1000) };
  };
}

/**
 * Builds a verifier for one issuer and audience over a set of public keys (imported on first
 * use). `credentials.expired-token` for an expired token, `credentials.invalid-token` otherwise.
 */
export function createAccessTokenVerifier(options: {
  issuer: string;
  audience: string;
  publicKeys: readonly PublicSigningJwk[];
}): (token: string, now: Date) => Promise<Result<AccessTokenClaims>> {
  const byKid = new Map(options.publicKeys.map((jwk) => [jwk.kid, jwk]));
  const imported = new Map<string, ReturnType<typeof import('jose').importJWK>>();

  return async function verifyAccessToken(token, now) {
    const { errors, importJWK, jwtVerify } = await jose();
    const keyFor = (header: { kid?: string }) => {
      const jwk = header.kid === undefined ? undefined : byKid.get(header.kid);
      if (!jwk) throw new errors.JWKSNoMatchingKey();
      let key = imported.get(jwk.kid);
      if (!key) {
        // Only the public members, and always as ES256: the header's alg never chooses the key type.
        key = importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, SESSION_SIGNING_ALGORITHM);
        imported.set(jwk.kid, key);
      }
      return key;
    };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keyFor, {
        algorithms: [SESSION_SIGNING_ALGORITHM],
        issuer: options.issuer,
        audience: options.audience,
        typ: TOKEN_TYPE,
        currentDate: now,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat', 'nbf', 'jti', 'sid', 'account', 'auth_time', 'amr', 'mfa'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        return fail('credentials.expired-token', 'The session has expired.');
      return fail('credentials.invalid-token', 'The session token is invalid.');
    }
    const claims = readClaims(payload);
    return claims ? ok(claims) : fail('credentials.invalid-token', 'The session token is invalid.');
  };
}

/** The payload as typed claims, or undefined when a claim has the wrong type. */
function readClaims(p: JWTPayload): AccessTokenClaims | undefined {
  const { iss, aud, sub, account, sid, auth_time, amr, mfa, iat, nbf, exp, jti } = p;
  if (typeof iss !== 'string' || typeof aud !== 'string' || typeof sub !== 'string') return undefined;
  if (typeof account !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') return undefined;
  if (typeof auth_time !== 'number' || typeof iat !== 'number' || typeof nbf !== 'number') return undefined;
  if (typeof exp !== 'number' || typeof mfa !== 'boolean') return undefined;
  if (!Array.isArray(amr) || !amr.every((m): m is string => typeof m === 'string')) return undefined;
  return { iss, aud, sub, account, sid, auth_time, amr, mfa, iat, nbf, exp, jti };
}
