/**
 * Web identity token verification with jose: the issuer's keys are discovered from its
 * `/.well-known/openid-configuration` and fetched as a remote JWKS, cached per issuer (jose refetches
 * on an unknown `kid`, with a cooldown). Issuers must use https, except loopback issuers in a
 * deployment that runs locally.
 */

import { fail, ok, type Result } from '@palisade/failures';
import type { OidcProviderRecord } from '@palisade/store';
import { createRemoteJWKSet, decodeJwt, errors, type JWTPayload, jwtVerify } from 'jose';
import type { WebIdentityClaims, WebIdentityVerifier } from './sts-context.ts';
import { sessionTagsOf } from './web-identity-tags.ts';

/** Options of the verifier. */
export interface WebIdentityVerifierOptions {
  /** Allow `http://` issuers on 127.0.0.1, localhost and [::1] (local deployments and tests only). */
  readonly allowLoopbackIssuers: boolean;
  /** How long a discovered `jwks_uri` is trusted before discovery runs again. */
  readonly discoveryMaxAgeMs?: number;
  /** Milliseconds before a discovery or JWKS request is abandoned. */
  readonly timeoutMs?: number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True when `url` may be fetched: https, or http on a loopback host when loopback is allowed. */
export function isAllowedIssuerUrl(url: URL, allowLoopback: boolean): boolean {
  if (url.protocol === 'https:') return true;
  return allowLoopback && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** The unverified `iss` of a token, to find its provider; undefined when the token is not a JWT. */
export function unverifiedIssuer(token: string): string | undefined {
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

const COULD_NOT_FETCH =
  "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements";

interface IssuerKeys {
  readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  readonly discoveredAt: number;
}

/** Builds the verifier port with its per-issuer cache. */
export function createWebIdentityVerifier(options: WebIdentityVerifierOptions): WebIdentityVerifier {
  const maxAge = options.discoveryMaxAgeMs ?? 3_600_000;
  const timeout = options.timeoutMs ?? 5_000;
  const cache = new Map<string, IssuerKeys>();

  const keysOf = async (issuer: string): Promise<Result<IssuerKeys>> => {
    const cached = cache.get(issuer);
    if (cached && Date.now() - cached.discoveredAt < maxAge) return ok(cached);
    let jwksUri: URL;
    try {
      const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(timeout),
        redirect: 'error',
      });
      if (!response.ok) return fail('credentials.invalid-identity-token', COULD_NOT_FETCH);
      const discovery = (await response.json()) as { jwks_uri?: unknown };
      if (typeof discovery.jwks_uri !== 'string')
        return fail('credentials.invalid-identity-token', COULD_NOT_FETCH);
      jwksUri = new URL(discovery.jwks_uri);
    } catch {
      return fail('credentials.invalid-identity-token', COULD_NOT_FETCH);
    }
    if (!isAllowedIssuerUrl(jwksUri, options.allowLoopbackIssuers)) {
      return fail('credentials.invalid-identity-token', COULD_NOT_FETCH);
    }
    const keys: IssuerKeys = {
      jwks: createRemoteJWKSet(jwksUri, { timeoutDuration: timeout, cooldownDuration: 30_000 }),
      discoveredAt: Date.now(),
    };
    cache.set(issuer, keys);
    return ok(keys);
  };

  return async (token, provider, now) => {
    if (!isAllowedIssuerUrl(new URL(provider.issuer), options.allowLoopbackIssuers)) {
      return fail('credentials.invalid-identity-token', COULD_NOT_FETCH);
    }
    const keys = await keysOf(provider.issuer);
    if (!keys.ok) return keys;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys.value.jwks, {
        issuer: [provider.issuer, `${provider.issuer}/`],
        currentDate: now,
        // A token without an expiry would be valid forever: STS refuses it.
        requiredClaims: ['exp'],
        algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'],
      }));
    } catch (error) {
      return failureOf(error, now);
    }
    return claimsOf(payload, provider);
  };
}

function failureOf(error: unknown, now: Date): Result<never> {
  if (error instanceof errors.JWTExpired) {
    return fail(
      'credentials.expired-identity-token',
      `Token expired: current date/time ${now.toISOString()} must be before the expiration date/time.`,
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss')
      return fail('credentials.invalid-identity-token', 'Issuer in the token does not match the provider.');
    if (error.claim === 'exp')
      return fail(
        'credentials.invalid-identity-token',
        'The web identity token has no valid expiration (exp).',
      );
    return fail(
      'credentials.idp-rejected-claim',
      `The identity provider's token was rejected: claim ${error.claim} is not valid.`,
    );
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JOSEError
  ) {
    if (error instanceof errors.JWKSTimeout)
      return fail('credentials.invalid-identity-token', COULD_NOT_FETCH);
    return fail(
      'credentials.invalid-identity-token',
      'The web identity token signature could not be verified.',
    );
  }
  return fail('credentials.invalid-identity-token', COULD_NOT_FETCH);
}

function claimsOf(payload: JWTPayload, provider: OidcProviderRecord): Result<WebIdentityClaims> {
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
  const audience = audiences.find((aud) => provider.clientIds.includes(aud));
  if (audience === undefined) return fail('credentials.invalid-identity-token', 'Incorrect token audience');
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    return fail('credentials.idp-rejected-claim', 'The web identity token has no subject (sub) claim.');
  }
  const amr = Array.isArray(payload.amr) ? payload.amr.filter((v): v is string => typeof v === 'string') : [];
  const sessionTags = sessionTagsOf(payload);
  if (!sessionTags.ok) return sessionTags;
  return ok({
    subject: payload.sub,
    audience,
    issuer: String(payload.iss),
    amr,
    ...(typeof payload.iat === 'number' ? { issuedAt: payload.iat } : {}),
    ...(sessionTags.value ? { sessionTags: sessionTags.value } : {}),
  });
}
