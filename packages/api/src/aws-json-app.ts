/**
 * The AWS JSON 1.1 API at `/`: CloudTrail's LookupEvents over the audit trail, so the unchanged
 * `aws cloudtrail lookup-events` and @aws-sdk/client-cloudtrail work against Palisade. A request
 * is `POST /` with `Content-Type: application/x-amz-json-1.1` and `X-Amz-Target` naming the
 * action; anything else falls through to the Query API served at the same path. SigV4 with the
 * scope service `cloudtrail`, through the one authentication every interface uses.
 */
import {
  type AuditEventSummary,
  type AuditLookupPage,
  type AuditReads,
  queryRequestParameters,
} from '@palisade/audit';
import { fail, ok, type Result } from '@palisade/failures';
import { parseBoundedJson } from '@palisade/policy';
import { validationFailure } from '@palisade/principals';
import { Hono } from 'hono';
import { z } from 'zod';
import { runAsChange } from './change-origin.ts';
import { AWS_JSON_CONTENT_TYPE, failureResponse, isAwsJsonRequest } from './error-responses.ts';
import { type Authenticate, readSignedRequest } from './signed-request.ts';

/** What CloudTrail's targets start with; the action follows. */
export const CLOUDTRAIL_TARGET_PREFIX = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.';
// The SDK v3 sends the target without the namespace (the CLI and the API reference, with it).
const SHORT_TARGET_PREFIX = 'CloudTrail_20131101.';

/** The scope service CloudTrail requests are signed for. */
export const CLOUDTRAIL_SIGNING_SERVICE = 'cloudtrail';

// A lookup is a few hundred bytes (an AttributeValue of 2,000 characters and a NextToken at most).
const MAX_LOOKUP_BODY_BYTES = 64 * 1024;

/** LookupEvents' request members, as CloudTrail's API reference names them (times: epoch seconds). */
const lookupEventsInput = z.object({
  LookupAttributes: z
    .array(z.object({ AttributeKey: z.string().max(64), AttributeValue: z.string().max(2000) }))
    .max(50)
    .optional(),
  StartTime: z.number().finite().optional(),
  EndTime: z.number().finite().optional(),
  EventCategory: z.literal('insight').optional(),
  MaxResults: z.number().int().optional(),
  NextToken: z.string().max(1024).optional(),
});

type LookupEventsInput = z.output<typeof lookupEventsInput>;

function parseLookupEvents(bodyText: string): Result<LookupEventsInput> {
  const json = parseBoundedJson(bodyText.trim() === '' ? '{}' : bodyText);
  if (!json.ok) return fail('request.malformed-body', 'The request body is not valid JSON.');
  const parsed = lookupEventsInput.safeParse(json.value);
  return parsed.success ? ok(parsed.data) : validationFailure(parsed.error);
}

// CloudTrail's resource types of the ARNs Palisade's events name.
const ARN_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  'iam:user': 'AWS::IAM::User',
  'iam:group': 'AWS::IAM::Group',
  'iam:role': 'AWS::IAM::Role',
  'iam:policy': 'AWS::IAM::Policy',
  'iam:oidc-provider': 'AWS::IAM::OIDCProvider',
  'iam:mfa': 'AWS::IAM::MFADevice',
  'sts:assumed-role': 'AWS::STS::AssumedRole',
};
// …and of the request members that name a resource by its name.
const MEMBER_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  userName: 'AWS::IAM::User',
  newUserName: 'AWS::IAM::User',
  groupName: 'AWS::IAM::Group',
  newGroupName: 'AWS::IAM::Group',
  roleName: 'AWS::IAM::Role',
  accessKeyId: 'AWS::IAM::AccessKey',
  accountAlias: 'AWS::IAM::AccountAlias',
  alias: 'AWS::IAM::AccountAlias',
};

/**
 * CloudTrail's resource type of a name an event names: from the ARN's service and kind, else from
 * the request member that holds the name (`userName` → `AWS::IAM::User`); undefined when neither says.
 */
export function auditResourceTypeOf(resourceName: string, cloudTrailEvent: string): string | undefined {
  const arn = /^arn:[^:]+:(iam|sts)::[^:]*:([a-z-]+)\//.exec(resourceName);
  if (arn) return ARN_RESOURCE_TYPES[`${arn[1]}:${arn[2]}`];
  const { requestParameters } = JSON.parse(cloudTrailEvent) as {
    requestParameters?: Record<string, unknown> | null;
  };
  const member = Object.entries(requestParameters ?? {}).find(
    ([name, value]) => value === resourceName && name in MEMBER_RESOURCE_TYPES,
  );
  return member ? MEMBER_RESOURCE_TYPES[member[0]] : undefined;
}

/** An event's resources as CloudTrail lists them: each name with its type where one is known. */
export function auditResourcesOf(
  event: AuditEventSummary,
): { readonly resourceType?: string; readonly resourceName: string }[] {
  return event.resources.map(({ resourceName }) => {
    const resourceType = auditResourceTypeOf(resourceName, event.cloudTrailEvent);
    return { ...(resourceType ? { resourceType } : {}), resourceName };
  });
}

/** One `Events[]` entry of LookupEvents' answer. */
function eventJson(event: AuditEventSummary) {
  return {
    EventId: event.eventId,
    EventName: event.eventName,
    ReadOnly: event.readOnly,
    ...(event.accessKeyId ? { AccessKeyId: event.accessKeyId } : {}),
    // AWS JSON 1.1 carries timestamps as epoch seconds.
    EventTime: event.eventTime.getTime() / 1000,
    EventSource: event.eventSource,
    ...(event.username ? { Username: event.username } : {}),
    Resources: auditResourcesOf(event).map(({ resourceType, resourceName }) => ({
      ...(resourceType ? { ResourceType: resourceType } : {}),
      ResourceName: resourceName,
    })),
    CloudTrailEvent: event.cloudTrailEvent,
  };
}

function lookupEventsOutput(page: AuditLookupPage) {
  return { Events: page.events.map(eventJson), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
}

/** What the CloudTrail app serves. */
export interface CloudTrailAppDependencies {
  readonly audit: AuditReads;
  readonly authenticate: Authenticate;
}

/** Builds the AWS JSON 1.1 app; mount it before the Query app, to which it hands every other POST /. */
export function createCloudTrailApp(deps: CloudTrailAppDependencies): Hono {
  const app = new Hono();
  app.post('/', async (c, next) => {
    if (!isAwsJsonRequest(c.req.raw)) return next();
    const target = c.req.header('x-amz-target') ?? '';
    const prefix = [CLOUDTRAIL_TARGET_PREFIX, SHORT_TARGET_PREFIX].find((p) => target.startsWith(p));
    const action = prefix === undefined ? undefined : target.slice(prefix.length);
    if (action !== 'LookupEvents') {
      const named = JSON.stringify(target.slice(0, 128));
      return failureResponse(
        c,
        { code: 'request.unknown-action', message: `Palisade does not serve the target ${named}.` },
        'aws-json',
      );
    }
    const read = await readSignedRequest(c, MAX_LOOKUP_BODY_BYTES);
    if (!read.ok) return failureResponse(c, read, 'aws-json');
    const { received, bodyText, origin } = read.value;
    const authenticated = await deps.authenticate(received, CLOUDTRAIL_SIGNING_SERVICE, origin);
    if (!authenticated.ok) return failureResponse(c, authenticated, 'aws-json');
    const input = parseLookupEvents(bodyText);
    if (!input.ok) return failureResponse(c, input, 'aws-json');
    const { LookupAttributes, StartTime, EndTime, MaxResults, NextToken, EventCategory } = input.value;
    const { caller } = authenticated.value;
    // A lookup commits nothing, so only a refused one files an event (after its answer).
    const page = await runAsChange(
      c,
      'cloudtrail',
      'LookupEvents',
      caller,
      () =>
        deps.audit.lookup(caller, {
          ...(LookupAttributes ? { lookupAttributes: LookupAttributes } : {}),
          ...(StartTime === undefined ? {} : { startTime: new Date(StartTime * 1000) }),
          ...(EndTime === undefined ? {} : { endTime: new Date(EndTime * 1000) }),
          ...(MaxResults === undefined ? {} : { maxResults: MaxResults }),
          ...(NextToken === undefined ? {} : { nextToken: NextToken }),
        }),
      { readOnly: true, requestParameters: () => queryRequestParameters(input.value) },
    );
    if (!page.ok) return failureResponse(c, page, 'aws-json');
    // Palisade records no Insights events: a lookup of them is authorized and validated, and empty.
    const output = EventCategory === 'insight' ? { Events: [] } : lookupEventsOutput(page.value);
    return c.body(JSON.stringify(output), 200, { 'content-type': AWS_JSON_CONTENT_TYPE });
  });
  return app;
}
