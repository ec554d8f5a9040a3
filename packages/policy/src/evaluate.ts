/**
 * The evaluation pipeline: AWS's policy evaluation logic over precompiled policy sets. It is
 * synchronous and total: it never throws, a policy that cannot be read is skipped and reported,
 * and when a skipped policy could have denied, no Allow is trusted (fail closed).
 */
import {
  actionService,
  type CompiledLayer,
  type CompiledStatement,
  compileLayer,
  forEachActionMatch,
  type PolicyError,
  type PolicyInput,
  prepareResource,
  type RequestResource,
  type StatementRef,
} from './compile.ts';
import type { PolicyType } from './policy-type.ts';
import {
  grantNamesCaller,
  matchPrincipalEntries,
  PrincipalMatch,
  parsePrincipal,
  type RequestPrincipal,
} from './principal.ts';
import { type ContextInput, normalizeContext, type RequestContext } from './request-context.ts';
import { isServiceOwnedWrite, needsNoPermission, resourcePolicyMustTrustAccount } from './service-rules.ts';

/** The decision, in the words of AWS's EvalDecision. */
export type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** One authorization question. */
export interface AuthorizationRequest {
  /** The caller: an IAM/STS ARN, a service principal name, or `anonymous`. */
  readonly principal: string;
  /** `service:Action`. */
  readonly action: string;
  /** The resource ARN, or `*` for actions without a resource. */
  readonly resource: string;
  /** The account that owns the resource; defaults to the ARN's account segment. */
  readonly resourceAccount?: string;
  readonly context?: ContextInput;
  /** What-if for an unspecified resource (a simulator's `*`): see the README. */
  readonly anyResource?: boolean;
}

/** The policies attached to (or governing) a principal, compiled once and reused. */
export interface PrincipalPolicies {
  readonly identity: CompiledLayer;
  /** Undefined when the principal has no permissions boundary. */
  readonly boundary: CompiledLayer | undefined;
  /** Undefined when the session has no session policy. */
  readonly session: CompiledLayer | undefined;
  /** The principal's organization path, root first. */
  readonly scps: readonly CompiledLayer[];
  /** Policies that could not be read (computed once at compile time). */
  readonly errors: readonly PolicyError[];
}

/** The policies of the resource side, compiled once and reused. */
export interface ResourcePolicies {
  readonly resource: CompiledLayer | undefined;
  /** The resource account's organization path, root first. */
  readonly rcps: readonly CompiledLayer[];
  /** Policies that could not be read (computed once at compile time). */
  readonly errors: readonly PolicyError[];
}

/** Inputs for compiling a principal's policies. */
export interface PrincipalPolicyInputs {
  readonly identityPolicies: readonly PolicyInput[];
  readonly permissionsBoundaries?: readonly PolicyInput[];
  readonly sessionPolicies?: readonly PolicyInput[];
  readonly serviceControlPolicies?: readonly (readonly PolicyInput[])[];
}

/** Inputs for compiling a resource's policies. */
export interface ResourcePolicyInputs {
  readonly resourcePolicy?: PolicyInput;
  /** `trust` for a role trust policy; `resource` otherwise. */
  readonly resourcePolicyType?: 'resource' | 'trust';
  readonly resourceControlPolicies?: readonly (readonly PolicyInput[])[];
}

/** The result of one policy type. */
export type PolicyTypeResult = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** Why the decision came out as it did (one per case of the combining rule). */
export type DecisionReason =
  | 'no-permission-needed'
  | 'explicit-deny'
  | 'scp-no-allow'
  | 'rcp-no-allow'
  | 'service-owned-resource'
  | 'no-grant'
  | 'boundary-no-allow'
  | 'session-policy-no-allow'
  | 'policy-error'
  | 'granted-by-resource-policy'
  | 'granted-by-identity-policy';

/** A decision with its explanation. */
export interface Explanation {
  readonly decision: Decision;
  readonly reason: DecisionReason;
  /** The result of each policy type that took part. */
  readonly policyTypes: Partial<Record<PolicyType, PolicyTypeResult>>;
  /** Every statement that applied (matched action, resource, principal and conditions). */
  readonly matchedStatements: readonly StatementRef[];
  /** For an explicit deny: the statement that decided it. */
  readonly decidingStatement?: StatementRef;
  /** The policy types that stopped a request some policy had granted. */
  readonly blockedBy: readonly PolicyType[];
  /** Context keys a condition needed but the request lacked (lowercased). */
  readonly missingContextKeys: readonly string[];
  /** Policies that could not be read and were skipped. */
  readonly policyErrors: readonly PolicyError[];
}

/** Compiles a principal's identity policies, boundary, session policies and SCP path once. */
export function compilePrincipalPolicies(input: PrincipalPolicyInputs): PrincipalPolicies {
  const identity = compileLayer('identity', input.identityPolicies);
  // An empty boundary list means no boundary, as an absent one does.
  const boundary =
    input.permissionsBoundaries === undefined || input.permissionsBoundaries.length === 0
      ? undefined
      : compileLayer('boundary', input.permissionsBoundaries);
  const session =
    input.sessionPolicies === undefined || input.sessionPolicies.length === 0
      ? undefined
      : compileLayer('session', input.sessionPolicies);
  const scps = (input.serviceControlPolicies ?? []).map((level, i) => compileLayer('scp', level, i));
  return { identity, boundary, session, scps, errors: layerErrors([identity, boundary, session, ...scps]) };
}

/** Compiles a resource policy and the resource account's RCP path once. */
export function compileResourcePolicies(input: ResourcePolicyInputs): ResourcePolicies {
  const resource =
    input.resourcePolicy === undefined
      ? undefined
      : compileLayer(input.resourcePolicyType ?? 'resource', [input.resourcePolicy]);
  const rcps = (input.resourceControlPolicies ?? []).map((level, i) => compileLayer('rcp', level, i));
  return { resource, rcps, errors: layerErrors([resource, ...rcps]) };
}

function layerErrors(layers: readonly (CompiledLayer | undefined)[]): PolicyError[] {
  return layers.flatMap((l) => l?.errors ?? []);
}

const NO_RESOURCE_POLICIES: ResourcePolicies = { resource: undefined, rcps: [], errors: [] };

/** Decides one request against compiled policies. Never throws. */
export function evaluate(
  request: AuthorizationRequest,
  principalPolicies: PrincipalPolicies,
  resourcePolicies: ResourcePolicies = NO_RESOURCE_POLICIES,
): Explanation {
  try {
    const prepared = prepareRequest(request);
    const matches = matchStatements(prepared, principalPolicies, resourcePolicies);
    const facts = establishFacts(prepared, principalPolicies, resourcePolicies, matches);
    const reason = combine(facts);
    return explain(reason, facts, matches, principalPolicies, resourcePolicies);
  } catch (error) {
    // Totality: an unexpected failure is a deny with the cause reported, never an exception.
    return failedEvaluation(error);
  }
}

/** A request with everything lowercased and parsed once. */
export interface PreparedRequest {
  readonly principal: RequestPrincipal;
  readonly action: string;
  readonly service: string;
  readonly resource: RequestResource;
  readonly resourceAccount: string | undefined;
  readonly context: RequestContext;
}

/** Lowercases the action and context keys, parses the principal and resource, once. */
export function prepareRequest(request: AuthorizationRequest): PreparedRequest {
  const principal = parsePrincipal(String(request.principal));
  const action = String(request.action).toLowerCase();
  const resourceText = String(request.resource);
  const resource = prepareResource(resourceText, request.anyResource === true);
  const resourceAccount = request.resourceAccount ?? resourceAccountOf(resource, principal);
  const context = normalizeContext(request.context);
  addDerivedKeys(context, principal, resourceAccount);
  return { principal, action, service: actionService(action), resource, resourceAccount, context };
}

function resourceAccountOf(resource: RequestResource, principal: RequestPrincipal): string | undefined {
  // A request on `*` is made in the caller's own account; an ARN names its account. An ARN
  // without one (an S3 bucket) needs resourceAccount, else it counts as another account.
  if (resource.text === '*') return principal.account;
  const [, , , c3, c4] = resource.colons;
  if (c3 === undefined || c4 === undefined || c4 === c3 + 1) return undefined;
  return resource.text.slice(c3 + 1, c4);
}

/** Fills the global keys AWS derives from the caller when the request did not set them. */
function addDerivedKeys(
  context: Map<string, readonly string[]>,
  principal: RequestPrincipal,
  resourceAccount: string | undefined,
): void {
  addAbsent(context, 'aws:principalaccount', principal.account);
  if (principal.kind === 'user' || principal.kind === 'role' || principal.kind === 'root') {
    addAbsent(context, 'aws:principalarn', principal.id);
  }
  if (principal.kind === 'user')
    addAbsent(context, 'aws:username', principal.id.slice(principal.id.lastIndexOf('/') + 1));
  addAbsent(context, 'aws:resourceaccount', resourceAccount);
}

// Module-level helpers, not per-request closures: a named closure is an allocation on every
// decision (and, where esbuild keeps names as tsx does, a defineProperty call too).
function addAbsent(context: Map<string, readonly string[]>, key: string, value: string | undefined): void {
  if (value !== undefined && !context.has(key)) context.set(key, [value]);
}

/** A statement that applied to the request, with how its principal matched. */
export interface StatementMatch {
  readonly statement: CompiledStatement;
  readonly principalMatch: PrincipalMatch;
}

/** Allows and denies that applied in one layer. */
export interface LayerMatches {
  readonly layer: CompiledLayer;
  readonly allows: StatementMatch[];
  readonly denies: StatementMatch[];
}

/** What each layer contributed to the request. */
export interface RequestMatches {
  readonly identity: LayerMatches;
  readonly boundary: LayerMatches | undefined;
  readonly session: LayerMatches | undefined;
  readonly resource: LayerMatches | undefined;
  readonly scps: readonly LayerMatches[];
  readonly rcps: readonly LayerMatches[];
  readonly missingContextKeys: string[];
}

function matchStatements(
  request: PreparedRequest,
  principalPolicies: PrincipalPolicies,
  resourcePolicies: ResourcePolicies,
): RequestMatches {
  const missing: string[] = [];
  const hasBoundary = principalPolicies.boundary !== undefined;
  const { boundary, session } = principalPolicies;
  const { resource } = resourcePolicies;
  return {
    identity: matchLayer(principalPolicies.identity, request, hasBoundary, missing),
    boundary: boundary && matchLayer(boundary, request, hasBoundary, missing),
    session: session && matchLayer(session, request, hasBoundary, missing),
    resource: resource && matchLayer(resource, request, hasBoundary, missing),
    scps: principalPolicies.scps.map((l) => matchLayer(l, request, hasBoundary, missing)),
    rcps: resourcePolicies.rcps.map((l) => matchLayer(l, request, hasBoundary, missing)),
    missingContextKeys: missing,
  };
}

/** Finds the statements of one layer that apply: action (via the index), resource, principal, conditions. */
export function matchLayer(
  compiled: CompiledLayer,
  request: PreparedRequest,
  callerHasBoundary: boolean,
  missing: string[],
): LayerMatches {
  const result: LayerMatches = { layer: compiled, allows: [], denies: [] };
  forEachActionMatch(compiled.index, request.action, request.service, (statement) => {
    const principalMatch = statementPrincipalMatch(statement, request.principal, callerHasBoundary);
    if (principalMatch === PrincipalMatch.None) return;
    if (!statement.resource(request.resource, request.context)) return;
    for (const condition of statement.conditions) {
      if (!condition.test(request.context)) {
        for (const key of condition.reads) {
          if (!request.context.has(key) && !missing.includes(key)) missing.push(key);
        }
        return;
      }
    }
    (statement.allow ? result.allows : result.denies).push({ statement, principalMatch });
  });
  return result;
}

function statementPrincipalMatch(
  statement: CompiledStatement,
  caller: RequestPrincipal,
  callerHasBoundary: boolean,
): PrincipalMatch {
  const principal = statement.principal;
  if (principal === null) return PrincipalMatch.Any;
  // AWS: a Deny with NotPrincipal always denies a principal that has a permissions boundary.
  if (statement.notPrincipalDeny && callerHasBoundary) return PrincipalMatch.Any;
  const match = matchPrincipalEntries(principal.entries, caller);
  if (!principal.negated) return match;
  return match === PrincipalMatch.None ? PrincipalMatch.Any : PrincipalMatch.None;
}

/** The facts the combining rule decides on, each computed once. */
export interface Facts {
  readonly noPermissionNeeded: boolean;
  readonly firstDeny: StatementRef | undefined;
  readonly scpApplies: boolean;
  readonly scpAllows: boolean;
  readonly rcpApplies: boolean;
  readonly rcpAllows: boolean;
  readonly serviceOwned: boolean;
  /** A grant exists before boundaries and session policies are applied. */
  readonly granted: boolean;
  /** After the permissions boundary (same as granted when there is none). */
  readonly grantedWithinBoundary: boolean;
  /** After the session policy too. */
  readonly grantedWithinSession: boolean;
  readonly grantedByResourcePolicy: boolean;
  readonly hasPolicyErrors: boolean;
  readonly policyTypes: Partial<Record<PolicyType, PolicyTypeResult>>;
  readonly blockedBy: readonly PolicyType[];
}

function establishFacts(
  request: PreparedRequest,
  principalPolicies: PrincipalPolicies,
  resourcePolicies: ResourcePolicies,
  m: RequestMatches,
): Facts {
  const caller = request.principal;
  const iamCaller = caller.kind !== 'anonymous' && caller.kind !== 'service';
  // SCPs govern the IAM principals of member accounts; RCPs govern every caller of the
  // account's resources. Service-linked roles are exempt from both.
  const scpApplies = iamCaller && !caller.serviceLinked && m.scps.length > 0;
  const rcpApplies = !caller.serviceLinked && m.rcps.length > 0;
  const scpAllows = m.scps.every((l) => l.allows.length > 0);
  const rcpAllows = m.rcps.every((l) => l.allows.length > 0);

  const identityLayers = iamCaller;
  const identity = identityLayers ? m.identity : undefined;
  const boundary = identityLayers ? m.boundary : undefined;
  const session = identityLayers ? m.session : undefined;
  const resource = m.resource;

  const firstDeny = firstDenyOf(scpApplies ? m.scps : [], rcpApplies ? m.rcps : [], [
    resource,
    identity,
    boundary,
    session,
  ]);

  const sameAccount = caller.account !== undefined && caller.account === request.resourceAccount;
  const resourceAllows = resource?.allows ?? [];
  const direct = resourceAllows.filter((a) => a.principalMatch >= PrincipalMatch.RoleOfSession);
  const accountLevel = resourceAllows.filter((a) => a.principalMatch === PrincipalMatch.Account);
  // The root user needs no identity policy: it has full access in its own account, and reaches
  // another account's resource wherever that account's resource policy grants its account.
  const identityAllows = (identity?.allows.length ?? 0) > 0 || caller.kind === 'root';

  let viaResource: StatementMatch[] = [];
  let viaIdentity = false;
  if (!iamCaller) {
    // Anonymous and service callers have no identity policies: only the resource policy grants.
    viaResource = direct;
  } else if (sameAccount) {
    const mustTrust = resourcePolicyMustTrustAccount(
      request.action,
      request.resource.text,
      resource !== undefined,
    );
    viaResource = direct;
    viaIdentity = identityAllows && (!mustTrust || accountLevel.length > 0);
  } else {
    // Cross-account: both sides must allow; a grant to the account delegates to its identity policies.
    viaIdentity = identityAllows && direct.length + accountLevel.length > 0;
  }
  const granted = viaResource.length > 0 || viaIdentity;

  // Same account: an implicit deny in a boundary or session policy does not limit a resource
  // policy grant that names the caller itself (a user, a role session, a federated user).
  const namesCaller = (a: StatementMatch) => sameAccount && grantNamesCaller(a.principalMatch, caller);
  const boundaryAllows = boundary === undefined || boundary.allows.length > 0;
  const resourceWithinBoundary = boundaryAllows ? viaResource : viaResource.filter(namesCaller);
  const identityWithinBoundary = viaIdentity && boundaryAllows;
  const sessionAllows = session === undefined || session.allows.length > 0;
  const resourceWithinSession = sessionAllows
    ? resourceWithinBoundary
    : resourceWithinBoundary.filter(namesCaller);
  const identityWithinSession = identityWithinBoundary && sessionAllows;

  const policyTypes: Partial<Record<PolicyType, PolicyTypeResult>> = {};
  const record = (type: PolicyType, layers: readonly LayerMatches[], allowsAll: boolean) => {
    if (layers.length === 0) return;
    policyTypes[type] = layers.some((l) => l.denies.length > 0)
      ? 'explicitDeny'
      : allowsAll
        ? 'allowed'
        : 'implicitDeny';
  };
  if (scpApplies) record('scp', m.scps, scpAllows);
  if (rcpApplies) record('rcp', m.rcps, rcpAllows);
  if (resource) record(resource.layer.type, [resource], resource.allows.length > 0);
  if (identity) record('identity', [identity], identity.allows.length > 0);
  if (boundary) record('boundary', [boundary], boundary.allows.length > 0);
  if (session) record('session', [session], session.allows.length > 0);

  // blockedBy names the guardrails that stopped a request the grant-giving policies agreed on:
  // identity and resource policies each without a Deny of their own, within the session policy.
  const resourceClean = resource === undefined || resource.denies.length === 0;
  const identityClean = identity === undefined || identity.denies.length === 0;
  const sessionClean = session === undefined || (session.denies.length === 0 && session.allows.length > 0);
  const coreGranted =
    sessionClean &&
    ((resourceClean && viaResource.length > 0) ||
      (identityClean && viaIdentity && (sameAccount || resourceClean)));
  const blockedBy: PolicyType[] = [];
  if (coreGranted) {
    if (scpApplies && policyTypes.scp !== 'allowed') blockedBy.push('scp');
    if (rcpApplies && policyTypes.rcp !== 'allowed') blockedBy.push('rcp');
    if (resource && resource.denies.length > 0) blockedBy.push(resource.layer.type);
    if (identity && identity.denies.length > 0) blockedBy.push('identity');
    const withinBoundary = resourceWithinBoundary.length > 0 || identityWithinBoundary;
    if (boundary && (boundary.denies.length > 0 || !withinBoundary)) blockedBy.push('boundary');
  }

  return {
    noPermissionNeeded: iamCaller && needsNoPermission(request.action),
    firstDeny,
    scpApplies,
    scpAllows,
    rcpApplies,
    rcpAllows,
    serviceOwned: isServiceOwnedWrite(request.action, request.resource.text),
    granted,
    grantedWithinBoundary: resourceWithinBoundary.length > 0 || identityWithinBoundary,
    grantedWithinSession: resourceWithinSession.length > 0 || identityWithinSession,
    grantedByResourcePolicy: resourceWithinSession.length > 0,
    hasPolicyErrors: principalPolicies.errors.length > 0 || resourcePolicies.errors.length > 0,
    policyTypes,
    blockedBy,
  };
}

/** The first applicable Deny, looking at policy types in report order. */
function firstDenyOf(
  scps: readonly LayerMatches[],
  rcps: readonly LayerMatches[],
  others: readonly (LayerMatches | undefined)[],
): StatementRef | undefined {
  for (const group of [scps, rcps, others]) {
    for (const layer of group) {
      const deny = layer?.denies[0];
      if (deny !== undefined) return deny.statement.ref;
    }
  }
  return undefined;
}

/** AWS's evaluation order, each step a question answered by the facts. */
function combine(f: Facts): DecisionReason {
  if (f.noPermissionNeeded) return 'no-permission-needed';
  if (f.firstDeny !== undefined) return 'explicit-deny';
  if (f.scpApplies && !f.scpAllows) return 'scp-no-allow';
  if (f.rcpApplies && !f.rcpAllows) return 'rcp-no-allow';
  if (f.serviceOwned) return 'service-owned-resource';
  if (!f.granted) return 'no-grant';
  if (!f.grantedWithinBoundary) return 'boundary-no-allow';
  if (!f.grantedWithinSession) return 'session-policy-no-allow';
  if (f.hasPolicyErrors) return 'policy-error';
  return f.grantedByResourcePolicy ? 'granted-by-resource-policy' : 'granted-by-identity-policy';
}

/** The combining rule: one decision per reason. */
export function decisionFor(reason: DecisionReason): Decision {
  switch (reason) {
    // AWS authorizes this action for any authenticated caller; policies cannot deny it.
    case 'no-permission-needed':
      return 'allowed';
    // An applicable Deny in any policy wins over every Allow.
    case 'explicit-deny':
      return 'explicitDeny';
    // Every level of the principal's organization path must allow the action.
    case 'scp-no-allow':
      return 'implicitDeny';
    // Every level of the resource account's organization path must allow the action.
    case 'rcp-no-allow':
      return 'implicitDeny';
    // The service owns the resource; no customer policy can let an account change it.
    case 'service-owned-resource':
      return 'implicitDeny';
    // Nothing allowed it (or, cross-account, not both sides): deny by default.
    case 'no-grant':
      return 'implicitDeny';
    // The permissions boundary caps identity grants and grants not naming the caller.
    case 'boundary-no-allow':
      return 'implicitDeny';
    // The session policy caps the session's grants, except resource grants naming the session.
    case 'session-policy-no-allow':
      return 'implicitDeny';
    // A policy was skipped because it could not be read; it might have denied, so fail closed.
    case 'policy-error':
      return 'implicitDeny';
    // A resource-based policy granted the caller within every limit.
    case 'granted-by-resource-policy':
      return 'allowed';
    // Identity-based policies granted it within every limit (and the resource side agreed).
    case 'granted-by-identity-policy':
      return 'allowed';
  }
}

/** How restrictive a decision is when answers to one request combine (higher overrides lower). */
export function restrictiveness(decision: Decision): number {
  switch (decision) {
    // An explicit Deny in any answer overrides every other answer.
    case 'explicitDeny':
      return 2;
    // No grant in one answer still refuses: it overrides an allow.
    case 'implicitDeny':
      return 1;
    // Allowed only when every answer allows.
    case 'allowed':
      return 0;
  }
}

/**
 * "Most restrictive": the combined decision of several answers to one request (sessions sharing an
 * ARN, a simulation's resources, the policy types of several outcomes). No answers at all allow.
 */
export function mostRestrictive<T extends Decision>(decisions: readonly T[]): T | 'allowed' {
  let most: T | 'allowed' = 'allowed';
  for (const decision of decisions) if (restrictiveness(decision) > restrictiveness(most)) most = decision;
  return most;
}

function explain(
  reason: DecisionReason,
  facts: Facts,
  m: RequestMatches,
  principalPolicies: PrincipalPolicies,
  resourcePolicies: ResourcePolicies,
): Explanation {
  const decision = decisionFor(reason);
  const matchedStatements: StatementRef[] = [];
  for (const l of m.scps) collectMatches(l, matchedStatements);
  for (const l of m.rcps) collectMatches(l, matchedStatements);
  collectMatches(m.resource, matchedStatements);
  collectMatches(m.identity, matchedStatements);
  collectMatches(m.boundary, matchedStatements);
  collectMatches(m.session, matchedStatements);
  const policyErrors =
    principalPolicies.errors.length + resourcePolicies.errors.length === 0
      ? principalPolicies.errors
      : [...principalPolicies.errors, ...resourcePolicies.errors];
  return {
    decision,
    reason,
    policyTypes: facts.policyTypes,
    matchedStatements,
    ...(reason === 'explicit-deny' && facts.firstDeny !== undefined
      ? { decidingStatement: facts.firstDeny }
      : {}),
    blockedBy: decision === 'allowed' ? [] : facts.blockedBy,
    missingContextKeys: m.missingContextKeys,
    policyErrors,
  };
}

/** Adds a layer's applying statements to `out`, denies first. */
function collectMatches(l: LayerMatches | undefined, out: StatementRef[]): void {
  if (l === undefined) return;
  for (const d of l.denies) out.push(d.statement.ref);
  for (const a of l.allows) out.push(a.statement.ref);
}

function failedEvaluation(error: unknown): Explanation {
  return {
    decision: 'implicitDeny',
    reason: 'policy-error',
    policyTypes: {},
    matchedStatements: [],
    blockedBy: [],
    missingContextKeys: [],
    policyErrors: [
      {
        policyId: '(evaluation)',
        policyType: 'identity',
        code: 'EVALUATION_FAILED',
        message: error instanceof Error ? error.message : String(error),
      },
    ],
  };
}
