/** IAM roles: Create/Get/List/Update/DeleteRole, UpdateAssumeRolePolicy, tags and boundaries. */

import { ok, type Result } from '@palisade/failures';
import { integer, listing, type OperationTable, operation } from '@palisade/principals';
import { getRoleLastUsed } from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import {
  description,
  paging,
  path,
  pathPrefix,
  policyArn,
  policyDocument,
  roleName,
  tags,
} from './iam-inputs.ts';
import { checkSizedPolicy } from './policy-checks.ts';
import {
  createPrincipal,
  listAuthorized,
  loadAuthorized,
  removeAuthorized,
  updatePrincipalPath,
} from './principal-lifecycle.ts';
import { roleListingShape, roleShape } from './principal-shapes.ts';
import { taggingOperations } from './principal-tagging.ts';

/** MaxSessionDuration bounds, in seconds, as IAM sets them. */
const maxSessionDuration = integer(3600, 43200);

/** The role operations, by AWS action name. */
export function roleOperations(context: IamContext) {
  const checkTrustPolicy = (document: string): Result<string> => {
    const checked = checkSizedPolicy(
      context.checkPolicy,
      document,
      'trust',
      context.quotas.trustPolicySize,
      'ACLSizePerRole',
    );
    return checked.ok ? ok(document) : checked;
  };

  return {
    CreateRole: operation(
      z.object({
        RoleName: roleName,
        Path: path.optional(),
        AssumeRolePolicyDocument: policyDocument,
        Description: description.optional(),
        MaxSessionDuration: maxSessionDuration.optional(),
        PermissionsBoundary: policyArn.optional(),
        Tags: tags.optional(),
      }),
      async (caller, input) => {
        const trust = checkTrustPolicy(input.AssumeRolePolicyDocument);
        if (!trust.ok) return trust;
        const created = await createPrincipal(
          context,
          caller,
          'role',
          {
            name: input.RoleName,
            path: input.Path,
            tags: input.Tags,
            permissionsBoundary: input.PermissionsBoundary,
          },
          {
            assumeRolePolicyDocument: trust.value,
            maxSessionDuration: input.MaxSessionDuration ?? 3600,
            ...(input.Description ? { description: input.Description } : {}),
          },
        );
        return created.ok ? ok({ Role: roleShape(created.value, true) }) : created;
      },
    ),

    GetRole: operation(z.object({ RoleName: roleName }), async (caller, input) => {
      const role = await loadAuthorized(context, caller, 'role', input.RoleName, 'iam:GetRole');
      if (!role.ok) return role;
      const used = await getRoleLastUsed(context.store, role.value.accountId, role.value.id);
      return ok({
        Role: {
          ...roleShape(role.value, true),
          // AWS answers an empty RoleLastUsed for a role not assumed within its tracking period.
          RoleLastUsed: used ? { LastUsedDate: new Date(used.lastUsedAt), Region: used.region } : {},
        },
      });
    }),

    ListRoles: operation(
      z.object({ PathPrefix: pathPrefix.optional(), ...paging }),
      async (caller, input) => {
        const page = await listAuthorized(context, caller, 'role', input);
        if (!page.ok) return page;
        return ok(
          listing('Roles', page.value.items.map(roleListingShape), page.value.next, page.value.nextId),
        );
      },
    ),

    UpdateRole: operation(
      z.object({
        RoleName: roleName,
        Description: description.optional(),
        MaxSessionDuration: maxSessionDuration.optional(),
      }),
      async (caller, input) => {
        const role = await loadAuthorized(context, caller, 'role', input.RoleName, 'iam:UpdateRole');
        if (!role.ok) return role;
        const updated = await updatePrincipalPath(context, role.value, undefined, {
          ...(input.Description !== undefined ? { description: input.Description } : {}),
          ...(input.MaxSessionDuration !== undefined ? { maxSessionDuration: input.MaxSessionDuration } : {}),
        });
        return updated.ok ? ok({}) : updated;
      },
    ),

    UpdateAssumeRolePolicy: operation(
      z.object({ RoleName: roleName, PolicyDocument: policyDocument }),
      async (caller, input) => {
        const role = await loadAuthorized(
          context,
          caller,
          'role',
          input.RoleName,
          'iam:UpdateAssumeRolePolicy',
        );
        if (!role.ok) return role;
        const trust = checkTrustPolicy(input.PolicyDocument);
        if (!trust.ok) return trust;
        const updated = await updatePrincipalPath(context, role.value, undefined, {
          assumeRolePolicyDocument: trust.value,
        });
        return updated.ok ? ok(undefined) : updated;
      },
    ),

    DeleteRole: operation(z.object({ RoleName: roleName }), (caller, input) =>
      removeAuthorized(context, caller, 'role', input.RoleName),
    ),

    ...taggingOperations(context, 'role'),
  } satisfies OperationTable;
}
