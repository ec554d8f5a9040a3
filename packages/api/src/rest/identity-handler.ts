/**
 * An identity route as a route spec: its parameter, query and body schemas are the operation's own
 * member schemas under REST names, and its one handler maps the validated input to the operation,
 * checks `If-Match`, runs the operation and renders its output as REST JSON.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import { queryRequestParameters } from '@palisade/audit';
import { fail, isFailure, ok, type Result } from '@palisade/failures';
import type { IamOperations } from '@palisade/iam';
import { type Caller, tag } from '@palisade/principals';
import { z } from 'zod';
import { runAsChange } from '../change-origin.ts';
import { failureResponse } from '../error-responses.ts';
import { entityTag, ifMatchSatisfied } from './entity-tags.ts';
import { toMemberValue, toRestJson } from './json-shapes.ts';
import { documented, errorResponses, ref } from './openapi-document.ts';
import { routeHeading } from './route-docs.ts';
import {
  type IamAction,
  type IdentityRoute,
  memberOfParam,
  type PathParams,
  pathParamsOf,
  type Representation,
  type ResponseShape,
  type TypedOperations,
} from './route-model.ts';
import { once, type RouteSpec } from './route-spec.ts';

const DOCUMENT_MEMBERS = new Set(['PolicyDocument', 'AssumeRolePolicyDocument']);

/** A policy document on the wire: a JSON object, or the same as JSON text. */
const restDocument = z
  .union([z.record(z.string(), z.unknown()), z.string()])
  .describe('A policy document: a JSON object, or the same as JSON text.');

/** Tags on the wire, `[{"key", "value"}]`; IAM's own rules check them again as `Key`/`Value`. */
const restTags = z.array(z.object({ key: tag.shape.Key, value: tag.shape.Value })).max(50);

const IF_MATCH_DESCRIPTION =
  'Apply the change only if the entity still has this ETag (412 otherwise). Checked by reading the entity just before the write: not atomic with it.';

function responseSchema(shape: ResponseShape) {
  const item = shape.schema === 'string' ? { type: 'string' } : ref(shape.schema);
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

/** The operation's input schema by member name. */
function membersOf(operations: IamOperations, action: keyof IamOperations): Record<string, z.ZodType> {
  const schema = operations[action].schema;
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
}

/** The OpenAPI route of an identity route, built from its operation's member schemas. */
function identityRouteConfig<A extends IamAction>(
  route: IdentityRoute<A>,
  operations: IamOperations,
): RouteConfig {
  const members = membersOf(operations, route.operation);
  const member = (name: string, description?: string) => documented(members[name] ?? z.string(), description);
  const pathNames = pathParamsOf(route.path);
  const writes = route.representation !== undefined && route.method !== 'get';
  const body = route.body
    ? z.strictObject(
        Object.fromEntries(
          Object.entries(route.body).map(([field, spec]) => {
            const base = DOCUMENT_MEMBERS.has(spec.member)
              ? restDocument
              : spec.member === 'Tags'
                ? restTags
                : documented(members[spec.member] ?? z.unknown());
            const described = spec.description ? base.describe(spec.description) : base;
            return [field, spec.required ? described : described.optional()];
          }),
        ),
      )
    : undefined;
  const headers: Record<string, { description: string; schema: { type: 'string' } }> = {};
  if (route.representation && route.method === 'get') {
    headers.ETag = {
      description: 'Strong ETag of the representation; send it back in If-Match.',
      schema: { type: 'string' },
    };
  }
  if (route.location)
    headers.Location = { description: 'URL of the created resource.', schema: { type: 'string' } };
  const errors = [
    400,
    401,
    403,
    ...(pathNames.length ? [404] : []),
    ...(route.method === 'get' ? [] : [409]),
    ...(writes ? [412] : []),
  ];
  return {
    ...routeHeading(route, route.operation),
    request: {
      ...(pathNames.length
        ? {
            params: z.object(
              Object.fromEntries(
                pathNames.map((name) => [
                  name,
                  member(
                    memberOfParam(name),
                    name === 'policyArn' ? 'The policy ARN, URL-encoded.' : undefined,
                  ),
                ]),
              ),
            ),
          }
        : {}),
      ...(route.query
        ? {
            query: z.object(
              Object.fromEntries(
                Object.entries(route.query).map(([name, field]) => [
                  name,
                  member(field.member, field.description).optional(),
                ]),
              ),
            ),
          }
        : {}),
      ...(writes
        ? { headers: z.object({ 'If-Match': z.string().optional().describe(IF_MATCH_DESCRIPTION) }) }
        : {}),
      ...(body ? { body: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    },
    responses: {
      [route.status]: {
        description: route.status === 204 ? 'Done; no content.' : route.status === 201 ? 'Created.' : 'OK.',
        ...(route.response && route.status !== 204
          ? { content: { 'application/json': { schema: responseSchema(route.response) } } }
          : {}),
        ...(Object.keys(headers).length ? { headers } : {}),
      },
      ...errorResponses(errors),
    },
  };
}

/**
 * The spec of one identity route; throws at start-up if the route names a missing operation. Generic
 * in the route's action, so its render and location take that operation's output as the table types it.
 */
export function identityRouteSpec<A extends IamAction>(
  route: IdentityRoute<A>,
  operations: IamOperations,
): RouteSpec {
  const typed: TypedOperations = operations;
  const operation = typed[route.operation];
  if (!operation)
    throw new Error(`REST route ${route.method} ${route.path} needs operation ${route.operation}`);
  const paramNames = pathParamsOf(route.path);

  return {
    method: route.method,
    path: route.path,
    route: once(() => identityRouteConfig(route, operations)),
    ...(route.query
      ? { repeatedQuery: Object.keys(route.query).filter((name) => route.query?.[name]?.repeated) }
      : {}),
    refusesBody: route.body === undefined,
    async handle(c, request) {
      const caller = request.caller;
      // INVARIANT: identity routes are signed; without a caller nothing runs (fail closed).
      if (!caller)
        return failureResponse(c, fail('credentials.missing', 'The request is not signed.'), 'rest');
      // Path parameters as sent (decoded): the operation validates them again in its own terms.
      const params: PathParams = Object.fromEntries(
        paramNames.map((name) => [name, c.req.param(name) ?? '']),
      );
      let input = routeInput(route, request.body, c.req.queries(), params);
      if (route.prepare) {
        const prepared = await route.prepare({ caller, operations, input });
        if (!prepared.ok) return failureResponse(c, prepared, 'rest');
        input = { ...input, ...prepared.value };
      }

      const ifMatch = c.req.header('if-match');
      if (route.representation && route.method !== 'get' && ifMatch !== undefined) {
        // Read-then-write: the check narrows the window for lost updates but is not atomic with the write.
        const current = await currentTag(route.representation, typed, caller, params);
        if (!current.ok) return failureResponse(c, current, 'rest');
        if (!ifMatchSatisfied(ifMatch, current.value)) {
          return failureResponse(
            c,
            fail(
              'entity.precondition-failed',
              `If-Match ${ifMatch} does not match the current ETag ${current.value}.`,
            ),
            'rest',
          );
        }
      }

      const audit = { requestParameters: () => queryRequestParameters(input) };
      const result = await runAsChange(
        c,
        'rest',
        route.operation,
        caller,
        () => operation(caller, input),
        audit,
      );
      if (!result.ok) return failureResponse(c, result, 'rest');
      if (route.status === 204) return c.body(null, 204);

      const output = result.value;
      // An operation that answers nothing answers an empty object where the route has a body.
      if (output === undefined) return c.json({}, route.status);
      const rendered = route.render ? route.render(output, params) : output;
      if (isFailure(rendered)) return failureResponse(c, rendered, 'rest');
      const headers: Record<string, string> = {};
      if (route.location) headers.location = route.location(params, output);
      const body = toRestJson(rendered);
      // INVARIANT: a GET route with a representation renders exactly it (identity-routes.ts), so the
      // tag of its body is the tag a write's If-Match is compared with (currentTag).
      if (route.representation && route.method === 'get') headers.etag = entityTag(body);
      return c.json(body, route.status, headers);
    },
  };
}

/** Maps path parameters, query parameters and the validated body to the operation's members. */
function routeInput<A extends IamAction>(
  route: IdentityRoute<A>,
  body: Record<string, unknown>,
  queries: Record<string, string[]>,
  params: PathParams,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(route.body ?? {})) {
    if (body[field] !== undefined) input[spec.member] = toMemberValue(spec.member, body[field]);
  }
  for (const [name, spec] of Object.entries(route.query ?? {})) {
    const values = queries[name];
    if (values?.length) input[spec.member] = spec.repeated ? values : values[0];
  }
  // INVARIANT: the path names the entity; no body or query field can point the operation elsewhere.
  for (const [name, value] of Object.entries(params)) input[memberOfParam(name)] = value;
  return input;
}

/** The ETag of an entity's representation as it is now. */
async function currentTag<R extends IamAction>(
  representation: Representation<R>,
  operations: TypedOperations,
  caller: Caller,
  params: PathParams,
): Promise<Result<string>> {
  const current = await operations[representation.operation](caller, representation.input(params));
  if (!current.ok) return current;
  // A representation's operation reads an entity: it always answers one.
  if (current.value === undefined) return fail('entity.not-found', 'The entity cannot be found.');
  return ok(entityTag(toRestJson(representation.render(current.value))));
}
