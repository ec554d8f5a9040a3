/**
 * The decision API's routes (authorize and batch, resource policies, the service catalog, allowed
 * actions, policy validation, the decision log, IAM's policy simulator), each declared once: the
 * row gives both the route spec decisions-app.ts serves and the route /openapi.json describes.
 * The services validate their own bodies (a batch answers a bad question in its place), so a row
 * names its body by the service's schema, described when the document is generated. The question
 * rows and the row's shape live in decision-question-routes.ts: the authorize function serves only
 * those and bundles nothing of this file.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import { redact } from '@palisade/audit';
import type { Context } from 'hono';
import { runAsChange } from '../change-origin.ts';
import type { DecisionsAppDependencies } from '../decisions-app.ts';
import {
  ASKING,
  DECISION_QUESTION_ROUTES,
  DECISIONS,
  type DecisionChangeRunner,
  type DecisionRouteRow,
  decisionRouteConfig,
  decisionSpecsOf,
  pathParams,
} from './decision-question-routes.ts';
import type { DecisionRequestSchemas } from './decision-schemas.ts';
import { type JsonSchema, type ParameterDoc, ref } from './route-docs.ts';
import type { RestEnv, RouteSpec } from './route-spec.ts';

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
  ...DECISION_QUESTION_ROUTES,
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

/** Every decision route as the document describes it, with the request bodies the services enforce. */
export function decisionRouteConfigs(
  requests: DecisionRequestSchemas,
  describe: (schema: DecisionRequestSchemas[keyof DecisionRequestSchemas]) => JsonSchema,
): RouteConfig[] {
  return DECISION_ROUTES.map((row) => decisionRouteConfig(row, (name) => describe(requests[name])));
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

/** Runs a route that may change something as its caller's change, its input audited redacted. */
const asChange: DecisionChangeRunner = (c, row, operation, caller, run) =>
  runAsChange(c, 'decisions', operation, caller, run, {
    requestParameters: () => decisionRequestParameters(c, row),
  });

/** The route specs of the decision routes whose services are given. */
export function decisionRouteSpecs(deps: DecisionsAppDependencies): RouteSpec[] {
  return decisionSpecsOf(DECISION_ROUTES, deps, asChange);
}
