/** @palisade/policy — the IAM policy language: parse, validate, match, evaluate, explain. */
export { type Arn, matchArnPattern, parseArn } from './arn.ts';
export { type BoundedJson, MAX_JSON_DEPTH, parseBoundedJson } from './bounded-json.ts';
export type { PolicyError, PolicyInput, StatementRef } from './compile.ts';
export { parseOperator } from './condition.ts';
export {
  type AuthorizationRequest,
  compilePrincipalPolicies,
  compileResourcePolicies,
  type Decision,
  type DecisionReason,
  decisionFor,
  type Explanation,
  evaluate,
  mostRestrictive,
  type PolicyTypeResult,
  type PrincipalPolicies,
  type PrincipalPolicyInputs,
  type ResourcePolicies,
  type ResourcePolicyInputs,
  restrictiveness,
} from './evaluate.ts';
export { type EvaluateError, type EvaluateResult, evaluateRequest } from './evaluate-request.ts';
export { type Finding, type FindingKind, type FindingLocation, malformedPolicyMessage } from './findings.ts';
export { type NormalizedPolicy, type NormalizedStatement, readPolicy } from './policy-document.ts';
export { policyAllowsAnyAction } from './policy-introspection.ts';
export {
  aggregatePolicySize,
  invalidCharacterIndex,
  POLICY_SIZE_QUOTAS,
  policySize,
} from './policy-size.ts';
export { POLICY_TYPES, type PolicyType } from './policy-type.ts';
export { type ContextInput, normalizeContext } from './request-context.ts';
export {
  CONDITION_KEY_TYPES,
  type ConditionKeyType,
  conditionKeyMatches,
  didYouMean,
  type ServiceCatalog,
  type ServiceDefinition,
} from './service-catalog.ts';
export { validatePolicy } from './validate.ts';
