/**
 * The OpenAPI description of the decision API that decisions-app.ts serves: authorize (single and
 * batch), resource policies and tags, the service catalog, allowed actions, policy validation, the
 * decision log and IAM's policy simulator. The services validate their own input; these schemas
 * restate their contracts for readers and clients, and the tests hold the two together (every
 * served route is documented, and real responses parse with the schemas below).
 */
import { z } from 'zod';
import { type JsonSchema, jsonSchemaOf, type ParameterDoc, type RouteDoc } from './openapi-document.ts';

const POLICY_TYPES = ['identity', 'resource', 'trust', 'boundary', 'session', 'scp', 'rcp'] as const;
const decision = z.enum(['allowed', 'explicitDeny', 'implicitDeny']);
const policyType = z.enum(POLICY_TYPES);
const date = z.iso.datetime().describe('ISO-8601 date and time');
/** One statement that applied, as the engine names it. */
export const statementRefSchema = z.object({
  policyId: z.string(),
  policyType,
  statementIndex: z.number().int().describe("0-based index in the policy's Statement list"),
  sid: z.string().optional(),
  effect: z.enum(['Allow', 'Deny']),
  level: z.number().int().optional().describe('For SCPs and RCPs: the level in the organization path'),
});

/** One decision with its explanation. */
export const decisionResultSchema = z.object({
  decision,
  matchedStatements: z
    .array(z.object({ policy: z.string(), statement: z.string().describe('The Sid, or `Statement[i]`') }))
    .describe('Every statement that applied'),
  missingContextKeys: z
    .array(z.string())
    .describe('Keys a condition needed but the request lacked (lowercased)'),
  ignoredContextKeys: z
    .array(z.string())
    .describe('Keys of `context` the platform owns and therefore ignored'),
  requestId: z.string(),
  reason: z
    .enum([
      'no-permission-needed',
      'explicit-deny',
      'scp-no-allow',
      'rcp-no-allow',
      'service-owned-resource',
      'no-grant',
      'boundary-no-allow',
      'session-policy-no-allow',
      'policy-error',
      'granted-by-resource-policy',
      'granted-by-identity-policy',
      'account-not-active',
      'token-invalid',
      'platform-unavailable',
      'too-many-sessions',
      'cross-account',
    ])
    .describe(
      '`cross-account`: policies of another account took part, so only the decision is given (no statements, keys or registration).',
    ),
  explanation: z.object({
    principal: z.string(),
    action: z.string(),
    resource: z.string(),
    policyTypes: z
      .partialRecord(policyType, decision)
      .describe('The result of each policy type that took part'),
    matchedStatements: z.array(statementRefSchema),
    decidingStatement: statementRefSchema
      .optional()
      .describe('For an explicit deny: the statement that decided'),
    blockedBy: z.array(policyType).describe('Guardrails that stopped a request some policy had granted'),
    policyErrors: z.array(
      z.object({ policyId: z.string(), policyType, code: z.string(), message: z.string() }),
    ),
    resourceRegistered: z
      .boolean()
      .describe(
        "Whether the resource has a registered policy or tags (always false for another account's resource)",
      ),
    message: z.string().optional(),
  }),
});

const entryError = z.object({
  error: z.object({ code: z.string().describe('A namespaced failure code'), message: z.string() }),
});

/** `POST /v1/authorize/batch`: one answer per question, in order. */
export const batchResultSchema = z.object({
  results: z
    .array(z.union([decisionResultSchema, entryError]))
    .describe("A decision, or that request's error"),
});

/** A registered resource. */
export const resourceRegistrationSchema = z.object({
  resourceArn: z.string(),
  policy: z.record(z.string(), z.unknown()).optional(),
  tags: z.array(z.object({ Key: z.string(), Value: z.string() })),
  updatedAt: date,
  version: z.number().int(),
});

const conditionKeyType = z.enum([
  'String',
  'ArrayOfString',
  'Numeric',
  'ArrayOfNumeric',
  'Date',
  'ArrayOfDate',
  'Bool',
  'ArrayOfBool',
  'IPAddress',
  'ArrayOfIPAddress',
  'ARN',
  'ArrayOfARN',
  'Binary',
  'ArrayOfBinary',
]);
const serviceFields = {
  actions: z
    .array(z.string().regex(/^[A-Za-z0-9_-]{1,128}$/))
    .min(1)
    .max(1000),
  resourceTypes: z
    .array(
      z
        .object({
          name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
          arnPattern: z
            .string()
            .min(1)
            .max(1024)
            // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS's ARN-pattern placeholders, not a template
            .describe('e.g. `arn:${Partition}:docs:${Region}:${Account}:doc/${DocId}`'),
        })
        .strict(),
    )
    .max(100)
    .optional(),
  conditionKeys: z
    .array(
      z.object({ name: z.string().regex(/^[A-Za-z0-9-]+:[\w/.-]{1,128}$/), type: conditionKeyType }).strict(),
    )
    .max(500)
    .optional(),
};

/** A registered service namespace. */
export const serviceDefinitionSchema = z.object({ prefix: z.string(), ...serviceFields });

/** What a principal may do. */
export const allowedActionsSchema = z.object({
  principal: z.string(),
  resource: z.string(),
  allowedActions: z.array(z.object({ action: z.string(), reason: z.string() })),
  isTruncated: z.boolean(),
  cursor: z.string().optional(),
});

/** Access Analyzer-style findings. */
export const findingsSchema = z.object({
  findings: z.array(
    z.object({
      kind: z.enum(['ERROR', 'SECURITY_WARNING', 'WARNING', 'SUGGESTION']),
      code: z.string(),
      message: z.string(),
      location: z.object({
        statementIndex: z.number().int().optional(),
        sid: z.string().optional(),
        path: z.string().describe('e.g. `Statement[0].Condition.StringEquals.aws:username`'),
      }),
    }),
  ),
});

/** A page of the decision log. */
export const decisionLogPageSchema = z.object({
  decisions: z.array(
    z.object({
      accountId: z.string(),
      at: date,
      requestId: z.string(),
      index: z.number().int().describe('Position in a batch (0 for a single decision)'),
      principal: z.string(),
      action: z.string(),
      resource: z.string(),
      decision: z.string(),
      reason: z.string(),
      decidingStatement: z.string().optional().describe('`<policy id>#<statement>`'),
      askedBy: z.string(),
      expiresAt: z.number().int().describe('Epoch seconds; the entry expires then'),
    }),
  ),
  cursor: z.string().optional(),
});

/** The decision log's settings, as `PUT /v1/decision-log/settings` answers them. */
export const decisionLogSettingsSchema = z.object({ sampleRate: z.number().min(0).max(1) });

const position = z.object({ Line: z.number().int(), Column: z.number().int() });
const simulatedStatement = z.object({
  SourcePolicyId: z.string(),
  SourcePolicyType: z.enum(['user', 'group', 'role', 'aws-managed', 'user-managed', 'resource', 'none']),
  StartPosition: position.optional().describe("Just past the statement's `{`: 1-based line and column"),
  EndPosition: position.optional().describe("Just past the statement's `}`: 1-based line and column"),
});
const boundaryDetail = z.object({ AllowedByPermissionsBoundary: z.boolean() });
const decisionDetails = z
  .record(z.string(), decision)
  .describe('Per policy type (`IAM Policy`, `Resource Policy`, …), for cross-account outcomes only');

/** IAM's EvaluationResult: one per action. */
export const evaluationResultSchema = z.object({
  EvalActionName: z.string(),
  EvalResourceName: z.string().describe('`*`: per-resource outcomes are in ResourceSpecificResults'),
  EvalDecision: decision.describe('The most restrictive decision over the resources'),
  MatchedStatements: z.array(simulatedStatement),
  MissingContextValues: z.array(z.string()).describe('Keys as the policies spell them'),
  OrganizationsDecisionDetail: z.object({ AllowedByOrganizations: z.boolean() }).optional(),
  PermissionsBoundaryDecisionDetail: boundaryDetail.optional(),
  EvalDecisionDetails: decisionDetails.optional(),
  ResourceSpecificResults: z
    .array(
      z.object({
        EvalResourceName: z.string(),
        EvalResourceDecision: decision,
        MatchedStatements: z.array(simulatedStatement),
        MissingContextValues: z.array(z.string()),
        EvalDecisionDetails: decisionDetails.optional(),
        PermissionsBoundaryDecisionDetail: boundaryDetail.optional(),
      }),
    )
    .optional()
    .describe('Present when ResourceArns lists resources (not `*`)'),
});

/** SimulatePrincipalPolicy's and SimulateCustomPolicy's answer. */
export const simulationResultSchema = z.object({
  EvaluationResults: z.array(evaluationResultSchema),
  IsTruncated: z.boolean(),
  Marker: z.string().optional(),
});

/**
 * The request bodies the decision routes accept: the services' own schemas, handed in by the
 * wiring (this package knows no service), so the document cannot drift from what is enforced.
 */
export interface DecisionRequestSchemas {
  readonly authorize: z.core.$ZodType;
  readonly putResourcePolicy: z.core.$ZodType;
  readonly putServiceDefinition: z.core.$ZodType;
  readonly allowedActions: z.core.$ZodType;
  readonly validatePolicy: z.core.$ZodType;
  readonly configureDecisionLog: z.core.$ZodType;
  /** IAM's SimulatePrincipalPolicy and SimulateCustomPolicy inputs, in AWS member names. */
  readonly simulatePrincipal: z.core.$ZodType;
  readonly simulateCustom: z.core.$ZodType;
}

/** The decision API's named response schemas, published under `components.schemas`. */
export const decisionSchemas = {
  DecisionResult: decisionResultSchema,
  StatementRef: statementRefSchema,
  BatchDecisionResult: batchResultSchema,
  ResourceRegistration: resourceRegistrationSchema,
  ServiceDefinition: serviceDefinitionSchema,
  AllowedActions: allowedActionsSchema,
  PolicyFindings: findingsSchema,
  DecisionLogPage: decisionLogPageSchema,
  DecisionLogSettings: decisionLogSettingsSchema,
  SimulationResult: simulationResultSchema,
} as const;

/** Every named schema of the decision API: the responses above and the question it is asked. */
export function decisionSchemaComponents(requests: DecisionRequestSchemas): Record<string, z.core.$ZodType> {
  return { DecisionRequest: requests.authorize, ...decisionSchemas };
}

type DecisionSchemaName = keyof typeof decisionSchemas | 'DecisionRequest';

const ref = (name: DecisionSchemaName): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

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
const UNAVAILABLE =
  'The platform could not read the policies, so the answer is an `implicitDeny` with reason `platform-unavailable` (fail closed).';

/** Describes every route of the decision API, with the request bodies its services enforce. */
export function decisionRouteDocs(requests: DecisionRequestSchemas): RouteDoc[] {
  const body = (schema: z.core.$ZodType): JsonSchema => jsonSchemaOf(schema);
  return [
    {
      method: 'post',
      path: '/v1/authorize',
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
      extraResponses: { 503: { description: UNAVAILABLE, schema: ref('DecisionResult') } },
    },
    {
      method: 'post',
      path: '/v1/authorize/batch',
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
    },
    {
      method: 'put',
      path: '/v1/resource-policies/{arn}',
      summary: "Register a resource's policy and tags",
      description:
        "Only the account in the ARN's account segment may register (root, or a principal allowed `palisade:PutResourcePolicy` on the ARN). The policy is validated against the account's service catalog.",
      tag: RESOURCES,
      parameters: [arnParam],
      requestBody: body(requests.putResourcePolicy),
      success: { status: 200, description: 'The registration.', schema: ref('ResourceRegistration') },
      errors: [400, 401, 403, 409, 412],
    },
    {
      method: 'get',
      path: '/v1/resource-policies/{arn}',
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
      summary: 'Register a service: its actions, resource types and condition keys',
      description:
        'An account registers for itself (`palisade:PutServiceDefinition` on `arn:<partition>:palisade::<account>:service/<prefix>`); the operator registers for every account. A prefix the platform registered cannot be taken (409). Quotas per account (409 `quota.exceeded`): 50 services, 256 KiB of definitions in all, 64 KiB per definition (sizes of the definitions as JSON).',
      tag: CATALOG,
      parameters: [prefixParam],
      requestBody: body(requests.putServiceDefinition),
      success: { status: 200, description: 'The definition.', schema: ref('ServiceDefinition') },
      errors: [400, 401, 403, 409],
    },
    {
      method: 'get',
      path: '/v1/service-catalog/{prefix}',
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
      summary: 'List the catalog actions a principal may perform on a resource or resource type',
      description: `Complete and in name order, a page at a time. ${ASKING}`,
      tag: DECISIONS,
      parameters: [],
      requestBody: body(requests.allowedActions),
      success: { status: 200, description: 'A page of allowed actions.', schema: ref('AllowedActions') },
      errors: [400, 401, 403, 404],
    },
    {
      method: 'post',
      path: '/v1/validate-policy',
      summary: 'Validate a policy document and list every finding',
      description:
        "Access Analyzer's ValidatePolicy: errors, security warnings, warnings and suggestions, checked against the caller's service catalog. Needs `palisade:ValidatePolicy`.",
      tag: DECISIONS,
      parameters: [],
      requestBody: body(requests.validatePolicy),
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
      summary: "Set the share of the account's decisions to log",
      description:
        'Needs `palisade:PutDecisionLogSettings` on the decision log. Logged decisions expire after 30 days.',
      tag: DECISION_LOG,
      parameters: [],
      requestBody: body(requests.configureDecisionLog),
      success: { status: 200, description: 'The settings.', schema: ref('DecisionLogSettings') },
      errors: [400, 401, 403],
    },
    {
      method: 'post',
      path: '/v1/simulate/principal',
      summary: "Simulate a user's, group's or role's policies (IAM SimulatePrincipalPolicy)",
      description:
        "IAM's request and answer members, as over the Query API: one EvaluationResult per action, ResourceSpecificResults when resources are listed, matched statements with their positions in the policy text. Needs `iam:SimulatePrincipalPolicy` on the PolicySourceArn. An unknown ResourceHandlingOption or an unusable CallerArn, ResourceOwner, ContextEntries value or Marker answers 400 `request.invalid-input` (IAM's InvalidInput).",
      tag: SIMULATOR,
      action: 'SimulatePrincipalPolicy',
      parameters: [],
      requestBody: body(requests.simulatePrincipal),
      success: { status: 200, description: 'The evaluation results.', schema: ref('SimulationResult') },
      errors: [400, 401, 403, 404],
    },
    {
      method: 'post',
      path: '/v1/simulate/custom',
      summary: 'Simulate policies given in the request (IAM SimulateCustomPolicy)',
      description:
        "IAM's request and answer members, as over the Query API. CallerArn is required with a ResourcePolicy. Needs `iam:SimulateCustomPolicy`.",
      tag: SIMULATOR,
      action: 'SimulateCustomPolicy',
      parameters: [],
      requestBody: body(requests.simulateCustom),
      success: { status: 200, description: 'The evaluation results.', schema: ref('SimulationResult') },
      errors: [400, 401, 403],
    },
  ];
}
