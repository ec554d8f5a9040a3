/**
 * Accounts (tenants) and their global alias lookup. Creation writes the account, its alias claim
 * and its quota counters in one transaction, so an alias can never belong to two accounts.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { accountKey, accountListKey, accountSummaryKey, aliasKey } from './keys.ts';

/** Lifecycle of a tenant: suspended accounts keep their data but every credential stops working. */
export type AccountStatus = 'active' | 'suspended' | 'closed';

/** A tenant account as stored. */
export interface AccountRecord {
  readonly accountId: string;
  readonly alias: string;
  readonly status: AccountStatus;
  readonly createdAt: string;
  readonly version: number;
}

/** Writes a new account with its alias claim; fails with entity.already-exists when either is taken. */
export async function putNewAccount(
  context: StoreContext,
  account: { accountId: string; alias: string; createdAt: string },
): Promise<Result<AccountRecord>> {
  const record: AccountRecord = { ...account, status: 'active', version: 1 };
  try {
    await context.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: context.tableName,
              Item: {
                ...accountKey(account.accountId),
                ...accountListKey(account.accountId),
                entity: 'account',
                ...record,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: context.tableName,
              Item: { ...aliasKey(account.alias), entity: 'alias', accountId: account.accountId },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: context.tableName,
              Item: { ...accountSummaryKey(account.accountId), entity: 'account-summary' },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      const [accountReason, aliasReason] = error.CancellationReasons ?? [];
      if (aliasReason?.Code === 'ConditionalCheckFailed') {
        return fail('entity.already-exists', `The account alias ${account.alias} is already in use.`);
      }
      if (accountReason?.Code === 'ConditionalCheckFailed') {
        return fail('entity.already-exists', `An account with id ${account.accountId} already exists.`);
      }
    }
    throw error;
  }
  return ok(record);
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
      Limit: page.limit,
    }),
  );
  const accounts = (result.Items ?? []).map(toAccount);
  const last = accounts.at(-1);
  return result.LastEvaluatedKey && last ? { accounts, next: last.accountId } : { accounts };
}

/** Changes an account's status if it still has `expectedVersion` (optimistic concurrency). */
export async function setAccountStatus(
  context: StoreContext,
  accountId: string,
  status: AccountStatus,
  expectedVersion: number,
): Promise<Result<AccountRecord>> {
  try {
    const result = await context.documents.send(
      new UpdateCommand({
        TableName: context.tableName,
        Key: accountKey(accountId),
        UpdateExpression: 'SET #status = :status, version = version + :one',
        ConditionExpression: 'attribute_exists(pk) AND version = :expected',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':one': 1, ':expected': expectedVersion },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return ok(toAccount(result.Attributes ?? {}));
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
      return fail('entity.concurrent-modification', `Account ${accountId} changed or does not exist; retry.`);
    }
    throw error;
  }
}

function toAccount(item: Record<string, unknown>): AccountRecord {
  return {
    accountId: String(item.accountId),
    alias: String(item.alias),
    status: item.status as AccountStatus,
    createdAt: String(item.createdAt),
    version: Number(item.version),
  };
}
