/** IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, tags and boundaries. */
import { fail, ok } from '@palisade/failures';
import { listing, type OperationTable, operation, rootArn } from '@palisade/principals';
import { getAccount } from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { paging, path, pathPrefix, policyArn, tags, userName } from './iam-inputs.ts';
import {
  createPrincipal,
  listAuthorized,
  loadAuthorized,
  moveAuthorized,
  removeAuthorized,
} from './principal-lifecycle.ts';
import { userListingShape, userShape } from './principal-shapes.ts';
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
        // The root was created with its account.
        const account = await getAccount(context.store, caller.accountId);
        if (!account) return fail('entity.not-found', 'The account cannot be found.');
        return ok({
          User: {
            Path: '/',
            UserName: caller.accountId,
            UserId: caller.accountId,
            Arn: arn,
            CreateDate: new Date(account.createdAt),
          },
        });
      }
      const user = await loadAuthorized(context, caller, 'user', name, 'iam:GetUser');
      if (!user.ok) return user;
      // PasswordLastUsed lives under the user's id, which only this read finds: reading it too would make
      // GetUser two sequential round trips (issue #10 holds it to one). The credential report carries it.
      return ok({ User: userShape(user.value, true) });
    }),

    ListUsers: operation(
      z.object({ PathPrefix: pathPrefix.optional(), ...paging }),
      async (caller, input) => {
        const page = await listAuthorized(context, caller, 'user', input);
        if (!page.ok) return page;
        return ok(
          listing('Users', page.value.items.map(userListingShape), page.value.next, page.value.nextId),
        );
      },
    ),

    UpdateUser: operation(
      z.object({ UserName: userName, NewPath: path.optional(), NewUserName: userName.optional() }),
      (caller, input) =>
        moveAuthorized(context, caller, 'user', input.UserName, {
          newName: input.NewUserName,
          newPath: input.NewPath,
        }),
    ),

    DeleteUser: operation(z.object({ UserName: userName }), (caller, input) =>
      removeAuthorized(context, caller, 'user', input.UserName),
    ),

    ...taggingOperations(context, 'user'),
  } satisfies OperationTable;
}
