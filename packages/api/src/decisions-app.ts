/**
 * The decision API (`/v1/authorize`, resource policies, service catalog, allowed actions,
 * simulation, decision log): JSON in and out, authenticated through the platform's Authenticate
 * port with scope service `palisade` (SigV4, or whatever the port accepts, such as bearer tokens).
 * Its routes are route specs (rest/decision-routes.ts), described in /openapi.json by the REST app;
 * the questions alone (rest/decision-question-routes.ts) make the authorize function's app.
 * HTTP only: the services it calls are handed in as functions, so this module knows no store.
 */
import type { Result } from '@palisade/failures';
import type { Caller, OperationTable } from '@palisade/principals';
import { Hono } from 'hono';
import { decisionQuestionRouteSpecs } from './rest/decision-question-routes.ts';
import { decisionRouteSpecs } from './rest/decision-routes.ts';
import { mountRoutes, type RestEnv } from './rest/route-spec.ts';
import type { Authenticate } from './signed-request.ts';

/** What one route hands its service. */
export interface DecisionRouteInput {
  readonly body: unknown;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly requestId: string;
}

/** A service behind one route: an answer, nothing (204), or a failure. */
export type DecisionRoute<Answer extends object | undefined = object | undefined> = (
  caller: Caller,
  input: DecisionRouteInput,
) => Promise<Result<Answer>>;

/** A decision as far as HTTP cares: one the platform could not make answers 503. */
export interface DecisionAnswer {
  readonly reason?: string;
}

/** The services behind the decision API's routes. */
export interface DecisionServices {
  readonly authorize: DecisionRoute<DecisionAnswer>;
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

/** Builds the decision API app. */
export function createDecisionsApp(deps: DecisionsAppDependencies): Hono {
  const app = new Hono<RestEnv>();
  mountRoutes(app, decisionRouteSpecs(deps), deps.authenticate);
  // Mounted like any Hono app; its own environment (the caller on the context) stays inside.
  return app as unknown as Hono;
}

/** The services behind the two question routes, `/v1/authorize` and its batch. */
export type DecisionQuestionsAppDependencies = { readonly authenticate: Authenticate } & Pick<
  DecisionServices,
  'authorize' | 'authorizeBatch'
>;

/**
 * Builds an app of the question routes alone: the same route specs createDecisionsApp serves for
 * them, without the other routes' specs and docs (the authorize function's bundle and cold start).
 */
export function createDecisionQuestionsApp(deps: DecisionQuestionsAppDependencies): Hono {
  const app = new Hono<RestEnv>();
  mountRoutes(app, decisionQuestionRouteSpecs(deps), deps.authenticate);
  return app as unknown as Hono;
}
