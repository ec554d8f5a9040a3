/**
 * STS over REST (`/v1/sts/...`): AssumeRole, GetSessionToken, GetCallerIdentity, the unsigned
 * AssumeRoleWithWebIdentity, GetAccessKeyInfo, GetFederationToken and DecodeAuthorizationMessage,
 * served by the same operations as the STS Query API. Bodies and responses follow the REST naming
 * convention (`roleArn`, `credentials.sessionToken`); responses carry secrets or identity, so none
 * may be cached.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import { queryRequestParameters } from '@palisade/audit';
import type { Caller, OperationTable } from '@palisade/principals';
import { z } from 'zod';
import type { UnsignedOperation } from '../aws-query-app.ts';
import { runAsChange } from '../change-origin.ts';
import { failureResponse } from '../error-responses.ts';
import type { Authenticate } from '../signed-request.ts';
import { isPlainObject, memberName, toRestJson } from './json-shapes.ts';
import { documented, errorResponses, jsonSchemaOf } from './openapi-document.ts';
import type { BodyField } from './route-model.ts';
import { type Method, once, operationId, type RouteSpec } from './route-spec.ts';

/** The STS operations the REST routes call. */
export interface StsOperations {
  readonly operations: OperationTable;
  /** Actions whose body carries its own proof of identity (AssumeRoleWithWebIdentity). */
  readonly unsigned: Readonly<Record<string, UnsignedOperation>>;
}

/** What the STS routes need. */
export interface StsRestDependencies {
  readonly sts: StsOperations;
  readonly authenticate: Authenticate;
}

/** One STS REST route: the action it runs and the body fields it takes. */
interface StsRoute {
  readonly method: Method;
  readonly path: string;
  readonly action: string;
  readonly signed: boolean;
  readonly summary: string;
  readonly description: string;
  readonly body: Readonly<Record<string, BodyField>>;
  readonly response: z.ZodType;
}

const TAG = 'STS';

const field = (member: string, required = false, description?: string): BodyField => ({
  member,
  ...(required ? { required } : {}),
  ...(description ? { description } : {}),
});

const POLICY_DESCRIPTION =
  'An inline session policy: a JSON object, or the same as JSON text (at most 2,048 characters).';
const POLICY_ARNS_DESCRIPTION = 'Up to 10 managed session policies, each `{"arn": "..."}`.';
const SESSION_FIELDS = {
  roleArn: field('RoleArn', true),
  roleSessionName: field('RoleSessionName', true),
  durationSeconds: field('DurationSeconds'),
  policy: field('Policy', false, POLICY_DESCRIPTION),
  policyArns: field('PolicyArns', false, POLICY_ARNS_DESCRIPTION),
};

const date = z.iso.datetime().describe('ISO-8601 date and time');
const credentialsSchema = z.object({
  accessKeyId: z.string(),
  secretAccessKey: z.string(),
  sessionToken: z.string().describe('Send as `X-Amz-Security-Token` with requests signed by this key'),
  expiration: date,
});
const assumedRoleUserSchema = z.object({ assumedRoleId: z.string(), arn: z.string() });

/** The body of `POST /v1/sts/assume-role`. */
export const assumedRoleSchema = z.object({
  credentials: credentialsSchema,
  assumedRoleUser: assumedRoleUserSchema,
  packedPolicySize: z.number().int().optional(),
  sourceIdentity: z.string().optional(),
});

/** The body of `POST /v1/sts/assume-role-with-web-identity`. */
export const webIdentitySessionSchema = z.object({
  credentials: credentialsSchema,
  subjectFromWebIdentityToken: z.string(),
  assumedRoleUser: assumedRoleUserSchema,
  packedPolicySize: z.number().int().optional(),
  provider: z.string(),
  audience: z.string(),
});

/** The body of `POST /v1/sts/get-session-token`. */
export const sessionTokenSchema = z.object({ credentials: credentialsSchema });

/** The body of `GET /v1/sts/caller-identity`. */
export const callerIdentitySchema = z.object({ userId: z.string(), account: z.string(), arn: z.string() });

/** The body of `POST /v1/sts/get-federation-token`. */
export const federationTokenSchema = z.object({
  credentials: credentialsSchema,
  federatedUser: z.object({ federatedUserId: z.string(), arn: z.string() }),
  packedPolicySize: z.number().int().optional(),
});

/** The body of `POST /v1/sts/decode-authorization-message`. */
export const decodedMessageSchema = z.object({ decodedMessage: z.string() });

/** The body of `POST /v1/sts/access-key-info`. */
export const accessKeyInfoSchema = z.object({ account: z.string() });

const STS_ROUTES: readonly StsRoute[] = [
  {
    method: 'post',
    path: '/v1/sts/assume-role',
    action: 'AssumeRole',
    signed: true,
    summary: 'Assume a role: temporary credentials for a role session',
    description:
      "The caller's identity policies and the role's trust policy decide together. Sign requests with the returned key and send `sessionToken` as `X-Amz-Security-Token`.",
    body: {
      ...SESSION_FIELDS,
      externalId: field('ExternalId'),
      tags: field('Tags', false, 'Session tags, each `{"key", "value"}`.'),
      transitiveTagKeys: field('TransitiveTagKeys'),
      sourceIdentity: field('SourceIdentity'),
      serialNumber: field('SerialNumber', false, 'The ARN of the MFA device, with `tokenCode`.'),
      tokenCode: field('TokenCode'),
    },
    response: assumedRoleSchema,
  },
  {
    method: 'post',
    path: '/v1/sts/get-session-token',
    action: 'GetSessionToken',
    signed: true,
    summary: 'Temporary credentials for the calling user (optionally MFA-authenticated)',
    description: 'For IAM users and the root user, not for role sessions.',
    body: {
      durationSeconds: field('DurationSeconds'),
      serialNumber: field('SerialNumber', false, 'The ARN of the MFA device, with `tokenCode`.'),
      tokenCode: field('TokenCode'),
    },
    response: sessionTokenSchema,
  },
  {
    method: 'get',
    path: '/v1/sts/caller-identity',
    action: 'GetCallerIdentity',
    signed: true,
    summary: 'Who the signing credentials belong to',
    description: 'Needs no permission; no policy can deny it.',
    body: {},
    response: callerIdentitySchema,
  },
  {
    method: 'post',
    path: '/v1/sts/assume-role-with-web-identity',
    action: 'AssumeRoleWithWebIdentity',
    signed: false,
    summary: 'Exchange an OpenID Connect token for a role session',
    description:
      "Not signed: the web identity token from an OpenID Connect provider registered in the role's account authenticates the request, and the role's trust policy decides.",
    body: {
      ...SESSION_FIELDS,
      webIdentityToken: field('WebIdentityToken', true, 'The OIDC ID token (a JWT).'),
      providerId: field('ProviderId'),
    },
    response: webIdentitySessionSchema,
  },
  // ---- STS operations (issue #15) ----
  {
    method: 'post',
    path: '/v1/sts/access-key-info',
    action: 'GetAccessKeyInfo',
    signed: true,
    summary: 'The account an access key id belongs to',
    description:
      'For long-term (`AKIA…`) and temporary (`ASIA…`) keys; says nothing of the key state or owner.',
    body: { accessKeyId: field('AccessKeyId', true) },
    response: accessKeyInfoSchema,
  },
  {
    method: 'post',
    path: '/v1/sts/get-federation-token',
    action: 'GetFederationToken',
    signed: true,
    summary: 'Temporary credentials for a federated user, within the calling user permissions',
    description:
      "Only with a user's (or the root's) long-term key. The session may do what both the caller's policies and the session policies allow (none passed: nothing); it calls no IAM API and of STS only GetCallerIdentity.",
    body: {
      name: field('Name', true, 'The federated user: `arn:aws:sts::<account>:federated-user/<name>`.'),
      durationSeconds: field('DurationSeconds'),
      policy: field('Policy', false, POLICY_DESCRIPTION),
      policyArns: field('PolicyArns', false, POLICY_ARNS_DESCRIPTION),
      tags: field('Tags', false, 'Session tags, each `{"key", "value"}`.'),
    },
    response: federationTokenSchema,
  },
  {
    method: 'post',
    path: '/v1/sts/decode-authorization-message',
    action: 'DecodeAuthorizationMessage',
    signed: true,
    summary: 'Decode the encoded authorization message of an AccessDenied answer',
    description:
      'For callers allowed `sts:DecodeAuthorizationMessage` in the account of the denied caller; answers AWS DecodedMessage JSON (as text).',
    body: {
      encodedMessage: field(
        'EncodedMessage',
        true,
        'What follows "Encoded authorization failure message: ".',
      ),
    },
    response: decodedMessageSchema,
  },
];

/** Fields whose shape on the wire is not the operation member's (documents; the unsigned token). */
const WIRE_FIELDS: Readonly<Record<string, z.ZodType>> = {
  policy: z
    .union([z.record(z.string(), z.unknown()), z.string().min(1).max(2048)])
    .describe(POLICY_DESCRIPTION),
  webIdentityToken: z.string().min(4).max(20000),
  tags: z.array(z.object({ key: z.string(), value: z.string() })),
};

/** The OpenAPI route of an STS route; field schemas are the operations' members under REST names. */
function stsRouteConfig(route: StsRoute, operations: OperationTable): RouteConfig {
  const memberSchemas = (action: string) => {
    const schema = operations[action]?.schema;
    return schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
  };
  // The unsigned action has no schema in the table: its shared fields read as AssumeRole's do.
  const members = { ...memberSchemas('AssumeRole'), ...(route.signed ? memberSchemas(route.action) : {}) };
  const fields = Object.entries(route.body).map(([name, spec]) => {
    const wire = WIRE_FIELDS[name] ?? documented(members[spec.member] ?? z.string());
    const described = spec.description ? wire.describe(spec.description) : wire;
    return [name, spec.required ? described : described.optional()] as const;
  });
  return {
    method: route.method,
    path: route.path,
    operationId: operationId(route.method, route.path),
    summary: route.summary,
    description: route.description,
    tags: [TAG],
    'x-iam-action': route.action,
    ...(route.signed ? {} : { security: [] }),
    ...(fields.length
      ? {
          request: {
            body: {
              required: true,
              content: { 'application/json': { schema: z.strictObject(Object.fromEntries(fields)) } },
            },
          },
        }
      : {}),
    responses: {
      200: {
        description: 'OK. Never cached.',
        content: { 'application/json': { schema: jsonSchemaOf(route.response, 'input') } },
      },
      ...errorResponses([400, 401, 403]),
    },
  };
}

/** The STS routes as specs; throws at start-up if an action is missing. */
export function stsRoutes(deps: StsRestDependencies): RouteSpec[] {
  return STS_ROUTES.map((route) => {
    const signed = route.signed ? deps.sts.operations[route.action] : undefined;
    const unsigned = route.signed ? undefined : deps.sts.unsigned[route.action];
    if (!signed && !unsigned) throw new Error(`REST route ${route.path} needs STS action ${route.action}`);
    return {
      method: route.method,
      path: route.path,
      ...(route.signed ? {} : { unsigned: true }),
      route: once(() => stsRouteConfig(route, deps.sts.operations)),
      refusesBody: true,
      noStore: true,
      async handle(c, { caller, body }) {
        const input = stsInput(route, body);
        const result = await runAsChange(
          c,
          'sts-rest',
          route.action,
          caller,
          () =>
            signed
              ? signed(caller as Caller, input)
              : (unsigned as UnsignedOperation)(input, c.get('origin')),
          { requestParameters: () => queryRequestParameters(input) },
        );
        if (!result.ok) return failureResponse(c, result, 'rest');
        return c.json(toRestJson(result.value ?? {}), 200);
      },
    };
  });
}

/**
 * Maps the JSON body to STS members. A session policy may come as an object (sent on as JSON
 * text); tags get STS's `Key`/`Value`; managed session policies keep STS's own lower-case `arn`.
 */
function stsInput(route: StsRoute, body: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(route.body)) {
    if (body[name] === undefined) continue;
    const value = body[name];
    if (spec.member === 'Policy') input.Policy = isPlainObject(value) ? JSON.stringify(value) : value;
    else if (spec.member === 'Tags' && Array.isArray(value)) input.Tags = value.map(renameKeys);
    else input[spec.member] = value;
  }
  return input;
}

function renameKeys(item: unknown): unknown {
  if (!isPlainObject(item)) return item;
  return Object.fromEntries(Object.entries(item).map(([key, inner]) => [memberName(key), inner]));
}
