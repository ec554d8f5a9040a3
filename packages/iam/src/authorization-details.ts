/** GetAccountAuthorizationDetails: everything in an account, in IAM's export shape. */
import { ok } from '@palisade/failures';
import { denialOf, list, type OperationTable, operation } from '@palisade/principals';
import {
  getPrincipalsByIds,
  listManagedPolicies,
  listPolicyVersions,
  listPrincipals,
  type ManagedPolicyRecord,
  type PrincipalKind,
  type PrincipalRecord,
  readPoliciesUses,
  readPrincipalPartition,
  type StoreContext,
} from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { paging } from './iam-inputs.ts';
import { customerPolicyShape } from './managed-policies.ts';

const FILTERS = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;

/** Every principal of a kind in an account, all pages. */
export async function everyPrincipal(
  store: StoreContext,
  accountId: string,
  kind: PrincipalKind,
): Promise<PrincipalRecord[]> {
  const all: PrincipalRecord[] = [];
  let after: string | undefined;
  do {
    const page = await listPrincipals(store, accountId, kind, { limit: 1000, ...(after ? { after } : {}) });
    all.push(...page.items);
    after = page.next;
  } while (after);
  return all;
}

async function everyPolicy(store: StoreContext, accountId: string): Promise<ManagedPolicyRecord[]> {
  const all: ManagedPolicyRecord[] = [];
  let after: string | undefined;
  do {
    const page = await listManagedPolicies(store, accountId, { limit: 1000, ...(after ? { after } : {}) });
    all.push(...page.items);
    after = page.next;
  } while (after);
  return all;
}

async function principalDetails(store: StoreContext, record: PrincipalRecord) {
  const items = await readPrincipalPartition(store, record);
  const inline = items
    .filter((item) => item.entity === 'inline-policy')
    .map((item) => ({ PolicyName: String(item.name), PolicyDocument: String(item.document) }));
  const attached = items
    .filter((item) => item.entity === 'attachment')
    .map((item) => ({ PolicyName: String(item.policyName), PolicyArn: String(item.policyArn) }));
  // Memberships name groups by id: one BatchGet of the group records gives their names.
  const groupIds = items.filter((item) => item.entity === 'membership').map((item) => String(item.groupId));
  const groups = groupIds.length
    ? (await getPrincipalsByIds(store, record.accountId, 'group', groupIds)).map((group) => group.name)
    : [];
  const boundary = record.permissionsBoundary
    ? {
        PermissionsBoundary: {
          PermissionsBoundaryType: 'Policy',
          PermissionsBoundaryArn: record.permissionsBoundary,
        },
      }
    : {};
  const common = {
    Path: record.path,
    Arn: record.arn,
    CreateDate: new Date(record.createdAt),
    AttachedManagedPolicies: attached,
  };
  switch (record.kind) {
    case 'user':
      return {
        UserName: record.name,
        UserId: record.id,
        ...common,
        UserPolicyList: inline,
        GroupList: groups,
        Tags: record.tags,
        ...boundary,
      };
    case 'group':
      return { GroupName: record.name, GroupId: record.id, ...common, GroupPolicyList: inline };
    case 'role':
      return {
        RoleName: record.name,
        RoleId: record.id,
        ...common,
        AssumeRolePolicyDocument: record.assumeRolePolicyDocument ?? '',
        RolePolicyList: inline,
        InstanceProfileList: [],
        Tags: record.tags,
        ...boundary,
      };
  }
}

/** The export operation, by AWS action name. */
export function authorizationDetailsOperations(context: IamContext) {
  return {
    GetAccountAuthorizationDetails: operation(
      z.object({ Filter: list(z.enum(FILTERS), 5).optional(), ...paging }),
      async (caller, input) => {
        const denied = denialOf(caller, 'iam:GetAccountAuthorizationDetails', '*');
        if (denied) return denied;
        const wanted = new Set(input.Filter?.length ? input.Filter : FILTERS);
        const { store } = context;
        const [users, groups, roles, policies] = await Promise.all([
          wanted.has('User') ? everyPrincipal(store, caller.accountId, 'user') : [],
          wanted.has('Group') ? everyPrincipal(store, caller.accountId, 'group') : [],
          wanted.has('Role') ? everyPrincipal(store, caller.accountId, 'role') : [],
          wanted.has('LocalManagedPolicy') ? everyPolicy(store, caller.accountId) : [],
        ]);
        const uses = await readPoliciesUses(store, policies);
        return ok({
          UserDetailList: await Promise.all(users.map((u) => principalDetails(store, u))),
          GroupDetailList: await Promise.all(groups.map((g) => principalDetails(store, g))),
          RoleDetailList: await Promise.all(roles.map((r) => principalDetails(store, r))),
          Policies: await Promise.all(
            policies.map(async (policy, index) => ({
              ...customerPolicyShape(policy, uses[index] ?? { attachments: 0, boundaries: 0 }),
              PolicyVersionList: (await listPolicyVersions(store, policy)).map((v) => ({
                Document: v.document,
                VersionId: v.versionId,
                IsDefaultVersion: v.versionId === policy.defaultVersionId,
                CreateDate: new Date(v.createdAt),
              })),
            })),
          ),
          IsTruncated: false,
        });
      },
    ),
  } satisfies OperationTable;
}
