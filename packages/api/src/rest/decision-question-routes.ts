/**
 * The shape of a decision route row (declared once: the route spec the decisions app serves and the
 * route /openapi.json describes) and the two question rows, `/v1/authorize` and its batch. The
 * authorize function serves only these, so its bundle holds neither the other rows nor their docs
 * (decision-routes.ts adds them for the full API). No zod here, for the same reason.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import type { Result } from '@palisade/failures';
import type { Caller } from '@palisade/principals';
import type { Context } from 'hono';
import type { DecisionRoute, DecisionsAppDependencies } from '../decisions-app.ts';
import { failureResponse } from '../error-responses.ts';
import { errorTable } from '../error-table.ts';
import type { DecisionRequestSchemas } from './decision-schemas.ts';
import { type JsonSchema, type RouteDoc, ref, routeDocConfig } from './route-docs.ts';
import { once, type RestEnv, type RouteSpec } from './route-spec.ts';

/** The service a row calls: a decision service by name, or the simulator's action (`action`). */
type DecisionServiceName = Exclude<keyof DecisionsAppDependencies, 'authenticate'>;

/** One decision route, declared once. */
export interface DecisionRouteRow extends Omit<RouteDoc, 'requestBody'> {
  readonly service: DecisionServiceName;
  /** Hono's path when the template's would not do (an ARN may hold slashes). */
  readonly servedAt?: string;
  /** The service's own body schema, by name, or the body described as JSON Schema. */
  readonly requestBody?: keyof DecisionRequestSchemas | JsonSchema;
  /**
   * A decision the platform could not make (reason `platform-unavailable`) is a deny answered with
   * the failure table's status for `platform.unavailable`, never an allow.
   */
  readonly failsClosed?: true;
  /**
   * A question: it changes nothing, so it runs outside any change-origin scope (on Node 20, every
   * promise pays AsyncLocalStorage's hook once a scope is entered). A change it tried anyway would
   * have no origin and be refused by the store, never filed under nobody.
   */
  readonly question?: true;
}

/** The tag of the question routes in the document. */
export const DECISIONS = 'Decisions';

/** Who may ask about whom: the question routes' and allowed actions' documentation. */
export const ASKING =
  'Anyone may ask about themselves. Asking about another principal of your account needs `palisade:Authorize` on its ARN (the root and the operator need nothing); asking across accounts also needs a resource policy of the target account on that ARN granting `palisade:Authorize`.';

/** The question routes: they change nothing. */
export const DECISION_QUESTION_ROUTES: readonly DecisionRouteRow[] = [
  {
    method: 'post',
    path: '/v1/authorize',
    service: 'authorize',
    summary: 'Decide whether a principal may perform an action on a resource',
    description: `Evaluates the principal's identity policies, permissions boundary and the resource's registered policy with AWS's evaluation logic, and explains the decision. A deny is an answer (200), not an error. ${ASKING}`,
    tag: DECISIONS,
    parameters: [],
    requestBody: ref('DecisionRequest'),
    success: {
      status: 200,
      description: 'The decision and its explanation.',
      schema: ref('DecisionResult'),
    },
    errors: [400, 401, 403, 404],
    failsClosed: true,
    question: true,
  },
  {
    method: 'post',
    path: '/v1/authorize/batch',
    service: 'authorizeBatch',
    summary: 'Decide up to 100 questions in one request',
    description: `Each question is answered in order by a decision or by that question's own error; the batch fails only when its envelope is invalid. ${ASKING}`,
    tag: DECISIONS,
    parameters: [],
    requestBody: {
      type: 'object',
      properties: {
        requests: { type: 'array', minItems: 1, maxItems: 100, items: ref('DecisionRequest') },
      },
      required: ['requests'],
      additionalProperties: false,
    },
    success: { status: 200, description: 'One entry per question.', schema: ref('BatchDecisionResult') },
    errors: [400, 401],
    question: true,
  },
];

const UNAVAILABLE =
  'The platform could not read the policies, so the answer is an `implicitDeny` with reason `platform-unavailable` (fail closed).';
const UNAVAILABLE_STATUS = errorTable['platform.unavailable'].status;
const NO_CALLER = { code: 'credentials.missing', message: 'The request is not signed.' } as const;

/** The row's OpenAPI route; `describeBody` turns a service's body schema into JSON Schema. */
export function decisionRouteConfig(
  row: DecisionRouteRow,
  describeBody?: (name: keyof DecisionRequestSchemas) => JsonSchema,
): RouteConfig {
  const {
    requestBody,
    failsClosed,
    question: _question,
    service: _service,
    servedAt: _servedAt,
    ...doc
  } = row;
  const body = typeof requestBody === 'string' ? describeBody?.(requestBody) : requestBody;
  return routeDocConfig({
    ...doc,
    ...(body ? { requestBody: body } : {}),
    ...(failsClosed
      ? {
          extraResponses: {
            [UNAVAILABLE_STATUS]: { description: UNAVAILABLE, schema: ref('DecisionResult') },
          },
        }
      : {}),
  });
}

/** The path parameters a service takes: `{arn}` travels URL-encoded as the rest of the path. */
export function pathParams(c: Context<RestEnv>, row: DecisionRouteRow): Record<string, string> {
  const names = row.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  if (!row.servedAt) return Object.fromEntries(names.map((name) => [name, c.req.param(name) ?? '']));
  const raw = new URL(c.req.url).pathname.slice(row.servedAt.length - 1);
  let value = raw;
  try {
    value = decodeURIComponent(raw);
  } catch {
    // Left as sent; the service refuses it as an invalid ARN.
  }
  return Object.fromEntries(names.map((name) => [name, value]));
}

/** The service behind a row, when the deployment serves it. */
function serviceOf(row: DecisionRouteRow, deps: DecisionsAppDependencies): DecisionRoute | undefined {
  if (row.service !== 'simulation') return deps[row.service];
  const simulate = row.action ? deps.simulation?.[row.action] : undefined;
  return simulate && ((caller, input) => simulate(caller, input.body));
}

/**
 * Runs a route that may change something as a change of its caller, filed under the route's
 * operation (decision-routes.ts gives it; the question routes never need it).
 */
export type DecisionChangeRunner = (
  c: Context<RestEnv>,
  row: DecisionRouteRow,
  operation: string,
  caller: Caller,
  run: () => Promise<Result<object | undefined>>,
) => Promise<Result<object | undefined>>;

/**
 * The route specs of the given rows whose services are given. A row that is not a question runs
 * through `asChange`; one without it is a wiring bug, refused when the app is built.
 */
export function decisionSpecsOf(
  rows: readonly DecisionRouteRow[],
  deps: DecisionsAppDependencies,
  asChange?: DecisionChangeRunner,
): RouteSpec[] {
  return rows.flatMap((row) => {
    const service = serviceOf(row, deps);
    if (!service) return [];
    // Each route's operation name is what its change records (if it makes any) are filed as.
    const operation = row.action ?? row.service.charAt(0).toUpperCase() + row.service.slice(1);
    // A question changes nothing; any other row runs as a change, and without a runner is refused here.
    const changes = row.question ? undefined : asChange;
    if (!row.question && !changes)
      throw new Error(`${row.path} may change something: it needs a change runner`);
    const spec: RouteSpec = {
      method: row.method,
      path: row.path,
      ...(row.servedAt ? { servedAt: row.servedAt } : {}),
      route: once(() => decisionRouteConfig(row)),
      async handle(c, { caller }) {
        // Every decision route is signed: no caller here would be a mounting bug, refused closed.
        if (!caller) return failureResponse(c, NO_CALLER, 'rest');
        const input = {
          body: c.get('body'),
          params: pathParams(c, row),
          query: c.req.query(),
          requestId: c.get('requestId'),
        };
        const result = await (changes
          ? changes(c, row, operation, caller, () => service(caller, input))
          : service(caller, input));
        if (!result.ok) return failureResponse(c, result, 'rest');
        const answer = result.value;
        if (answer === undefined) return c.body(null, 204);
        const unavailable = row.failsClosed && 'reason' in answer && answer.reason === 'platform-unavailable';
        return c.json(answer, unavailable ? UNAVAILABLE_STATUS : 200);
      },
    };
    return [spec];
  });
}

/** The route specs of the question routes whose services are given (the authorize function's). */
export function decisionQuestionRouteSpecs(deps: DecisionsAppDependencies): RouteSpec[] {
  return decisionSpecsOf(DECISION_QUESTION_ROUTES, deps);
}
