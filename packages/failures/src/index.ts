/**
 * Expected failures as values. Services return `Result<T>` instead of throwing, so every caller
 * sees the failure cases in the type and the HTTP layer maps each code in one table.
 */

/** Every expected failure code, namespaced by the area that raises it. */
export type FailureCode =
  // request shape
  | 'request.invalid'
  | 'request.malformed-body'
  | 'request.unknown-action'
  | 'request.unsupported-version'
  | 'request.missing-parameter'
  | 'request.method-not-allowed'
  | 'request.invalid-input'
  | 'request.too-large'
  // entities
  | 'entity.not-found'
  | 'entity.already-exists'
  | 'entity.delete-conflict'
  | 'entity.concurrent-modification'
  | 'entity.precondition-failed'
  | 'quota.exceeded'
  // policies
  | 'policy.malformed'
  | 'policy.too-large'
  | 'policy.packed-too-large'
  // credentials (who you are)
  | 'credentials.missing'
  | 'credentials.invalid-token'
  | 'credentials.unknown-key'
  | 'credentials.incomplete-signature'
  | 'credentials.signature-mismatch'
  | 'credentials.request-expired'
  | 'credentials.expired-token'
  | 'credentials.inactive'
  | 'credentials.invalid-password'
  | 'credentials.password-policy'
  | 'credentials.mfa-required'
  | 'credentials.invalid-mfa'
  | 'credentials.throttled'
  | 'credentials.invalid-identity-token'
  | 'credentials.idp-rejected-claim'
  | 'credentials.expired-identity-token'
  | 'credentials.idp-unreachable'
  // authorization (what you may do)
  | 'audit.invalid-lookup-attributes'
  | 'audit.invalid-time-range'
  | 'audit.invalid-max-results'
  | 'audit.invalid-next-token'
  | 'access.denied'
  | 'account.suspended'
  // platform
  | 'platform.unavailable'
  | 'platform.throttled'
  // ---- provisioning webhooks (issue #14) ----
  | 'webhook.invalid-signature'
  | 'webhook.invalid-event'
  | 'webhook.in-progress'
  | 'provisioning.invalid-setup-token'
  // SCIM 2.0 provisioning (issue #13): RFC 7644's scimType, after the dot
  | 'scim.invalid-filter'
  | 'scim.invalid-syntax'
  | 'scim.invalid-path'
  | 'scim.invalid-value'
  | 'scim.no-target'
  | 'scim.mutability'
  | 'scim.too-many'
  // ---- STS operations (issue #15) ----
  | 'sts.unknown-access-key'
  | 'sts.invalid-authorization-message'
  // ---- exact AWS error codes (issue #15) ----
  // IAM's InvalidAuthenticationCode: MFA codes that do not verify when enabling or resyncing a device.
  | 'credentials.invalid-authentication-code'
  // IAM's InvalidUserType: an operation only some kinds of caller may use (ChangePassword for users).
  | 'request.invalid-user-type'
  // ---- compliance reports (issue #15) ----
  | 'report.not-present'
  | 'report.expired'
  | 'report.in-progress'
  // ---- tf-operations (issue #15) ----
  // An IAM entity family Palisade does not have (instance profiles, SSH keys, SAML providers, …).
  | 'feature.unavailable'
  // An optional SCIM operation this provider does not offer (/Bulk, POST .search): 501, no scimType
  | 'request.not-implemented';

/** An expected failure: a code from the catalog plus a message safe to show the caller. */
export interface Failure {
  readonly ok: false;
  readonly code: FailureCode;
  readonly message: string;
  /** Which input fields were wrong and why (a webhook's data, a blueprint's documents); never a value. */
  readonly fields?: readonly FieldError[];
  /** An AccessDenied's facts, answered only sealed (the encoded authorization message, issue #15). */
  readonly authorization?: DeniedRequest;
}

// ---- STS operations (issue #15) ----

/**
 * What the engine knew of a denied request: who asked, what for, the statements that matched and
 * the request context. Interfaces answer it only sealed; DecodeAuthorizationMessage opens it.
 */
export interface DeniedRequest {
  /** The account whose callers may decode it: the caller's. */
  readonly accountId: string;
  readonly principal: { readonly id: string; readonly name?: string; readonly arn: string };
  readonly action: string;
  readonly resource: string;
  readonly explicitDeny: boolean;
  readonly matchedStatements: readonly {
    readonly statementId: string;
    readonly effect: 'Allow' | 'Deny';
    readonly policyId: string;
    readonly policyType: string;
  }[];
  /** Policies that could not be read and were skipped. */
  readonly failures: readonly string[];
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

/** One wrong input field: its path (`data.owner.userName`, `groups.0.policies.1.document`) and the problem. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** A success carrying its value. */
export interface Success<T> {
  readonly ok: true;
  readonly value: T;
}

/** The outcome of an operation whose failures are expected and typed. */
export type Result<T> = Success<T> | Failure;

/** Wraps a value as a success. */
export function ok<T>(value: T): Success<T> {
  return { ok: true, value };
}

/** Builds a failure with a code from the catalog and a caller-safe message. */
export function fail(code: FailureCode, message: string): Failure {
  return { ok: false, code, message };
}

/** Builds a failure that names the input fields at fault. */
export function failFields(code: FailureCode, message: string, fields: readonly FieldError[]): Failure {
  return { ok: false, code, message, fields };
}

/** True when `value` is a Failure (useful when a union also holds plain values). */
export function isFailure(value: unknown): value is Failure {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { ok?: unknown }).ok === false &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

const UNAVAILABLE = Symbol.for('palisade.platform-unavailable');

/**
 * An error a dependency throws when it cannot answer (timed out, unreachable, failing): whatever
 * the route, it is answered `platform.unavailable` (503), never a hang or a 500.
 */
export function platformUnavailableError(message: string, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause });
  error.name = 'PlatformUnavailable';
  Object.defineProperty(error, UNAVAILABLE, { value: true });
  return error;
}

/** True for an error made by {@link platformUnavailableError}. */
export function isPlatformUnavailableError(error: unknown): error is Error {
  return error instanceof Error && (error as unknown as Record<symbol, unknown>)[UNAVAILABLE] === true;
}
