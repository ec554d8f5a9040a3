/**
 * Conformance against the iam-simulate core-engine corpus (AGPL data under ../shared, read in
 * place at test time and never copied). Skipped, with a message, when the corpus is absent.
 * Every case must pass except those listed below, each with its reason.
 */
import { describe, expect, it } from 'vitest';
import { evaluateRequest } from '../src/index.ts';
import {
  BLOCKED_BY,
  CORPUS_DIR,
  EXPECTED_DECISION,
  loadCorpus,
  toContractRequest,
} from './conformance-cases.ts';

/** Upstream runs these in Discovery mode (conditions ignored and reported), which is a simulator feature, not evaluation. */
const DISCOVERY = 'needs Discovery mode (out of scope: a simulator feature, not AWS evaluation)';
/** VPC endpoint policies do not exist in Palisade. */
const ENDPOINT = 'needs VPC endpoint policies (out of scope)';
/** Upstream lets the request resource be a pattern and intersects it with policy patterns. */
const PATTERN_REQUEST =
  'the request resource is itself a wildcard pattern intersected with policy patterns (a simulator what-if; out of scope — only the `*` form, anyResource, is supported)';
/**
 * AWS's STS API reference (AssumeRole / GetFederationToken, Policy parameter): when a resource-based
 * policy names the session ARN, "the session has the permissions allowed by the policy. These
 * permissions are granted in addition to the permissions that are granted by the session policies."
 * Upstream applies the session policy's implicit deny anyway.
 */
const SESSION_ARN_GRANT =
  'departs from AWS: a resource-policy grant to the session ARN is not limited by session policies';

/** Excluded cases, by file and name, with the reason. */
const EXCLUDED: readonly (readonly [file: string, name: string, reason: string])[] = [
  ['anonymous.json', 'anonymous discovery mode only ignores conditions from supplied constraints', DISCOVERY],
  ['blockedBy.json', 'Blocked by RCP and VPC endpoint policy', ENDPOINT],
  ['blockedBy.json', 'Blocked by all guardrails - SCP, RCP, permission boundary, and VPC endpoint', ENDPOINT],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Same-account conditions are identity allow OR direct resource allow',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'KMS same-account account trust conditions are ANDed with identity conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'SCP conditions combine OU allows with escaped deny',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'RCP deny escapes from multiple org levels are ANDed',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Multiple conditions in one allow statement are ANDed',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Known matching condition in allow statement is not returned in conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Permission boundary allow conditions do not constrain unconditional same-account direct resource path',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Permission boundary implicit deny recalculates conditions from bypassing resource statements only',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'IfExists deny inversion is represented in end-to-end conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Separate conditional resource allow statements are ORed',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Unconditional explicit deny omits conditions because final result is denied',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'STS same-account trust policy conditions are ANDed with identity conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'IAM service-specific implicit deny omits conditions after conditional core allow',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Cross-account direct resource conditions are ANDed with identity conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Cross-account account-level resource conditions are ANDed with identity conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Deny with multiple condition keys becomes OR of inverted leaves in final conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Permission boundary allow conditions are ANDed with identity allow conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Permission boundary allow preserves direct resource path OR identity boundary path',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Explicit account trust permission boundary allow preserves direct resource path OR trusted identity boundary path',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'STS GetCallerIdentity discovery short-circuit omits conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'ForAllValues deny inversion is represented in end-to-end conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'ForAllValues IfExists deny inversion is represented in end-to-end conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'ForAnyValue deny inversion is represented in end-to-end conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Multiple identity allows are ORed before deny escapes are ANDed',
    DISCOVERY,
  ],
  [
    'discoveryMode/allowedConditions/matrix.json',
    'Permission boundary explicit deny escape is ANDed with identity allow conditions',
    DISCOVERY,
  ],
  [
    'discoveryMode/contextKeyConstraints/sourceContext.json',
    'Allow condition with known presence and unknown value is ignored',
    DISCOVERY,
  ],
  [
    'discoveryMode/contextKeyConstraints/sourceContext.json',
    'Allow condition with known presence and unknown value is ignored when placeholder matches',
    DISCOVERY,
  ],
  [
    'discoveryMode/contextKeyConstraints/sourceContext.json',
    'Service principal resource allow reports matching SourceAccount and different SourceArn unknown values',
    DISCOVERY,
  ],
  [
    'discoveryMode/contextKeyConstraints/sourceContext.json',
    'Deny condition with known presence and unknown value is ignored',
    DISCOVERY,
  ],
  [
    'discoveryMode/contextKeyConstraints/sourceContext.json',
    'Deny condition with known presence and unknown value is ignored when placeholder matches',
    DISCOVERY,
  ],
  [
    'discoveryMode/contextKeyConstraints/sourceContext.json',
    'Null false matches when presence is known and value is unknown',
    DISCOVERY,
  ],
  [
    'discoveryMode/contextKeyConstraints/sourceContext.json',
    'Null true does not match when presence is known and key is present',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/identityAllow.json',
    'Allowed when identity has conditions being ignored',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/identityAllow.json',
    'Does not report ignored conditions when the statement does not apply',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/identityAllow.json',
    'Allowed with condition when identity Allow negative condition key is unconstrained and absent',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/identityAllow.json',
    'Allowed with deny escape when identity Deny negative condition key is unconstrained and absent',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/identityAllow.json',
    'Allowed with condition when identity Allow StringEqualsIfExists key presence is unknown and absent',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/identityAllow.json',
    'Allowed with condition when identity Allow StringNotEqualsIfExists key presence is unknown and absent',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/identityAllow.json',
    'Allowed with condition when identity Allow ForAllValues StringNotEquals key is unconstrained and absent',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/identityAllow.json',
    'Allowed with condition when identity Allow ForAnyValue StringNotEquals key is unconstrained and absent',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/permissionBoundary.json',
    'Implicit Deny Due to Permission Boundary Condition Should Be Ignored',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/permissionBoundary.json',
    'Explicit Deny In Permission Boundary Condition Should Be Ignored',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/permissionBoundary.json',
    'Do not report Ignored Conditions when the PB Statement Does Not Apply Anyway',
    DISCOVERY,
  ],
  ['discoveryMode/ignoredConditions/rcp.json', 'Allowed when RCP has ignored Deny Condition', DISCOVERY],
  ['discoveryMode/ignoredConditions/rcp.json', 'Block when RCP has strict match Deny Condition', DISCOVERY],
  [
    'discoveryMode/ignoredConditions/rcp.json',
    'Do Not Report Ignored Conditions When Other Deny Parts Do Not Match',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/resources.json',
    'Allow When Resource Policy Condition is Ignored',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/resources.json',
    'Allow When Resource Policy Deny Condition is Ignored',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/resources.json',
    'Do no Report Ignored Conditions When Statement Does Not Apply Anyway',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/resources.json',
    'Cross-account resource conditions include direct and account-level allow paths',
    DISCOVERY,
  ],
  [
    'discoveryMode/ignoredConditions/resources.json',
    'Allow resource policy with condition when negative condition key is unconstrained and absent',
    DISCOVERY,
  ],
  ['discoveryMode/ignoredConditions/scp.json', 'Allowed when SCP has ignored Deny Condition', DISCOVERY],
  ['discoveryMode/ignoredConditions/scp.json', 'Block when SCP has strict match Deny Condition', DISCOVERY],
  [
    'discoveryMode/ignoredConditions/scp.json',
    'Do Not Report Ignored Conditions When Other Deny Parts Do Not Match',
    DISCOVERY,
  ],
  ['discoveryMode/ignoredConditions/strictPatterns.json', 'All Principal Tags are Strict', DISCOVERY],
  [
    'discoveryMode/ignoredConditions/strictPatterns.json',
    'Different Principal Tag Keys is Strict',
    DISCOVERY,
  ],
  ['discoveryMode/roleVsSession.json', 'Allow role when session is allowed by resource policy', DISCOVERY],
  [
    'discoveryMode/roleVsSession.json',
    'Allow pathed role when session is allowed by resource policy',
    DISCOVERY,
  ],
  [
    'discoveryMode/roleVsSession.json',
    'Allow role with multiple path levels when session is allowed by resource policy',
    DISCOVERY,
  ],
  [
    'discoveryMode/roleVsSession.json',
    'Allow Differently Named Session When Resource Policy Allows for Session',
    DISCOVERY,
  ],
  [
    'discoveryMode/roleVsSession.json',
    'Allow Differently Named Session To Pierce Permission Boundary Implicit Deny',
    DISCOVERY,
  ],
  [
    'discoveryMode/roleVsSession.json',
    'Allow Role To Pierce Permission Boundary Implicit Deny when Resource Policy Allows for Session',
    DISCOVERY,
  ],
  [
    'discoveryMode/roleVsSession.json',
    'Do Not Allow Role To Pierce Permission Boundary Implicit Deny when Resource Policy Allows for Role',
    DISCOVERY,
  ],
  [
    'discoveryMode/roleVsSession.json',
    "Don't Allow Different Roles When Resource Policy Allows for Session",
    DISCOVERY,
  ],
  [
    'discoveryMode/roleVsSession.json',
    'Allow when Deny Has a Session and Request Role Matches in Discovery Mode',
    DISCOVERY,
  ],
  ['endpoints/actionDeny.json', 'Implicit Deny when Endpoint Policy Does Not Match Action', ENDPOINT],
  ['endpoints/actionDeny.json', 'Explicitly Deny when Endpoint Policy Denys Action', ENDPOINT],
  ['endpoints/allow.json', 'Allow when Endpoint Policy Allows', ENDPOINT],
  ['endpoints/condition.json', 'Implicitly Deny when Endpoint Policy Condition is not met', ENDPOINT],
  ['endpoints/condition.json', 'Explicitly Deny when Endpoint Condition Matches Deny', ENDPOINT],
  ['endpoints/conditionDiscovery.json', 'Allows under Conditions in the VPC Endpoint Policy', ENDPOINT],
  ['endpoints/principalDeny.json', 'Implicit Deny when Endpoint Policy Does Not Match principal', ENDPOINT],
  ['endpoints/principalDeny.json', 'Explicitly Deny when Endpoint Policy Denys principal', ENDPOINT],
  ['endpoints/resourceDeny.json', 'Implicit Deny when Endpoint Policy Does Not Match Resource', ENDPOINT],
  ['endpoints/resourceDeny.json', 'Explicitly Deny when Endpoint Policy Denys Resource', ENDPOINT],
  [
    'permissionBoundaries-SameAccount.json',
    'Permission boundary implicit deny, resource policy allows *, from session, discovery mode',
    DISCOVERY,
  ],
  [
    'permissionBoundaries-SameAccount.json',
    'Permission boundary implicit deny, resource policy allows *, from role, discovery mode',
    DISCOVERY,
  ],
  [
    'permissionBoundaries-SameAccount.json',
    'Permission boundary implicit deny, resource policy allows *, from user, discovery mode',
    DISCOVERY,
  ],
  ['s3/abac.json', 'Deny when ABAC keys are not present but are strict', DISCOVERY],
  ['sessionPolicies.json', 'Ignored conditions in session policy are reported', DISCOVERY],
  [
    'resourceWildcards/crossPatternIntersections.json',
    'Cross-account Allow Resource wildcard intersection: AWSLogs prefix overlaps bucket wildcard',
    PATTERN_REQUEST,
  ],
  [
    'resourceWildcards/crossPatternIntersections.json',
    'Cross-account Allow Resource wildcard intersection: nested AWSLogs prefix overlaps bucket wildcard',
    PATTERN_REQUEST,
  ],
  [
    'resourceWildcards/crossPatternIntersections.json',
    'Cross-account Allow Resource wildcard intersection: object extension pattern overlaps bucket wildcard',
    PATTERN_REQUEST,
  ],
  [
    'resourceWildcards/crossPatternIntersections.json',
    'Cross-account Allow Resource wildcard intersection: generated prefix overlaps bucket wildcard',
    PATTERN_REQUEST,
  ],
  [
    'sessionPolicies.json',
    'Implicit deny in session policy denies even if session ARN in resource policy',
    SESSION_ARN_GRANT,
  ],
];

const corpus = loadCorpus();

if (corpus === undefined) console.log(`conformance: skipped (no corpus at ${CORPUS_DIR})`);

describe.skipIf(corpus === undefined)('iam-simulate core-engine conformance', () => {
  const excluded = new Map(EXCLUDED.map(([file, name, reason]) => [`${file}\u0000${name}`, reason]));

  it('decides every case as upstream does, except the documented exclusions', () => {
    const cases = corpus ?? [];
    const outcomes = { passed: 0, failed: [] as string[], excluded: 0 };
    for (const { file, case: c } of cases) {
      if (excluded.has(`${file}\u0000${c.name}`)) {
        outcomes.excluded++;
        continue;
      }
      const result = evaluateRequest(toContractRequest(c));
      const problem =
        'error' in result
          ? `rejected: ${result.error.message}`
          : result.decision !== EXPECTED_DECISION[c.expected.response]
            ? `decision ${result.decision}, expected ${c.expected.response}`
            : sameSet(
                  result.explanation.blockedBy,
                  (c.expected.blockedBy ?? []).map((b) => BLOCKED_BY[b] ?? b),
                )
              ? undefined
              : `blockedBy ${result.explanation.blockedBy.join(',')}, expected ${(c.expected.blockedBy ?? []).join(',')}`;
      if (problem === undefined) outcomes.passed++;
      else outcomes.failed.push(`${file} | ${c.name}: ${problem}`);
    }
    console.log(
      `conformance: ${outcomes.passed} passed, ${outcomes.failed.length} failed, ${outcomes.excluded} excluded of ${cases.length}`,
    );
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.excluded).toBe(EXCLUDED.length);
  });
});

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
}
