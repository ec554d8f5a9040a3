/**
 * The one shape of a REST route: its OpenAPI route config (method, path, authentication, input and
 * output schemas, from `@hono/zod-openapi`'s createRoute) and the service call. Mounting a spec
 * registers it in the app's OpenAPI registry and serves it with the same schemas, so the published
 * document and the handler cannot differ.
 */
import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { Result } from '@palisade/failures';
import { fail, ok } from '@palisade/failures';
import { MAX_JSON_DEPTH, parseBoundedJson } from '@palisade/policy';
import { bearerTokenOf, type Caller, type RequestOrigin, validationFailure } from '@palisade/principals';
import type { Context, Hono, MiddlewareHandler } from 'hono';
// zod/mini, not zod: the decision routes (the authorize function) mount through this module.
import { safeParse, strictObject } from 'zod/mini';
import { $ZodType } from 'zod/v4/core';
import type { AuthenticateBearer } from '../authorization-schemes.ts';
import { failureResponse } from '../error-responses.ts';
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
  /** A bearer route's access token (`Authorization: Bearer`); absent on every other route. */
  bearerToken: string | undefined;
}

/** The Hono environment of every REST route. */
export type RestEnv = { Variables: RestVariables };

/** A REST route's validated input; `Body` is what the route's body schema outputs. */
export interface RouteInput<Body = Record<string, unknown>> {
  readonly caller: Caller | undefined;
  readonly params: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly body: Body;
}

/** One REST route, declared once; `Body` is its body schema's output (an object by default). */
export interface RouteSpec<Body = Record<string, unknown>> {
  readonly method: Method;
  readonly path: string;
  /** Hono's path when it is not the template's (an ARN segment that may hold slashes: `/*`). */
  readonly servedAt?: string;
  /** Not signed: the body carries its own proof of identity (documented with `security: []`). */
  readonly unsigned?: boolean;
  /** Authenticated by a sign-in session's access token instead of SigV4 (the sign-in routes). */
  readonly bearer?: BearerMode;
  /** The largest body the route reads (default MAX_BODY_BYTES). */
  readonly bodyLimit?: number;
  /**
   * The body is handed to the route as the text received, unparsed: a webhook verifies its
   * signature over the exact bytes before anything reads them.
   */
  readonly rawBody?: boolean;
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
  /** Serves the validated input (a method, so a spec of any `Body` serves in a list of specs). */
  handle(c: Context<RestEnv>, input: RouteInput<Body>): Promise<Response>;
}

/**
 * How a bearer route takes its access token. Either way the token is required before a byte of the
 * body is read, so a caller without one never gets its body read, let alone parsed.
 */
export type BearerMode =
  /** The token is authenticated (the caller on the context) before the body is parsed. */
  | { readonly authenticate: AuthenticateBearer }
  /**
   * The route's service verifies the token itself and takes nothing else (sign-out ends whatever
   * session the token names, whatever its standing): no body is read, no origin is put on the context.
   */
  | { readonly verifiedByService: true };

/** How a route's caller proves who it is. */
export type RouteAuthentication = 'sigv4' | 'none' | BearerMode;

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
 * the `palisade` scope service (or a bearer route's access token), and puts the caller and the
 * parsed body on the context.
 */
export function restAuthentication(
  authenticate: Authenticate,
  how: RouteAuthentication,
  bodyLimit?: number,
  rawBody = false,
): MiddlewareHandler<RestEnv> {
  const bearer = typeof how === 'object' ? how : undefined;
  return async function restAuthentication(c, next) {
    // INVARIANT: a bearer route refuses a request without its token before reading its body.
    const token = bearer && bearerTokenOf(c.req.header('authorization'));
    if (bearer) {
      if (!token) return failureResponse(c, fail('credentials.missing', BEARER_MISSING), 'rest');
      c.set('bearerToken', token);
      if ('verifiedByService' in bearer) return next();
    }
    const read = await readSignedRequest(c, bodyLimit);
    if (!read.ok) return failureResponse(c, read, 'rest');
    const { received, bodyText, origin } = read.value;
    if (how === 'sigv4') {
      const authenticated = await authenticate(received, REST_SIGNING_SERVICE, origin);
      if (!authenticated.ok) return failureResponse(c, authenticated, 'rest');
      c.set('caller', authenticated.value.caller);
    } else if (bearer && token && 'authenticate' in bearer) {
      const authenticated = await bearer.authenticate(token, origin);
      if (!authenticated.ok) return failureResponse(c, authenticated, 'rest');
      c.set('caller', authenticated.value.caller);
    }
    const body = rawBody ? ok(bodyText) : parseJsonBody(bodyText);
    if (!body.ok) return failureResponse(c, body, 'rest');
    c.set('body', body.value);
    c.set('origin', origin);
    await next();
  };
}

const BEARER_MISSING = 'Send the access token as Authorization: Bearer <token>.';

/**
 * The one way a REST body is parsed: bounded in depth (a 100,000-deep body must be a 400, not a
 * stack overflow in whatever walks it next); an empty (or blank) body is `{}`.
 */
function parseJsonBody(bodyText: string): Result<unknown> {
  if (bodyText.trim() === '') return ok({});
  const parsed = parseBoundedJson(bodyText);
  if (parsed.ok) return ok(parsed.value);
  return parsed.reason === 'too-deep'
    ? fail('request.invalid', `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`)
    : fail('request.malformed-body', 'The request body is not valid JSON.');
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

/** A route's input schemas, looked up once (on the route's first request) instead of on every one. */
interface InputSchemas {
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
}

/** Reads the route's parameters, query and body through its declared schemas. */
function routeInput(c: Context<RestEnv>, spec: RouteSpec, schemas: InputSchemas): Result<RouteInput> {
  const body = c.get('body');
  if (schemas.body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    return fail('request.invalid', 'The request body must be a JSON object.');
  }
  // Parameters and query are read only for a route that validates them (the decision routes do not).
  const params = parsePart(schemas.params, () => c.req.param());
  if (!params.ok) return params;
  const query = parsePart(schemas.query, () => {
    const repeated = new Set(spec.repeatedQuery ?? []);
    return Object.fromEntries(
      Object.entries(c.req.queries()).map(([name, values]) => [
        name,
        repeated.has(name) ? values : values[0],
      ]),
    );
  });
  if (!query.ok) return query;
  const parsedBody = parsePart(schemas.body, () => body);
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
    const schemas = once(
      (): InputSchemas => ({
        params: spec.route().request?.params,
        query: spec.route().request?.query,
        body: bodySchemaOf(spec),
      }),
    );
    const serveRoute: MiddlewareHandler<RestEnv> = async function serveRoute(c) {
      const input = routeInput(c, spec, schemas());
      if (!input.ok) return failureResponse(c, input, 'rest');
      return spec.handle(c, input.value);
    };
    const handlers = [
      ...(spec.noStore ? [noStore()] : []),
      restAuthentication(authenticate, authenticationOf(spec), spec.bodyLimit, spec.rawBody),
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

function authenticationOf(spec: RouteSpec): RouteAuthentication {
  if (spec.bearer) return spec.bearer;
  return spec.unsigned === true ? 'none' : 'sigv4';
}

/** Registers routes in the app's OpenAPI registry (on first use of the document). */
export function registerRoutes(app: OpenAPIHono<RestEnv>, routes: readonly RouteConfig[]): void {
  for (const route of routes) app.openAPIRegistry.registerPath(route);
}
