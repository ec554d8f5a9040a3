/**
 * Access keys: a global lookup item per key id (what a signed request needs in one GetItem: the
 * owner, the status and the encrypted secret) and a listing item in the owner's partition. Both
 * are written together; the owner's counter caps keys at the quota.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { fail, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import {
  accessKeyItemKey,
  accessKeyItemPrefix,
  accessKeyLookupKey,
  type CredentialOwnerKey,
  credentialOwnerPartition,
  credentialOwnerRecordKey,
} from './keys.ts';
import { type RecordStamp, recordStamp } from './record-stamps.ts';
import { isConditionFailure, transact } from './transactions.ts';

/** Who owns a long-term access key: an IAM user (by its immutable id, so a rename touches no key), or the account's root. */
export type AccessKeyOwner = CredentialOwnerKey;

/** Whether a key may sign requests. */
export type AccessKeyStatus = 'Active' | 'Inactive';

/** An access key as stored in its global lookup item. */
export interface AccessKeyRecord {
  readonly accessKeyId: string;
  readonly accountId: string;
  readonly owner: AccessKeyOwner;
  readonly status: AccessKeyStatus;
  /** The secret, encrypted under the master key (never stored in plain text). */
  readonly encryptedSecret: string;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
  readonly lastUsedService?: string;
  readonly lastUsedRegion?: string;
}

const ownerPartition = credentialOwnerPartition;
const ownerRecordKey = credentialOwnerRecordKey;

/** Stores a new key for its owner unless the owner already has `maxKeys`. */
export async function putNewAccessKey(
  context: StoreContext,
  key: Omit<AccessKeyRecord, 'lastUsedAt' | 'lastUsedService' | 'lastUsedRegion'>,
  maxKeys: number,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Update: {
          Key: ownerRecordKey(key.accountId, key.owner),
          UpdateExpression: 'SET counters.accessKeys = counters.accessKeys + :one',
          ConditionExpression: 'attribute_exists(pk) AND counters.accessKeys < :max',
          ExpressionAttributeValues: { ':one': 1, ':max': maxKeys },
        },
      },
      onConditionFailed: fail('quota.exceeded', `Cannot exceed quota for AccessKeysPerUser: ${maxKeys}.`),
    },
    {
      write: {
        Put: {
          // The lookup item's version is a remembered credential's stamp: status changes bump it.
          Item: { ...accessKeyLookupKey(key.accessKeyId), entity: 'access-key', ...key, version: 1 },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.concurrent-modification', 'Access key id collision; retry.'),
    },
    {
      write: {
        Put: {
          Item: {
            ...accessKeyItemKey(key.accountId, key.owner, key.accessKeyId),
            entity: 'owned-access-key',
            accessKeyId: key.accessKeyId,
            status: key.status,
            createdAt: key.createdAt,
          },
        },
      },
    },
  ]);
}

/** The one lookup a signed request makes: the key's owner, status and encrypted secret. */
export async function getAccessKey(
  context: StoreContext,
  accessKeyId: string,
): Promise<AccessKeyRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: accessKeyLookupKey(accessKeyId),
      ConsistentRead: true,
    }),
  );
  return result.Item ? toAccessKey(result.Item) : undefined;
}

/** Like getAccessKey, with the lookup item's stamp for a credential cache. */
export async function getAccessKeyStamped(
  context: StoreContext,
  accessKeyId: string,
): Promise<{ key: AccessKeyRecord; stamp: RecordStamp } | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: accessKeyLookupKey(accessKeyId),
      ConsistentRead: true,
    }),
  );
  return result.Item ? { key: toAccessKey(result.Item), stamp: recordStamp(result.Item) } : undefined;
}

/** Lists an owner's keys (ids, statuses, creation dates; never secrets). */
export async function listAccessKeys(
  context: StoreContext,
  accountId: string,
  owner: AccessKeyOwner,
): Promise<{ accessKeyId: string; status: AccessKeyStatus; createdAt: string }[]> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :k)',
      ExpressionAttributeValues: { ':pk': ownerPartition(accountId, owner), ':k': accessKeyItemPrefix },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map((item) => ({
    accessKeyId: String(item.accessKeyId),
    status: item.status as AccessKeyStatus,
    createdAt: String(item.createdAt),
  }));
}

/** Activates or deactivates a key, on both of its items. */
export async function setAccessKeyStatus(
  context: StoreContext,
  key: AccessKeyRecord,
  status: AccessKeyStatus,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Update: {
          Key: accessKeyLookupKey(key.accessKeyId),
          UpdateExpression: 'SET #s = :s, version = if_not_exists(version, :zero) + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status, ':zero': 0, ':one': 1 },
        },
      },
      onConditionFailed: fail(
        'entity.not-found',
        `The Access Key with id ${key.accessKeyId} cannot be found.`,
      ),
    },
    {
      write: {
        Update: {
          Key: accessKeyItemKey(key.accountId, key.owner, key.accessKeyId),
          UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status },
        },
      },
    },
  ]);
}

/** Deletes a key and releases its slot in the owner's quota. */
export async function deleteAccessKey(context: StoreContext, key: AccessKeyRecord): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Delete: { Key: accessKeyLookupKey(key.accessKeyId), ConditionExpression: 'attribute_exists(pk)' },
      },
      onConditionFailed: fail(
        'entity.not-found',
        `The Access Key with id ${key.accessKeyId} cannot be found.`,
      ),
    },
    {
      write: {
        Delete: {
          Key: accessKeyItemKey(key.accountId, key.owner, key.accessKeyId),
        },
      },
    },
    {
      write: {
        Update: {
          Key: ownerRecordKey(key.accountId, key.owner),
          UpdateExpression: 'SET counters.accessKeys = counters.accessKeys - :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
    },
  ]);
}

/**
 * Records when and where a key was last used, at most once per `granularityMs`, so signed requests
 * do not each pay for a write.
 */
export async function recordAccessKeyUse(
  context: StoreContext,
  accessKeyId: string,
  use: { at: Date; service: string; region: string },
  granularityMs = 60_000,
): Promise<void> {
  try {
    await context.documents.send(
      new UpdateCommand({
        TableName: context.tableName,
        Key: accessKeyLookupKey(accessKeyId),
        UpdateExpression: 'SET lastUsedAt = :at, lastUsedService = :service, lastUsedRegion = :region',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :threshold)',
        ExpressionAttributeValues: {
          ':at': use.at.toISOString(),
          ':service': use.service,
          ':region': use.region,
          ':threshold': new Date(use.at.getTime() - granularityMs).toISOString(),
        },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Converts a stored lookup item into an access key record. */
export function toAccessKey(item: Record<string, unknown>): AccessKeyRecord {
  return {
    accessKeyId: String(item.accessKeyId),
    accountId: String(item.accountId),
    owner: item.owner as AccessKeyOwner,
    status: item.status as AccessKeyStatus,
    encryptedSecret: String(item.encryptedSecret),
    createdAt: String(item.createdAt),
    ...(typeof item.lastUsedAt === 'string' ? { lastUsedAt: item.lastUsedAt } : {}),
    ...(typeof item.lastUsedService === 'string' ? { lastUsedService: item.lastUsedService } : {}),
    ...(typeof item.lastUsedRegion === 'string' ? { lastUsedRegion: item.lastUsedRegion } : {}),
  };
}
