/**
 * How every Lambda recognises its callers: SigV4 (access keys, temporary credentials, the
 * operator's key) or a sign-in session's Bearer access JWT. Built once per process and shared by
 * the full API and the authorize function, so both accept exactly the same credentials.
 */
import { type Authenticate, authenticateByScheme } from '@palisade/api';
import type { SecretBox } from '@palisade/credentials';
import {
  type AccessTokenCheck,
  type AuthenticationContext,
  authenticateBearerToken,
  authenticateSignedRequest,
  createCredentialCache,
} from '@palisade/iam';
import type { StoreContext } from '@palisade/store';
import type { PlatformConfig } from './config.ts';

/** Authenticates a sign-in session's access token, reporting its claims as well as its caller. */
export type BearerAuthentication = (
  token: string,
  origin: { readonly sourceIp?: string },
) => ReturnType<typeof authenticateBearerToken>;

/** The two ways a request proves who it is, and the scheme dispatcher over both. */
export interface PlatformAuthentication {
  readonly authenticate: Authenticate;
  readonly authenticateBearer: BearerAuthentication;
}

/** Builds the platform's authentication over the store and the access-token verifier. */
export function createPlatformAuthentication(
  config: PlatformConfig,
  store: StoreContext,
  secrets: SecretBox,
  verifyAccessToken: AccessTokenCheck,
  now: () => Date,
): PlatformAuthentication {
  const context: AuthenticationContext = {
    store,
    partition: config.partition,
    secrets,
    now,
    operator: { accessKeyId: config.operatorAccessKeyId, secretAccessKey: config.operatorSecretAccessKey },
    // Revalidated on every request (one read of the account's epoch and status instead of three to
    // five): suspensions, key deactivations and policy changes apply to the very next call.
    credentialCache: createCredentialCache({ revalidateAfterMs: 0 }),
  };
  const authenticateBearer: BearerAuthentication = (token, origin) =>
    authenticateBearerToken({ store, partition: config.partition, now, verifyAccessToken }, token, origin);
  const authenticateSignature: Authenticate = (request, service, origin) =>
    authenticateSignedRequest(context, request, service, origin);
  return {
    authenticate: authenticateByScheme(authenticateSignature, authenticateBearer),
    authenticateBearer,
  };
}
