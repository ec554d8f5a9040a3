/**
 * Sign-in for tenants' users and roots: passwords with MFA, throttled; short-lived ES256 access
 * JWTs with rotating refresh tokens; the signing keys and their JWKS / OpenID discovery documents.
 */
import { buildOpenIdConfiguration, type JsonWebKeySet } from '@palisade/credentials';
import type { Result } from '@palisade/failures';
import { createSessionIssuer, type SessionTokens } from './session-issuer.ts';
import { createPasswordSignIn, type SignInOrigin, type SignInRequest } from './sign-in.ts';
import type { SignInContext } from './sign-in-context.ts';
import { createSignInThrottle } from './sign-in-throttle.ts';
import { createSigningKeyring, type SigningKeyring } from './signing-keyring.ts';

export type { SessionTokens } from './session-issuer.ts';
export type { SignInOrigin, SignInRequest } from './sign-in.ts';
export * from './sign-in-context.ts';
export {
  createSigningKeyCache,
  type LoadedSigningKeys,
  type SigningKeyCache,
} from './signing-key-cache.ts';
export { createSigningKeyring, type SigningKeyring } from './signing-keyring.ts';

/** The sign-in service the HTTP layer and bearer authentication use. */
export interface SignInService {
  signIn(request: SignInRequest, origin: SignInOrigin): Promise<Result<SessionTokens>>;
  refresh(refreshToken: string): Promise<Result<SessionTokens>>;
  signOut(accessToken: string): Promise<Result<void>>;
  /** Checks an access token's signature and claims (not its session: bearer authentication does). */
  verifyAccessToken: SigningKeyring['verify'];
  jwks(): Promise<JsonWebKeySet>;
  openIdConfiguration(): Record<string, unknown>;
}

/** Builds the sign-in service from its context. */
export function createSignInService(context: SignInContext): SignInService {
  const keyring = createSigningKeyring(context);
  const sessions = createSessionIssuer(context, keyring);
  const throttle = createSignInThrottle(context.store, context.throttle);
  const signIn = createPasswordSignIn(context, throttle, sessions);
  const base = context.issuer.replace(/\/+$/, '');
  return {
    signIn,
    refresh: (token) => sessions.refresh(token, context.now()),
    signOut: (token) => sessions.signOut(token, context.now()),
    verifyAccessToken: (token, now) => keyring.verify(token, now),
    jwks: () => keyring.jwks(context.now()),
    openIdConfiguration: () =>
      buildOpenIdConfiguration({ issuer: context.issuer, tokenEndpoint: `${base}/v1/sign-in` }),
  };
}
