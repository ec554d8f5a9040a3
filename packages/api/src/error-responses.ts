/**
 * Renders a failure for each interface: `{"error": {...}}` JSON for REST, AWS `ErrorResponse` XML
 * for the Query API, `{"__type", "message"}` for the AWS JSON 1.1 API (CloudTrail), an RFC 7644
 * §3.12 error body for SCIM.
 */
import type { Failure, FieldError } from '@palisade/failures';
import type { Context } from 'hono';
import { messageWithAuthorization } from './authorization-messages.ts';
import { errorTable, internalError, type WireError } from './error-table.ts';
import { escapeXml } from './xml.ts';

/** Which wire format a request expects its errors in. */
export type Protocol = 'rest' | 'aws-query' | 'aws-json' | 'scim';

/** RFC 7644 §3.12's error schema (here, not only in @palisade/scim, so the platform shell need not load SCIM). */
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The content type of AWS JSON 1.1 requests and answers. */
export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * True for an AWS JSON 1.1 request: a POST with that content type and a target header. Here, not
 * in aws-json-app.ts, so the platform shell tells the wire apart without loading that app's zod.
 */
export function isAwsJsonRequest(request: Request): boolean {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  return request.method === 'POST' && type === AWS_JSON_CONTENT_TYPE && request.headers.has('x-amz-target');
}

/** The JSON body of a REST error. */
export interface RestErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly requestId: string;
    /** The input fields at fault, when the failure names them. */
    readonly fields?: readonly FieldError[];
  };
}

const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

/** Answers a failure in the request's protocol, with the status from the error table. */
export function failureResponse(
  c: Context,
  failure: Pick<Failure, 'code' | 'message' | 'fields' | 'authorization'>,
  protocol: Protocol,
  xmlNamespace = IAM_NAMESPACE,
) {
  return wireErrorResponse(
    c,
    errorTable[failure.code],
    failure.code,
    // Only REST answers carry the encoded message: IAM and STS Query answer AccessDenied as AWS does.
    protocol === 'rest' ? messageWithAuthorization(c, failure) : failure.message,
    protocol,
    xmlNamespace,
    failure.fields,
  );
}

/** Answers an unexpected error without revealing anything about it. */
export function internalErrorResponse(c: Context, protocol: Protocol) {
  return wireErrorResponse(
    c,
    internalError,
    'platform.internal',
    'We encountered an internal error. Please try again.',
    protocol,
    IAM_NAMESPACE,
  );
}

function wireErrorResponse(
  c: Context,
  wire: WireError,
  code: string,
  message: string,
  protocol: Protocol,
  xmlNamespace: string,
  fields?: readonly FieldError[],
) {
  const requestId = c.get('requestId') ?? '';
  if (protocol === 'aws-query') {
    const xml =
      `<ErrorResponse xmlns="${xmlNamespace}">` +
      `<Error><Type>${wire.awsType}</Type><Code>${wire.awsCode}</Code><Message>${escapeXml(message)}</Message></Error>` +
      `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`;
    return c.body(xml, wire.awsStatus as 400, { 'content-type': 'text/xml' });
  }
  if (protocol === 'aws-json') {
    // AWS JSON 1.1 clients read the code from `__type` (or x-amzn-ErrorType) and the text from `message`.
    return c.body(JSON.stringify({ __type: wire.awsCode, message }), wire.awsStatus as 400, {
      'content-type': AWS_JSON_CONTENT_TYPE,
      'x-amzn-ErrorType': wire.awsCode,
    });
  }
  if (protocol === 'scim') {
    // Nothing of the cause: the x-request-id header lets an operator find it in the log.
    const body = { schemas: [SCIM_ERROR_SCHEMA], status: String(wire.status), detail: message };
    return c.body(JSON.stringify(body), wire.status as 500, { 'content-type': 'application/scim+json' });
  }
  const body: RestErrorBody = { error: { code, message, requestId, ...(fields ? { fields } : {}) } };
  return c.json(body, wire.status);
}

/** Answers a dependency that could not answer (a stalled or failing store): 503, nothing of the cause. */
export function unavailableErrorResponse(c: Context, protocol: Protocol) {
  return wireErrorResponse(
    c,
    errorTable['platform.unavailable'],
    'platform.unavailable',
    'The service is unavailable. Please try again.',
    protocol,
    IAM_NAMESPACE,
  );
}
