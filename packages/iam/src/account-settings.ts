/**
 * Account-wide settings: the alias (Create/List/DeleteAccountAlias), GetAccountSummary, and the
 * password policy (Update/Get/DeleteAccountPasswordPolicy).
 */
import { fail, ok } from '@palisade/failures';
import { boolean, denialOf, integer, type OperationTable, operation } from '@palisade/principals';
import {
  changeAccountAlias,
  deletePasswordPolicy,
  getAccount,
  getPasswordPolicy,
  putPasswordPolicy,
} from '@palisade/store';
import { z } from 'zod';
import { accountSummaryMap } from './account-summary.ts';
import type { IamContext } from './iam-context.ts';
import { accountAlias, paging } from './iam-inputs.ts';

/** The account settings operations, by AWS action name. */
export function accountSettingsOperations(context: IamContext) {
  return {
    CreateAccountAlias: operation(z.object({ AccountAlias: accountAlias }), async (caller, input) => {
      const denied = denialOf(caller, 'iam:CreateAccountAlias', '*');
      if (denied) return denied;
      const account = await getAccount(context.store, caller.accountId);
      if (!account) return fail('entity.not-found', 'The account cannot be found.');
      if (account.alias === input.AccountAlias) return ok(undefined);
      const changed = await changeAccountAlias(
        context.store,
        caller.accountId,
        account.alias,
        input.AccountAlias,
      );
      return changed.ok ? ok(undefined) : changed;
    }),

    ListAccountAliases: operation(z.object({ ...paging }), async (caller) => {
      const denied = denialOf(caller, 'iam:ListAccountAliases', '*');
      if (denied) return denied;
      const account = await getAccount(context.store, caller.accountId);
      return ok({ AccountAliases: account?.alias ? [account.alias] : [], IsTruncated: false });
    }),

    DeleteAccountAlias: operation(z.object({ AccountAlias: accountAlias }), async (caller, input) => {
      const denied = denialOf(caller, 'iam:DeleteAccountAlias', '*');
      if (denied) return denied;
      const account = await getAccount(context.store, caller.accountId);
      if (!account || account.alias !== input.AccountAlias) {
        return fail('entity.not-found', `The account alias ${input.AccountAlias} cannot be found.`);
      }
      const changed = await changeAccountAlias(context.store, caller.accountId, account.alias, undefined);
      return changed.ok ? ok(undefined) : changed;
    }),

    GetAccountSummary: operation(z.object({}), async (caller) => {
      const denied = denialOf(caller, 'iam:GetAccountSummary', '*');
      if (denied) return denied;
      return ok({ SummaryMap: await accountSummaryMap(context.store, caller.accountId, context.quotas) });
    }),

    UpdateAccountPasswordPolicy: operation(
      z.object({
        MinimumPasswordLength: integer(6, 128).optional(),
        RequireSymbols: boolean.optional(),
        RequireNumbers: boolean.optional(),
        RequireUppercaseCharacters: boolean.optional(),
        RequireLowercaseCharacters: boolean.optional(),
        AllowUsersToChangePassword: boolean.optional(),
        MaxPasswordAge: integer(1, 1095).optional(),
        PasswordReusePrevention: integer(1, 24).optional(),
        HardExpiry: boolean.optional(),
      }),
      async (caller, input) => {
        const denied = denialOf(caller, 'iam:UpdateAccountPasswordPolicy', '*');
        if (denied) return denied;
        // Unset fields take IAM's defaults, as UpdateAccountPasswordPolicy documents.
        await putPasswordPolicy(context.store, caller.accountId, {
          MinimumPasswordLength: input.MinimumPasswordLength ?? 6,
          RequireSymbols: input.RequireSymbols ?? false,
          RequireNumbers: input.RequireNumbers ?? false,
          RequireUppercaseCharacters: input.RequireUppercaseCharacters ?? false,
          RequireLowercaseCharacters: input.RequireLowercaseCharacters ?? false,
          AllowUsersToChangePassword: input.AllowUsersToChangePassword ?? false,
          ...(input.MaxPasswordAge !== undefined ? { MaxPasswordAge: input.MaxPasswordAge } : {}),
          ...(input.PasswordReusePrevention !== undefined
            ? { PasswordReusePrevention: input.PasswordReusePrevention }
            : {}),
          HardExpiry: input.HardExpiry ?? false,
        });
        return ok(undefined);
      },
    ),

    GetAccountPasswordPolicy: operation(z.object({}), async (caller) => {
      const denied = denialOf(caller, 'iam:GetAccountPasswordPolicy', '*');
      if (denied) return denied;
      const policy = await getPasswordPolicy(context.store, caller.accountId);
      if (!policy) {
        return fail(
          'entity.not-found',
          `The Password Policy with domain name ${caller.accountId} cannot be found.`,
        );
      }
      return ok({
        PasswordPolicy: { ...policy, ExpirePasswords: typeof policy.MaxPasswordAge === 'number' },
      });
    }),

    DeleteAccountPasswordPolicy: operation(z.object({}), async (caller) => {
      const denied = denialOf(caller, 'iam:DeleteAccountPasswordPolicy', '*');
      if (denied) return denied;
      const deleted = await deletePasswordPolicy(context.store, caller.accountId);
      return deleted
        ? ok(undefined)
        : fail(
            'entity.not-found',
            `The Password Policy with domain name ${caller.accountId} cannot be found.`,
          );
    }),
  } satisfies OperationTable;
}
