/**
 * SCIM bearer tokens. The secret is never stored: a global item keyed by its sha256 names the
 * account and token id (what one GetItem needs to authenticate a SCIM request), and the account's
 * token partition holds the name, times and the hash (so revoking deletes both in one transaction).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { scimTokenKey, scimTokenLookupKey, scimTokenPartition, scimTokenPrefix } from './keys.ts';
import { queryWholePartition } from './partition-queries.ts';
import { transact, updateIfCondition } from './transactions.ts';

/** A SCIM token as listed: never its secret nor its hash. */
export interface ScimTokenRecord {
  readonly accountId: string;
  readonly tokenId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
}

/** What a presented token resolves to. */
export interface ScimTokenOwner {
  readonly accountId: string;
  readonly tokenId: string;
  readonly name: string;
}

/** Stores a new token (its lookup item and its account item, in one transaction). */
export async function putScimToken(
  context: StoreContext,
  token: Omit<ScimTokenRecord, 'lastUsedAt'>,
  tokenHashHex: string,
): Promise<Result<ScimTokenRecord>> {
  const { accountId, tokenId, name, createdAt } = token;
  const written = await transact(context, [
    {
      write: {
        Put: {
          Item: {
            ...scimTokenLookupKey(tokenHashHex),
            entity: 'scim-token-lookup',
            accountId,
            tokenId,
            name,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.already-exists', 'The token could not be stored; retry.'),
    },
    {
      write: {
        Put: {
          Item: {
            ...scimTokenKey(accountId, tokenId),
            entity: 'scim-token',
            accountId,
            tokenId,
            name,
            createdAt,
            tokenHash: tokenHashHex,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.already-exists', 'The token could not be stored; retry.'),
    },
  ]);
  return written.ok ? ok({ accountId, tokenId, name, createdAt }) : written;
}

/** The owner of the token whose secret hashes to `tokenHashHex`, strongly consistent (a revoked token is gone). */
export async function findScimToken(
  context: StoreContext,
  tokenHashHex: string,
): Promise<ScimTokenOwner | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: scimTokenLookupKey(tokenHashHex),
      ConsistentRead: true,
    }),
  );
  const item = result.Item;
  if (item?.entity !== 'scim-token-lookup') return undefined;
  return { accountId: String(item.accountId), tokenId: String(item.tokenId), name: String(item.name) };
}

/** Every SCIM token of an account, oldest first. */
export async function listScimTokens(context: StoreContext, accountId: string): Promise<ScimTokenRecord[]> {
  const items = await queryWholePartition(context, scimTokenPartition(accountId), scimTokenPrefix);
  return items
    .map((item) => ({
      accountId: String(item.accountId),
      tokenId: String(item.tokenId),
      name: String(item.name),
      createdAt: String(item.createdAt),
      ...(typeof item.lastUsedAt === 'string' ? { lastUsedAt: item.lastUsedAt } : {}),
    }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.tokenId.localeCompare(b.tokenId));
}

/** Revokes a token: its account item and its lookup item go in one transaction; unknown → not-found. */
export async function deleteScimToken(
  context: StoreContext,
  accountId: string,
  tokenId: string,
): Promise<Result<void>> {
  const notFound = fail('entity.not-found', `The SCIM token ${tokenId} does not exist.`);
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: scimTokenKey(accountId, tokenId),
      ConsistentRead: true,
    }),
  );
  const hash = result.Item?.tokenHash;
  if (typeof hash !== 'string') return notFound;
  return transact(context, [
    {
      write: {
        Delete: { Key: scimTokenKey(accountId, tokenId), ConditionExpression: 'attribute_exists(pk)' },
      },
      onConditionFailed: notFound,
    },
    { write: { Delete: { Key: scimTokenLookupKey(hash) } } },
  ]);
}

/** Records when a token was last used (telemetry: unrecordedWrites.recordScimTokenUse); false once revoked. */
export function recordScimTokenUse(
  context: StoreContext,
  accountId: string,
  tokenId: string,
  at: string,
): Promise<boolean> {
  return updateIfCondition(context, {
    Key: scimTokenKey(accountId, tokenId),
    UpdateExpression: 'SET lastUsedAt = :at',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':at': at },
  });
}
