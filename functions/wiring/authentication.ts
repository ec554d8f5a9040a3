/**
 * How every Lambda recognises its callers: SigV4 (access keys, temporary credentials, the
 * operator's key) or a sign-in session's Bearer access JWT. Built once per process and shared by
 * the full API and the authorize function, so both accept exactly the same credentials.
 */
import { type Authenticate, authenticateByScheme } from '@palisade/api';
import type { SecretBox } from '@palisade/credentials';
import {
  type AccessTokenCheck,
  type AccountStates,
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

/**
 * How stale a decision may be (ms, plus one DynamoDB round trip): the window within which the
 * decision routes reuse a principal's policies, an account's status and a caller's key without
 * reading them again. The README states this bound; a test holds the platform to it.
 */
export const DECISION_FRESHNESS_MS = 250;

/**
 * Builds the platform's authentication over the store and the access-token verifier. A cached key
 * is confirmed on every call against its account's epoch and status: read each time for the
 * management interfaces, where a change must apply to the very next call; from `accountStates`
 * when given, which the decision routes set to their bundle cache's (one windowed, single-flight
 * read shared with the decisions, so the caller's key is held to the decisions' bound).
 */
export function createPlatformAuthentication(
  config: PlatformConfig,
  store: StoreContext,
  secrets: SecretBox,
  verifyAccessToken: AccessTokenCheck,
  now: () => Date,
  accountStates?: AccountStates,
): PlatformAuthentication {
  const context: AuthenticationContext = {
    store,
    partition: config.partition,
    secrets,
    now,
    operator: { accessKeyId: config.operatorAccessKeyId, secretAccessKey: config.operatorSecretAccessKey },
    // Confirming a cached key costs one read of the account's epoch and status, not three to five.
    credentialCache: createCredentialCache({ revalidateAfterMs: 0 }),
    ...(accountStates ? { accountStates } : {}),
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
