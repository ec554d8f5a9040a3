/**
 * The decision API as every root mounts it: the services built from the same options (token
 * questions checked as Bearer callers are, the freshness window, the error log), the question
 * routes authenticated with a key trusted as long as cached policies, and the management routes.
 */
import {
  type Authenticate,
  createDecisionQuestionsApp,
  createDecisionsApp,
  type LogSink,
} from '@palisade/api';
import {
  accessTokenResolver,
  type DecisionQuestions,
  type Decisions,
  type DecisionsOptions,
  type simulationOperations,
} from '@palisade/decisions';
import { type AccessRecorder, type AccessTokenCheck, createAccessRecorder } from '@palisade/principals';
import type { Hono } from 'hono';
import {
  createPlatformAuthentication,
  DECISION_FRESHNESS_MS,
  DECISION_REFRESH_AHEAD_MS,
} from './authentication.ts';
import type { Runtime } from './runtime.ts';

/** Last access (access advisor, RoleLastUsed, PasswordLastUsed): at most one write per principal, service and hour. */
export function lastAccessRecorder(runtime: Runtime): AccessRecorder {
  return createAccessRecorder({
    store: runtime.store,
    now: runtime.now,
    onError: (error) =>
      runtime.log({
        level: 'warn',
        msg: 'last access not recorded',
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      }),
  });
}

/** The decision services' options, the same in every root. */
export function decisionOptions(
  runtime: Runtime,
  verifyAccessToken: AccessTokenCheck,
  accessRecorder?: AccessRecorder,
): DecisionsOptions {
  const { store, config, now } = runtime;
  return {
    // Questions about a user or role count as its use of the action's service (access advisor).
    ...(accessRecorder ? { recordAccess: accessRecorder.principalAccess } : {}),
    store,
    partition: config.partition,
    now,
    resolveToken: accessTokenResolver({
      store,
      partition: config.partition,
      now,
      verifyAccessToken,
      revalidateAfterMs: DECISION_FRESHNESS_MS,
    }),
    revalidateAfterMs: DECISION_FRESHNESS_MS,
    refreshAheadMs: DECISION_REFRESH_AHEAD_MS,
    reportError: storeErrorReporter(runtime.log),
  };
}

/**
 * `/v1/authorize` and `/v1/authorize/batch`: the questions SaaS backends ask on every request trust
 * a cached key for as long as they trust cached policies (the bundle cache lends its stamp reader,
 * so the caller's revalidation shares the decision's round trip).
 */
export function decisionQuestionRoutes(
  runtime: Runtime,
  verifyAccessToken: AccessTokenCheck,
  { cache, decisions }: DecisionQuestions,
): Hono {
  const { authenticate } = createPlatformAuthentication(
    runtime.config,
    runtime.store,
    runtime.secrets,
    verifyAccessToken,
    runtime.now,
    {
      readStamps: cache.readStamps,
      revalidateAfterMs: DECISION_FRESHNESS_MS,
      refreshAheadMs: DECISION_REFRESH_AHEAD_MS,
    },
  );
  return createDecisionQuestionsApp({
    authenticate,
    authorize: (caller, { body, requestId }) => decisions.authorize(caller, body, requestId),
    authorizeBatch: (caller, { body, requestId }) => decisions.authorizeBatch(caller, body, requestId),
  });
}

/** The decision API's other routes (resource policies, catalogs, simulation, the log), authenticated like every other interface. */
export function decisionManagementRoutes(
  authenticate: Authenticate,
  decisions: Decisions,
  simulation: ReturnType<typeof simulationOperations>,
): Hono {
  const { resourcePolicies, catalogs } = decisions;
  return createDecisionsApp({
    authenticate,
    simulation,
    putResourcePolicy: (caller, { body, params }) => resourcePolicies.put(caller, params.arn ?? '', body),
    getResourcePolicy: (caller, { params }) => resourcePolicies.get(caller, params.arn ?? ''),
    deleteResourcePolicy: (caller, { params }) => resourcePolicies.remove(caller, params.arn ?? ''),
    putServiceDefinition: (caller, { body, params }) => catalogs.put(caller, params.prefix ?? '', body),
    getServiceDefinition: (caller, { params }) => catalogs.get(caller, params.prefix ?? ''),
    deleteServiceDefinition: (caller, { params }) => catalogs.remove(caller, params.prefix ?? ''),
    listServiceDefinitions: (caller) => catalogs.list(caller),
    allowedActions: (caller, { body }) => decisions.allowedActions(caller, body),
    queryDecisionLog: (caller, { query }) => decisions.decisionLog.query(caller, query),
    configureDecisionLog: (caller, { body }) => decisions.decisionLog.configure(caller, body),
    validatePolicy: (caller, { body }) => decisions.validation.validate(caller, body),
  });
}

/** Logs the internal error behind a `platform-unavailable` deny, whose answer carries only the request id. */
export function storeErrorReporter(log: LogSink): (error: unknown, requestId: string) => void {
  return (error, requestId) =>
    log({
      level: 'error',
      msg: 'decision store unavailable',
      requestId,
      error: describeError(error),
    });
}

/** An error for the operator's log: name and message, and those of its cause (what DynamoDB said). */
function describeError(error: unknown): Record<string, unknown> | string {
  if (!(error instanceof Error)) return String(error);
  return {
    name: error.name,
    message: error.message,
    ...(error.cause !== undefined ? { cause: describeError(error.cause) } : {}),
  };
}
