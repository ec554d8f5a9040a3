/**
 * STS: temporary credentials. AssumeRole (with cross-account trust, ExternalId, MFA, session
 * policies, tags and source identity), AssumeRoleWithWebIdentity (OIDC providers), GetSessionToken
 * and GetCallerIdentity, as operation tables the REST and Query interfaces call.
 */
import type { OperationTable } from '@palisade/principals';
import { getAccessKeyInfoOperation } from './access-key-info.ts';
import { assumeRoleOperation } from './assume-role.ts';
import { decodeAuthorizationMessageOperation } from './authorization-messages.ts';
import { getCallerIdentityOperation } from './caller-identity.ts';
import { getFederationTokenOperation } from './federation-token.ts';
import { getSessionTokenOperation } from './session-token.ts';
import type { StsContext } from './sts-context.ts';
import { assumeRoleWithWebIdentityOperation, type UnsignedStsOperation } from './web-identity.ts';

export {
  authorizationMessageSealer,
  DECODED_MESSAGE_LIMIT,
  ENCODED_MESSAGE_LIMIT,
  type SealAuthorizationMessage,
} from './authorization-messages.ts';
export {
  type GuardedDestinations,
  type GuardedRequest,
  type GuardedResponse,
  type HostResolver,
  isPublicAddress,
  type ResolvedAddress,
  sendGuardedRequest,
  systemResolver,
} from './idp-fetch.ts';
export {
  createWebIdentityVerifier,
  IDP_MAX_RESPONSE_BYTES,
  type WebIdentityVerifierOptions,
} from './oidc-tokens.ts';
export {
  CHAINED_SESSION_LIMIT_SECONDS,
  DEFAULT_ROLE_SESSION_SECONDS,
} from './role-sessions.ts';
export type { TemporaryCredentials } from './session-credentials.ts';
export { PACKED_POLICY_LIMIT } from './session-policies.ts';
export { MAX_SESSION_TAGS } from './session-tags.ts';
export {
  type SignInCredentials,
  sessionTokenForSignIn,
  signInCredentialIssuer,
  type VerifyAccessToken,
} from './session-token.ts';
export type {
  MfaOwner,
  MfaVerifier,
  StsContext,
  WebIdentityClaims,
  WebIdentityVerifier,
} from './sts-context.ts';
export type { UnsignedStsOperation } from './web-identity.ts';
export {
  SESSION_TAGS_CLAIM,
  SOURCE_IDENTITY_CLAIM,
  sessionTagsOf,
  sourceIdentityOf,
  type TokenSessionTags,
} from './web-identity-tags.ts';

/** The signed STS actions, by AWS action name. */
export function stsOperations(context: StsContext) {
  return {
    AssumeRole: assumeRoleOperation(context),
    GetSessionToken: getSessionTokenOperation(context),
    GetCallerIdentity: getCallerIdentityOperation(),
    GetAccessKeyInfo: getAccessKeyInfoOperation(context),
    GetFederationToken: getFederationTokenOperation(context),
    DecodeAuthorizationMessage: decodeAuthorizationMessageOperation(context),
  } satisfies OperationTable;
}

/** The signed STS operations by action name, each with its input and output types. */
export type StsOperationTable = ReturnType<typeof stsOperations>;

/** The STS actions whose input carries its own proof of identity (not signed). */
export function unsignedStsOperations(context: StsContext): Readonly<Record<string, UnsignedStsOperation>> {
  return { AssumeRoleWithWebIdentity: assumeRoleWithWebIdentityOperation(context) };
}
