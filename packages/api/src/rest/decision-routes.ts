/**
 * The decision API's routes (authorize and batch, resource policies, the service catalog, allowed
 * actions, policy validation, the decision log, IAM's policy simulator), each declared once: the
 * row gives both the route spec decisions-app.ts serves and the route /openapi.json describes.
 * The services validate their own bodies (a batch answers a bad question in its place), so a row
 * names its body by the service's schema, described when the document is generated. No zod here:
 * the authorize function serves two of these rows.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import { redact } from '@palisade/audit';
import type { Context } from 'hono';
import { runAsChange } from '../change-origin.ts';
import type { DecisionRoute, DecisionsAppDependencies } from '../decisions-app.ts';
import { failureResponse } from '../error-responses.ts';
import { errorTable } from '../error-table.ts';
import type { DecisionRequestSchemas } from './decision-schemas.ts';
import { type JsonSchema, type ParameterDoc, type RouteDoc, ref, routeDocConfig } from './route-docs.ts';
import { once, type RestEnv, type RouteSpec } from './route-spec.ts';

/** The service a row calls: a decision service by name, or the simulator's action (`action`). */
type DecisionServiceName = Exclude<keyof DecisionsAppDependencies, 'authenticate'>;

/** One decision route, declared once. */
interface DecisionRouteRow extends Omit<RouteDoc, 'requestBody'> {
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

const DECISIONS = 'Decisions';
const RESOURCES = 'Resource policies';
const CATALOG = 'Service catalog';
const SIMULATOR = 'Policy simulator';
const DECISION_LOG = 'Decision log';

const arnParam: ParameterDoc = {
  name: 'arn',
  in: 'path',
  required: true,
  description: 'The resource ARN, URL-encoded as one path segment (`arn%3Aaws%3Adocs%3A…`).',
  schema: { type: 'string' },
};
const prefixParam: ParameterDoc = {
  name: 'prefix',
  in: 'path',
  required: true,
  description: 'The service prefix used in actions and condition keys (e.g. `docs`).',
  schema: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' },
};

const ASKING =
  'Anyone may ask about themselves. Asking about another principal of your account needs `palisade:Authorize` on its ARN (the root and the operator need nothing); asking across accounts also needs a resource policy of the target account on that ARN granting `palisade:Authorize`.';

const policyTexts: JsonSchema = {
  type: 'array',
  items: { type: 'string' },
  description: 'Policy documents, each as JSON text.',
};

/** A GetContextKeysFor…Policy route: the simulator's, IAM's request and answer members. */
function contextKeysRow(
  path: string,
  action: 'GetContextKeysForCustomPolicy' | 'GetContextKeysForPrincipalPolicy',
  summary: string,
  properties: Record<string, JsonSchema>,
  required: readonly string[],
): DecisionRouteRow {
  return {
    method: 'post',
    path,
    service: 'simulation',
    summary,
    description: `Needs \`iam:${action}\`. A document that is not a policy answers 400 \`request.invalid-input\`.`,
    tag: SIMULATOR,
    action,
    question: true,
    parameters: [],
    requestBody: { type: 'object', properties, required: [...required], additionalProperties: false },
    success: {
      status: 200,
      description: 'The context key names, sorted.',
      schema: {
        type: 'object',
        properties: { ContextKeyNames: { type: 'array', items: { type: 'string' } } },
        required: ['ContextKeyNames'],
      },
    },
    errors: [400, 401, 403, 404],
  };
}

/** Every decision route. */
const DECISION_ROUTES: readonly DecisionRouteRow[] = [
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
  {
    method: 'put',
    path: '/v1/resource-policies/{arn}',
    service: 'putResourcePolicy',
    servedAt: '/v1/resource-policies/*',
    summary: "Register a resource's policy and tags",
    description:
      "Only the account in the ARN's account segment may register (root, or a principal allowed `palisade:PutResourcePolicy` on the ARN). The policy is validated against the account's service catalog.",
    tag: RESOURCES,
    parameters: [arnParam],
    requestBody: 'putResourcePolicy',
    success: { status: 200, description: 'The registration.', schema: ref('ResourceRegistration') },
    errors: [400, 401, 403, 409, 412],
  },
  {
    method: 'get',
    path: '/v1/resource-policies/{arn}',
    service: 'getResourcePolicy',
    servedAt: '/v1/resource-policies/*',
    summary: "Read a resource's registered policy and tags",
    description: 'Needs `palisade:GetResourcePolicy` on the ARN, in the owning account.',
    tag: RESOURCES,
    parameters: [arnParam],
    success: { status: 200, description: 'The registration.', schema: ref('ResourceRegistration') },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'delete',
    path: '/v1/resource-policies/{arn}',
    service: 'deleteResourcePolicy',
    servedAt: '/v1/resource-policies/*',
    summary: "Remove a resource's policy and tags",
    description: 'Needs `palisade:DeleteResourcePolicy` on the ARN, in the owning account.',
    tag: RESOURCES,
    parameters: [arnParam],
    success: { status: 204, description: 'Removed.' },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'get',
    path: '/v1/service-catalog',
    service: 'listServiceDefinitions',
    summary: "List the service definitions the caller's account validates against",
    description:
      "The platform's services, then the account's own. Needs `palisade:ListServiceDefinitions` on `arn:<partition>:palisade::<account>:service/*` (the root and the operator need nothing).",
    tag: CATALOG,
    parameters: [],
    success: {
      status: 200,
      description: 'OK.',
      schema: {
        type: 'object',
        properties: { services: { type: 'array', items: ref('ServiceDefinition') } },
        required: ['services'],
      },
    },
    errors: [401, 403],
  },
  {
    method: 'put',
    path: '/v1/service-catalog/{prefix}',
    service: 'putServiceDefinition',
    summary: 'Register a service: its actions, resource types and condition keys',
    description:
      'An account registers for itself (`palisade:PutServiceDefinition` on `arn:<partition>:palisade::<account>:service/<prefix>`); the operator registers for every account. A prefix the platform registered cannot be taken (409). Quotas per account (409 `quota.exceeded`): 50 services, 256 KiB of definitions in all, 64 KiB per definition (sizes of the definitions as JSON).',
    tag: CATALOG,
    parameters: [prefixParam],
    requestBody: 'putServiceDefinition',
    success: { status: 200, description: 'The definition.', schema: ref('ServiceDefinition') },
    errors: [400, 401, 403, 409],
  },
  {
    method: 'get',
    path: '/v1/service-catalog/{prefix}',
    service: 'getServiceDefinition',
    summary: 'Read one service definition',
    description:
      'Needs `palisade:GetServiceDefinition` on `arn:<partition>:palisade::<account>:service/<prefix>` (the root and the operator need nothing), checked before the lookup.',
    tag: CATALOG,
    parameters: [prefixParam],
    success: { status: 200, description: 'The definition.', schema: ref('ServiceDefinition') },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'delete',
    path: '/v1/service-catalog/{prefix}',
    service: 'deleteServiceDefinition',
    summary: 'Remove a service definition',
    description: 'Needs `palisade:DeleteServiceDefinition` on the service ARN.',
    tag: CATALOG,
    parameters: [prefixParam],
    success: { status: 204, description: 'Removed.' },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'post',
    path: '/v1/allowed-actions',
    service: 'allowedActions',
    summary: 'List the catalog actions a principal may perform on a resource or resource type',
    description: `Complete and in name order, a page at a time. ${ASKING}`,
    tag: DECISIONS,
    parameters: [],
    requestBody: 'allowedActions',
    success: { status: 200, description: 'A page of allowed actions.', schema: ref('AllowedActions') },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'post',
    path: '/v1/validate-policy',
    service: 'validatePolicy',
    summary: 'Validate a policy document and list every finding',
    description:
      "Access Analyzer's ValidatePolicy: errors, security warnings, warnings and suggestions, checked against the caller's service catalog. Needs `palisade:ValidatePolicy`.",
    tag: DECISIONS,
    parameters: [],
    requestBody: 'validatePolicy',
    success: {
      status: 200,
      description: 'The findings (empty when there are none).',
      schema: ref('PolicyFindings'),
    },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/v1/decision-log',
    service: 'queryDecisionLog',
    summary: 'Read sampled decisions by time, a page at a time',
    description:
      'Needs `palisade:GetDecisionLog` on `arn:<partition>:palisade::<account>:decision-log`. The operator names the `account`.',
    tag: DECISION_LOG,
    parameters: [
      {
        name: 'from',
        in: 'query',
        required: false,
        description: 'ISO-8601 UTC instant (default: an hour before `to`).',
        schema: { type: 'string', format: 'date-time' },
      },
      {
        name: 'to',
        in: 'query',
        required: false,
        description: 'ISO-8601 UTC instant (default: now).',
        schema: { type: 'string', format: 'date-time' },
      },
      {
        name: 'limit',
        in: 'query',
        required: false,
        description: '1–1000, default 100.',
        schema: { type: 'integer', minimum: 1, maximum: 1000 },
      },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        description: 'The `cursor` of the previous page.',
        schema: { type: 'string', maxLength: 512 },
      },
      {
        name: 'account',
        in: 'query',
        required: false,
        description: 'Operator only: the account whose log to read.',
        schema: { type: 'string', pattern: '^\\d{12}$' },
      },
    ],
    success: { status: 200, description: 'A page of decisions.', schema: ref('DecisionLogPage') },
    errors: [400, 401, 403],
  },
  {
    method: 'put',
    path: '/v1/decision-log/settings',
    service: 'configureDecisionLog',
    summary: "Set the share of the account's decisions to log",
    description:
      'Needs `palisade:PutDecisionLogSettings` on the decision log. Logged decisions expire after 30 days.',
    tag: DECISION_LOG,
    parameters: [],
    requestBody: 'configureDecisionLog',
    success: { status: 200, description: 'The settings.', schema: ref('DecisionLogSettings') },
    errors: [400, 401, 403],
  },
  {
    method: 'post',
    path: '/v1/simulate/principal',
    service: 'simulation',
    summary: "Simulate a user's, group's or role's policies (IAM SimulatePrincipalPolicy)",
    description:
      "IAM's request and answer members, as over the Query API: one EvaluationResult per action, ResourceSpecificResults when resources are listed, matched statements with their positions in the policy text. Needs `iam:SimulatePrincipalPolicy` on the PolicySourceArn. An unknown ResourceHandlingOption or an unusable CallerArn, ResourceOwner, ContextEntries value or Marker answers 400 `request.invalid-input` (IAM's InvalidInput).",
    tag: SIMULATOR,
    action: 'SimulatePrincipalPolicy',
    parameters: [],
    requestBody: 'simulatePrincipal',
    success: { status: 200, description: 'The evaluation results.', schema: ref('SimulationResult') },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'post',
    path: '/v1/simulate/custom',
    service: 'simulation',
    summary: 'Simulate policies given in the request (IAM SimulateCustomPolicy)',
    description:
      "IAM's request and answer members, as over the Query API. CallerArn is required with a ResourcePolicy. Needs `iam:SimulateCustomPolicy`.",
    tag: SIMULATOR,
    action: 'SimulateCustomPolicy',
    parameters: [],
    requestBody: 'simulateCustom',
    success: { status: 200, description: 'The evaluation results.', schema: ref('SimulationResult') },
    errors: [400, 401, 403],
  },
  // ---- rest-gaps (issue #15): the condition keys policies use, IAM's members as over the Query API ----
  contextKeysRow(
    '/v1/context-keys/custom',
    'GetContextKeysForCustomPolicy',
    'The condition keys the given policies use (IAM GetContextKeysForCustomPolicy)',
    { PolicyInputList: policyTexts },
    ['PolicyInputList'],
  ),
  contextKeysRow(
    '/v1/context-keys/principal',
    'GetContextKeysForPrincipalPolicy',
    "The condition keys a user's, group's or role's policies (and any given ones) use (IAM GetContextKeysForPrincipalPolicy)",
    {
      PolicySourceArn: { type: 'string', description: 'The ARN of a user, group or role.' },
      PolicyInputList: policyTexts,
    },
    ['PolicySourceArn'],
  ),
];

const UNAVAILABLE =
  'The platform could not read the policies, so the answer is an `implicitDeny` with reason `platform-unavailable` (fail closed).';
const UNAVAILABLE_STATUS = errorTable['platform.unavailable'].status;
const NO_CALLER = { code: 'credentials.missing', message: 'The request is not signed.' } as const;

/** The row's OpenAPI route; `describeBody` turns a service's body schema into JSON Schema. */
function decisionRouteConfig(
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

/** Every decision route as the document describes it, with the request bodies the services enforce. */
export function decisionRouteConfigs(
  requests: DecisionRequestSchemas,
  describe: (schema: DecisionRequestSchemas[keyof DecisionRequestSchemas]) => JsonSchema,
): RouteConfig[] {
  return DECISION_ROUTES.map((row) => decisionRouteConfig(row, (name) => describe(requests[name])));
}

/** The path parameters a service takes: `{arn}` travels URL-encoded as the rest of the path. */
function pathParams(c: Context<RestEnv>, row: DecisionRouteRow): Record<string, string> {
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

/** A decision route's input as its audit event shows it: path parameters and the JSON body, redacted. */
function decisionRequestParameters(
  c: Context<RestEnv>,
  row: DecisionRouteRow,
): Record<string, unknown> | null {
  const body: unknown = c.get('body');
  const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {};
  const parameters = { ...pathParams(c, row), ...(fields as Record<string, unknown>) };
  return Object.keys(parameters).length === 0 ? null : redact(parameters);
}

/** The service behind a row, when the deployment serves it. */
function serviceOf(row: DecisionRouteRow, deps: DecisionsAppDependencies): DecisionRoute | undefined {
  if (row.service !== 'simulation') return deps[row.service];
  const simulate = row.action ? deps.simulation?.[row.action] : undefined;
  return simulate && ((caller, input) => simulate(caller, input.body));
}

/** The route specs of the decision routes whose services are given. */
export function decisionRouteSpecs(deps: DecisionsAppDependencies): RouteSpec[] {
  return DECISION_ROUTES.flatMap((row) => {
    const service = serviceOf(row, deps);
    if (!service) return [];
    // Each route's operation name is what its change records (if it makes any) are filed as.
    const operation = row.action ?? row.service.charAt(0).toUpperCase() + row.service.slice(1);
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
        const result = await (row.question
          ? service(caller, input)
          : runAsChange(c, 'decisions', operation, caller, () => service(caller, input), {
              requestParameters: () => decisionRequestParameters(c, row),
            }));
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
