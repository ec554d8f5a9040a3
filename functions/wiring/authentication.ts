/**
 * How every Lambda recognises its callers: SigV4 (access keys, temporary credentials, the
 * operator's key) or a sign-in session's Bearer access JWT. Built once per process and shared by
 * the full API and the authorize function, so both accept exactly the same credentials.
 */
import { type Authenticate, type AuthenticateOverlapped, authenticateByScheme } from '@palisade/api';
import type { SecretBox } from '@palisade/credentials';
import {
  type AccessTokenCheck,
  type AuthenticationContext,
  authenticateBearerToken,
  authenticateSignedRequest,
  authenticateSignedRequestOverlapped,
  createCredentialCache,
  holdWritesUntilConfirmed,
  type RequestOrigin,
} from '@palisade/principals';
import { batchPointReads, type StampReader, type StoreContext } from '@palisade/store';
import type { PlatformConfig } from './config.ts';

/** Authenticates a sign-in session's access token, reporting its claims as well as its caller. */
export type BearerAuthentication = (
  token: string,
  origin: RequestOrigin,
) => ReturnType<typeof authenticateBearerToken>;

/** The two ways a request proves who it is, and the scheme dispatcher over both. */
export interface PlatformAuthentication {
  readonly authenticate: Authenticate;
  /** The same, for the Query API's operations: a remembered key's revalidation overlaps the operation. */
  readonly authenticateOverlapped: AuthenticateOverlapped;
  readonly authenticateBearer: BearerAuthentication;
}

/**
 * How stale a decision may be (ms, plus one DynamoDB round trip): the window within which the
 * decision routes reuse a principal's policies, an account's status and a caller's key without
 * reading them again. The README states this bound; a test holds the platform to it.
 */
export const DECISION_FRESHNESS_MS = 250;

/**
 * From this age (ms) the decision routes confirm a cached key, bundle or account state in the
 * background while still serving it (inside DECISION_FRESHNESS_MS, so the bound holds), leaving a
 * round trip of up to 50 ms to finish before anyone would have to wait for one.
 */
export const DECISION_REFRESH_AHEAD_MS = 200;

/**
 * Builds the platform's authentication over the store and the access-token verifier. A cached key
 * is confirmed on every call of the management interfaces (where a change must apply to the very
 * next call) by one read of the stamps it was built from, and within `revalidateAfterMs` as is on
 * the decision routes, whose bundle cache lends its stamp reader (`readStamps`) so the caller's
 * revalidation shares the decision's round trip.
 */
export function createPlatformAuthentication(
  config: PlatformConfig,
  store: StoreContext,
  secrets: SecretBox,
  verifyAccessToken: AccessTokenCheck,
  now: () => Date,
  decisionRoutes?: {
    readonly readStamps: StampReader;
    readonly revalidateAfterMs: number;
    readonly refreshAheadMs?: number;
  },
): PlatformAuthentication {
  const context: AuthenticationContext = {
    store,
    partition: config.partition,
    secrets,
    now,
    operator: { accessKeyId: config.operatorAccessKeyId, secretAccessKey: config.operatorSecretAccessKey },
    // Confirming a cached key costs one read of its stamps, not three to five reads to reload it.
    credentialCache: createCredentialCache({
      revalidateAfterMs: decisionRoutes?.revalidateAfterMs ?? 0,
      ...(decisionRoutes?.refreshAheadMs !== undefined
        ? { refreshAheadMs: decisionRoutes.refreshAheadMs }
        : {}),
    }),
    ...(decisionRoutes ? { readStamps: decisionRoutes.readStamps } : {}),
  };
  const authenticateBearer: BearerAuthentication = (token, origin) =>
    authenticateBearerToken({ store, partition: config.partition, now, verifyAccessToken }, token, origin);
  const authenticateSignature: Authenticate = (request, service, origin) =>
    authenticateSignedRequest(context, request, service, origin);
  // Installed now, before anything else observes the store's requests (a bench's recorder times a
  // held write from when it is released, and sees a batch of reads as the one request it is).
  holdWritesUntilConfirmed(store);
  batchPointReads(store);
  const authenticateSignatureOverlapped: AuthenticateOverlapped = (request, service, origin) =>
    authenticateSignedRequestOverlapped(context, request, service, origin);
  return {
    authenticate: authenticateByScheme(authenticateSignature, authenticateBearer),
    authenticateOverlapped: authenticateByScheme(authenticateSignatureOverlapped, authenticateBearer),
    authenticateBearer,
  };
}
