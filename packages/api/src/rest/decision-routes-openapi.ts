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
const document = z
  .union([z.string().min(1), z.record(z.string(), z.unknown())])
  .describe('A policy document: a JSON object, or the same as JSON text.');

const contextScalar = z.union([z.string().max(1024), z.number(), z.boolean()]);

/** `POST /v1/authorize`: one question. */
export const decisionRequestDoc = z
  .object({
    principal: z
      .string()
      .min(1)
      .max(2048)
      .optional()
      .describe(
        "The IAM user or role ARN the question is about (the account's root too). Defaults to the caller. Exclusive with `token`.",
      ),
    token: z
      .string()
      .min(1)
      .max(8192)
      .optional()
      .describe(
        'A sign-in access token (JWT): the question is about its session. Exclusive with `principal`.',
      ),
    action: z
      .string()
      .max(256)
      .regex(/^[A-Za-z0-9-]{1,64}:[A-Za-z0-9_-]{1,128}$/)
      .describe('`service:Action`, without wildcards.'),
    resource: z
      .string()
      .min(1)
      .max(2048)
      .describe('The resource ARN, or `*` for an action without a resource.'),
    context: z
      .record(z.string().min(1).max(256), z.union([contextScalar, z.array(contextScalar).max(100)]))
      .optional()
      .describe(
        'Condition keys and their values (at most 100 keys; a list makes a multivalued key). Keys the platform owns (`aws:PrincipalTag/*`, `aws:MultiFactorAuthPresent`, `aws:CurrentTime`, …) are ignored and listed in `ignoredContextKeys`.',
      ),
  })
  .strict();

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
  reason: z.enum([
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
  ]),
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
    resourceRegistered: z.boolean().describe('Whether the resource has a registered policy or tags'),
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

const tag = z
  .object({
    Key: z.string().min(1).max(128),
    Value: z.string().max(256),
  })
  .strict();

/** `PUT /v1/resource-policies/{arn}`. */
export const resourcePolicyRequestDoc = z
  .object({
    policy: document.optional().describe('A resource-based policy (at most 20,480 characters as JSON text)'),
    tags: z
      .array(tag)
      .max(50)
      .optional()
      .describe("The resource's tags (`aws:ResourceTag/<key>` in conditions)"),
    expectedVersion: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Write only if the registration is still at this version (412 otherwise)'),
  })
  .strict();

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

/** `PUT /v1/service-catalog/{prefix}`. */
export const serviceDefinitionRequestDoc = z.object(serviceFields).strict();

/** A registered service namespace. */
export const serviceDefinitionSchema = z.object({ prefix: z.string(), ...serviceFields });

/** `POST /v1/allowed-actions`. */
export const allowedActionsRequestDoc = z
  .object({
    principal: z.string().min(1).max(2048).optional().describe('Defaults to the caller'),
    resource: z
      .string()
      .min(1)
      .max(2048)
      .optional()
      .describe('A resource ARN; exclusive with `resourceType`'),
    resourceType: z
      .string()
      .regex(/^[a-z0-9-]{1,64}:[A-Za-z0-9_-]{1,64}$/)
      .optional()
      .describe('`service:resourceType` from the catalog: "on some resource of this type"'),
    service: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/)
      .optional()
      .describe("Only this service's actions"),
    context: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    maxItems: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().max(300).optional().describe('The `cursor` of the previous page'),
  })
  .strict();

/** What a principal may do. */
export const allowedActionsSchema = z.object({
  principal: z.string(),
  resource: z.string(),
  allowedActions: z.array(z.object({ action: z.string(), reason: z.string() })),
  isTruncated: z.boolean(),
  cursor: z.string().optional(),
});

/** `POST /v1/validate-policy`. */
export const validatePolicyRequestDoc = z.object({
  policyDocument: z.union([z.string().min(1).max(131_072), z.record(z.string(), z.unknown())]),
  policyType: z.enum([
    'IDENTITY_POLICY',
    'RESOURCE_POLICY',
    'SERVICE_CONTROL_POLICY',
    'RESOURCE_CONTROL_POLICY',
    'TRUST_POLICY',
    'PERMISSIONS_BOUNDARY',
    'SESSION_POLICY',
  ]),
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

/** `PUT /v1/decision-log/settings` (body and answer). */
export const decisionLogSettingsSchema = z
  .object({
    sampleRate: z.number().min(0).max(1).describe('Share of decisions to log (0 turns the log off)'),
  })
  .strict();

// The simulator speaks IAM's member names (SimulatePrincipalPolicy, SimulateCustomPolicy), so
// the same request works here and over the Query API.
const awsList = <T extends z.ZodType>(item: T, max: number) => z.array(item).max(max);
const simulationPolicy = z.string().min(1).max(131_072);
const simulationCommon = {
  PolicyInputList: awsList(simulationPolicy, 100).optional(),
  PermissionsBoundaryPolicyInputList: awsList(simulationPolicy, 1).optional(),
  ActionNames: awsList(z.string().min(3).max(128), 1000),
  ResourceArns: awsList(z.string().min(1).max(2048), 1000).optional(),
  ResourcePolicy: simulationPolicy.optional(),
  ResourceOwner: z.string().min(1).max(2048).optional(),
  CallerArn: z.string().min(1).max(2048).optional(),
  ContextEntries: awsList(
    z.object({
      ContextKeyName: z.string().min(5).max(256),
      ContextKeyValues: awsList(z.string(), 1000).optional(),
      ContextKeyType: z
        .enum([
          'string',
          'stringList',
          'numeric',
          'numericList',
          'boolean',
          'booleanList',
          'ip',
          'ipList',
          'binary',
          'binaryList',
          'date',
          'dateList',
        ])
        .optional(),
    }),
    100,
  ).optional(),
  ResourceHandlingOption: z.string().min(1).max(64).optional(),
  MaxItems: z.number().int().min(1).max(1000).optional(),
  Marker: z.string().min(1).max(2048).optional(),
};

/** `POST /v1/simulate/principal`: SimulatePrincipalPolicy's request. */
export const simulatePrincipalRequestDoc = z.object({
  PolicySourceArn: z.string().min(20).max(2048),
  ...simulationCommon,
});

/** `POST /v1/simulate/custom`: SimulateCustomPolicy's request. */
export const simulateCustomRequestDoc = z.object({
  ...simulationCommon,
  PolicyInputList: awsList(simulationPolicy, 100),
});

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

/** The decision API's named schemas, published under `components.schemas`. */
export const decisionSchemas = {
  DecisionRequest: decisionRequestDoc,
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

type DecisionSchemaName = keyof typeof decisionSchemas;

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

/** Describes every route of the decision API. */
export function decisionRouteDocs(): RouteDoc[] {
  const body = (schema: z.ZodType): JsonSchema => jsonSchemaOf(schema);
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
      requestBody: body(resourcePolicyRequestDoc),
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
      description: "The platform's services, then the account's own.",
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
      errors: [401],
    },
    {
      method: 'put',
      path: '/v1/service-catalog/{prefix}',
      summary: 'Register a service: its actions, resource types and condition keys',
      description:
        'An account registers for itself (`palisade:PutServiceDefinition` on `arn:<partition>:palisade::<account>:service/<prefix>`); the operator registers for every account. A prefix the platform registered cannot be taken (409).',
      tag: CATALOG,
      parameters: [prefixParam],
      requestBody: body(serviceDefinitionRequestDoc),
      success: { status: 200, description: 'The definition.', schema: ref('ServiceDefinition') },
      errors: [400, 401, 403, 409],
    },
    {
      method: 'get',
      path: '/v1/service-catalog/{prefix}',
      summary: 'Read one service definition',
      tag: CATALOG,
      parameters: [prefixParam],
      success: { status: 200, description: 'The definition.', schema: ref('ServiceDefinition') },
      errors: [400, 401, 404],
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
      requestBody: body(allowedActionsRequestDoc),
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
      requestBody: body(validatePolicyRequestDoc),
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
      requestBody: ref('DecisionLogSettings'),
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
      requestBody: body(simulatePrincipalRequestDoc),
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
      requestBody: body(simulateCustomRequestDoc),
      success: { status: 200, description: 'The evaluation results.', schema: ref('SimulationResult') },
      errors: [400, 401, 403],
    },
  ];
}
