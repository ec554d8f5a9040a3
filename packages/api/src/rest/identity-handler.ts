/**
 * The one handler behind every identity route: authenticate, map the request to the operation's
 * input, check `If-Match`, run the operation, render its output as REST JSON.
 */
import { fail, isFailure, ok, type Result } from '@palisade/failures';
import type { OperationTable } from '@palisade/iam';
import type { Caller } from '@palisade/principals';
import type { Context, Handler } from 'hono';
import { runAsChange } from '../change-origin.ts';
import { failureResponse } from '../error-responses.ts';
import type { Authenticate } from '../signed-request.ts';
import { entityTag, ifMatchSatisfied } from './entity-tags.ts';
import { toMemberValue, toRestJson } from './json-shapes.ts';
import { authenticateRequest, parseJsonObject, unknownFieldFailure } from './rest-request.ts';
import {
  type AwsOutput,
  type IdentityRoute,
  memberOfParam,
  type PathParams,
  pathParamsOf,
  type Representation,
} from './route-model.ts';

/** What the identity routes need. */
export interface IdentityDependencies {
  readonly operations: OperationTable;
  readonly authenticate: Authenticate;
}

/** Builds the handler for one route; throws at start-up if the route names a missing operation. */
export function identityHandler(route: IdentityRoute, deps: IdentityDependencies): Handler {
  const operation = deps.operations[route.operation];
  if (!operation)
    throw new Error(`REST route ${route.method} ${route.path} needs operation ${route.operation}`);
  for (const needed of [route.representation?.operation].filter((name) => name !== undefined)) {
    if (!deps.operations[needed]) throw new Error(`REST route ${route.path} needs operation ${needed}`);
  }
  const paramNames = pathParamsOf(route.path);

  return async function identityRoute(c: Context) {
    const request = await authenticateRequest(c, deps.authenticate);
    if (!request.ok) return failureResponse(c, request, 'rest');
    const { caller, bodyText } = request.value;
    const params: PathParams = Object.fromEntries(paramNames.map((name) => [name, c.req.param(name) ?? '']));

    const input = routeInput(route, c, bodyText, params);
    if (!input.ok) return failureResponse(c, input, 'rest');
    let complete = input.value;
    if (route.prepare) {
      const prepared = await route.prepare({ caller, operations: deps.operations, input: complete });
      if (!prepared.ok) return failureResponse(c, prepared, 'rest');
      complete = { ...complete, ...prepared.value };
    }

    const ifMatch = c.req.header('if-match');
    if (route.representation && route.method !== 'get' && ifMatch !== undefined) {
      // Read-then-write: the check narrows the window for lost updates but is not atomic with the write.
      const current = await currentTag(route.representation, deps.operations, caller, params);
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

    const result = await runAsChange(c, 'rest', route.operation, caller, () => operation(caller, complete));
    if (!result.ok) return failureResponse(c, result, 'rest');
    if (route.status === 204) return c.body(null, 204);

    const output: AwsOutput = (result.value ?? {}) as AwsOutput;
    const rendered = route.render ? route.render(output, params) : output;
    if (isFailure(rendered)) return failureResponse(c, rendered, 'rest');
    const headers: Record<string, string> = {};
    if (route.location) headers.location = route.location(params, output);
    if (route.representation && route.method === 'get') {
      headers.etag = entityTag(toRestJson(route.representation.render(output)));
    }
    return c.json(toRestJson(rendered), route.status, headers);
  };
}

/** Maps path parameters, query parameters and the JSON body to the operation's members. */
function routeInput(
  route: IdentityRoute,
  c: Context,
  bodyText: string,
  params: PathParams,
): Result<Record<string, unknown>> {
  const input: Record<string, unknown> = {};
  const fields = route.body ?? {};
  const body = parseJsonObject(bodyText);
  if (!body.ok) return body;
  const unknown = unknownFieldFailure(body.value, Object.keys(fields));
  if (unknown) return unknown;
  for (const [field, spec] of Object.entries(fields)) {
    if (field in body.value) input[spec.member] = toMemberValue(spec.member, body.value[field]);
  }
  for (const [name, spec] of Object.entries(route.query ?? {})) {
    const values = c.req.queries(name);
    if (values?.length) input[spec.member] = spec.repeated ? values : values[0];
  }
  // INVARIANT: the path names the entity; no body or query field can point the operation elsewhere.
  for (const [name, value] of Object.entries(params)) input[memberOfParam(name)] = value;
  return ok(input);
}

/** The ETag of an entity's representation as it is now. */
async function currentTag(
  representation: Representation,
  operations: OperationTable,
  caller: Caller,
  params: PathParams,
): Promise<Result<string>> {
  const read = operations[representation.operation];
  if (!read) return fail('request.unknown-action', `${representation.operation} is not available.`);
  const current = await read(caller, representation.input(params));
  if (!current.ok) return current;
  return ok(entityTag(toRestJson(representation.render((current.value ?? {}) as AwsOutput))));
}
