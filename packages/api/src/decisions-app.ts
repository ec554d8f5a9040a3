/**
 * The decision API (`/v1/authorize`, resource policies, service catalog, allowed actions,
 * simulation, decision log): JSON in and out, authenticated through the platform's Authenticate
 * port with scope service `palisade` (SigV4, or whatever the port accepts, such as bearer tokens).
 * HTTP only: the services it calls are handed in as functions, so this module knows no store.
 */
import type { Result } from '@palisade/failures';
import type { Caller, OperationTable } from '@palisade/iam';
import { type Context, Hono } from 'hono';
import { failureResponse } from './error-responses.ts';
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

/** The services the decision API serves. */
export interface DecisionsAppDependencies {
  readonly authenticate: Authenticate;
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

const SCOPE_SERVICE = 'palisade';

/** Builds the decision API app. */
export function createDecisionsApp(deps: DecisionsAppDependencies): Hono {
  const app = new Hono();

  /** Authenticates, parses the JSON body, runs the service and renders its result. */
  const serve =
    (route: DecisionRoute, params: (c: Context) => Record<string, string> = () => ({}), success = 200) =>
    async (c: Context) => {
      const read = await readSignedRequest(c);
      if (!read.ok) return failureResponse(c, read, 'rest');
      const { received, bodyText, sourceIp } = read.value;
      const authenticated = await deps.authenticate(received, SCOPE_SERVICE, sourceIp ? { sourceIp } : {});
      if (!authenticated.ok) return failureResponse(c, authenticated, 'rest');
      let body: unknown = {};
      if (bodyText.trim() !== '') {
        try {
          body = JSON.parse(bodyText);
        } catch {
          return failureResponse(
            c,
            { code: 'request.malformed-body', message: 'The body is not valid JSON.' },
            'rest',
          );
        }
      }
      const result = await route(authenticated.value.caller, {
        body,
        params: params(c),
        query: c.req.query(),
        requestId: c.get('requestId'),
      });
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

  app.post('/v1/authorize', serve(deps.authorize));
  app.post('/v1/authorize/batch', serve(deps.authorizeBatch));
  app.put('/v1/resource-policies/*', serve(deps.putResourcePolicy, arnParam));
  app.get('/v1/resource-policies/*', serve(deps.getResourcePolicy, arnParam));
  app.delete('/v1/resource-policies/*', serve(deps.deleteResourcePolicy, arnParam));
  app.get('/v1/service-catalog', serve(deps.listServiceDefinitions));
  app.put('/v1/service-catalog/:prefix', serve(deps.putServiceDefinition, prefixParam));
  app.get('/v1/service-catalog/:prefix', serve(deps.getServiceDefinition, prefixParam));
  app.delete('/v1/service-catalog/:prefix', serve(deps.deleteServiceDefinition, prefixParam));
  app.post('/v1/allowed-actions', serve(deps.allowedActions));
  app.post('/v1/validate-policy', serve(deps.validatePolicy));
  app.get('/v1/decision-log', serve(deps.queryDecisionLog));
  app.put('/v1/decision-log/settings', serve(deps.configureDecisionLog));
  for (const [path, action] of [
    ['/v1/simulate/principal', 'SimulatePrincipalPolicy'],
    ['/v1/simulate/custom', 'SimulateCustomPolicy'],
  ] as const) {
    const simulate = deps.simulation[action];
    if (simulate)
      app.post(
        path,
        serve((caller, input) => simulate(caller, input.body)),
      );
  }
  return app;
}
