/**
 * The one shape of a REST route: its OpenAPI route config (method, path, authentication, input and
 * output schemas, from `@hono/zod-openapi`'s createRoute) and the service call. Mounting a spec
 * registers it in the app's OpenAPI registry and serves it with the same schemas, so the published
 * document and the handler cannot differ.
 */
import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { Result } from '@palisade/failures';
import { fail, ok } from '@palisade/failures';
import { validationFailure } from '@palisade/iam';
import type { Caller, RequestOrigin } from '@palisade/principals';
import type { Context, Hono, MiddlewareHandler } from 'hono';
// zod/mini, not zod: the decision routes (the authorize function) mount through this module.
import { safeParse, strictObject } from 'zod/mini';
import { $ZodType } from 'zod/v4/core';
import { failureResponse } from '../error-responses.ts';
import { parseJsonBody } from '../json-body.ts';
import { type Authenticate, readSignedRequest } from '../signed-request.ts';

/** The scope service REST requests are signed for (`--aws-sigv4 "aws:amz:<region>:palisade"`). */
export const REST_SIGNING_SERVICE = 'palisade';

/** What the authentication middleware leaves on the context. */
export interface RestVariables {
  /** Absent on unsigned routes (their body carries its own proof of identity). */
  caller: Caller | undefined;
  /** The JSON body, parsed once from the bytes the signature covered. */
  body: unknown;
  /** Where the request came from and how (source IP, user agent, TLS): its context keys. */
  origin: RequestOrigin;
}

/** The Hono environment of every REST route. */
export type RestEnv = { Variables: RestVariables };

/** A REST route's validated input. */
export interface RouteInput {
  readonly caller: Caller | undefined;
  readonly params: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly body: Record<string, unknown>;
}

/** One REST route, declared once. */
export interface RouteSpec {
  readonly method: Method;
  readonly path: string;
  /** Hono's path when it is not the template's (an ARN segment that may hold slashes: `/*`). */
  readonly servedAt?: string;
  /** Not signed: the body carries its own proof of identity (documented with `security: []`). */
  readonly unsigned?: boolean;
  /** The largest body the route reads (default MAX_BODY_BYTES). */
  readonly bodyLimit?: number;
  /**
   * The OpenAPI route; its `request` schemas, when zod schemas, validate the input (a route whose
   * service validates its own body documents it as JSON Schema). Built on first use (memoized):
   * describing every schema is most of a cold start's app construction otherwise.
   */
  readonly route: () => RouteConfig;
  /** Query parameters that may repeat (`?keys=a&keys=b`), validated as lists. */
  readonly repeatedQuery?: readonly string[];
  /** Refuses any body field when the route declares no body (catches misdirected requests). */
  readonly refusesBody?: boolean;
  /** Responses (errors too) carry secrets or identity: never cached. */
  readonly noStore?: boolean;
  readonly handle: (c: Context<RestEnv>, input: RouteInput) => Promise<Response>;
}

/** The HTTP methods the API uses. */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Hono's form of a path template (`{userName}` → `:userName`). */
export function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** The path template's operation id: `get /v1/users/{userName}/tags` → `getUsersByUserNameTags`. */
export function operationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((part) => part !== '' && part !== 'v1')
    .map((part) => {
      const param = /^\{(\w+)\}$/.exec(part);
      return (param ? `By-${param[1]}` : part)
        .split('-')
        .map((piece) => piece.charAt(0).toUpperCase() + piece.slice(1))
        .join('');
    });
  return `${method}${words.join('')}`;
}

/**
 * The one authentication step: reads the request once (bounded), verifies its SigV4 signature for
 * the `palisade` scope service when the route is signed, and puts the caller and the parsed body on
 * the context.
 */
export function restAuthentication(
  authenticate: Authenticate,
  signed: boolean,
  bodyLimit?: number,
): MiddlewareHandler<RestEnv> {
  return async function restAuthentication(c, next) {
    const read = await readSignedRequest(c, bodyLimit);
    if (!read.ok) return failureResponse(c, read, 'rest');
    const { received, bodyText, origin } = read.value;
    if (signed) {
      const authenticated = await authenticate(received, REST_SIGNING_SERVICE, origin);
      if (!authenticated.ok) return failureResponse(c, authenticated, 'rest');
      c.set('caller', authenticated.value.caller);
    }
    const body = parseJsonBody(bodyText);
    if (!body.ok) return failureResponse(c, body, 'rest');
    c.set('body', body.value);
    c.set('origin', origin);
    await next();
  };
}

// Built on first use: the functions whose routes all read a body (the authorize function) never need it.
const NO_FIELDS = once(() => strictObject({}));

/** Parses one part of the request with the route's schema; a problem is the one validation failure. */
function parsePart(schema: unknown, read: () => unknown): Result<Record<string, unknown>> {
  if (!(schema instanceof $ZodType)) return ok({});
  const parsed = safeParse(schema, read());
  if (!parsed.success) return validationFailure(parsed.error);
  return ok(parsed.data as Record<string, unknown>);
}

function bodySchemaOf(spec: RouteSpec): unknown {
  const media = spec.route().request?.body?.content['application/json'];
  const schema = media && 'schema' in media ? media.schema : undefined;
  if (schema instanceof $ZodType) return schema;
  return spec.refusesBody ? NO_FIELDS() : undefined;
}

/** Reads the route's parameters, query and body through its declared schemas. */
function routeInput(c: Context<RestEnv>, spec: RouteSpec): Result<RouteInput> {
  const request = spec.route().request;
  const body = c.get('body');
  const bodySchema = bodySchemaOf(spec);
  if (bodySchema !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    return fail('request.invalid', 'The request body must be a JSON object.');
  }
  // Parameters and query are read only for a route that validates them (the decision routes do not).
  const params = parsePart(request?.params, () => c.req.param());
  if (!params.ok) return params;
  const query = parsePart(request?.query, () => {
    const repeated = new Set(spec.repeatedQuery ?? []);
    return Object.fromEntries(
      Object.entries(c.req.queries()).map(([name, values]) => [
        name,
        repeated.has(name) ? values : values[0],
      ]),
    );
  });
  if (!query.ok) return query;
  const parsedBody = parsePart(bodySchema, () => body);
  if (!parsedBody.ok) return parsedBody;
  return ok({ caller: c.get('caller'), params: params.value, query: query.value, body: parsedBody.value });
}

function noStore(): MiddlewareHandler {
  return async function noStore(c, next) {
    await next();
    c.res.headers.set('cache-control', 'no-store');
  };
}

/** Memoizes a route config builder. */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

/**
 * Serves each spec, then answers a known path with another method 405 (with `Allow`), not the
 * platform's 404.
 */
export function mountRoutes(
  app: Hono<RestEnv>,
  specs: readonly RouteSpec[],
  authenticate: Authenticate,
): void {
  const methodsByPath = new Map<string, { path: string; methods: string[] }>();
  for (const spec of specs) {
    const served = spec.servedAt ?? honoPath(spec.path);
    const serveRoute: MiddlewareHandler<RestEnv> = async function serveRoute(c) {
      const input = routeInput(c, spec);
      if (!input.ok) return failureResponse(c, input, 'rest');
      return spec.handle(c, input.value);
    };
    const handlers = [
      ...(spec.noStore ? [noStore()] : []),
      restAuthentication(authenticate, spec.unsigned !== true, spec.bodyLimit),
      serveRoute,
    ];
    app.on(spec.method.toUpperCase(), [served], ...handlers);
    const known = methodsByPath.get(served) ?? { path: spec.path, methods: [] };
    methodsByPath.set(served, { path: spec.path, methods: [...known.methods, spec.method] });
  }
  for (const [served, { path, methods }] of methodsByPath) {
    const allow = [
      ...new Set(methods.flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()]))),
    ].join(', ');
    app.all(served, (c) => {
      const response = failureResponse(
        c,
        {
          code: 'request.method-not-allowed',
          message: `${c.req.method} is not allowed on ${path}; allowed: ${allow}.`,
        },
        'rest',
      );
      response.headers.set('allow', allow);
      return response;
    });
  }
}

/** Registers routes in the app's OpenAPI registry (on first use of the document). */
export function registerRoutes(app: OpenAPIHono<RestEnv>, routes: readonly RouteConfig[]): void {
  for (const route of routes) app.openAPIRegistry.registerPath(route);
}
