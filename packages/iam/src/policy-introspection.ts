/**
 * Who uses a managed policy, and which policies open a service to a principal:
 * ListEntitiesForPolicy (attachments and permissions-boundary uses, filtered and paged as IAM
 * does) and ListPoliciesGrantingServiceAccess (over IAM, STS and the services of the tenant's
 * catalog: the operator's and the account's own).
 */
import { fail, ok } from '@palisade/failures';
import { policyAllowsAnyAction, readPolicy } from '@palisade/policy';
import {
  actionCatalog,
  decodeMarker,
  encodeMarker,
  list,
  loadAuthorizedEntityPolicies,
  type OperationTable,
  operation,
  parseInlinePolicyId,
  parsePalisadeArn,
  parsePolicyArn,
} from '@palisade/principals';
import {
  getPrincipalsByIds,
  listPlatformPolicyUseTargets,
  listPolicyAttachmentTargets,
  listServiceDefinitions,
  type PolicyAttachmentTarget,
  type PrincipalKind,
  type PrincipalRecord,
} from '@palisade/store';
import { z } from 'zod';
import { everyPrincipal } from './authorization-details.ts';
import type { IamContext } from './iam-context.ts';
import { paging, pathPrefix, policyArn } from './iam-inputs.ts';
import { loadAuthorizedPolicy, type ManagedPolicyRef } from './managed-policy-refs.ts';

const ENTITY_FILTERS = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;
const KIND_ORDER: Readonly<Record<PrincipalKind, number>> = { group: 0, user: 1, role: 2 };
// Principals read at a time when scanning attachments of an operator-managed policy.
/** The principals using a policy, each once: attached to it, or holding it as boundary. */
async function policyUsers(
  context: IamContext,
  accountId: string,
  ref: ManagedPolicyRef,
  usage: { attachments: boolean; boundaries: boolean },
  kinds: readonly PrincipalKind[],
): Promise<PrincipalRecord[]> {
  const found = new Map<string, PrincipalRecord>();
  const add = (records: readonly PrincipalRecord[]) => {
    for (const record of records) if (kinds.includes(record.kind)) found.set(record.id, record);
  };
  const addTargets = async (targets: readonly PolicyAttachmentTarget[]) => {
    for (const kind of kinds) {
      const ids = targets.filter((target) => target.kind === kind).map((target) => target.principalId);
      if (ids.length > 0) add(await getPrincipalsByIds(context.store, accountId, kind, ids));
    }
  };
  if (ref.scope === 'platform') {
    // Operator-managed policies keep reverse items in the account for attachments and boundary uses.
    const name = ref.policy.name;
    if (usage.attachments) {
      await addTargets(await listPlatformPolicyUseTargets(context.store, accountId, name, 'attachment'));
    }
    if (usage.boundaries) {
      await addTargets(await listPlatformPolicyUseTargets(context.store, accountId, name, 'boundary'));
    }
    return [...found.values()];
  }
  // Customer policies keep reverse items for attachments: one Query, then the principals by id.
  if (usage.attachments) await addTargets(await listPolicyAttachmentTargets(context.store, ref.record));
  if (usage.boundaries) {
    for (const kind of kinds) {
      if (kind === 'group') continue;
      const principals = await everyPrincipal(context.store, accountId, kind);
      add(principals.filter((p) => p.permissionsBoundary === ref.arn));
    }
  }
  return [...found.values()];
}

/** The sort key of an entity in a ListEntitiesForPolicy listing (groups, users, roles; by name). */
const entityKey = (record: PrincipalRecord) => `${KIND_ORDER[record.kind]}#${record.name.toLowerCase()}`;

/** The full action names of every service the tenant can use, by lower-cased namespace (IAM, STS, the catalog). */
async function serviceActions(context: IamContext, accountId: string): Promise<Map<string, string[]>> {
  const services = new Map<string, string[]>();
  const add = (prefix: string, actions: readonly string[]) =>
    services.set(prefix.toLowerCase(), [
      ...(services.get(prefix.toLowerCase()) ?? []),
      ...actions.map((action) => `${prefix}:${action}`),
    ]);
  for (const service of actionCatalog()) add(service.prefix, service.actions);
  const [platform, own] = await Promise.all([
    listServiceDefinitions(context.store, 'platform'),
    listServiceDefinitions(context.store, { accountId }),
  ]);
  for (const record of [...platform, ...own]) add(record.definition.prefix, record.definition.actions);
  return services;
}

/** One policy of ListPoliciesGrantingServiceAccess, in IAM's PolicyGrantingServiceAccess shape. */
function grantingShape(id: string, partition: string) {
  const inline = parseInlinePolicyId(id);
  if (inline) {
    const owner = parsePalisadeArn(id.slice(0, id.lastIndexOf('/inline/')));
    return {
      PolicyName: inline.policyName,
      PolicyType: 'INLINE',
      EntityType: inline.ownerKind.toUpperCase(),
      ...(owner && 'name' in owner ? { EntityName: owner.name } : {}),
    };
  }
  const parts = parsePolicyArn(partition, id);
  return { PolicyName: parts?.name ?? id, PolicyType: 'MANAGED', PolicyArn: id };
}

/** The policy introspection operations, by AWS action name. */
export function policyIntrospectionOperations(context: IamContext) {
  return {
    ListEntitiesForPolicy: operation(
      z.object({
        PolicyArn: policyArn,
        EntityFilter: z.enum(ENTITY_FILTERS).optional(),
        PathPrefix: pathPrefix.optional(),
        PolicyUsageFilter: z.enum(['PermissionsPolicy', 'PermissionsBoundary']).optional(),
        ...paging,
      }),
      async (caller, input) => {
        const ref = await loadAuthorizedPolicy(context, caller, input.PolicyArn, 'iam:ListEntitiesForPolicy');
        if (!ref.ok) return ref;
        const after = decodeMarker(input.Marker);
        if (after !== undefined && !/^[012]#[\w+=,.@-]{1,128}$/.test(after))
          return fail('request.invalid', 'Invalid Marker: it does not continue this listing.');
        const filter = input.EntityFilter;
        const scopeMismatch =
          (filter === 'LocalManagedPolicy' && ref.value.scope !== 'customer') ||
          (filter === 'AWSManagedPolicy' && ref.value.scope !== 'platform');
        const kinds: PrincipalKind[] = scopeMismatch
          ? []
          : filter === 'User'
            ? ['user']
            : filter === 'Role'
              ? ['role']
              : filter === 'Group'
                ? ['group']
                : ['group', 'user', 'role'];
        const usage = input.PolicyUsageFilter;
        const found = await policyUsers(
          context,
          caller.accountId,
          ref.value,
          { attachments: usage !== 'PermissionsBoundary', boundaries: usage !== 'PermissionsPolicy' },
          kinds,
        );
        const sorted = found
          .filter((record) => record.path.startsWith(input.PathPrefix ?? '/'))
          .filter((record) => after === undefined || entityKey(record) > after)
          .sort((a, b) => (entityKey(a) < entityKey(b) ? -1 : 1));
        const page = sorted.slice(0, input.MaxItems ?? 100);
        const last = page.at(-1);
        const marker = sorted.length > page.length && last ? encodeMarker(entityKey(last)) : undefined;
        const of = (kind: PrincipalKind) => page.filter((record) => record.kind === kind);
        return ok({
          PolicyGroups: of('group').map((g) => ({ GroupName: g.name, GroupId: g.id })),
          PolicyUsers: of('user').map((u) => ({ UserName: u.name, UserId: u.id })),
          PolicyRoles: of('role').map((r) => ({ RoleName: r.name, RoleId: r.id })),
          IsTruncated: marker !== undefined,
          ...(marker ? { Marker: marker } : {}),
        });
      },
    ),

    ListPoliciesGrantingServiceAccess: operation(
      z.object({
        Arn: z.string().min(20).max(2048),
        ServiceNamespaces: list(
          z
            .string()
            .min(1)
            .max(64)
            .regex(/^[\w-]+$/, 'Member must satisfy regular expression pattern: [\\w-]*'),
          200,
        ).refine((items) => items.length > 0, 'ServiceNamespaces is required'),
        Marker: paging.Marker,
      }),
      async (caller, input) => {
        const parsed = parsePalisadeArn(input.Arn);
        const kind = parsed?.kind;
        if (!parsed || (kind !== 'user' && kind !== 'group' && kind !== 'role') || !('name' in parsed))
          return fail('request.invalid-input', `Arn ${input.Arn} must be the ARN of a user, group or role.`);
        const effective = await loadAuthorizedEntityPolicies(
          context.store,
          context.partition,
          caller,
          { accountId: parsed.accountId, kind, name: parsed.name },
          input.Arn,
          'iam:ListPoliciesGrantingServiceAccess',
        );
        if (!effective.ok) return effective;
        const services = await serviceActions(context, caller.accountId);
        const unknown = input.ServiceNamespaces.find((namespace) => !services.has(namespace.toLowerCase()));
        if (unknown !== undefined)
          return fail(
            'request.invalid-input',
            `Service namespace ${unknown} is not in this account's service catalog.`,
          );
        const readable = effective.value.identityPolicies.flatMap((source) => {
          const policy = readPolicy(source.document, 'identity').policy;
          return policy ? [{ id: source.id, policy }] : [];
        });
        return ok({
          PoliciesGrantingServiceAccess: input.ServiceNamespaces.map((namespace) => {
            const actions = services.get(namespace.toLowerCase()) ?? [];
            return {
              ServiceNamespace: namespace,
              Policies: readable
                .filter(({ policy }) => policyAllowsAnyAction(policy, actions))
                .map(({ id }) => grantingShape(id, context.partition)),
            };
          }),
          IsTruncated: false,
        });
      },
    ),
  } satisfies OperationTable;
}
