/**
 * The decision API's answers as schemas, published under `components.schemas` beside the request
 * bodies its services enforce (handed in by the wiring). The tests hold them to the services: real
 * responses parse with the schemas below. Not on the authorize function's path (full zod).
 */
import { z } from 'zod';

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
  AllowedActions: allowedActionsSchema,
  PolicyFindings: findingsSchema,
  DecisionLogPage: decisionLogPageSchema,
  DecisionLogSettings: decisionLogSettingsSchema,
  SimulationResult: simulationResultSchema,
} as const;

/** A registered service: its prefix and the definition exactly as PUT takes it (one schema, no copy). */
export function serviceDefinitionSchema(putServiceDefinition: z.core.$ZodType) {
  return z.intersection(z.object({ prefix: z.string() }), putServiceDefinition);
}

/** Every named schema of the decision API: the responses above and the question it is asked. */
export function decisionSchemaComponents(requests: DecisionRequestSchemas): Record<string, z.core.$ZodType> {
  return {
    DecisionRequest: requests.authorize,
    ...decisionSchemas,
    ServiceDefinition: serviceDefinitionSchema(requests.putServiceDefinition),
  };
}
