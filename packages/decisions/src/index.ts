/** @palisade/decisions — authorization decisions for SaaS backends: cached, explained, fail-closed. */
import type { StoreContext } from '@palisade/store';
import { allowedActionsRequestSchema, allowedActionsService } from './allowed-actions.ts';
import type { RecordDecidedAccess } from './decide.ts';
import { decisionLogService, decisionLogSettingsRequestSchema } from './decision-log.ts';
import { decisionRequestSchema } from './decision-request.ts';
import { createDecisionService, type ResolveToken } from './decision-service.ts';
import { createBundleCache } from './policy-bundles.ts';
import { policyValidationService, validatePolicyRequestSchema } from './policy-validation.ts';
import { resourcePolicyRequestSchema, resourcePolicyService } from './resource-policies.ts';
import { serviceCatalogService, serviceDefinitionRequestSchema } from './service-catalogs.ts';
import { simulateCustomPolicySchema, simulatePrincipalPolicySchema } from './simulation.ts';

export * from './allowed-actions.ts';
export * from './answer-visibility.ts';
export * from './asking.ts';
export * from './context-key-names.ts';
export * from './decide.ts';
export * from './decision-log.ts';
export * from './decision-request.ts';
export * from './decision-result.ts';
export * from './decision-sampling.ts';
export * from './decision-service.ts';
export * from './judge-subject.ts';
export * from './load-subject.ts';
export * from './platform-context.ts';
export * from './policy-bundles.ts';
export * from './policy-validation.ts';
export * from './principal-arn.ts';
export * from './resource-policies.ts';
export * from './service-catalogs.ts';
export * from './simulation.ts';
export * from './subject.ts';
export * from './token-sessions.ts';

/** The request bodies the decision routes accept, by route: what the OpenAPI document publishes. */
export const decisionRequestSchemas = {
  get authorize() {
    return decisionRequestSchema();
  },
  putResourcePolicy: resourcePolicyRequestSchema,
  putServiceDefinition: serviceDefinitionRequestSchema,
  allowedActions: allowedActionsRequestSchema,
  validatePolicy: validatePolicyRequestSchema,
  configureDecisionLog: decisionLogSettingsRequestSchema,
  simulatePrincipal: simulatePrincipalPolicySchema,
  simulateCustom: simulateCustomPolicySchema,
} as const;

/** Options for the assembled decision services. */
export interface DecisionsOptions {
  readonly store: StoreContext;
  readonly partition: string;
  readonly now: () => Date;
  readonly resolveToken?: ResolveToken;
  /** The freshness window (ms); see policy-bundles.ts. */
  readonly revalidateAfterMs?: number;
  /** From this age (ms, below the window) decisions revalidate in the background; see policy-bundles.ts. */
  readonly refreshAheadMs?: number;
  /** The cache's monotonic clock in ms (performance.now by default); tests pass their own. */
  readonly clock?: () => number;
  readonly random?: () => number;
  /** Hears the internal error behind a `platform-unavailable` deny; see DecisionDependencies. */
  readonly reportError?: (error: unknown, requestId: string) => void;
  /** Told of each judged question about a user or role (access advisor); see DecisionDependencies. */
  readonly recordAccess?: RecordDecidedAccess;
}

/**
 * The questions alone (`/v1/authorize`, `/v1/authorize/batch`): the bundle cache and the decision
 * service over it. The authorize function serves these; `createDecisions` builds them the same way.
 */
export function createDecisionQuestions(options: DecisionsOptions) {
  const cache = createBundleCache({
    store: options.store,
    partition: options.partition,
    ...(options.revalidateAfterMs !== undefined ? { revalidateAfterMs: options.revalidateAfterMs } : {}),
    ...(options.refreshAheadMs !== undefined ? { refreshAheadMs: options.refreshAheadMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const decisions = createDecisionService({
    store: options.store,
    partition: options.partition,
    now: options.now,
    cache,
    ...(options.resolveToken ? { resolveToken: options.resolveToken } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.reportError ? { reportError: options.reportError } : {}),
    ...(options.recordAccess ? { recordAccess: options.recordAccess } : {}),
  });
  return { cache, decisions };
}

/** The decision questions' cache and service. */
export type DecisionQuestions = ReturnType<typeof createDecisionQuestions>;

/** Builds every decision service over one shared bundle cache. */
export function createDecisions(options: DecisionsOptions) {
  const { cache, decisions } = createDecisionQuestions(options);
  const catalogs = serviceCatalogService(options);
  return {
    cache,
    decisions,
    catalogs,
    resourcePolicies: resourcePolicyService({ ...options, catalogFor: catalogs.catalogFor }),
    allowedActions: allowedActionsService({ decisions, catalogs, cache, partition: options.partition }),
    decisionLog: decisionLogService(options),
    validation: policyValidationService({ catalogFor: catalogs.catalogFor }),
  };
}

/** The assembled decision services. */
export type Decisions = ReturnType<typeof createDecisions>;
