/**
 * IAM's policy simulator: SimulatePrincipalPolicy and SimulateCustomPolicy, as IAM operations in
 * AWS's member names (so the Query API serves them to the unchanged SDK and CLI, and REST reuses
 * them). Each action is evaluated by the engine on each requested resource and reported as AWS's
 * current simulator does: one EvaluationResult per action carrying the most restrictive decision,
 * and, when resources are listed, one ResourceSpecificResult per resource. Matched statements carry
 * their position in the policy text; missing context keys keep the policy's spelling.
 */
import { isIP } from 'node:net';
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import {
  type ContextInput,
  compilePrincipalPolicies,
  compileResourcePolicies,
  type Explanation,
  malformedPolicyMessage,
  mostRestrictive,
  type PolicyTypeResult,
  type StatementRef,
  validatePolicy,
} from '@palisade/policy';
import {
  accessDeniedMessage,
  actionCanCarry,
  arnAccount,
  type Caller,
  decodeMarker,
  denialOf,
  type EffectivePolicies,
  encodeMarker,
  entityArn,
  loadEffectivePolicies,
  type OperationTable,
  operation,
  parseInlinePolicyId,
  parsePalisadeArn,
  parsePolicyArn,
} from '@palisade/principals';
import type { StoreContext } from '@palisade/store';
import { z } from 'zod';
import {
  CONTEXT_LIMITS,
  CONTEXT_TOTALS_MESSAGE,
  MAX_SIMULATION_EVALUATIONS,
  withinContextTotals,
} from './context-limits.ts';
import { judgeSubject } from './judge-subject.ts';
import { contextKeySpellings, type StatementSpan, statementSpans } from './policy-text.ts';
import { policyEvaluator } from './subject.ts';

/** What the simulator needs. */
export interface SimulationDependencies {
  readonly store: StoreContext;
  readonly partition: string;
}

const list = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess((value) => (value === '' ? [] : value), z.array(item).max(max));
const policyText = z.string().min(1).max(131_072);
const CONTEXT_TYPES = [
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
] as const;
type ContextType = (typeof CONTEXT_TYPES)[number];

/**
 * AWS's ResourceHandlingOption values (the IAM API reference, SimulatePrincipalPolicy). Each names
 * an EC2 launch scenario, so that AWS's simulator can insist on the instance, image, security group,
 * network interface, subnet and volume ARNs that scenario needs. Palisade simulates tenant
 * resources, none of which take part in those scenarios: the option is validated against AWS's
 * values (anything else is InvalidInput, as in IAM) and changes nothing else.
 */
export const RESOURCE_HANDLING_OPTIONS = [
  'EC2-VPC-InstanceStore',
  'EC2-VPC-InstanceStore-Subnet',
  'EC2-VPC-EBS',
  'EC2-VPC-EBS-Subnet',
] as const;

const contextEntry = z.object({
  ContextKeyName: z.string().min(5).max(256),
  ContextKeyValues: list(z.string().max(CONTEXT_LIMITS.valueLength), CONTEXT_LIMITS.values).optional(),
  ContextKeyType: z.enum(CONTEXT_TYPES).optional(),
});
const common = {
  PolicyInputList: list(policyText, 100).optional(),
  PermissionsBoundaryPolicyInputList: list(policyText, 1).optional(),
  ActionNames: list(z.string().min(3).max(128), 1000).refine(
    (names) => names.length > 0,
    'ActionNames is required',
  ),
  ResourceArns: list(z.string().min(1).max(2048), 1000).optional(),
  ResourcePolicy: policyText.optional(),
  ResourceOwner: z.string().min(1).max(2048).optional(),
  CallerArn: z.string().min(1).max(2048).optional(),
  ContextEntries: list(contextEntry, CONTEXT_LIMITS.keys)
    .refine(
      (entries) => withinContextTotals(entries.map((entry) => entry.ContextKeyValues ?? [])),
      `ContextEntries: ${CONTEXT_TOTALS_MESSAGE}`,
    )
    .optional(),
  ResourceHandlingOption: z.string().min(1).max(64).optional(),
  MaxItems: z.coerce.number().int().min(1).max(1000).optional(),
  Marker: z.string().min(1).max(2048).optional(),
};
/** SimulatePrincipalPolicy's request, in IAM's member names. */
export const simulatePrincipalPolicySchema = z.object({
  PolicySourceArn: z.string().min(20).max(2048),
  ...common,
});
/** SimulateCustomPolicy's request, in IAM's member names. */
export const simulateCustomPolicySchema = z.object({
  ...common,
  PolicyInputList: list(policyText, 100).refine((items) => items.length > 0, 'PolicyInputList is required'),
});

type SimulationInput =
  | z.output<typeof simulateCustomPolicySchema>
  | z.output<typeof simulatePrincipalPolicySchema>;

/** Where a policy came from, in the simulator's words. */
interface SourceInfo {
  readonly SourcePolicyId: string;
  readonly SourcePolicyType: 'user' | 'group' | 'role' | 'aws-managed' | 'user-managed' | 'resource' | 'none';
}

/** One policy taking part in a simulation: its id in the engine, its text and its source. */
interface SimulatedPolicy {
  readonly id: string;
  readonly text: string;
  readonly type: 'identity' | 'boundary' | 'resource';
  readonly source: SourceInfo;
}

/** IAM's `Statement`: which policy, and where in its text. */
interface MatchedStatement extends SourceInfo, Partial<StatementSpan> {}

const DETAIL_NAMES: Record<string, string> = {
  identity: 'IAM Policy',
  boundary: 'Permissions Boundary Policy',
  resource: 'Resource Policy',
  session: 'Session Policy',
  scp: 'Service Control Policy',
  rcp: 'Resource Control Policy',
};

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const VALUE_CHECKS: Readonly<Record<string, (value: string) => boolean>> = {
  string: () => true,
  numeric: (value) => NUMBER.test(value),
  boolean: (value) => /^(true|false)$/i.test(value),
  date: (value) =>
    /^\d+$/.test(value) || (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))),
  ip: (value) => {
    const [address = '', prefix, ...rest] = value.split('/');
    const version = isIP(address);
    if (version === 0 || rest.length > 0) return false;
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
  },
  binary: (value) => BASE64.test(value),
};

/**
 * The request context from ContextEntries. A list type (`stringList`, …) makes the key
 * multivalued even with one value, so ForAnyValue/ForAllValues see a set; a scalar type takes at
 * most one value; an untyped entry is multivalued only when it has several values. Each value must
 * parse as its type (IAM answers InvalidInput otherwise).
 */
function contextOf(entries: SimulationInput['ContextEntries']): Result<ContextInput> {
  const context: Record<string, string | string[]> = {};
  for (const [i, entry] of (entries ?? []).entries()) {
    const values = entry.ContextKeyValues ?? [];
    const name = entry.ContextKeyName;
    const type: ContextType | undefined = entry.ContextKeyType;
    const at = `ContextEntries.member.${i + 1}`;
    if (type === undefined) {
      if (values.length > 0) context[name] = values.length === 1 ? (values[0] as string) : values;
      continue;
    }
    const multivalued = type.endsWith('List');
    const base = multivalued ? type.slice(0, -'List'.length) : type;
    if (!multivalued && values.length > 1)
      return fail(
        'request.invalid-input',
        `${at}: ContextKeyType ${type} takes one value, but ${name} has ${values.length}; use ${type}List for a multivalued key.`,
      );
    const invalid = values.find((value) => !VALUE_CHECKS[base]?.(value));
    if (invalid !== undefined)
      return fail(
        'request.invalid-input',
        `${at}: ${JSON.stringify(invalid)} is not a valid ${base} value for ${name}.`,
      );
    if (multivalued) context[name] = values;
    else if (values.length === 1) context[name] = values[0] as string;
  }
  return ok(context);
}

function checkDocuments(input: SimulationInput): Failure | undefined {
  const checks: [readonly string[] | undefined, 'identity' | 'boundary' | 'resource', string][] = [
    [input.PolicyInputList, 'identity', 'PolicyInputList'],
    [input.PermissionsBoundaryPolicyInputList, 'boundary', 'PermissionsBoundaryPolicyInputList'],
    [input.ResourcePolicy === undefined ? undefined : [input.ResourcePolicy], 'resource', 'ResourcePolicy'],
  ];
  for (const [documents, type, member] of checks) {
    for (const [i, document] of (documents ?? []).entries()) {
      const message = malformedPolicyMessage(validatePolicy(document, type));
      if (message) return fail('policy.malformed', `${member}.member.${i + 1}: ${message}`);
    }
  }
  return undefined;
}

/** A principal the simulator can load or name as the caller: an IAM user, group or role. */
export interface IamEntity {
  readonly kind: 'user' | 'group' | 'role';
  readonly accountId: string;
  readonly name: string;
}

/** The user, group or role an ARN of this partition names; undefined for any other ARN. */
export function parseEntity(partition: string, arn: string): IamEntity | undefined {
  const parsed = parsePalisadeArn(arn);
  if (parsed?.partition !== partition) return undefined;
  const { kind } = parsed;
  return kind === 'user' || kind === 'group' || kind === 'role'
    ? { kind, accountId: parsed.accountId, name: parsed.name }
    : undefined;
}

/** Checks the options that IAM answers InvalidInput for. */
function checkOptions(partition: string, input: SimulationInput): Result<{ owner: string | undefined }> {
  const option = input.ResourceHandlingOption;
  if (option !== undefined && !(RESOURCE_HANDLING_OPTIONS as readonly string[]).includes(option))
    return fail(
      'request.invalid-input',
      `Invalid ResourceHandlingOption ${option}: expected one of ${RESOURCE_HANDLING_OPTIONS.join(', ')}.`,
    );
  // AWS: "You can specify the ARN of an IAM user, group, or role. You cannot specify the ARN of an
  // assumed role, federated user, or a service principal."
  if (input.CallerArn !== undefined && !parseEntity(partition, input.CallerArn))
    return fail(
      'request.invalid-input',
      `Invalid CallerArn ${input.CallerArn}: it must be the ARN of an IAM user, group or role (not an assumed role, federated user or service principal).`,
    );
  const owner = input.ResourceOwner;
  if (owner === undefined) return ok({ owner: undefined });
  // An account id, or an ARN naming the account (`arn:aws:iam::111122223333:root`).
  const account = /^\d{12}$/.test(owner) ? owner : owner.startsWith('arn:') ? arnAccount(owner) : undefined;
  return account
    ? ok({ owner: account })
    : fail(
        'request.invalid-input',
        `Invalid ResourceOwner ${owner}: give an account id or the account's ARN.`,
      );
}

/** The simulator's operations, keyed by IAM action name. */
export function simulationOperations(deps: SimulationDependencies): OperationTable {
  const simulate = (
    input: SimulationInput,
    caller: { arn: string; accountId: string },
    owner: string | undefined,
    stored: readonly SimulatedPolicy[],
  ): Result<object> => {
    const context = contextOf(input.ContextEntries);
    if (!context.ok) return context;
    const actions = input.ActionNames;
    const start = pageStart(input.Marker, actions.length);
    if (start === undefined)
      return fail('request.invalid-input', 'Invalid Marker: it does not continue this simulation.');

    const policies = simulatedPolicies(input, stored);
    const principalPolicies = compilePrincipalPolicies({
      identityPolicies: policies
        .filter((p) => p.type === 'identity')
        .map(({ id, text }) => ({ id, document: text })),
      permissionsBoundaries: policies
        .filter((p) => p.type === 'boundary')
        .map(({ id, text }) => ({ id, document: text })),
    });
    const resourcePolicy = policies.find((p) => p.type === 'resource');
    const resourcePolicies = compileResourcePolicies(
      resourcePolicy ? { resourcePolicy: { id: resourcePolicy.id, document: resourcePolicy.text } } : {},
    );
    // The simulated caller is a subject of one policy set, judged as every decision's subject is.
    const subject = { evaluators: [policyEvaluator(caller.arn, principalPolicies, () => ({}))] as const };
    const report = reporter(policies);
    // `*` (explicitly, or no ResourceArns at all) simulates every resource at once; listed
    // resources each get their ResourceSpecificResult.
    const listed = (input.ResourceArns ?? []).some((arn) => arn !== '*');
    const resources = listed ? (input.ResourceArns as string[]) : ['*'];

    const limit = input.MaxItems ?? 100;
    // Every action of the page is evaluated against every resource, all in this request.
    const evaluations = Math.min(limit, actions.length - start) * resources.length;
    if (evaluations > MAX_SIMULATION_EVALUATIONS)
      return fail(
        'request.invalid-input',
        `A simulation page evaluates at most ${MAX_SIMULATION_EVALUATIONS.toLocaleString('en-US')} action and resource pairs; this one asks for ${evaluations.toLocaleString('en-US')}. Lower MaxItems or list fewer ResourceArns.`,
      );
    const page = actions.slice(start, start + limit).map((action) =>
      actionResult(
        action,
        resources.map((resource) => {
          // AWS: a resource whose ARN names no account (an S3 bucket, `*`) belongs to
          // ResourceOwner, or else to the simulated caller's account.
          const resourceAccount = arnAccount(resource) ?? owner ?? caller.accountId;
          const { explanation } = judgeSubject(subject, {
            action,
            resource,
            resourceAccount,
            context: context.value,
            ...(resource === '*' ? { anyResource: true } : {}),
            resourceTags: undefined,
            resourcePolicies,
          });
          return { resource, explanation, crossAccount: resourceAccount !== caller.accountId };
        }),
        listed,
        report,
      ),
    );
    const next = start + limit < actions.length ? String(start + limit) : undefined;
    return ok({
      EvaluationResults: page,
      IsTruncated: next !== undefined,
      ...(next !== undefined ? { Marker: encodeMarker(next) } : {}),
    });
  };

  return {
    SimulatePrincipalPolicy: operation(simulatePrincipalPolicySchema, async (caller: Caller, input) => {
      const source = parseEntity(deps.partition, input.PolicySourceArn);
      if (!source)
        return fail('request.invalid-input', 'PolicySourceArn must be the ARN of a user, group or role.');
      if (caller.kind === 'operator' || caller.accountId !== source.accountId)
        return fail(
          'access.denied',
          accessDeniedMessage(caller.arn, 'iam:SimulatePrincipalPolicy', input.PolicySourceArn, {
            reason: 'implicit-deny',
            policyType: 'resource',
          }),
        );
      // Loaded before authorizing so the target's tags are context; a denial still comes first.
      const loaded = await loadEffectivePolicies(
        deps.store,
        deps.partition,
        source.accountId,
        source.kind,
        source.name,
      );
      const effective = loaded?.principal.arn === input.PolicySourceArn ? loaded : undefined;
      const denied = denialOf(
        caller,
        'iam:SimulatePrincipalPolicy',
        input.PolicySourceArn,
        effective ? { resourceTags: effective.principal.tags } : {},
      );
      if (denied) return denied;
      const options = checkOptions(deps.partition, input);
      if (!options.ok) return options;
      const invalid = checkDocuments(input);
      if (invalid) return invalid;
      if (!effective)
        return fail(
          'entity.not-found',
          `The ${source.kind} with ARN ${input.PolicySourceArn} cannot be found.`,
        );
      // AWS: without CallerArn the simulated caller is the PolicySourceArn entity itself.
      const callerArn = input.CallerArn ?? input.PolicySourceArn;
      return simulate(
        input,
        { arn: callerArn, accountId: arnAccount(callerArn) ?? source.accountId },
        options.value.owner,
        storedPolicies(deps.partition, effective),
      );
    }),
    SimulateCustomPolicy: operation(simulateCustomPolicySchema, async (caller: Caller, input) => {
      if (caller.kind === 'operator')
        return fail(
          'access.denied',
          `User: ${caller.arn} is not authorized to perform: iam:SimulateCustomPolicy`,
        );
      const denied = denialOf(caller, 'iam:SimulateCustomPolicy', '*');
      if (denied) return denied;
      const options = checkOptions(deps.partition, input);
      if (!options.ok) return options;
      // AWS: "CallerArn is required if you include a ResourcePolicy so that the policy's Principal
      // element has a value to use in evaluating the policy."
      if (input.ResourcePolicy !== undefined && input.CallerArn === undefined)
        return fail('request.invalid-input', 'CallerArn is required when a ResourcePolicy is included.');
      const invalid = checkDocuments(input);
      if (invalid) return invalid;
      // With no CallerArn (and so no resource policy to name it), the caller stands for an IAM
      // user of the caller's account: only its account and user-ness reach the policies.
      const callerArn =
        input.CallerArn ?? entityArn(deps.partition, caller.accountId, 'user', '/', 'simulated-caller');
      return simulate(
        input,
        { arn: callerArn, accountId: arnAccount(callerArn) ?? caller.accountId },
        options.value.owner,
        [],
      );
    }),
  };
}

/** The action index a Marker continues from; undefined when it is not one this simulation made. */
function pageStart(marker: string | undefined, actions: number): number | undefined {
  if (marker === undefined) return 0;
  const decoded = decodeMarker(marker) ?? '';
  if (!/^\d{1,4}$/.test(decoded)) return undefined;
  const start = Number(decoded);
  return start > 0 && start < actions ? start : undefined;
}

/** The policies of a simulation: the stored ones, then the inputs (an input boundary replaces the stored one). */
function simulatedPolicies(input: SimulationInput, stored: readonly SimulatedPolicy[]): SimulatedPolicy[] {
  const given = (member: string, documents: readonly string[] | undefined, type: SimulatedPolicy['type']) =>
    (documents ?? []).map((text, i): SimulatedPolicy => {
      const id = `${member}.${i + 1}`;
      return { id, text, type, source: { SourcePolicyId: id, SourcePolicyType: 'none' } };
    });
  const boundaries = given(
    'PermissionsBoundaryPolicyInputList',
    input.PermissionsBoundaryPolicyInputList,
    'boundary',
  );
  return [
    ...stored.filter((p) => p.type === 'identity' || boundaries.length === 0),
    ...given('PolicyInputList', input.PolicyInputList, 'identity'),
    ...boundaries,
    ...(input.ResourcePolicy === undefined
      ? []
      : [
          {
            id: 'ResourcePolicy',
            text: input.ResourcePolicy,
            type: 'resource' as const,
            source: { SourcePolicyId: 'ResourcePolicy', SourcePolicyType: 'resource' as const },
          },
        ]),
  ];
}

/** A principal's stored policies, named as the simulator reports them. */
function storedPolicies(partition: string, effective: EffectivePolicies): SimulatedPolicy[] {
  const source = (id: string): SourceInfo => {
    const inline = parseInlinePolicyId(id);
    if (inline) return { SourcePolicyId: inline.policyName, SourcePolicyType: inline.ownerKind as 'user' };
    return {
      SourcePolicyId: id,
      SourcePolicyType: parsePolicyArn(partition, id)?.scope === 'platform' ? 'aws-managed' : 'user-managed',
    };
  };
  return [
    ...effective.identityPolicies.map(
      (p): SimulatedPolicy => ({ id: p.id, text: p.document, type: 'identity', source: source(p.id) }),
    ),
    ...(effective.boundary
      ? [
          {
            id: effective.boundary.id,
            text: effective.boundary.document,
            type: 'boundary' as const,
            source: source(effective.boundary.id),
          },
        ]
      : []),
  ];
}

/** Turns engine references into IAM's words: statements with positions, keys as written. */
interface Reporter {
  readonly statement: (ref: StatementRef) => MatchedStatement;
  readonly contextKey: (lowercased: string) => string;
}

function reporter(policies: readonly SimulatedPolicy[]): Reporter {
  const byId = new Map(policies.map((p) => [`${p.type}:${p.id}`, p]));
  const spans = new Map<SimulatedPolicy, readonly (StatementSpan | undefined)[]>();
  let spellings: Map<string, string> | undefined;
  const layer = (ref: StatementRef) =>
    ref.policyType === 'boundary' ? 'boundary' : ref.policyType === 'identity' ? 'identity' : 'resource';
  return {
    statement(ref) {
      const policy = byId.get(`${layer(ref)}:${ref.policyId}`);
      if (!policy) return { SourcePolicyId: ref.policyId, SourcePolicyType: 'none' };
      let located = spans.get(policy);
      if (located === undefined) {
        located = statementSpans(policy.text);
        spans.set(policy, located);
      }
      return { ...policy.source, ...located[ref.statementIndex] };
    },
    contextKey(lowercased) {
      spellings ??= contextKeySpellings(policies.map(({ text, type }) => ({ text, type })));
      return spellings.get(lowercased) ?? lowercased;
    },
  };
}

/** One resource's outcome for one action. */
interface ResourceOutcome {
  readonly resource: string;
  readonly explanation: Explanation;
  readonly crossAccount: boolean;
}

/**
 * The statements AWS lists for an outcome, "the statements that determine the result": the Allow
 * statements of an allowed outcome (boundary ones included: they let it through), only the Deny
 * statements of an explicit deny ("the deny statement is the only entry included"), and none for
 * an implicit deny, which no statement decides (an Allow that matched but was capped by a
 * boundary, or lacked the other account's half, did not determine it). Never SCP or RCP
 * statements; each statement once.
 */
function matchedStatements(explanation: Explanation, report: Reporter): MatchedStatement[] {
  if (explanation.decision === 'implicitDeny') return [];
  const wanted = explanation.decision === 'explicitDeny' ? 'Deny' : 'Allow';
  const seen = new Set<string>();
  const out: MatchedStatement[] = [];
  for (const ref of explanation.matchedStatements) {
    if (ref.policyType === 'scp' || ref.policyType === 'rcp' || ref.effect !== wanted) continue;
    const key = `${ref.policyType}:${ref.policyId}#${ref.statementIndex}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(report.statement(ref));
  }
  return out;
}

function decisionDetails(explanation: Explanation): Record<string, PolicyTypeResult> {
  const details: Record<string, PolicyTypeResult> = {};
  for (const [type, result] of Object.entries(explanation.policyTypes)) {
    if (type === 'scp' || type === 'rcp') continue;
    details[DETAIL_NAMES[type] ?? type] = result;
  }
  return details;
}

function unique<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * One action's EvaluationResult, following the IAM API reference (EvaluationResult,
 * ResourceSpecificResult): the top level aggregates every resource (the most restrictive decision,
 * the statements behind it, the missing keys of all resources); EvalResourceName is `*` because
 * no service in the catalog maps its actions to an ARN format; EvalDecisionDetails is empty for a
 * same-account simulation of listed resources, absent for a same-account `*`, and filled only for
 * cross-account outcomes; the boundary detail appears when a permissions boundary took part, the
 * Organizations detail only when SCPs did (Palisade accounts belong to no organization, so never).
 */
function actionResult(
  action: string,
  outcomes: readonly ResourceOutcome[],
  listed: boolean,
  report: Reporter,
) {
  const perResource = outcomes.map(({ resource, explanation, crossAccount }) => {
    const boundary = explanation.policyTypes.boundary;
    return {
      outcome: { explanation, crossAccount },
      result: {
        EvalResourceName: resource,
        EvalResourceDecision: explanation.decision,
        MatchedStatements: matchedStatements(explanation, report),
        // A key the action's requests never carry is not missing: a real request would not have it either.
        MissingContextValues: explanation.missingContextKeys
          .filter((key) => actionCanCarry(action, key))
          .map(report.contextKey),
        ...(crossAccount ? { EvalDecisionDetails: decisionDetails(explanation) } : {}),
        ...(boundary !== undefined
          ? { PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: boundary === 'allowed' } }
          : {}),
      },
    };
  });
  const decision = mostRestrictive(perResource.map(({ result }) => result.EvalResourceDecision));
  const deciding = perResource.filter(({ result }) => result.EvalResourceDecision === decision);
  const matched = unique(
    deciding.flatMap(({ result }) => result.MatchedStatements),
    (s) => `${s.SourcePolicyType}:${s.SourcePolicyId}:${s.StartPosition?.Line}:${s.StartPosition?.Column}`,
  );
  const missing = unique(
    perResource.flatMap(({ result }) => result.MissingContextValues),
    (key) => key.toLowerCase(),
  );

  const crossAccount = perResource.filter(({ outcome }) => outcome.crossAccount);
  let details: Record<string, PolicyTypeResult> | undefined;
  if (crossAccount.length > 0) {
    details = {};
    for (const { outcome } of crossAccount)
      for (const [name, result] of Object.entries(decisionDetails(outcome.explanation)))
        details[name] = mostRestrictive([details[name] ?? 'allowed', result]);
  } else if (listed) {
    details = {};
  }
  const boundaries = outcomes.flatMap(({ explanation }) => explanation.policyTypes.boundary ?? []);
  const scps = outcomes.flatMap(({ explanation }) => explanation.policyTypes.scp ?? []);
  return {
    EvalActionName: action,
    EvalResourceName: '*',
    EvalDecision: decision,
    MatchedStatements: matched,
    MissingContextValues: missing,
    ...(scps.length > 0
      ? { OrganizationsDecisionDetail: { AllowedByOrganizations: scps.every((r) => r === 'allowed') } }
      : {}),
    ...(boundaries.length > 0
      ? {
          PermissionsBoundaryDecisionDetail: {
            AllowedByPermissionsBoundary: boundaries.every((r) => r === 'allowed'),
          },
        }
      : {}),
    ...(details !== undefined ? { EvalDecisionDetails: details } : {}),
    ...(listed ? { ResourceSpecificResults: perResource.map(({ result }) => result) } : {}),
  };
}
