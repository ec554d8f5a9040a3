/**
 * The signing keys of identity providers, per issuer: discovered from the issuer's
 * `/.well-known/openid-configuration`, whose `jwks_uri` must stay on the issuer's origin, and
 * fetched through the guarded fetch. Keys are kept for a while; a failure is remembered for a
 * while (so a dead or hostile issuer is not fetched on every request); an issuer is fetched at
 * most once per interval, however many tokens name keys it does not publish.
 */
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { COULD_NOT_FETCH, fetchIdpJson, type IdpFetchOptions } from './idp-fetch.ts';

/** A provider's published keys, as jose resolves them for a token's header. */
export type IssuerKeySet = ReturnType<typeof createLocalJWKSet>;

/** How keys are fetched and kept. */
export interface IssuerKeyOptions {
  readonly fetch: IdpFetchOptions;
  /** How long fetched keys are used before the issuer is asked again. */
  readonly maxAgeMs: number;
  /** How long a failed fetch is answered from memory. */
  readonly failureCacheMs: number;
  /** The least time between two fetches of one issuer. */
  readonly minFetchIntervalMs: number;
  readonly clock: () => number;
}

/** Finds an issuer's keys; `refresh` asks for a new fetch (a token named an unknown key). */
export type IssuerKeys = (issuer: string, refresh: boolean) => Promise<Result<IssuerKeySet>>;

interface IssuerState {
  keys?: { readonly set: IssuerKeySet; readonly fetchedAt: number };
  failure?: { readonly result: Failure; readonly until: number };
  lastFetchAt?: number;
  inFlight?: Promise<Result<IssuerKeySet>>;
}

// Bounds memory: tenants may register many issuers, each costing one entry.
const MAX_ISSUERS = 1_000;

/** Builds the per-issuer key cache. */
export function createIssuerKeys(options: IssuerKeyOptions): IssuerKeys {
  const states = new Map<string, IssuerState>();

  const stateOf = (issuer: string): IssuerState => {
    const existing = states.get(issuer);
    if (existing) return existing;
    if (states.size >= MAX_ISSUERS) {
      const oldest = states.keys().next().value;
      if (oldest !== undefined) states.delete(oldest);
    }
    const created: IssuerState = {};
    states.set(issuer, created);
    return created;
  };

  return async (issuer, refresh) => {
    const state = stateOf(issuer);
    const now = options.clock();
    const usable = state.keys && now - state.keys.fetchedAt < options.maxAgeMs ? state.keys.set : undefined;
    if (usable && !refresh) return ok(usable);
    // Concurrent requests for one issuer share its one fetch.
    if (state.inFlight) return state.inFlight;
    const rateLimited =
      state.lastFetchAt !== undefined && now - state.lastFetchAt < options.minFetchIntervalMs;
    const failing = state.failure !== undefined && now < state.failure.until;
    if (rateLimited || failing) {
      if (usable) return ok(usable);
      return state.failure?.result ?? fail('credentials.invalid-identity-token', COULD_NOT_FETCH);
    }
    state.lastFetchAt = now;
    const fetching = fetchKeys(issuer, options.fetch).then((result) => {
      state.inFlight = undefined;
      if (result.ok) {
        state.keys = { set: result.value, fetchedAt: options.clock() };
        state.failure = undefined;
        return result;
      }
      state.failure = { result, until: options.clock() + options.failureCacheMs };
      // A failed refresh leaves keys that are still fresh in use.
      return usable ? ok(usable) : result;
    });
    state.inFlight = fetching;
    return fetching;
  };
}

async function fetchKeys(issuer: string, options: IdpFetchOptions): Promise<Result<IssuerKeySet>> {
  const refused = fail('credentials.invalid-identity-token', COULD_NOT_FETCH);
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  } catch {
    return refused;
  }
  const discovery = await fetchIdpJson(issuerUrl, options);
  if (!discovery.ok) return discovery;
  const jwksUri = (discovery.value as { jwks_uri?: unknown } | null)?.jwks_uri;
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) return refused;
  const jwksUrl = new URL(jwksUri);
  // The keys must come from where the issuer lives: a discovery document cannot send the platform
  // to fetch from another host, scheme or port.
  if (jwksUrl.origin !== issuerUrl.origin) return refused;
  const jwks = await fetchIdpJson(jwksUrl, options);
  if (!jwks.ok) return jwks;
  try {
    return ok(createLocalJWKSet(jwks.value as JSONWebKeySet));
  } catch {
    return refused;
  }
}
