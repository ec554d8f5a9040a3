/**
 * The API side of change records: every operation that may change something runs inside a
 * `withChangeOrigin` scope naming the request (id, source, user agent), the interface, the
 * operation and the authenticated caller, so the store files each change under who made it, and
 * the call's audit event (CloudTrail's record) rides in its first committed transaction.
 */
import { type AuditDetails, buildAuditEvent } from '@palisade/audit';
import { type Failure, isFailure } from '@palisade/failures';
import {
  type Caller,
  type ChangeInterface,
  type ChangeOrigin,
  type ChangePrincipal,
  changePrincipalOf,
  withChangeOrigin,
} from '@palisade/principals';
import type { Context } from 'hono';
import { peerAddressOf } from './client-address.ts';
import { errorTable } from './error-table.ts';
import { MAX_USER_AGENT } from './signed-request.ts';

const SIGNING_KEY_ID = /Credential=([A-Z0-9]{16,128})\//;

/** The access key id a SigV4 request names (header or presigned query); the request is already verified. */
function signingKeyIdOf(c: Context): string | undefined {
  const header = c.req.header('authorization') ?? '';
  const query = c.req.query('X-Amz-Credential');
  return SIGNING_KEY_ID.exec(header)?.[1] ?? SIGNING_KEY_ID.exec(`Credential=${query ?? ''}`)?.[1];
}

/** What an interface says of a call's audit event beyond its defaults (all optional). */
export interface CallAudit extends Partial<Omit<AuditDetails, 'requestParameters'>> {
  /** The call's input as CloudTrail shows it, already redacted; made only if the call commits. */
  readonly requestParameters?: () => Readonly<Record<string, unknown>> | null;
  /** What a refused call's event adds besides its error (ConsoleLogin: `Failure`). */
  readonly refused?: Partial<AuditDetails>;
}

// A refusal of who the caller is or what it may do; asking for an MFA code is a step, not a refusal.
const REFUSAL = /^(?:access\.|account\.|credentials\.(?!mfa-required$))/;

/** Files a refused call's event after its answer, never awaited by it (Lambda: until the runtime freezes). */
function recordRefusal(c: Context, failure: Failure, audit: CallAudit): void {
  const record = c.get('recordRefusal');
  if (!record || !REFUSAL.test(failure.code)) return;
  const pending = record({
    errorCode: errorTable[failure.code].awsCode,
    errorMessage: failure.message,
    ...audit.refused,
  });
  try {
    c.executionCtx.waitUntil(pending);
  } catch {
    // No execution context (Node server, Lambda): the write finishes on its own; it never rejects.
  }
}

// Where CloudTrail files each interface's calls (the contract's eventSource names).
const EVENT_SOURCES: Readonly<Record<ChangeInterface, string>> = {
  'iam-query': 'iam.amazonaws.com',
  rest: 'iam.amazonaws.com',
  'sts-query': 'sts.amazonaws.com',
  'sts-rest': 'sts.amazonaws.com',
  'sign-in': 'signin.amazonaws.com',
  operator: 'palisade',
  decisions: 'palisade',
  cloudtrail: 'cloudtrail.amazonaws.com',
  system: 'palisade',
  provisioning: 'provisioning.palisade',
  scim: 'scim.palisade',
};
// CloudTrail marks credential-minting STS calls read-only: they change no IAM resource.
const READ_ONLY =
  /^(?:AssumeRole|AssumeRoleWithWebIdentity|AssumeRoleWithSAML|GetSessionToken|GetFederationToken)$/;

/** The audit details of a call through `via` as `operation`, with what the interface adds. */
function auditDetailsOf(via: ChangeInterface, operation: string, audit: CallAudit): () => AuditDetails {
  return () => {
    const { requestParameters, ...rest } = audit;
    return {
      eventSource: operation === 'GetSessionToken' ? 'sts.amazonaws.com' : EVENT_SOURCES[via],
      eventName: operation,
      readOnly: READ_ONLY.test(operation),
      ...rest,
      requestParameters: requestParameters ? requestParameters() : null,
    };
  };
}

/**
 * Runs `run` as operation `operation` through `via`, by `caller` (absent before anyone is
 * authenticated: sign-in, web identity); every change it commits is recorded with that origin,
 * and its first commit carries the call's audit event (`audit` adds to the interface's defaults).
 */
export function runAsChange<T>(
  c: Context,
  via: ChangeInterface,
  operation: string,
  caller: Caller | undefined,
  run: () => Promise<T>,
  audit: CallAudit = {},
): Promise<T> {
  const principal = caller ? changePrincipalOf(caller, signingKeyIdOf(c)) : { type: 'anonymous' };
  return runAsPrincipal(c, via, operation, principal, run, audit);
}

/**
 * Runs `run` like runAsChange with the change principal given as is: a caller that is no IAM
 * principal (a SCIM token acting for its account) names itself in the change records.
 */
export function runAsPrincipal<T>(
  c: Context,
  via: ChangeInterface,
  operation: string,
  principal: ChangePrincipal,
  run: () => Promise<T>,
  audit: CallAudit = {},
): Promise<T> {
  const sourceIp = c.get('clientAddress') ?? peerAddressOf(c.env);
  const userAgent = c.req.header('user-agent')?.slice(0, MAX_USER_AGENT);
  // Field by field in the origin's key order (its change records keep it): one per call.
  const origin: { -readonly [K in keyof ChangeOrigin]: ChangeOrigin[K] } = {
    via,
    operation,
    requestId: c.get('requestId'),
  };
  if (sourceIp) origin.sourceIp = sourceIp;
  if (userAgent) origin.userAgent = userAgent;
  origin.principal = principal;
  return withChangeOrigin(
    origin,
    async () => {
      const result = await run();
      if (isFailure(result)) recordRefusal(c, result, audit);
      return result;
    },
    { details: auditDetailsOf(via, operation, audit), build: buildAuditEvent },
  );
}
