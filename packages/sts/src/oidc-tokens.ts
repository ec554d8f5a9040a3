/**
 * Web identity token verification with jose: the issuer's keys come from its discovery document and
 * JWKS, fetched only from public addresses (after DNS resolution), on the issuer's origin, bounded
 * in size and time, cached per issuer with failures remembered and fetches rate-limited. Issuers
 * must use https and public addresses, except loopback ones under an explicit development flag.
 */

import { fail, ok, type Result } from '@palisade/failures';
import type { OidcProviderRecord } from '@palisade/store';
import { decodeJwt, errors, type JWTPayload, jwtVerify } from 'jose';
import { COULD_NOT_FETCH, type HostResolver, systemResolver } from './idp-fetch.ts';
import { createIssuerKeys, type IssuerKeySet } from './idp-keys.ts';
import type { WebIdentityClaims, WebIdentityVerifier } from './sts-context.ts';
import { sessionTagsOf, sourceIdentityOf } from './web-identity-tags.ts';

/** Options of the verifier; every bound has a default. */
export interface WebIdentityVerifierOptions {
  /**
   * Allow `http://` issuers and loopback addresses (a development deployment and tests only: the
   * explicit PALISADE_DEV_ALLOW_LOOPBACK_OIDC flag, never implied by another setting).
   */
  readonly allowLoopbackIssuers: boolean;
  /** How long an issuer's fetched keys are used before it is asked again (default 1 hour). */
  readonly discoveryMaxAgeMs?: number;
  /** One deadline per fetch: resolution, connection and body (default 3 s). */
  readonly timeoutMs?: number;
  /** The largest discovery document or JWKS read (default 256 KiB). */
  readonly maxResponseBytes?: number;
  /** How long a failed fetch is answered from memory (default 30 s). */
  readonly failureCacheMs?: number;
  /** The least time between two fetches of one issuer (default 10 s). */
  readonly minFetchIntervalMs?: number;
  /** Resolves issuer host names (default: the system resolver). */
  readonly resolveHost?: HostResolver;
  /** Milliseconds since the epoch, for the caches (default: Date.now). */
  readonly clock?: () => number;
}

/** The largest response read from an identity provider by default. */
export const IDP_MAX_RESPONSE_BYTES = 256 * 1024;

/** The unverified `iss` of a token, to find its provider; undefined when the token is not a JWT. */
export function unverifiedIssuer(token: string): string | undefined {
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];

/** Builds the verifier port with its per-issuer key cache. */
export function createWebIdentityVerifier(options: WebIdentityVerifierOptions): WebIdentityVerifier {
  const keysOf = createIssuerKeys({
    fetch: {
      allowLoopback: options.allowLoopbackIssuers,
      resolveHost: options.resolveHost ?? systemResolver,
      timeoutMs: options.timeoutMs ?? 3_000,
      maxBytes: options.maxResponseBytes ?? IDP_MAX_RESPONSE_BYTES,
    },
    maxAgeMs: options.discoveryMaxAgeMs ?? 3_600_000,
    failureCacheMs: options.failureCacheMs ?? 30_000,
    minFetchIntervalMs: options.minFetchIntervalMs ?? 10_000,
    clock: options.clock ?? Date.now,
  });

  const verifyWith = async (token: string, keys: IssuerKeySet, provider: OidcProviderRecord, now: Date) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: [provider.issuer, `${provider.issuer}/`],
        currentDate: now,
        // A token without an expiry would be valid forever: STS refuses it.
        requiredClaims: ['exp'],
        algorithms: ALGORITHMS,
      });
      return { payload };
    } catch (error) {
      return { error };
    }
  };

  return async (token, provider, now) => {
    const keys = await keysOf(provider.issuer, false);
    if (!keys.ok) return keys;
    let verified = await verifyWith(token, keys.value, provider, now);
    if ('error' in verified && verified.error instanceof errors.JWKSNoMatchingKey) {
      // The issuer may have rotated its keys: ask again (rate-limited per issuer).
      const refreshed = await keysOf(provider.issuer, true);
      if (!refreshed.ok) return refreshed;
      if (refreshed.value !== keys.value) verified = await verifyWith(token, refreshed.value, provider, now);
    }
    if ('error' in verified) return failureOf(verified.error, now);
    return claimsOf(verified.payload, provider);
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
  if (error instanceof errors.JOSEError) {
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
  const sourceIdentity = sourceIdentityOf(payload);
  if (!sourceIdentity.ok) return sourceIdentity;
  return ok({
    subject: payload.sub,
    audience,
    issuer: String(payload.iss),
    amr,
    ...(typeof payload.iat === 'number' ? { issuedAt: payload.iat } : {}),
    ...(sessionTags.value ? { sessionTags: sessionTags.value } : {}),
    ...(sourceIdentity.value !== undefined ? { sourceIdentity: sourceIdentity.value } : {}),
  });
}
