/** IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, tags and boundaries. */
import { fail, ok } from '@palisade/failures';
import { denialOf, listing, type OperationTable, operation, rootArn } from '@palisade/principals';
import { renamePrincipal } from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { paging, path, pathPrefix, policyArn, tags, userName } from './iam-inputs.ts';
import {
  createPrincipal,
  listAuthorized,
  loadAuthorized,
  principalArn,
  removePrincipal,
  targetFacts,
  updatePrincipalPath,
} from './principal-lifecycle.ts';
import { userShape } from './principal-shapes.ts';
import { taggingOperations } from './principal-tagging.ts';

/** The user operations, by AWS action name. */
export function userOperations(context: IamContext) {
  return {
    CreateUser: operation(
      z.object({
        UserName: userName,
        Path: path.optional(),
        PermissionsBoundary: policyArn.optional(),
        Tags: tags.optional(),
      }),
      async (caller, input) => {
        const created = await createPrincipal(context, caller, 'user', {
          name: input.UserName,
          path: input.Path,
          tags: input.Tags,
          permissionsBoundary: input.PermissionsBoundary,
        });
        return created.ok ? ok({ User: userShape(created.value, true) }) : created;
      },
    ),

    GetUser: operation(z.object({ UserName: userName.optional() }), async (caller, input) => {
      const name = input.UserName ?? caller.userName;
      if (name === undefined) {
        // Root (or a role session) asking about itself: IAM answers with the root identity.
        if (caller.kind !== 'root')
          return fail('request.invalid', 'Must specify userName when calling with non-User credentials');
        const arn = rootArn(context.partition, caller.accountId);
        return ok({
          User: {
            Path: '/',
            UserName: caller.accountId,
            UserId: caller.accountId,
            Arn: arn,
            CreateDate: new Date(0),
          },
        });
      }
      const user = await loadAuthorized(context, caller, 'user', name, 'iam:GetUser');
      return user.ok ? ok({ User: userShape(user.value, true) }) : user;
    }),

    ListUsers: operation(
      z.object({ PathPrefix: pathPrefix.optional(), ...paging }),
      async (caller, input) => {
        const page = await listAuthorized(context, caller, 'user', input);
        if (!page.ok) return page;
        return ok(
          listing(
            'Users',
            page.value.items.map((u) => userShape(u)),
            page.value.next,
          ),
        );
      },
    ),

    UpdateUser: operation(
      z.object({ UserName: userName, NewPath: path.optional(), NewUserName: userName.optional() }),
      async (caller, input) => {
        const user = await loadAuthorized(context, caller, 'user', input.UserName, 'iam:UpdateUser');
        if (!user.ok) return user;
        // IAM authorizes a move (new name or new path) on the old ARN (checked above) and on the new one.
        const newPath = input.NewPath ?? user.value.path;
        const newName = input.NewUserName ?? user.value.name;
        const newArn = principalArn(context, caller.accountId, 'user', newPath, newName);
        if (newArn !== user.value.arn) {
          const denied = denialOf(caller, 'iam:UpdateUser', newArn, targetFacts(user.value));
          if (denied) return denied;
        }
        if (input.NewUserName !== undefined && input.NewUserName !== user.value.name) {
          const renamed = await renamePrincipal(context.store, user.value, {
            newName: input.NewUserName,
            newPath,
            newArn,
          });
          return renamed.ok ? ok(undefined) : renamed;
        }
        const updated = await updatePrincipalPath(context, user.value, input.NewPath);
        return updated.ok ? ok(undefined) : updated;
      },
    ),

    DeleteUser: operation(z.object({ UserName: userName }), async (caller, input) => {
      const user = await loadAuthorized(context, caller, 'user', input.UserName, 'iam:DeleteUser');
      if (!user.ok) return user;
      const deleted = await removePrincipal(context, user.value);
      return deleted.ok ? ok(undefined) : deleted;
    }),

    ...taggingOperations(context, 'user'),
  } satisfies OperationTable;
}
