/**
 * Routes described as data for the OpenAPI document, and the shared error responses. No zod here:
 * the decision routes (on the authorize function's cold path) are described with these types.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import { type Method, operationId } from './route-spec.ts';

/** A JSON Schema (2020-12) object. */
export type JsonSchema = Record<string, unknown>;

/** One parameter of an operation described as data. */
export interface ParameterDoc {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly description?: string;
  readonly schema: JsonSchema;
}

/** A route described as data. */
export interface RouteDoc {
  readonly method: Method;
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly action?: string;
  readonly parameters: readonly ParameterDoc[];
  readonly requestBody?: JsonSchema;
  readonly success: {
    readonly status: 200 | 201 | 204;
    readonly description: string;
    readonly schema?: JsonSchema;
  };
  readonly errors: readonly number[];
  /** Responses other than the success and the `Error`-shaped errors (a 503 that is still a decision). */
  readonly extraResponses?: Readonly<
    Record<number, { readonly description: string; readonly schema: JsonSchema }>
  >;
}

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid input (`request.invalid`, `request.invalid-input`, `request.malformed-body`, `policy.malformed`, …)',
  401: 'Missing or invalid credentials (`credentials.*`)',
  403: 'Not allowed (`access.denied`, `account.suspended`)',
  404: 'No such entity (`entity.not-found`)',
  409: 'Conflict (`entity.already-exists`, `entity.delete-conflict`, `quota.exceeded`)',
  412: 'If-Match does not match the current ETag (`entity.precondition-failed`)',
  413: 'The body is larger than the route reads (`request.too-large`)',
  422: 'A signed event that cannot be applied (`webhook.invalid-event`, with `error.fields`)',
};

/** A reference to a schema under `components.schemas`. */
export function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/** The `Error`-shaped responses for these statuses. */
export function errorResponses(statuses: readonly number[]): RouteConfig['responses'] {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/json': { schema: ref('Error') } },
      },
    ]),
  );
}

/** What every documented route opens with: where it is, its name, what it is, its tag and IAM action. */
export function routeHeading(
  route: {
    readonly method: RouteConfig['method'];
    readonly path: string;
    readonly summary: string;
    readonly description?: string | undefined;
    readonly tag: string;
  },
  action: string | undefined,
) {
  return {
    method: route.method,
    path: route.path,
    operationId: operationId(route.method, route.path),
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(action ? { 'x-iam-action': action } : {}),
  };
}

/** Describes a route given as data, for the registry. */
export function routeDocConfig(route: RouteDoc): RouteConfig {
  const success = {
    description: route.success.description,
    ...(route.success.schema ? { content: { 'application/json': { schema: route.success.schema } } } : {}),
  };
  const extra = Object.entries(route.extraResponses ?? {}).map(([status, response]) => [
    status,
    { description: response.description, content: { 'application/json': { schema: response.schema } } },
  ]);
  return {
    ...routeHeading(route, route.action),
    ...(route.parameters.length ? { parameters: [...route.parameters] as RouteConfig['parameters'] } : {}),
    ...(route.requestBody
      ? { requestBody: { required: true, content: { 'application/json': { schema: route.requestBody } } } }
      : {}),
    responses: {
      [route.success.status]: success,
      ...errorResponses(route.errors),
      ...Object.fromEntries(extra),
    },
  };
}
