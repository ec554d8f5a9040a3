/**
 * The one table that maps every expected failure code to what each interface answers: an HTTP
 * status for the REST API, and the AWS error code and status that AWS SDKs and the CLI expect.
 */
import type { FailureCode } from '@palisade/failures';

/** How one failure code appears on the wire. */
export interface WireError {
  readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 410 | 412 | 413 | 422 | 429 | 500 | 501 | 503;
  readonly awsCode: string;
  /** AWS answers some errors with a status other than the REST one (e.g. Throttling is 400). */
  readonly awsStatus: number;
  /** Sender when the caller is at fault, Receiver when the service is (AWS ErrorResponse/Type). */
  readonly awsType: 'Sender' | 'Receiver';
}

function sender(status: WireError['status'], awsCode: string, awsStatus: number = status): WireError {
  return { status, awsCode, awsStatus, awsType: 'Sender' };
}

/** Every code has a row; the Record type makes a missing one a compile error. */
export const errorTable: Readonly<Record<FailureCode, WireError>> = {
  'request.invalid': sender(400, 'ValidationError'),
  'request.malformed-body': sender(400, 'MalformedQueryString'),
  'request.unknown-action': sender(400, 'InvalidAction'),
  'request.unsupported-version': sender(400, 'InvalidAction'),
  'request.missing-parameter': sender(400, 'MissingParameter'),
  'request.method-not-allowed': sender(405, 'InvalidAction', 400),
  // IAM's InvalidInputException: a value the operation cannot use (the simulator's options, CallerArn, …).
  'request.invalid-input': sender(400, 'InvalidInput'),
  // API Gateway's answer to an oversized body; AWS clients treat it as a sender error.
  'request.too-large': sender(413, 'RequestEntityTooLarge'),
  'entity.not-found': sender(404, 'NoSuchEntity'),
  'entity.already-exists': sender(409, 'EntityAlreadyExists'),
  'entity.delete-conflict': sender(409, 'DeleteConflict'),
  'entity.concurrent-modification': sender(409, 'ConcurrentModification'),
  'entity.precondition-failed': sender(412, 'PreconditionFailed'),
  'quota.exceeded': sender(409, 'LimitExceeded'),
  'policy.malformed': sender(400, 'MalformedPolicyDocument'),
  'policy.too-large': sender(400, 'LimitExceeded', 409),
  'policy.packed-too-large': sender(400, 'PackedPolicyTooLarge'),
  'credentials.missing': sender(401, 'MissingAuthenticationToken', 403),
  'credentials.invalid-token': sender(401, 'InvalidClientTokenId', 403),
  'credentials.unknown-key': sender(401, 'InvalidClientTokenId', 403),
  'credentials.incomplete-signature': sender(401, 'IncompleteSignature', 400),
  'credentials.signature-mismatch': sender(401, 'SignatureDoesNotMatch', 403),
  'credentials.request-expired': sender(401, 'RequestExpired', 400),
  'credentials.expired-token': sender(401, 'ExpiredToken', 400),
  'credentials.inactive': sender(401, 'InvalidClientTokenId', 403),
  'credentials.invalid-password': sender(401, 'AccessDenied', 403),
  'credentials.password-policy': sender(400, 'PasswordPolicyViolation'),
  'credentials.mfa-required': sender(401, 'AccessDenied', 403),
  'credentials.invalid-mfa': sender(401, 'AccessDenied', 403),
  'credentials.throttled': sender(429, 'Throttling', 400),
  'credentials.invalid-identity-token': sender(400, 'InvalidIdentityToken'),
  'credentials.idp-rejected-claim': sender(403, 'IDPRejectedClaim'),
  'credentials.expired-identity-token': sender(400, 'ExpiredTokenException'),
  // The provider's discovery document or keys could not be fetched in time: the caller may retry.
  'credentials.idp-unreachable': sender(400, 'IDPCommunicationError'),
  // CloudTrail's LookupEvents exceptions (AWS JSON 1.1 `__type`), for bad lookups of the audit trail.
  'audit.invalid-lookup-attributes': sender(400, 'InvalidLookupAttributesException'),
  'audit.invalid-time-range': sender(400, 'InvalidTimeRangeException'),
  'audit.invalid-max-results': sender(400, 'InvalidMaxResultsException'),
  'audit.invalid-next-token': sender(400, 'InvalidNextTokenException'),
  'access.denied': sender(403, 'AccessDenied'),
  'account.suspended': sender(403, 'AccessDenied'),
  'platform.unavailable': { status: 503, awsCode: 'ServiceUnavailable', awsStatus: 503, awsType: 'Receiver' },
  'platform.throttled': sender(429, 'Throttling', 400),
  // ---- provisioning webhooks (issue #14) ----
  // Standard Webhooks: a bad signature or a stale timestamp is 401; the sender may fix it and retry.
  'webhook.invalid-signature': sender(401, 'InvalidSignature'),
  // A well-signed event the platform cannot apply (unknown type, invalid data): 422 with field errors.
  'webhook.invalid-event': sender(422, 'InvalidEvent', 400),
  // Another delivery of the same webhook-id is being applied right now: retry later for its answer.
  'webhook.in-progress': sender(409, 'WebhookInProgress'),
  'provisioning.invalid-setup-token': sender(401, 'AccessDenied', 403),
  // SCIM 2.0 provisioning (issue #13): 400s whose scimType the SCIM app reads from the code.
  'scim.invalid-filter': sender(400, 'ValidationError'),
  'scim.invalid-syntax': sender(400, 'ValidationError'),
  'scim.invalid-path': sender(400, 'ValidationError'),
  'scim.invalid-value': sender(400, 'ValidationError'),
  'scim.no-target': sender(400, 'ValidationError'),
  'scim.mutability': sender(400, 'ValidationError'),
  'scim.too-many': sender(400, 'ValidationError'),
  // ---- STS operations (issue #15) ----
  // GetAccessKeyInfo of an id never issued here (or deleted): AWS documents only "might return an error".
  'sts.unknown-access-key': sender(400, 'InvalidParameterValue'),
  // DecodeAuthorizationMessage of a message that is not one, is tampered with, or is another account's.
  'sts.invalid-authorization-message': sender(400, 'InvalidAuthorizationMessageException'),
  // ---- exact AWS error codes (issue #15) ----
  'credentials.invalid-authentication-code': sender(403, 'InvalidAuthenticationCode'),
  'request.invalid-user-type': sender(400, 'InvalidUserType'),
  // ---- compliance reports (issue #15): AWS's codes and statuses for the credential report ----
  'report.not-present': sender(410, 'ReportNotPresent'),
  'report.expired': sender(410, 'ReportExpired'),
  'report.in-progress': sender(404, 'ReportInProgress'),
  // ---- tf-operations (issue #15) ----
  // Creating or changing an entity of a family Palisade lacks: IAM's InvalidInput, which the model
  // lists for these operations, so SDKs raise a typed exception whose message says why.
  'feature.unavailable': sender(400, 'InvalidInput'),
  // RFC 7644 §3.12: the service provider does not support the operation.
  'request.not-implemented': sender(501, 'NotImplemented'),
};

/** What an unexpected error becomes: nothing of its internals reaches the caller. */
export const internalError: WireError = {
  status: 500,
  awsCode: 'InternalFailure',
  awsStatus: 500,
  awsType: 'Receiver',
};
