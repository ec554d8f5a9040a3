/**
 * What the STS services need from the outside: the store, the deployment's partition, a clock, the
 * secret box that seals temporary secrets, and two ports: MFA code verification and web identity
 * token verification (each owned here, supplied by the wiring).
 */

import type { SecretBox } from '@palisade/credentials';
import type { Result } from '@palisade/failures';
import type { AccessRecorder } from '@palisade/principals';
import type { OidcProviderRecord, StoreContext } from '@palisade/store';
import type { TokenSessionTags } from './web-identity-tags.ts';

/** Whose MFA device a code is checked against (a user by its immutable id). */
export type MfaOwner = { readonly kind: 'user'; readonly userId: string } | { readonly kind: 'root' };

/**
 * Checks a TOTP code from an MFA device enabled for `owner`, accepting each code once; returns when
 * the code was verified (the MFA authentication time). Failures are `credentials.invalid-mfa`, or
 * `credentials.throttled` while the device is locked after too many wrong codes.
 */
export type MfaVerifier = (request: {
  readonly accountId: string;
  readonly owner: MfaOwner;
  readonly serialNumber: string;
  readonly tokenCode: string;
  readonly now: Date;
}) => Promise<Result<{ readonly authTime: Date }>>;

/** The claims of a verified web identity token that STS uses. */
export interface WebIdentityClaims {
  readonly subject: string;
  /** The client id the token was issued to (the `aud` that matched one of the provider's client ids). */
  readonly audience: string;
  readonly issuer: string;
  readonly amr: readonly string[];
  readonly issuedAt?: number;
  /** The session tags of the token's `https://aws.amazon.com/tags` claim, when it has one. */
  readonly sessionTags?: TokenSessionTags;
  /** The token's `https://aws.amazon.com/source_identity` claim, when it has one. */
  readonly sourceIdentity?: string;
}

/**
 * Verifies a web identity token against a registered provider: signature from the issuer's JWKS,
 * `iss`, `aud` (one of the provider's client ids), expiry (required). Failures are
 * `credentials.invalid-identity-token`, `credentials.expired-identity-token`,
 * `credentials.idp-rejected-claim` or `credentials.idp-unreachable` (the issuer did not answer in time).
 */
export type WebIdentityVerifier = (
  token: string,
  provider: OidcProviderRecord,
  now: Date,
) => Promise<Result<WebIdentityClaims>>;

/** Dependencies of every STS operation. */
export interface StsContext {
  readonly store: StoreContext;
  readonly partition: string;
  readonly now: () => Date;
  /** Seals temporary secrets at rest, bound to their key id. */
  readonly secrets: SecretBox;
  readonly verifyMfa: MfaVerifier;
  readonly verifyWebIdentity: WebIdentityVerifier;
  /** Records role assumptions for GetRole's RoleLastUsed (absent: not recorded). */
  readonly accessRecorder?: AccessRecorder;
}
