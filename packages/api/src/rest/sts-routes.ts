/**
 * STS over REST (`/v1/sts/...`): AssumeRole, GetSessionToken, GetCallerIdentity and the unsigned
 * AssumeRoleWithWebIdentity, served by the same operations as the STS Query API. Bodies and
 * responses follow the REST naming convention (`roleArn`, `credentials.sessionToken`); responses
 * carry secrets or identity, so none may be cached.
 */
import { ok, type Result } from '@palisade/failures';
import type { OperationTable } from '@palisade/iam';
import type { Caller, RequestOrigin } from '@palisade/principals';
import type { Context, Handler } from 'hono';
import { z } from 'zod';
import type { UnsignedOperation } from '../aws-query-app.ts';
import { runAsChange } from '../change-origin.ts';
import { failureResponse } from '../error-responses.ts';
import { type Authenticate, readSignedRequest } from '../signed-request.ts';
import { isPlainObject, memberName, toRestJson } from './json-shapes.ts';
import { identityRouteDoc, type JsonSchema, jsonSchemaOf, type RouteDoc } from './openapi-document.ts';
import { authenticateRequest, parseJsonObject, unknownFieldFailure } from './rest-request.ts';
import type { BodyField, Method } from './route-model.ts';

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
const NO_STORE = { 'cache-control': 'no-store' } as const;

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
];

/** The STS routes with their handlers; throws at start-up if an action is missing. */
export function stsRoutes(deps: StsRestDependencies): { method: Method; path: string; handler: Handler }[] {
  return STS_ROUTES.map((route) => ({
    method: route.method,
    path: route.path,
    handler: stsHandler(route, deps),
  }));
}

function stsHandler(route: StsRoute, deps: StsRestDependencies): Handler {
  const signed = route.signed ? deps.sts.operations[route.action] : undefined;
  const unsigned = route.signed ? undefined : deps.sts.unsigned[route.action];
  if (!signed && !unsigned) throw new Error(`REST route ${route.path} needs STS action ${route.action}`);

  return async function stsRoute(c: Context) {
    let caller: Caller | undefined;
    let bodyText: string;
    let origin: RequestOrigin = {};
    if (signed) {
      const request = await authenticateRequest(c, deps.authenticate);
      if (!request.ok) return noStore(failureResponse(c, request, 'rest'));
      ({ caller, bodyText } = request.value);
    } else {
      // The token in the body is the proof of identity; any signature on the request is ignored.
      const read = await readSignedRequest(c);
      if (!read.ok) return noStore(failureResponse(c, read, 'rest'));
      bodyText = read.value.bodyText;
      origin = read.value.origin;
    }

    const input = stsInput(route, bodyText);
    if (!input.ok) return noStore(failureResponse(c, input, 'rest'));
    const result = await runAsChange(c, 'sts-rest', route.action, caller, () =>
      signed && caller ? signed(caller, input.value) : (unsigned as UnsignedOperation)(input.value, origin),
    );
    if (!result.ok) return noStore(failureResponse(c, result, 'rest'));
    return c.json(toRestJson(result.value ?? {}), 200, NO_STORE);
  };
}

function noStore(response: Response): Response {
  response.headers.set('cache-control', NO_STORE['cache-control']);
  return response;
}

/**
 * Maps the JSON body to STS members. A session policy may come as an object (sent on as JSON
 * text); tags get STS's `Key`/`Value`; managed session policies keep STS's own lower-case `arn`.
 */
function stsInput(route: StsRoute, bodyText: string): Result<Record<string, unknown>> {
  const body = parseJsonObject(bodyText);
  if (!body.ok) return body;
  const unknown = unknownFieldFailure(body.value, Object.keys(route.body));
  if (unknown) return unknown;
  const input: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(route.body)) {
    if (!(name in body.value)) continue;
    const value = body.value[name];
    if (spec.member === 'Policy') input.Policy = isPlainObject(value) ? JSON.stringify(value) : value;
    else if (spec.member === 'Tags' && Array.isArray(value)) input.Tags = value.map(renameKeys);
    else input[spec.member] = value;
  }
  return ok(input);
}

function renameKeys(item: unknown): unknown {
  if (!isPlainObject(item)) return item;
  return Object.fromEntries(Object.entries(item).map(([key, inner]) => [memberName(key), inner]));
}

/** Fields whose documented shape is not the operation member's (documents; the unsigned token). */
const OVERRIDES: Readonly<Record<string, JsonSchema>> = {
  policy: { oneOf: [{ type: 'object' }, { type: 'string', minLength: 1, maxLength: 2048 }] },
  webIdentityToken: { type: 'string', minLength: 4, maxLength: 20000 },
};

/** Describes the STS routes; body schemas derive from the operations' input schemas. */
export function stsRouteDocs(sts: StsOperations): RouteDoc[] {
  const assumeRole = STS_ROUTES[0] as StsRoute;
  const base = (route: StsRoute) =>
    identityRouteDoc(
      {
        method: route.method,
        path: route.path,
        operation: route.action,
        summary: route.summary,
        description: route.description,
        tag: TAG,
        ...(Object.keys(route.body).length ? { body: route.body } : {}),
        status: 200,
      },
      sts.operations,
    );
  // The unsigned action has no schema in the table: its shared fields read as AssumeRole's do.
  const shared = (base(assumeRole).requestBody?.properties ?? {}) as Record<string, JsonSchema>;
  return STS_ROUTES.map((route) => {
    const doc = base(route);
    const properties = (doc.requestBody?.properties ?? {}) as Record<string, JsonSchema>;
    const described = Object.fromEntries(
      Object.entries(properties).map(([name, schema]) => {
        const description = route.body[name]?.description;
        const own = route.signed ? schema : (shared[name] ?? schema);
        const shaped = OVERRIDES[name] ?? own;
        return [name, description ? { ...shaped, description } : shaped];
      }),
    );
    const requestBody = doc.requestBody ? { ...doc.requestBody, properties: described } : undefined;
    return {
      ...doc,
      ...(requestBody ? { requestBody } : {}),
      ...(route.signed ? {} : { unauthenticated: true }),
      success: {
        status: 200,
        description: 'OK. Never cached.',
        schema: jsonSchemaOf(route.response, 'input'),
      },
      errors: [400, 401, 403],
    };
  });
}
