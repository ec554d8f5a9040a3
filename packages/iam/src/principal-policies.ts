/**
 * Policies on principals, for users, groups and roles alike: Attach/Detach<Kind>Policy,
 * ListAttached<Kind>Policies, and the inline Put/Get/Delete/List<Kind>Policy operations.
 */
import { fail, ok, type Result } from '@palisade/failures';
import {
  type Caller,
  denialOf,
  listing,
  type Operation,
  type OperationHandler,
  operation,
  pageInMemory,
  parsePolicyArn,
} from '@palisade/principals';
import {
  attachPolicy,
  deleteInlinePolicy,
  detachPolicy,
  getInlinePolicy,
  type InlinePolicyRecord,
  listAttachedPolicies,
  listInlinePolicies,
  type PrincipalKind,
  type PrincipalRecord,
  putInlinePolicy,
} from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import {
  groupName,
  paging,
  pathPrefix,
  policyArn,
  policyDocument,
  policyName,
  roleName,
  userName,
} from './iam-inputs.ts';
import { type ManagedPolicyRef, resolveManagedPolicy } from './managed-policy-refs.ts';
import { loadAuthorized, targetFacts } from './principal-lifecycle.ts';

const KINDS = [
  { kind: 'user', label: 'User', nameMember: 'UserName', nameSchema: userName },
  { kind: 'group', label: 'Group', nameMember: 'GroupName', nameSchema: groupName },
  { kind: 'role', label: 'Role', nameMember: 'RoleName', nameSchema: roleName },
] as const;

function attachedQuota(context: IamContext, kind: PrincipalKind): number {
  const { quotas } = context;
  return kind === 'user'
    ? quotas.attachedPoliciesPerUser
    : kind === 'group'
      ? quotas.attachedPoliciesPerGroup
      : quotas.attachedPoliciesPerRole;
}

function inlineQuota(context: IamContext, kind: PrincipalKind): number {
  const { quotas } = context;
  return kind === 'user'
    ? quotas.inlinePolicyBytesPerUser
    : kind === 'group'
      ? quotas.inlinePolicyBytesPerGroup
      : quotas.inlinePolicyBytesPerRole;
}

/**
 * Authorizes attaching or detaching a managed policy, with `iam:PolicyARN` as the request spells
 * it and, when that differs, as stored (a guardrail names the stored ARN), then resolves both.
 */
async function authorizeAttachment(
  context: IamContext,
  caller: Caller,
  kind: PrincipalKind,
  name: string,
  action: string,
  requested: string,
): Promise<Result<{ principal: PrincipalRecord; ref: ManagedPolicyRef }>> {
  // Read in parallel (one round trip), answered in the same order: the principal's check comes first.
  const [principal, ref] = await Promise.all([
    loadAuthorized(context, caller, kind, name, action, { policyArn: requested }),
    resolveManagedPolicy(context, caller.accountId, requested),
  ]);
  if (!principal.ok) return principal;
  if (!ref.ok) return ref;
  const canonical =
    ref.value.arn === requested
      ? undefined
      : denialOf(caller, action, principal.value.arn, {
          ...targetFacts(principal.value),
          policyArn: ref.value.arn,
        });
  return canonical ?? ok({ principal: principal.value, ref: ref.value });
}

type Label = (typeof KINDS)[number]['label'];
type NamedInput = Record<string, unknown>;

/** The attachment and inline-policy operations of every principal kind, with their outputs. */
export type PrincipalPolicyOperations = Readonly<
  Record<
    `Attach${Label}Policy` | `Detach${Label}Policy` | `Put${Label}Policy` | `Delete${Label}Policy`,
    Operation<NamedInput, undefined>
  > &
    Record<
      `ListAttached${Label}Policies`,
      Operation<
        NamedInput,
        { AttachedPolicies: { PolicyName: string; PolicyArn: string }[]; IsTruncated: boolean }
      >
    > &
    Record<`Get${Label}Policy`, Operation<NamedInput, { PolicyName: string; PolicyDocument: string }>> &
    Record<`List${Label}Policies`, Operation<NamedInput, { PolicyNames: string[]; IsTruncated: boolean }>>
>;

/** The attachment and inline-policy operations for every principal kind, by AWS action name. */
export function principalPolicyOperations(context: IamContext): PrincipalPolicyOperations {
  const table: Record<string, OperationHandler> = {};
  for (const { kind, label, nameMember, nameSchema } of KINDS) {
    const nameOf = (input: Record<string, unknown>) => input[nameMember] as string;

    table[`Attach${label}Policy`] = operation(
      z.object({ [nameMember]: nameSchema, PolicyArn: policyArn }),
      async (caller, input) => {
        const authorized = await authorizeAttachment(
          context,
          caller,
          kind,
          nameOf(input),
          `iam:Attach${label}Policy`,
          input.PolicyArn as string,
        );
        if (!authorized.ok) return authorized;
        const { principal, ref } = authorized.value;
        const name = ref.scope === 'customer' ? ref.record.name : ref.policy.name;
        const attached = await attachPolicy(
          context.store,
          principal,
          { policyArn: ref.arn, policyName: name },
          ref.scope === 'customer' ? ref.record : undefined,
          attachedQuota(context, kind),
        );
        // Attaching an attached policy again changes nothing and is not an error in IAM.
        return attached.ok || attached.code === 'entity.already-exists' ? ok(undefined) : attached;
      },
    );

    table[`Detach${label}Policy`] = operation(
      z.object({ [nameMember]: nameSchema, PolicyArn: policyArn }),
      async (caller, input) => {
        const authorized = await authorizeAttachment(
          context,
          caller,
          kind,
          nameOf(input),
          `iam:Detach${label}Policy`,
          input.PolicyArn as string,
        );
        if (!authorized.ok) return authorized;
        const { principal, ref } = authorized.value;
        const detached = await detachPolicy(
          context.store,
          principal,
          ref.arn,
          ref.scope === 'customer' ? ref.record : undefined,
        );
        return detached.ok ? ok(undefined) : detached;
      },
    );

    table[`ListAttached${label}Policies`] = operation(
      z.object({ [nameMember]: nameSchema, PathPrefix: pathPrefix.optional(), ...paging }),
      async (caller, input) => {
        const principal = await loadAuthorized(
          context,
          caller,
          kind,
          nameOf(input),
          `iam:ListAttached${label}Policies`,
        );
        if (!principal.ok) return principal;
        const prefix = (input.PathPrefix as string | undefined) ?? '/';
        // At most the attachment quota: read whole, filtered by the policies' paths, paged in memory.
        const attached = (await listAttachedPolicies(context.store, principal.value)).filter((a) =>
          (parsePolicyArn(context.partition, a.policyArn)?.path ?? '/').startsWith(prefix),
        );
        const page = pageInMemory(
          attached,
          (a) => a.policyArn,
          input.Marker as string | undefined,
          input.MaxItems as number | undefined,
        );
        if (!page.ok) return page;
        return ok(
          listing(
            'AttachedPolicies',
            page.value.items.map((a) => ({ PolicyName: a.policyName, PolicyArn: a.policyArn })),
            page.value.next,
          ),
        );
      },
    );

    table[`Put${label}Policy`] = operation(
      z.object({ [nameMember]: nameSchema, PolicyName: policyName, PolicyDocument: policyDocument }),
      async (caller, input) => {
        const name = input.PolicyName as string;
        const principal = await loadAuthorized(context, caller, kind, nameOf(input), `iam:Put${label}Policy`);
        if (!principal.ok) return principal;
        const document = input.PolicyDocument as string;
        const checked = context.checkPolicy(document, 'identity');
        if (!checked.ok) return checked;
        const write = (previous: InlinePolicyRecord | undefined) =>
          putInlinePolicy(
            context.store,
            principal.value,
            // Replacing keeps the name as first written; IAM names are case-insensitive.
            { name: previous?.name ?? name, document, size: checked.value.size },
            previous,
            inlineQuota(context, kind),
          );
        // Most puts create: tried as a creation first (the principal's id comes with its record, so
        // reading the old policy first would add a round trip); a replacement reads what it replaces.
        let put = await write(undefined);
        if (!put.ok && put.code === 'entity.concurrent-modification') {
          const previous = await getInlinePolicy(context.store, principal.value, name);
          if (previous) put = await write(previous);
        }
        return put.ok ? ok(undefined) : put;
      },
    );

    table[`Get${label}Policy`] = operation(
      z.object({ [nameMember]: nameSchema, PolicyName: policyName }),
      async (caller, input) => {
        const principal = await loadAuthorized(context, caller, kind, nameOf(input), `iam:Get${label}Policy`);
        if (!principal.ok) return principal;
        const policy = await getInlinePolicy(context.store, principal.value, input.PolicyName as string);
        if (!policy)
          return fail(
            'entity.not-found',
            `The ${kind} policy with name ${input.PolicyName as string} cannot be found.`,
          );
        return ok({
          [nameMember]: principal.value.name,
          PolicyName: policy.name,
          PolicyDocument: policy.document,
        });
      },
    );

    table[`Delete${label}Policy`] = operation(
      z.object({ [nameMember]: nameSchema, PolicyName: policyName }),
      async (caller, input) => {
        const principal = await loadAuthorized(
          context,
          caller,
          kind,
          nameOf(input),
          `iam:Delete${label}Policy`,
        );
        if (!principal.ok) return principal;
        const target = principal.value;
        const existing = await getInlinePolicy(context.store, principal.value, input.PolicyName as string);
        if (!existing)
          return fail(
            'entity.not-found',
            `The ${kind} policy with name ${input.PolicyName as string} cannot be found.`,
          );
        const deleted = await deleteInlinePolicy(context.store, target, existing);
        return deleted.ok ? ok(undefined) : deleted;
      },
    );

    table[`List${label}Policies`] = operation(
      z.object({ [nameMember]: nameSchema, ...paging }),
      async (caller, input) => {
        const principal = await loadAuthorized(
          context,
          caller,
          kind,
          nameOf(input),
          `iam:List${label}Policies`,
        );
        if (!principal.ok) return principal;
        // Bounded by the principal's inline-policy bytes: read whole, paged in memory.
        const policies = await listInlinePolicies(context.store, principal.value);
        const page = pageInMemory(
          policies.map((p) => p.name),
          (name) => name.toLowerCase(),
          input.Marker as string | undefined,
          input.MaxItems as number | undefined,
        );
        if (!page.ok) return page;
        return ok(listing('PolicyNames', page.value.items, page.value.next));
      },
    );
  }
  // The loop fills every key of every kind: the table has the shape the type names.
  return table as PrincipalPolicyOperations;
}
