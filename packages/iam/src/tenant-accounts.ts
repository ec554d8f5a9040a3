/**
 * The operator's API over tenant accounts: create (with the root's first access key), list, get,
 * suspend, reactivate and close. Only the operator may call these.
 */
import { randomInt } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';
import { type Caller, parseInput } from '@palisade/principals';
import {
  type AccountRecord,
  type AccountStatus,
  findAccountIdByExternalId,
  getAccount,
  listAccounts,
  provisioningKeyPatterns,
  putNewAccount,
  setAccountStatus,
} from '@palisade/store';
import { type CreatedAccessKey, issueAccessKey } from './access-keys.ts';
import type { IamContext } from './iam-context.ts';
import { accountAlias } from './iam-inputs.ts';

/** A new account and its root key; the secret is shown only here. */
export interface CreatedAccount {
  readonly account: AccountRecord;
  readonly rootAccessKey: CreatedAccessKey;
}

function operatorOnly(caller: Caller): Result<void> {
  return caller.kind === 'operator'
    ? ok(undefined)
    : fail(
        'access.denied',
        `User: ${caller.arn} is not authorized to manage accounts: only the operator may.`,
      );
}

function randomAccountId(): string {
  // The first digit is never 0, so ids keep 12 significant digits wherever they are parsed as numbers.
  return `${randomInt(1, 10)}${String(randomInt(0, 100_000_000_000)).padStart(11, '0')}`;
}

/** The operator's account operations. */
export function tenantAccountOperations(context: IamContext) {
  const operations = {
    /** Creates an account with a random unique id and the given alias, then its root's access key. */
    async createAccount(
      caller: Caller,
      alias: string,
      provisioning: { externalId?: string; blueprint?: string } = {},
    ): Promise<Result<CreatedAccount>> {
      const created = await operations.createAccountWithoutKey(caller, { alias, ...provisioning });
      if (!created.ok) return created;
      const key = await issueAccessKey(context, created.value.accountId, { kind: 'root' });
      if (!key.ok) return key;
      return ok({ account: created.value, rootAccessKey: key.value });
    },

    /**
     * Creates an account with a random unique id, the given alias and (provisioning) the back
     * office's externalId, claimed in the same transaction; no root key (none travels over a webhook).
     */
    async createAccountWithoutKey(
      caller: Caller,
      account: { alias: string; externalId?: string; blueprint?: string },
    ): Promise<Result<AccountRecord>> {
      const allowed = operatorOnly(caller);
      if (!allowed.ok) return allowed;
      const validAlias = parseInput(accountAlias, account.alias);
      if (!validAlias.ok) return validAlias;
      for (let attempt = 0; attempt < 5; attempt++) {
        const created = await putNewAccount(context.store, {
          ...account,
          accountId: randomAccountId(),
          createdAt: context.now().toISOString(),
        });
        // An id collision is retried with a new id; a taken alias or externalId is the caller's problem.
        if (!created.ok && created.message.includes('account with id')) continue;
        return created;
      }
      return fail('platform.unavailable', 'Could not allocate an account id; retry.');
    },

    /** The account a back office's externalId names. */
    async findAccountByExternalId(caller: Caller, externalId: string): Promise<Result<AccountRecord>> {
      const allowed = operatorOnly(caller);
      if (!allowed.ok) return allowed;
      const missing = fail('entity.not-found', `No account has externalId ${externalId}.`);
      if (!provisioningKeyPatterns.externalId.test(externalId)) return missing;
      const accountId = await findAccountIdByExternalId(context.store, externalId);
      const account = accountId ? await getAccount(context.store, accountId) : undefined;
      return account ? ok(account) : missing;
    },

    /** Lists accounts in id order. */
    async listAccounts(caller: Caller, page: { limit: number; after?: string }) {
      const allowed = operatorOnly(caller);
      if (!allowed.ok) return allowed;
      return ok(await listAccounts(context.store, page));
    },

    /** Reads one account. */
    async getAccount(caller: Caller, accountId: string): Promise<Result<AccountRecord>> {
      const allowed = operatorOnly(caller);
      if (!allowed.ok) return allowed;
      const account = await getAccount(context.store, accountId);
      return account ? ok(account) : fail('entity.not-found', `Account ${accountId} does not exist.`);
    },

    /** Moves an account to `status` (suspend, reactivate, close); a closed account stays closed. */
    async setStatus(
      caller: Caller,
      accountId: string,
      status: AccountStatus,
      ifVersion?: number,
    ): Promise<Result<AccountRecord>> {
      const allowed = operatorOnly(caller);
      if (!allowed.ok) return allowed;
      const account = await getAccount(context.store, accountId);
      if (!account) return fail('entity.not-found', `Account ${accountId} does not exist.`);
      if (ifVersion !== undefined && ifVersion !== account.version) {
        return fail(
          'entity.precondition-failed',
          `Account ${accountId} is at version ${account.version}, not ${ifVersion}.`,
        );
      }
      if (account.status === 'closed') return fail('request.invalid', `Account ${accountId} is closed.`);
      if (account.status === status) return ok(account);
      return setAccountStatus(context.store, accountId, status, account.version);
    },
  };
  return operations;
}
