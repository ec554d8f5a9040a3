/**
 * The three engines under comparison, each prepared once for one principal's policies and then
 * asked the same requests: Palisade (compiled policies + `evaluate`), iam-simulate's core
 * `authorize` with policies pre-parsed by `loadPolicy`, and Cedar's `statefulIsAuthorized` on a
 * preparsed translation. The peers are root devDependencies, never runtime dependencies.
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { loadPolicy, validateIdentityPolicy } from '@cloud-copilot/iam-policy';
// iam-simulate exports only its simulation front door; the core engine and request types are
// reached by file (the package's `exports` map hides them from bare specifiers).
import { DiscoveryContextKeyConstraints } from '../../../node_modules/@cloud-copilot/iam-simulate/dist/esm/context_keys/discoveryContextKeyConstraints.js';
import {
  authorize,
  type PolicyWithName,
} from '../../../node_modules/@cloud-copilot/iam-simulate/dist/esm/core_engine/CoreSimulatorEngine.js';
import { AwsRequestImpl } from '../../../node_modules/@cloud-copilot/iam-simulate/dist/esm/request/request.js';
import { RequestContextImpl } from '../../../node_modules/@cloud-copilot/iam-simulate/dist/esm/requestContext.js';
import type { AuthorizationRequest, PrincipalPolicies } from '../src/index.ts';
import * as source from '../src/index.ts';
import {
  type CedarPolicySet,
  type CedarRequest,
  translatePolicies,
  translateRequest,
} from './cedar-translation.ts';
import type { PalisadeLibrary } from './palisade-bundle.ts';
import type { BenchPrincipal, BenchRequest, GeneratedPolicy } from './policy-generator.ts';

/** A decision in AWS's words (Cedar's deny is split by whether a `forbid` decided it). */
export type BenchDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** An engine's answer to one request, for the agreement check. */
export interface Outcome {
  readonly decision: BenchDecision;
  /** Evaluation errors the engine reported (Cedar diagnostics); empty when clean. */
  readonly errors: readonly string[];
}

/** An engine prepared for one principal and one list of requests. */
export interface PreparedEngine {
  readonly name: string;
  /** The raw engine call for request `i` (what the timing loop runs). */
  readonly run: (i: number) => unknown;
  /** The decision for request `i`, in AWS's words, with any errors. */
  readonly decide: (i: number) => Outcome;
}

const NO_ERRORS: readonly string[] = [];

/** What every engine is prepared from. */
export interface EngineInput {
  readonly principal: BenchPrincipal;
  readonly policies: readonly GeneratedPolicy[];
  readonly requests: readonly BenchRequest[];
}

/** The engine names, in table order: Palisade bundled (as shipped), Palisade through tsx, the peers. */
export const ENGINE_NAMES = ['palisade', 'palisade-tsx', 'iam-simulate', 'cedar-wasm'] as const;

/** Compiles the principal's policies with Palisade (the TypeScript source unless a build is given). */
export function compilePalisade(
  policies: readonly GeneratedPolicy[],
  lib: PalisadeLibrary = source,
): PrincipalPolicies {
  return lib.compilePrincipalPolicies({
    identityPolicies: policies.map((p) => ({ id: p.arn, document: p.document })),
  });
}

/** Palisade: compiled once per principal, evaluated per request. */
export function preparePalisade(
  input: EngineInput,
  lib: PalisadeLibrary = source,
  name = 'palisade',
): PreparedEngine {
  const compiled = compilePalisade(input.policies, lib);
  if (compiled.errors.length > 0)
    throw new Error(`palisade rejected a policy: ${compiled.errors[0]?.message}`);
  const resourceSide = lib.compileResourcePolicies({});
  const requests: AuthorizationRequest[] = input.requests.map((r) => ({
    principal: input.principal.arn,
    action: r.action,
    resource: r.resource,
    resourceAccount: r.resourceAccount,
    context: r.context,
  }));
  const evaluate = lib.evaluate;
  const run = (i: number) => evaluate(requests[i] as AuthorizationRequest, compiled, resourceSide);
  return { name, run, decide: (i) => ({ decision: run(i).decision, errors: NO_ERRORS }) };
}

/** Pre-parses policies the way iam-simulate's simulation engine does (validated, then loaded). */
export function loadForIamSimulate(policies: readonly GeneratedPolicy[]): PolicyWithName[] {
  return policies.map((p) => {
    const errors = validateIdentityPolicy(p.document);
    if (errors.length > 0) throw new Error(`iam-simulate rejected ${p.arn}: ${errors[0]?.message}`);
    return loadPolicy(p.document, { name: p.arn });
  });
}

/** iam-simulate's core engine with pre-parsed policies; the request object is built per call. */
export function prepareIamSimulate(input: EngineInput): PreparedEngine {
  const identityPolicies = loadForIamSimulate(input.policies);
  const simulationParameters = {
    simulationMode: 'Strict' as const,
    discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]),
  };
  const requests = input.requests.map((r) => ({
    resource: { resource: r.resource, accountId: r.resourceAccount },
    action: r.action,
    // iam-simulate's context type wants mutable arrays.
    context: Object.fromEntries(
      Object.entries(r.context).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]]),
    ) as Record<string, string | string[]>,
  }));
  const principal = input.principal.arn;
  const run = (i: number) => {
    const r = requests[i] as (typeof requests)[number];
    return authorize({
      request: new AwsRequestImpl(principal, r.resource, r.action, new RequestContextImpl(r.context)),
      sessionPolicy: undefined,
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: undefined,
      permissionBoundaries: undefined,
      vpcEndpointPolicies: undefined,
      simulationParameters,
    });
  };
  const decide = (i: number): Outcome => {
    const result = run(i).result;
    const decision =
      result === 'Allowed' ? 'allowed' : result === 'ExplicitlyDenied' ? 'explicitDeny' : 'implicitDeny';
    return { decision, errors: NO_ERRORS };
  };
  return { name: 'iam-simulate', run, decide };
}

let cedarSetCounter = 0;

/** Preparses a translated policy set in Cedar's cache under a fresh id, and returns the id. */
export function preparseCedar(set: CedarPolicySet, id = `bench-${cedarSetCounter++}`): string {
  const answer = cedar.preparsePolicySet(id, { staticPolicies: set.policies });
  if (answer.type !== 'success') {
    throw new Error(`Cedar rejected the translation: ${answer.errors.map((e) => e.message).join('; ')}`);
  }
  return id;
}

/** Cedar: the translated policies preparsed once, `statefulIsAuthorized` per request. */
export function prepareCedar(input: EngineInput): PreparedEngine & { readonly set: CedarPolicySet } {
  const set = translatePolicies(input.policies, input.principal);
  const id = preparseCedar(set);
  const calls = input.requests.map((r) => ({
    ...translateRequest(r, input.principal),
    preparsedPolicySetId: id,
  })) satisfies (CedarRequest & { preparsedPolicySetId: string })[];
  const run = (i: number) => cedar.statefulIsAuthorized(calls[i] as (typeof calls)[number]);
  const decide = (i: number): Outcome => {
    const answer = run(i);
    if (answer.type !== 'success') {
      return { decision: 'implicitDeny', errors: answer.errors.map((e) => e.message) };
    }
    const errors = answer.response.diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`);
    if (answer.response.decision === 'allow') return { decision: 'allowed', errors };
    // A deny is explicit when a forbid (a translated Deny statement) is among the reasons.
    const forbidden = answer.response.diagnostics.reason.some((policyId) => set.forbidIds.has(policyId));
    return { decision: forbidden ? 'explicitDeny' : 'implicitDeny', errors };
  };
  return { name: 'cedar-wasm', run, decide, set };
}
