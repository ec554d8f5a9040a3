/**
 * Accounts (tenants) and their global alias lookup. Creation writes the account, its alias claim
 * and its quota counters in one transaction, so an alias can never belong to two accounts.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { readAccountCounters } from './counter-shards.ts';
import {
  accountKey,
  accountListKey,
  accountSummaryKey,
  aliasKey,
  externalIdKey,
  passwordPolicyKey,
  rootRecordKey,
} from './keys.ts';
import { zeroCounters } from './principals.ts';
import { type GuardedWrite, transact } from './transactions.ts';

/** Lifecycle of a tenant: suspended accounts keep their data but every credential stops working. */
export type AccountStatus = 'active' | 'suspended' | 'closed';

/** A tenant account as stored. */
export interface AccountRecord {
  readonly accountId: string;
  /** Absent after DeleteAccountAlias; the account id still signs in. */
  readonly alias?: string;
  readonly status: AccountStatus;
  readonly createdAt: string;
  readonly version: number;
  /** The back office's id for the tenant (provisioning), unique across accounts. */
  readonly externalId?: string;
  /** The blueprint the account was built from. */
  readonly blueprint?: string;
}

/** What a new account is made of; an externalId is claimed in the same transaction (unique). */
export interface NewAccount {
  readonly accountId: string;
  readonly alias: string;
  readonly createdAt: string;
  readonly externalId?: string;
  readonly blueprint?: string;
}

/**
 * Writes a new account with its alias claim (and its externalId claim); fails with
 * entity.already-exists when any is taken.
 */
export async function putNewAccount(
  context: StoreContext,
  account: NewAccount,
): Promise<Result<AccountRecord>> {
  const record: AccountRecord = { ...account, status: 'active', version: 1 };
  const externalIdClaim: GuardedWrite[] = account.externalId
    ? [
        {
          write: {
            Put: {
              Item: {
                ...externalIdKey(account.externalId),
                entity: 'external-id',
                externalId: account.externalId,
                accountId: account.accountId,
                ...(account.blueprint ? { blueprint: account.blueprint } : {}),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          onConditionFailed: fail(
            'entity.already-exists',
            `An account with externalId ${account.externalId} already exists.`,
          ),
        },
      ]
    : [];
  const written = await transact(context, [
    {
      write: {
        Put: {
          Item: {
            ...accountKey(account.accountId),
            ...accountListKey(account.accountId),
            entity: 'account',
            ...record,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail(
        'entity.already-exists',
        `An account with id ${account.accountId} already exists.`,
      ),
    },
    {
      write: {
        Put: {
          Item: { ...aliasKey(account.alias), entity: 'alias', accountId: account.accountId },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail(
        'entity.already-exists',
        `The account alias ${account.alias} is already in use.`,
      ),
    },
    {
      write: {
        Put: {
          Item: { ...accountSummaryKey(account.accountId), entity: 'account-summary' },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
    {
      // The root principal's record: its counters cap root access keys like a user's.
      write: {
        Put: {
          Item: {
            ...rootRecordKey(account.accountId),
            entity: 'root',
            accountId: account.accountId,
            counters: zeroCounters,
          },
        },
      },
    },
    // Last, so the indexes above keep naming the same invariants.
    ...externalIdClaim,
  ]);
  if (!written.ok) return written;
  return ok(record);
}

/** The account a back office's externalId names, if any (strongly consistent). */
export async function findAccountIdByExternalId(
  context: StoreContext,
  externalId: string,
): Promise<string | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: externalIdKey(externalId), ConsistentRead: true }),
  );
  const accountId = result.Item?.accountId;
  return typeof accountId === 'string' ? accountId : undefined;
}

/** Reads an account by id (strongly consistent: suspension must take effect at once). */
export async function getAccount(
  context: StoreContext,
  accountId: string,
): Promise<AccountRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: accountKey(accountId), ConsistentRead: true }),
  );
  return result.Item ? toAccount(result.Item) : undefined;
}

/** Resolves an alias to its account id. */
export async function findAccountIdByAlias(
  context: StoreContext,
  alias: string,
): Promise<string | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: aliasKey(alias), ConsistentRead: true }),
  );
  const accountId = result.Item?.accountId;
  return typeof accountId === 'string' ? accountId : undefined;
}

/** Lists accounts in id order, a page at a time; `after` is the last id of the previous page. */
export async function listAccounts(
  context: StoreContext,
  page: { limit: number; after?: string },
): Promise<{ accounts: AccountRecord[]; next?: string }> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: page.after ? 'gsi1pk = :p AND gsi1sk > :after' : 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': 'ACCOUNTS', ...(page.after ? { ':after': page.after } : {}) },
      // One more than asked, so a full last page does not promise a next one.
      Limit: page.limit + 1,
    }),
  );
  const accounts = (result.Items ?? []).map(toAccount);
  const pageAccounts = accounts.slice(0, page.limit);
  const last = pageAccounts.at(-1);
  return accounts.length > page.limit && last
    ? { accounts: pageAccounts, next: last.accountId }
    : { accounts: pageAccounts };
}

/** Changes an account's status if it still has `expectedVersion` (optimistic concurrency). */
export async function setAccountStatus(
  context: StoreContext,
  accountId: string,
  status: AccountStatus,
  expectedVersion: number,
): Promise<Result<AccountRecord>> {
  const written = await transact(context, [
    {
      write: {
        Update: {
          Key: accountKey(accountId),
          UpdateExpression: 'SET #status = :status, version = version + :one',
          ConditionExpression: 'attribute_exists(pk) AND version = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':one': 1, ':expected': expectedVersion },
        },
      },
      onConditionFailed: fail(
        'entity.concurrent-modification',
        `Account ${accountId} changed or does not exist; retry.`,
      ),
    },
  ]);
  if (!written.ok) return written;
  // A transaction returns no item: read the account as committed (strongly consistent).
  const account = await getAccount(context, accountId);
  return account
    ? ok(account)
    : fail('entity.concurrent-modification', `Account ${accountId} changed or does not exist; retry.`);
}

function toAccount(item: Record<string, unknown>): AccountRecord {
  return {
    accountId: String(item.accountId),
    ...(typeof item.alias === 'string' ? { alias: item.alias } : {}),
    status: item.status as AccountStatus,
    createdAt: String(item.createdAt),
    version: Number(item.version),
    ...(typeof item.externalId === 'string' ? { externalId: item.externalId } : {}),
    ...(typeof item.blueprint === 'string' ? { blueprint: item.blueprint } : {}),
  };
}

/**
 * The account's entity counts, as GetAccountSummary reports them: the quota counters summed over
 * their shards, with the catalog counters of the summary item, read in parallel.
 */
export async function getAccountSummary(
  context: StoreContext,
  accountId: string,
): Promise<Record<string, number>> {
  const [summary, counters] = await Promise.all([
    context.documents.send(
      new GetCommand({
        TableName: context.tableName,
        Key: accountSummaryKey(accountId),
        ConsistentRead: true,
      }),
    ),
    readAccountCounters(context, accountId),
  ]);
  const counts: Record<string, number> = {};
  for (const [field, value] of Object.entries(summary.Item ?? {})) {
    if (typeof value === 'number') counts[field] = value;
  }
  for (const [counter, total] of Object.entries(counters)) counts[counter] = total;
  return counts;
}

/** The account's password policy, IAM's field names, or undefined when none is set. */
export async function getPasswordPolicy(
  context: StoreContext,
  accountId: string,
): Promise<Record<string, boolean | number> | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: passwordPolicyKey(accountId), ConsistentRead: true }),
  );
  return (result.Item?.policy as Record<string, boolean | number> | undefined) ?? undefined;
}

/** Sets (replaces) the account's password policy. */
export async function putPasswordPolicy(
  context: StoreContext,
  accountId: string,
  policy: Record<string, boolean | number>,
): Promise<void> {
  const written = await transact(context, [
    { write: { Put: { Item: { ...passwordPolicyKey(accountId), entity: 'password-policy', policy } } } },
  ]);
  if (!written.ok) throw new Error(`password policy write failed: ${written.code}`);
}

/** Removes the account's password policy; false when there was none. */
export async function deletePasswordPolicy(context: StoreContext, accountId: string): Promise<boolean> {
  const deleted = await transact(context, [
    {
      write: { Delete: { Key: passwordPolicyKey(accountId), ConditionExpression: 'attribute_exists(pk)' } },
      onConditionFailed: fail('entity.not-found', 'No password policy.'),
    },
  ]);
  return deleted.ok;
}

/**
 * Moves an account's alias from `previous` to `next` (either may be absent) in one transaction:
 * the new alias is claimed only if free, the old claim released only if it is still this account's.
 */
export async function changeAccountAlias(
  context: StoreContext,
  accountId: string,
  previous: string | undefined,
  next: string | undefined,
): Promise<Result<void>> {
  const writes: GuardedWrite[] = [];
  if (next) {
    writes.push({
      write: {
        Put: {
          Item: { ...aliasKey(next), entity: 'alias', accountId },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.already-exists', `The account alias ${next} already exists.`),
    });
  }
  if (previous) {
    writes.push({
      write: {
        Delete: {
          Key: aliasKey(previous),
          ConditionExpression: 'accountId = :me',
          ExpressionAttributeValues: { ':me': accountId },
        },
      },
      onConditionFailed: fail(
        'entity.concurrent-modification',
        'The account alias changed meanwhile; retry.',
      ),
    });
  }
  writes.push({
    write: {
      Update: {
        Key: accountKey(accountId),
        UpdateExpression: next
          ? 'SET alias = :next, version = version + :one'
          : 'REMOVE alias SET version = version + :one',
        ConditionExpression: previous ? 'alias = :previous' : 'attribute_not_exists(alias)',
        ExpressionAttributeValues: {
          ':one': 1,
          ...(next ? { ':next': next } : {}),
          ...(previous ? { ':previous': previous } : {}),
        },
      },
    },
    onConditionFailed: fail('entity.concurrent-modification', 'The account alias changed meanwhile; retry.'),
  });
  return transact(context, writes);
}
