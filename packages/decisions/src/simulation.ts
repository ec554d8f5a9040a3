/**
 * IAM's policy simulator: SimulatePrincipalPolicy and SimulateCustomPolicy, as IAM operations in
 * AWS's member names (so the Query API serves them to the unchanged SDK and CLI, and REST reuses
 * them). Each action × resource pair is evaluated by the engine and reported with the statements
 * that matched, the context keys that were missing and each policy type's result.
 */
import { fail, ok } from '@palisade/failures';
import {
  type Caller,
  decodeMarker,
  denialOf,
  type EffectivePolicies,
  encodeMarker,
  loadEffectivePolicies,
  type OperationTable,
  operation,
  parsePolicyArn,
} from '@palisade/iam';
import {
  type ContextInput,
  compilePrincipalPolicies,
  compileResourcePolicies,
  type Explanation,
  evaluate,
  malformedPolicyMessage,
  type PolicyInput,
  validatePolicy,
} from '@palisade/policy';
import type { StoreContext } from '@palisade/store';
import { z } from 'zod';

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
const contextEntry = z.object({
  ContextKeyName: z.string().min(5).max(256),
  ContextKeyValues: list(z.string(), 1000).optional(),
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
  ContextEntries: list(contextEntry, 100).optional(),
  ResourceHandlingOption: z.string().max(64).optional(),
  MaxItems: z.coerce.number().int().min(1).max(1000).optional(),
  Marker: z.string().min(1).max(2048).optional(),
};
const principalSchema = z.object({ PolicySourceArn: z.string().min(20).max(2048), ...common });
const customSchema = z.object({
  ...common,
  PolicyInputList: list(policyText, 100).refine((items) => items.length > 0, 'PolicyInputList is required'),
});

type SimulationInput = z.output<typeof customSchema> | z.output<typeof principalSchema>;

/** Where a policy came from, in the simulator's words. */
interface SourceInfo {
  readonly SourcePolicyId: string;
  readonly SourcePolicyType: 'user' | 'group' | 'role' | 'aws-managed' | 'user-managed' | 'resource' | 'none';
}

const DETAIL_NAMES: Record<string, string> = {
  identity: 'IAM Policy',
  boundary: 'Permissions Boundary Policy',
  resource: 'Resource Policy',
  session: 'Session Policy',
  scp: 'Service Control Policy',
  rcp: 'Resource Control Policy',
};

function contextOf(entries: SimulationInput['ContextEntries']): ContextInput {
  const context: Record<string, string | string[]> = {};
  for (const entry of entries ?? []) {
    const values = entry.ContextKeyValues ?? [];
    const multi = entry.ContextKeyType?.endsWith('List') ?? values.length > 1;
    context[entry.ContextKeyName] = multi ? values : (values[0] ?? '');
  }
  return context;
}

function checkInputs(input: SimulationInput): Failure | undefined {
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

type Failure = ReturnType<typeof fail>;

/** The simulator's operations, keyed by IAM action name. */
export function simulationOperations(deps: SimulationDependencies): OperationTable {
  const resourceOwnerOf = (input: SimulationInput): string | undefined => {
    const owner = input.ResourceOwner;
    if (owner === undefined) return undefined;
    return /^\d{12}$/.test(owner) ? owner : owner.split(':', 6)[4];
  };

  const simulate = (
    input: SimulationInput,
    principalArn: string,
    identity: PolicyInput[],
    boundary: PolicyInput[] | undefined,
    sources: Map<string, SourceInfo>,
  ) => {
    const inputs = (input.PolicyInputList ?? []).map((document, i): PolicyInput => {
      const id = `PolicyInputList.${i + 1}`;
      sources.set(id, { SourcePolicyId: id, SourcePolicyType: 'none' });
      return { id, document };
    });
    const boundaries =
      input.PermissionsBoundaryPolicyInputList && input.PermissionsBoundaryPolicyInputList.length > 0
        ? input.PermissionsBoundaryPolicyInputList.map((document, i): PolicyInput => {
            const id = `PermissionsBoundaryPolicyInputList.${i + 1}`;
            sources.set(id, { SourcePolicyId: id, SourcePolicyType: 'none' });
            return { id, document };
          })
        : boundary;
    const compiled = compilePrincipalPolicies({
      identityPolicies: [...identity, ...inputs],
      ...(boundaries ? { permissionsBoundaries: boundaries } : {}),
    });
    if (input.ResourcePolicy !== undefined)
      sources.set('ResourcePolicy', { SourcePolicyId: 'ResourcePolicy', SourcePolicyType: 'resource' });
    const resourcePolicies = compileResourcePolicies(
      input.ResourcePolicy === undefined
        ? {}
        : { resourcePolicy: { id: 'ResourcePolicy', document: input.ResourcePolicy } },
    );
    const context = contextOf(input.ContextEntries);
    const owner = resourceOwnerOf(input);
    const resources = input.ResourceArns && input.ResourceArns.length > 0 ? input.ResourceArns : ['*'];
    const caller = input.CallerArn ?? principalArn;

    const results = input.ActionNames.flatMap((action) =>
      resources.map((resource) => {
        const explanation = evaluate(
          {
            principal: caller,
            action,
            resource,
            context,
            ...(owner ? { resourceAccount: owner } : {}),
            ...(resource === '*' ? { anyResource: true } : {}),
          },
          compiled,
          resourcePolicies,
        );
        return evaluationResult(action, resource, explanation, sources);
      }),
    );
    const start = Number(decodeMarker(input.Marker) ?? '0');
    const limit = input.MaxItems ?? 100;
    const page = results.slice(start, start + limit);
    const next = start + limit < results.length ? String(start + limit) : undefined;
    return {
      EvaluationResults: page,
      IsTruncated: next !== undefined,
      ...(next !== undefined ? { Marker: encodeMarker(next) } : {}),
    };
  };

  return {
    SimulatePrincipalPolicy: operation(principalSchema, async (caller: Caller, input) => {
      const source = parseSource(deps.partition, input.PolicySourceArn);
      if (!source)
        return fail('request.invalid', 'PolicySourceArn must be the ARN of a user, group or role.');
      if (caller.kind === 'operator' || caller.accountId !== source.accountId)
        return fail(
          'access.denied',
          `User: ${caller.arn} is not authorized to perform: iam:SimulatePrincipalPolicy on resource: ${input.PolicySourceArn}`,
        );
      const denied = denialOf(caller, 'iam:SimulatePrincipalPolicy', input.PolicySourceArn);
      if (denied) return denied;
      const invalid = checkInputs(input);
      if (invalid) return invalid;
      const effective = await loadEffectivePolicies(
        deps.store,
        deps.partition,
        source.accountId,
        source.kind,
        source.name,
      );
      if (!effective || effective.principal.arn !== input.PolicySourceArn)
        return fail(
          'entity.not-found',
          `The ${source.kind} with ARN ${input.PolicySourceArn} cannot be found.`,
        );
      const sources = describeSources(deps.partition, effective);
      return ok(
        simulate(
          input,
          input.PolicySourceArn,
          [...effective.identityPolicies],
          effective.boundary ? [effective.boundary] : undefined,
          sources,
        ),
      );
    }),
    SimulateCustomPolicy: operation(customSchema, async (caller: Caller, input) => {
      if (caller.kind === 'operator')
        return fail(
          'access.denied',
          `User: ${caller.arn} is not authorized to perform: iam:SimulateCustomPolicy`,
        );
      const denied = denialOf(caller, 'iam:SimulateCustomPolicy', '*');
      if (denied) return denied;
      const invalid = checkInputs(input);
      if (invalid) return invalid;
      // With no CallerArn, AWS simulates an anonymous-looking IAM user of the caller's account.
      const principal = `arn:${deps.partition}:iam::${caller.accountId}:user/simulated-caller`;
      return ok(simulate(input, principal, [], undefined, new Map()));
    }),
  };
}

function parseSource(
  partition: string,
  arn: string,
): { kind: 'user' | 'group' | 'role'; accountId: string; name: string } | undefined {
  const match = /^arn:([\w-]+):iam::(\d{12}):(user|group|role)\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,128})$/.exec(
    arn,
  );
  if (!match || match[1] !== partition) return undefined;
  return {
    kind: match[3] as 'user' | 'group' | 'role',
    accountId: match[2] as string,
    name: match[4] as string,
  };
}

function describeSources(partition: string, effective: EffectivePolicies): Map<string, SourceInfo> {
  const sources = new Map<string, SourceInfo>();
  for (const policy of [...effective.identityPolicies, ...(effective.boundary ? [effective.boundary] : [])]) {
    const inline = /^arn:[\w-]+:iam::\d{12}:(user|group|role)\/(?:.*\/)?[^/]+\/inline\/(.+)$/.exec(policy.id);
    if (inline) {
      sources.set(policy.id, { SourcePolicyId: inline[2] as string, SourcePolicyType: inline[1] as 'user' });
      continue;
    }
    const managed = parsePolicyArn(partition, policy.id);
    sources.set(policy.id, {
      SourcePolicyId: policy.id,
      SourcePolicyType: managed?.scope === 'platform' ? 'aws-managed' : 'user-managed',
    });
  }
  return sources;
}

function evaluationResult(
  action: string,
  resource: string,
  explanation: Explanation,
  sources: ReadonlyMap<string, SourceInfo>,
) {
  const matched = explanation.matchedStatements.map((ref) => {
    const source = sources.get(ref.policyId) ?? { SourcePolicyId: ref.policyId, SourcePolicyType: 'none' };
    return { SourcePolicyId: source.SourcePolicyId, SourcePolicyType: source.SourcePolicyType };
  });
  const details: Record<string, string> = {};
  for (const [type, result] of Object.entries(explanation.policyTypes))
    details[DETAIL_NAMES[type] ?? type] = result;
  const missing = [...explanation.missingContextKeys];
  return {
    EvalActionName: action,
    EvalResourceName: resource,
    EvalDecision: explanation.decision,
    MatchedStatements: matched,
    MissingContextValues: missing,
    EvalDecisionDetails: details,
    ResourceSpecificResults: [
      {
        EvalResourceName: resource,
        EvalResourceDecision: explanation.decision,
        MatchedStatements: matched,
        MissingContextValues: missing,
        EvalDecisionDetails: details,
      },
    ],
  };
}
