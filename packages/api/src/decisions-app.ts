/**
 * The decision API (`/v1/authorize`, resource policies, service catalog, allowed actions,
 * simulation, decision log): JSON in and out, authenticated through the platform's Authenticate
 * port with scope service `palisade` (SigV4, or whatever the port accepts, such as bearer tokens).
 * HTTP only: the services it calls are handed in as functions, so this module knows no store.
 */
import type { Result } from '@palisade/failures';
import type { OperationTable } from '@palisade/iam';
import type { Caller } from '@palisade/principals';
import { type Context, Hono } from 'hono';
import { runAsChange } from './change-origin.ts';
import { failureResponse } from './error-responses.ts';
import { parseJsonBody } from './json-body.ts';
import { type Authenticate, readSignedRequest } from './signed-request.ts';

/** What one route hands its service. */
export interface DecisionRouteInput {
  readonly body: unknown;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly requestId: string;
}

/** A service behind one route. */
export type DecisionRoute = (
  caller: Caller,
  input: DecisionRouteInput,
) => Promise<Result<object | undefined>>;

/** The services behind the decision API's routes. */
export interface DecisionServices {
  readonly authorize: DecisionRoute;
  readonly authorizeBatch: DecisionRoute;
  readonly putResourcePolicy: DecisionRoute;
  readonly getResourcePolicy: DecisionRoute;
  readonly deleteResourcePolicy: DecisionRoute;
  readonly putServiceDefinition: DecisionRoute;
  readonly getServiceDefinition: DecisionRoute;
  readonly deleteServiceDefinition: DecisionRoute;
  readonly listServiceDefinitions: DecisionRoute;
  readonly allowedActions: DecisionRoute;
  readonly queryDecisionLog: DecisionRoute;
  readonly configureDecisionLog: DecisionRoute;
  readonly validatePolicy: DecisionRoute;
  /** SimulatePrincipalPolicy and SimulateCustomPolicy, in AWS member names. */
  readonly simulation: OperationTable;
}

/**
 * The authenticator and the services to serve. A route whose service is absent is not mounted, so
 * a deployment can split the routes across functions (the authorize function serves two).
 */
export type DecisionsAppDependencies = { readonly authenticate: Authenticate } & Partial<DecisionServices>;

const SCOPE_SERVICE = 'palisade';

/** Builds the decision API app. */
export function createDecisionsApp(deps: DecisionsAppDependencies): Hono {
  const app = new Hono();

  /** Authenticates, parses the JSON body, runs the service and renders its result. */
  const serve =
    (
      operation: string,
      route: DecisionRoute,
      params: (c: Context) => Record<string, string> = () => ({}),
      success = 200,
    ) =>
    async (c: Context) => {
      const read = await readSignedRequest(c);
      if (!read.ok) return failureResponse(c, read, 'rest');
      const { received, bodyText, origin } = read.value;
      const authenticated = await deps.authenticate(received, SCOPE_SERVICE, origin);
      if (!authenticated.ok) return failureResponse(c, authenticated, 'rest');
      const body = parseJsonBody(bodyText);
      if (!body.ok) return failureResponse(c, body, 'rest');
      const caller = authenticated.value.caller;
      const result = await runAsChange(c, 'decisions', operation, caller, () =>
        route(caller, {
          body: body.value,
          params: params(c),
          query: c.req.query(),
          requestId: c.get('requestId'),
        }),
      );
      if (!result.ok) return failureResponse(c, result, 'rest');
      if (result.value === undefined) return c.body(null, 204);
      // INVARIANT: a decision the platform could not make is a deny and a 503, never an allow.
      const unavailable = (result.value as { reason?: unknown }).reason === 'platform-unavailable';
      return c.json(result.value, unavailable ? 503 : (success as 200));
    };

  // The ARN travels URL-encoded as one segment (`/v1/resource-policies/arn%3Aaws%3A…`).
  const arnParam = (c: Context) => {
    const raw = new URL(c.req.url).pathname.slice('/v1/resource-policies/'.length);
    let arn = raw;
    try {
      arn = decodeURIComponent(raw);
    } catch {
      // Left as sent; the service refuses it as an invalid ARN.
    }
    return { arn };
  };
  const prefixParam = (c: Context) => ({ prefix: c.req.param('prefix') ?? '' });

  // Each route's operation name is what its change records (if it makes any) are filed as.
  const mount = (
    method: 'get' | 'post' | 'put' | 'delete',
    path: string,
    operation: string,
    route: DecisionRoute | undefined,
    params?: (c: Context) => Record<string, string>,
  ) => {
    if (route) app.on(method.toUpperCase(), path, serve(operation, route, params));
  };
  mount('post', '/v1/authorize', 'Authorize', deps.authorize);
  mount('post', '/v1/authorize/batch', 'AuthorizeBatch', deps.authorizeBatch);
  mount('put', '/v1/resource-policies/*', 'PutResourcePolicy', deps.putResourcePolicy, arnParam);
  mount('get', '/v1/resource-policies/*', 'GetResourcePolicy', deps.getResourcePolicy, arnParam);
  mount('delete', '/v1/resource-policies/*', 'DeleteResourcePolicy', deps.deleteResourcePolicy, arnParam);
  mount('get', '/v1/service-catalog', 'ListServiceDefinitions', deps.listServiceDefinitions);
  mount('put', '/v1/service-catalog/:prefix', 'PutServiceDefinition', deps.putServiceDefinition, prefixParam);
  mount('get', '/v1/service-catalog/:prefix', 'GetServiceDefinition', deps.getServiceDefinition, prefixParam);
  mount(
    'delete',
    '/v1/service-catalog/:prefix',
    'DeleteServiceDefinition',
    deps.deleteServiceDefinition,
    prefixParam,
  );
  mount('post', '/v1/allowed-actions', 'AllowedActions', deps.allowedActions);
  mount('post', '/v1/validate-policy', 'ValidatePolicy', deps.validatePolicy);
  mount('get', '/v1/decision-log', 'QueryDecisionLog', deps.queryDecisionLog);
  mount('put', '/v1/decision-log/settings', 'ConfigureDecisionLog', deps.configureDecisionLog);
  for (const [path, action] of [
    ['/v1/simulate/principal', 'SimulatePrincipalPolicy'],
    ['/v1/simulate/custom', 'SimulateCustomPolicy'],
  ] as const) {
    const simulate = deps.simulation?.[action];
    mount('post', path, action, simulate && ((caller, input) => simulate(caller, input.body)));
  }
  return app;
}
