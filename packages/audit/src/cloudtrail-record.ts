/**
 * CloudTrail's record (`CloudTrailEvent` of LookupEvents, one line of an export), built from a
 * change's origin (who, how, from where) and the call's audit details (what), and the entry the
 * store files: the record's canonical JSON and the values it can be looked up by.
 */
import { randomUUID } from 'node:crypto';
import type {
  AuditDetails,
  AuditEventBuilder,
  AuditEventEntry,
  AuditScope,
  ChangeOrigin,
  ChangePrincipal,
} from '@palisade/store';

export type { AuditDetails } from '@palisade/store';

import { redact } from './redaction.ts';

/** CloudTrail's userIdentity block. */
export interface CloudTrailUserIdentity {
  readonly type:
    | 'Root'
    | 'IAMUser'
    | 'AssumedRole'
    | 'FederatedUser'
    | 'WebIdentityUser'
    | 'AWSAccount'
    | 'Unknown';
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  /** A WebIdentityUser's provider (the issuer's host and path). */
  readonly identityProvider?: string;
  readonly sessionContext?: {
    readonly sessionIssuer?: {
      readonly type: 'Role';
      readonly principalId: string;
      readonly arn: string;
      readonly accountId: string;
      readonly userName: string;
    };
    readonly webIdFederationData?: {
      readonly federatedProvider: string;
      readonly attributes: Readonly<Record<string, string>>;
    };
    readonly attributes: { readonly creationDate?: string; readonly mfaAuthenticated: 'true' | 'false' };
    readonly sourceIdentity?: string;
  };
}

/** One CloudTrail record, as LookupEvents' `CloudTrailEvent` carries it. */
export interface CloudTrailRecord {
  readonly eventVersion: '1.08';
  readonly userIdentity: CloudTrailUserIdentity;
  /** Second precision, as CloudTrail writes it (`2026-12-07T07:30:00Z`). */
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters: Readonly<Record<string, unknown>> | null;
  readonly responseElements: Readonly<Record<string, unknown>> | null;
  readonly additionalEventData?: Readonly<Record<string, unknown>>;
  readonly requestID: string;
  readonly eventID: string;
  readonly readOnly: boolean;
  readonly eventType: string;
  readonly managementEvent: true;
  readonly recipientAccountId?: string;
  readonly eventCategory: 'Management';
}

/** IAM and STS are global: CloudTrail records their calls in us-east-1, as AWS does. */
export const AUDIT_REGION = 'us-east-1';

// arn:<partition>:sts::<account>:assumed-role/<role name>/<session name>
const ASSUMED_ROLE_ARN = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]+)$/;

/** CloudTrail's userIdentity of a change's principal. */
export function userIdentityOf(principal: ChangePrincipal | undefined): CloudTrailUserIdentity {
  const common = {
    ...(principal?.accessKeyId ? { accessKeyId: principal.accessKeyId } : {}),
  };
  switch (principal?.type) {
    case 'root':
      return {
        type: 'Root',
        principalId: principal.accountId,
        arn: principal.arn,
        accountId: principal.accountId,
        ...common,
      };
    case 'user':
      return {
        type: 'IAMUser',
        principalId: principal.principalId,
        arn: principal.arn,
        accountId: principal.accountId,
        ...common,
        ...(principal.userName ? { userName: principal.userName } : {}),
      };
    case 'assumed-role': {
      const parsed = ASSUMED_ROLE_ARN.exec(principal.arn ?? '');
      const roleId = principal.principalId?.split(':')[0];
      return {
        type: 'AssumedRole',
        principalId: principal.principalId,
        arn: principal.arn,
        accountId: principal.accountId,
        ...common,
        sessionContext: {
          ...(parsed && roleId
            ? {
                sessionIssuer: {
                  type: 'Role' as const,
                  principalId: roleId,
                  // The session ARN drops the role's path; the issuer's ARN carries it, as in AWS.
                  arn: principal.sessionIssuerArn ?? `arn:${parsed[1]}:iam::${parsed[2]}:role/${parsed[3]}`,
                  accountId: parsed[2] as string,
                  userName: parsed[3] as string,
                },
              }
            : {}),
          ...(principal.webIdentityProvider
            ? { webIdFederationData: { federatedProvider: principal.webIdentityProvider, attributes: {} } }
            : {}),
          attributes: {
            ...(principal.sessionIssuedAt ? { creationDate: toSeconds(principal.sessionIssuedAt) } : {}),
            mfaAuthenticated: principal.mfaAuthenticated ? 'true' : 'false',
          },
          ...(principal.sourceIdentity ? { sourceIdentity: principal.sourceIdentity } : {}),
        },
      };
    }
    case 'federated-user':
      // GetFederationToken credentials: named `<account>:<name>`, with their session's times.
      return {
        type: 'FederatedUser',
        principalId: principal.principalId,
        arn: principal.arn,
        accountId: principal.accountId,
        ...common,
        sessionContext: {
          attributes: {
            ...(principal.sessionIssuedAt ? { creationDate: toSeconds(principal.sessionIssuedAt) } : {}),
            mfaAuthenticated: 'false',
          },
        },
      };
    case 'web-identity':
      // AWS names a federated caller by its provider, audience and subject, and gives it no account.
      return {
        type: 'WebIdentityUser',
        principalId: principal.principalId,
        userName: principal.userName,
        identityProvider: principal.identityProvider,
      };
    case 'operator':
      // The platform's operator has no AWS counterpart: an identity of no account, named by its key.
      return {
        type: 'Unknown',
        principalId: 'operator',
        arn: principal.arn,
        ...common,
        userName: 'operator',
      };
    case 'scim-token':
      // A SCIM token acts for its account (issue #13): an identity of that account, named by the token.
      return {
        type: 'Unknown',
        principalId: principal.principalId,
        arn: principal.arn,
        accountId: principal.accountId,
        ...common,
        ...(principal.userName ? { userName: principal.userName } : {}),
      };
    default:
      return { type: 'Unknown', ...common };
  }
}

/** An ISO instant at second precision, as CloudTrail writes times. */
export function toSeconds(instant: string): string {
  return `${instant.slice(0, 19)}Z`;
}

/** The name CloudTrail's Username lookup matches: the user's name, the role session's, `root`. */
export function lookupUsernameOf(identity: CloudTrailUserIdentity): string | undefined {
  if (identity.type === 'Root') return 'root';
  if (identity.type === 'AssumedRole') return identity.arn?.split('/').at(-1);
  return identity.userName;
}

// Members that name what a call is about: userName, roleArn, policyArn, serialNumber, …
const RESOURCE_MEMBER = /(?:Name|Arn|ARN|serialNumber)$/;

/** The names and ARNs a call is about: its detail's resources, then its top-level *Name / *Arn parameters. */
export function resourceNamesOf(details: AuditDetails): string[] {
  const named = Object.entries(details.requestParameters ?? {})
    .filter(([member, value]) => RESOURCE_MEMBER.test(member) && typeof value === 'string' && value !== '')
    .map(([, value]) => value as string);
  return [...new Set([...(details.resources ?? []), ...named])];
}

/** Everything a record needs: the change's origin, the call's details, the trail and the instant. */
export interface AuditRecordInput {
  readonly origin: ChangeOrigin;
  readonly details: AuditDetails;
  readonly scope: AuditScope;
  readonly at: Date;
  readonly eventId: string;
}

/** The CloudTrail record of a call, as filed in one trail. */
export function buildCloudTrailRecord(input: AuditRecordInput): CloudTrailRecord {
  const { origin, details } = input;
  return {
    eventVersion: '1.08',
    userIdentity: userIdentityOf(origin.principal),
    eventTime: toSeconds(input.at.toISOString()),
    eventSource: details.eventSource,
    eventName: details.eventName,
    awsRegion: AUDIT_REGION,
    ...(origin.sourceIp ? { sourceIPAddress: origin.sourceIp } : {}),
    ...(origin.userAgent ? { userAgent: origin.userAgent } : {}),
    ...(details.errorCode ? { errorCode: details.errorCode } : {}),
    ...(details.errorMessage ? { errorMessage: details.errorMessage } : {}),
    // Redacted again here, whoever set them: no secret reaches a record by any path.
    requestParameters: redact(details.requestParameters),
    responseElements: redact(details.responseElements),
    ...(details.additionalEventData ? { additionalEventData: details.additionalEventData } : {}),
    requestID: origin.requestId,
    eventID: input.eventId,
    readOnly: details.readOnly,
    eventType: details.eventType ?? 'AwsApiCall',
    managementEvent: true,
    ...(input.scope === 'platform' ? {} : { recipientAccountId: input.scope.accountId }),
    eventCategory: 'Management',
  };
}

/** The store entry of a call's event in one trail: the record's JSON and its lookup values. */
export const buildAuditEvent: AuditEventBuilder = ({ origin, details, scope, at }): AuditEventEntry => {
  const eventId = randomUUID();
  const record = buildCloudTrailRecord({ origin, details, scope, at, eventId });
  const username = lookupUsernameOf(record.userIdentity);
  const accessKeyId = record.userIdentity.accessKeyId;
  return {
    eventId,
    eventTime: at.toISOString(),
    event: JSON.stringify(record),
    lookups: {
      eventName: details.eventName,
      readOnly: details.readOnly,
      ...(username ? { username } : {}),
      ...(accessKeyId ? { accessKeyId } : {}),
      resourceNames: resourceNamesOf(details),
    },
  };
};
