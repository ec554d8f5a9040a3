/**
 * The OpenAPI 3.1 document, generated from the route tables: parameters and request bodies derive
 * from each operation's zod input schema (renamed to the REST fields), responses from the named
 * response schemas. OpenAPI 3.1 schemas are JSON Schema 2020-12, which `z.toJSONSchema` emits.
 */
import type { OperationTable } from '@palisade/iam';
import { z } from 'zod';
import { accountPageSchema, aliasRule } from './account-routes.ts';
import { isPlainObject, restName } from './json-shapes.ts';
import { namedSchemas, type SchemaName } from './response-schemas.ts';
import {
  type IdentityRoute,
  type Method,
  memberOfParam,
  pathParamsOf,
  type ResponseShape,
} from './route-model.ts';

/** A JSON Schema (2020-12) object. */
export type JsonSchema = Record<string, unknown>;

/** One parameter of an operation. */
export interface ParameterDoc {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly description?: string;
  readonly schema: JsonSchema;
}

/** Everything the document says about one route. */
export interface RouteDoc {
  readonly method: Method;
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly action?: string;
  /** True for a route that takes no signature (its body carries its own proof of identity). */
  readonly unauthenticated?: boolean;
  readonly parameters: readonly ParameterDoc[];
  readonly requestBody?: JsonSchema;
  readonly success: {
    readonly status: 200 | 201 | 204;
    readonly description: string;
    readonly schema?: JsonSchema;
    readonly headers?: readonly ('ETag' | 'Location')[];
  };
  readonly errors: readonly number[];
  /** Responses other than the success and the `Error`-shaped errors (a 503 that is still a decision). */
  readonly extraResponses?: Readonly<
    Record<number, { readonly description: string; readonly schema: JsonSchema }>
  >;
}

const STRING: JsonSchema = { type: 'string' };
const DOCUMENT: JsonSchema = {
  oneOf: [{ type: 'object' }, { type: 'string' }],
  description: 'A policy document: a JSON object, or the same as JSON text.',
};
const DOCUMENT_MEMBERS = new Set(['PolicyDocument', 'AssumeRolePolicyDocument']);

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid input (`request.invalid`, `request.invalid-input`, `request.malformed-body`, `policy.malformed`, …)',
  401: 'Missing or invalid credentials (`credentials.*`)',
  403: 'Not allowed (`access.denied`, `account.suspended`)',
  404: 'No such entity (`entity.not-found`)',
  409: 'Conflict (`entity.already-exists`, `entity.delete-conflict`, `quota.exceeded`)',
  412: 'If-Match does not match the current ETag (`entity.precondition-failed`)',
};

const HEADER_DOCS = {
  ETag: { description: 'Strong ETag of the representation; send it back in If-Match.', schema: STRING },
  Location: { description: 'URL of the created resource.', schema: STRING },
} as const;

/**
 * A zod schema as JSON Schema without the `$schema` marker, simplified for readers. Inputs are
 * described as parsed (`output`: closed objects, integers as integers); responses as sent
 * (`input`: objects stay open, so clients tolerate fields added later).
 */
export function jsonSchemaOf(schema: z.core.$ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const { $schema: _marker, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return simplify(rest) as JsonSchema;
}

/**
 * Drops the `{}` branches that transforms leave in unions (IAM's booleans also accept the Query
 * protocol's `"true"`), so a boolean reads as a boolean.
 */
function simplify(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(simplify);
  if (!isPlainObject(value)) return value;
  const out: JsonSchema = {};
  for (const [key, inner] of Object.entries(value)) out[key] = simplify(inner);
  // zod spells ISO dates out as a long regular expression; `format` says the same to a reader.
  if (out.format === 'date-time') delete out.pattern;
  const anyOf = out.anyOf;
  if (Array.isArray(anyOf)) {
    const branches = anyOf.filter((branch) => !(isPlainObject(branch) && Object.keys(branch).length === 0));
    if (branches.length === 1) {
      const { anyOf: _anyOf, ...others } = out;
      return { ...others, ...(branches[0] as JsonSchema) };
    }
    out.anyOf = branches;
  }
  return out;
}

/** Renames nested object properties to REST names (tags' `Key` → `key`). */
function restSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && isPlainObject(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, inner]) => [
          restName(name),
          isPlainObject(inner) ? restSchema(inner) : inner,
        ]),
      );
    } else if (key === 'required' && Array.isArray(value)) {
      out.required = value.map((name) => restName(String(name)));
    } else if (isPlainObject(value)) {
      out[key] = restSchema(value);
    } else if (Array.isArray(value)) {
      out[key] = value.map((item) => (isPlainObject(item) ? restSchema(item) : item));
    } else {
      out[key] = value;
    }
  }
  return out;
}

function ref(name: SchemaName): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

function responseSchema(shape: ResponseShape): JsonSchema {
  const item = shape.schema === 'string' ? STRING : ref(shape.schema);
  if (!shape.list) return item;
  return {
    type: 'object',
    properties: {
      items: { type: 'array', items: item },
      ...(shape.paged
        ? { nextCursor: { type: 'string', description: 'Present when there is another page.' } }
        : {}),
    },
    required: ['items'],
  };
}

function errorsFor(method: Method, hasPathParams: boolean, ifMatch: boolean): number[] {
  return [
    400,
    401,
    403,
    ...(hasPathParams ? [404] : []),
    ...(method === 'get' ? [] : [409]),
    ...(ifMatch ? [412] : []),
  ];
}

const IF_MATCH: ParameterDoc = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description:
    'Apply the change only if the entity still has this ETag (412 otherwise). Checked by reading the entity just before the write: not atomic with it.',
  schema: STRING,
};

/** Describes an identity route, deriving parameter and body schemas from its operation's input. */
export function identityRouteDoc(route: IdentityRoute, operations: OperationTable): RouteDoc {
  const input = operations[route.operation]?.schema;
  const inputSchema = input ? jsonSchemaOf(input) : {};
  const members = (isPlainObject(inputSchema.properties) ? inputSchema.properties : {}) as Record<
    string,
    JsonSchema
  >;
  const memberSchema = (member: string) => restSchema(members[member] ?? STRING);
  const pathNames = pathParamsOf(route.path);
  const writes = route.representation !== undefined && route.method !== 'get';

  const parameters: ParameterDoc[] = [
    ...pathNames.map((name) => ({
      name,
      in: 'path' as const,
      required: true,
      ...(name === 'policyArn' ? { description: 'The policy ARN, URL-encoded.' } : {}),
      schema: memberSchema(memberOfParam(name)),
    })),
    ...Object.entries(route.query ?? {}).map(([name, field]) => ({
      name,
      in: 'query' as const,
      required: false,
      ...(field.description ? { description: field.description } : {}),
      schema: memberSchema(field.member),
    })),
    ...(writes ? [IF_MATCH] : []),
  ];

  let requestBody: JsonSchema | undefined;
  if (route.body) {
    const properties: Record<string, JsonSchema> = {};
    for (const [field, spec] of Object.entries(route.body)) {
      const base = DOCUMENT_MEMBERS.has(spec.member) ? DOCUMENT : memberSchema(spec.member);
      properties[field] = spec.description ? { ...base, description: spec.description } : base;
    }
    const required = Object.entries(route.body)
      .filter(([, spec]) => spec.required)
      .map(([field]) => field);
    requestBody = {
      type: 'object',
      properties,
      ...(required.length ? { required } : {}),
      additionalProperties: false,
    };
  }

  const headers: ('ETag' | 'Location')[] = [];
  if (route.representation && route.method === 'get') headers.push('ETag');
  if (route.location) headers.push('Location');
  return {
    method: route.method,
    path: route.path,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tag: route.tag,
    action: route.operation,
    parameters,
    ...(requestBody ? { requestBody } : {}),
    success: {
      status: route.status,
      description: route.status === 204 ? 'Done; no content.' : route.status === 201 ? 'Created.' : 'OK.',
      ...(route.response && route.status !== 204 ? { schema: responseSchema(route.response) } : {}),
      ...(headers.length ? { headers } : {}),
    },
    errors: errorsFor(route.method, pathNames.length > 0, writes),
  };
}

/** Describes the operator's account routes. */
export function accountRouteDocs(operations: OperationTable): RouteDoc[] {
  const tag = 'Accounts (operator)';
  const accountId: ParameterDoc = {
    name: 'accountId',
    in: 'path',
    required: true,
    description: 'A 12-digit account id.',
    schema: { type: 'string', pattern: '^\\d{12}$' },
  };
  const ifMatch: ParameterDoc = {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: "Apply the change only if the account is still at this ETag's version (412 otherwise).",
    schema: STRING,
  };
  const page = jsonSchemaOf(accountPageSchema);
  const pageProperties = (page.properties ?? {}) as Record<string, JsonSchema>;
  const only = 'Only the operator may call this.';
  const status = (verb: string, result: string): RouteDoc => ({
    method: 'post',
    path: `/v1/accounts/{accountId}/${verb}`,
    summary: result,
    description: only,
    tag,
    parameters: [accountId, ifMatch],
    success: {
      status: 200,
      description: 'The account after the change.',
      schema: ref('Account'),
      headers: ['ETag'],
    },
    errors: [400, 401, 403, 404, 409, 412],
  });
  return [
    {
      method: 'post',
      path: '/v1/accounts',
      summary: 'Create a tenant account and its root access key',
      description: `${only} The root's secret access key is in this response only.`,
      tag,
      parameters: [],
      requestBody: {
        type: 'object',
        properties: { alias: jsonSchemaOf(aliasRule(operations)) },
        required: ['alias'],
        additionalProperties: false,
      },
      success: {
        status: 201,
        description: 'Created.',
        schema: ref('CreatedAccount'),
        headers: ['Location', 'ETag'],
      },
      errors: [400, 401, 403, 409],
    },
    {
      method: 'get',
      path: '/v1/accounts',
      summary: 'List tenant accounts in id order',
      description: only,
      tag,
      parameters: [
        {
          name: 'limit',
          in: 'query',
          required: false,
          description: 'Largest number of items to return (1–1000, default 100).',
          schema: pageProperties.limit ?? STRING,
        },
        {
          name: 'cursor',
          in: 'query',
          required: false,
          description: 'The `nextCursor` of the previous page.',
          schema: pageProperties.cursor ?? STRING,
        },
      ],
      success: {
        status: 200,
        description: 'OK.',
        schema: responseSchema({ schema: 'Account', list: true, paged: true }),
      },
      errors: [400, 401, 403],
    },
    {
      method: 'get',
      path: '/v1/accounts/{accountId}',
      summary: 'Read a tenant account',
      description: only,
      tag,
      parameters: [accountId],
      success: { status: 200, description: 'OK.', schema: ref('Account'), headers: ['ETag'] },
      errors: [400, 401, 403, 404],
    },
    status('suspend', 'Suspend an account: every credential of it stops working'),
    status('reactivate', 'Reactivate a suspended account'),
    {
      method: 'delete',
      path: '/v1/accounts/{accountId}',
      summary: 'Close an account (final)',
      description: only,
      tag,
      parameters: [accountId, ifMatch],
      success: { status: 204, description: 'Closed.' },
      errors: [400, 401, 403, 404, 409, 412],
    },
  ];
}

/** The path template's operation id: `get /v1/users/{userName}/tags` → `getUsersByUserNameTags`. */
function operationId(method: Method, path: string): string {
  const words = path
    .split('/')
    .filter((part) => part !== '' && part !== 'v1')
    .map((part) => {
      const param = /^\{(\w+)\}$/.exec(part);
      const word = param ? `By-${param[1]}` : part;
      return word
        .split('-')
        .map((piece) => piece.charAt(0).toUpperCase() + piece.slice(1))
        .join('');
    });
  return `${method}${words.join('')}`;
}

function operationObject(route: RouteDoc): JsonSchema {
  const success: JsonSchema = {
    description: route.success.description,
    ...(route.success.schema ? { content: { 'application/json': { schema: route.success.schema } } } : {}),
    ...(route.success.headers
      ? { headers: Object.fromEntries(route.success.headers.map((name) => [name, HEADER_DOCS[name]])) }
      : {}),
  };
  const responses: JsonSchema = { [String(route.success.status)]: success };
  for (const status of route.errors) {
    responses[String(status)] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error',
      content: { 'application/json': { schema: ref('Error') } },
    };
  }
  for (const [status, extra] of Object.entries(route.extraResponses ?? {})) {
    responses[status] = {
      description: extra.description,
      content: { 'application/json': { schema: extra.schema } },
    };
  }
  return {
    operationId: operationId(route.method, route.path),
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(route.action ? { 'x-iam-action': route.action } : {}),
    ...(route.unauthenticated ? { security: [] } : {}),
    ...(route.parameters.length ? { parameters: route.parameters } : {}),
    ...(route.requestBody
      ? { requestBody: { required: true, content: { 'application/json': { schema: route.requestBody } } } }
      : {}),
    responses,
  };
}

const DESCRIPTION = `IAM and STS as a product: users, groups, roles, managed and inline policies and access keys
in the caller's account, and the operator's tenant accounts.

**Authentication.** Sign every request with AWS Signature Version 4, credential scope service
\`palisade\` and any region (for example \`curl --aws-sigv4 "aws:amz:us-east-1:palisade" --user "$KEY:$SECRET"\`).
Bearer access tokens (JWT) will be accepted as well.

**JSON.** Request and response fields are IAM's member names in lower camelCase (\`UserName\` → \`userName\`);
a policy document is always \`document\` (\`assumeRolePolicyDocument\` for a role's trust policy), sent as a JSON
object or JSON text and returned as a JSON object. Dates are ISO-8601 strings. Lists answer
\`{"items": [...], "nextCursor": "..."}\`; pass \`cursor=<nextCursor>\` for the next page. Unknown body fields are
refused.

**Decisions.** The decision API (\`/v1/authorize\`, resource policies, the service catalog, allowed actions,
policy validation, the decision log) takes and answers the JSON shapes described with each route; the policy
simulator (\`/v1/simulate/*\`) takes and answers IAM's member names, exactly as SimulatePrincipalPolicy and
SimulateCustomPolicy do over the Query API.

**Errors** answer \`{"error": {"code", "message", "requestId"}}\` with a namespaced code.`;

/** The OpenAPI 3.1 document for a set of routes; `extraSchemas` join the named response schemas. */
export function openApiDocument(
  routes: readonly RouteDoc[],
  extraSchemas: Readonly<Record<string, z.core.$ZodType>> = {},
): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, JsonSchema>)[route.method] = operationObject(route);
  }
  const schemas = Object.fromEntries(
    Object.entries({ ...namedSchemas, ...extraSchemas }).map(([name, schema]) => [
      name,
      jsonSchemaOf(schema, 'input'),
    ]),
  );
  const tags = [...new Set(routes.map((route) => route.tag))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: { title: 'Palisade API', version: '1.0.0', description: DESCRIPTION },
    servers: [{ url: '/' }],
    tags,
    security: [{ sigv4: [] }, { bearer: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'AWS Signature Version 4 (`AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/palisade/aws4_request, SignedHeaders=…, Signature=…`) with `X-Amz-Date` and, for temporary credentials, `X-Amz-Security-Token`. The body hash is checked.',
        },
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A Palisade access token.',
        },
      },
    },
  };
}
