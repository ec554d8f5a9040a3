/**
 * The documents relying parties fetch to verify Palisade sessions: the JWKS and the OpenID
 * Provider configuration. Pure functions of the issuer and the published keys.
 */
import { type PublicSigningJwk, SESSION_SIGNING_ALGORITHM, toPublicSigningJwk } from './signing-keys.ts';

/** A JSON Web Key Set of public signing keys. */
export interface JsonWebKeySet {
  readonly keys: readonly PublicSigningJwk[];
}

/**
 * The JWKS to publish: the public members of each key only, so a private key passed by mistake
 * cannot leak. Publish the next key before signing with it and keep the old one until its tokens
 * have expired.
 */
export function buildJwks(keys: readonly PublicSigningJwk[]): JsonWebKeySet {
  return { keys: keys.flatMap((k) => toPublicSigningJwk(k) ?? []) };
}

/** Where the provider's endpoints live; each defaults to a path under the issuer. */
export interface OpenIdEndpoints {
  readonly issuer: string;
  readonly jwksUri?: string;
  readonly authorizationEndpoint?: string;
  readonly tokenEndpoint?: string;
  readonly userinfoEndpoint?: string;
}

/** The OpenID Provider configuration served at `/.well-known/openid-configuration`. */
export function buildOpenIdConfiguration(endpoints: OpenIdEndpoints): Record<string, unknown> {
  const base = endpoints.issuer.replace(/\/+$/, '');
  // Only what Palisade serves: a JWT issuer with published keys and a token (sign-in) endpoint;
  // no authorization-code flow, so no authorization endpoint or code grant is advertised.
  return {
    issuer: endpoints.issuer,
    jwks_uri: endpoints.jwksUri ?? `${base}/.well-known/jwks.json`,
    ...(endpoints.authorizationEndpoint ? { authorization_endpoint: endpoints.authorizationEndpoint } : {}),
    token_endpoint: endpoints.tokenEndpoint ?? `${base}/token`,
    ...(endpoints.userinfoEndpoint ? { userinfo_endpoint: endpoints.userinfoEndpoint } : {}),
    response_types_supported: endpoints.authorizationEndpoint ? ['code'] : [],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [SESSION_SIGNING_ALGORITHM],
    token_endpoint_auth_methods_supported: ['none'],
    grant_types_supported: endpoints.authorizationEndpoint
      ? ['authorization_code', 'refresh_token']
      : ['refresh_token'],
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'nbf',
      'jti',
      'auth_time',
      'amr',
      'sid',
      'account',
      'mfa',
    ],
  };
}
