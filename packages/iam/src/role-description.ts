/** UpdateRoleDescription: IAM's older way to change a role's description, answering the role. */
import { ok, type Result } from '@palisade/failures';
import { type OperationTable, operation } from '@palisade/principals';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { description, roleName } from './iam-inputs.ts';
import { loadAuthorized, updatePrincipalPath } from './principal-lifecycle.ts';
import { roleShape } from './principal-shapes.ts';

/** The UpdateRoleDescription operation, by AWS action name. */
export function roleDescriptionOperations(context: IamContext) {
  return {
    UpdateRoleDescription: operation(
      z.object({ RoleName: roleName, Description: description }),
      async (caller, input): Promise<Result<{ Role: ReturnType<typeof roleShape> }>> => {
        const role = await loadAuthorized(
          context,
          caller,
          'role',
          input.RoleName,
          'iam:UpdateRoleDescription',
        );
        if (!role.ok) return role;
        const updated = await updatePrincipalPath(context, role.value, undefined, {
          description: input.Description,
        });
        return updated.ok ? ok({ Role: roleShape(updated.value, true) }) : updated;
      },
    ),
  } satisfies OperationTable;
}
