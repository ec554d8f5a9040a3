/**
 * Provisioning's items: the operator's webhook secrets (sealed), the claim and answer of each
 * webhook delivery (by webhook-id, expiring by TTL), blueprints, owners' setup tokens (hashed) and
 * the mark a tenant built from an externalId gets once its blueprint and owner are in place.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { fail, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import {
  blueprintKey,
  externalIdKey,
  setupTokenKey,
  webhookDeliveryKey,
  webhookSecretKey,
  webhookSecretPartition,
} from './keys.ts';
import { isConditionFailure, transact, updateIfCondition } from './transactions.ts';

/** A webhook secret as stored: the secret itself only sealed. */
export interface WebhookSecretRecord {
  readonly secretId: string;
  readonly sealedSecret: string;
  readonly createdAt: string;
}

/** The most webhook secrets live at once (rotation needs two; a few spare). */
export const MAX_WEBHOOK_SECRETS = 10;

/** Stores a new webhook secret. */
export async function putWebhookSecret(
  context: StoreContext,
  secret: WebhookSecretRecord,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Put: {
          Item: { ...webhookSecretKey(secret.secretId), entity: 'webhook-secret', ...secret },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.already-exists', `Webhook secret ${secret.secretId} already exists.`),
    },
  ]);
}

/** Every live webhook secret, oldest first (bounded: at most MAX_WEBHOOK_SECRETS are ever stored). */
export async function listWebhookSecrets(context: StoreContext): Promise<WebhookSecretRecord[]> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': webhookSecretPartition },
      ConsistentRead: true,
      Limit: MAX_WEBHOOK_SECRETS * 2,
    }),
  );
  return (result.Items ?? [])
    .map((item) => ({
      secretId: String(item.secretId),
      sealedSecret: String(item.sealedSecret),
      createdAt: String(item.createdAt),
    }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Deletes a webhook secret; entity.not-found when there is none. */
export async function deleteWebhookSecret(context: StoreContext, secretId: string): Promise<Result<void>> {
  return transact(context, [
    {
      write: { Delete: { Key: webhookSecretKey(secretId), ConditionExpression: 'attribute_exists(pk)' } },
      onConditionFailed: fail('entity.not-found', `Webhook secret ${secretId} does not exist.`),
    },
  ]);
}

/** The answer remembered for a webhook-id (its body sealed: it may hold a setup token). */
export interface WebhookAnswer {
  readonly status: number;
  readonly sealedBody: string;
}

/** What claiming a webhook-id found: it is ours now, it was answered before, or another delivery holds it. */
export type WebhookClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'answered'; readonly answer: WebhookAnswer }
  | { readonly kind: 'in-progress' };

/**
 * Claims a webhook-id for one delivery until `leaseUntil` (seconds): the first conditional write
 * wins; a claim whose lease ran out (its holder crashed) may be taken over.
 */
export async function claimWebhookDelivery(
  context: StoreContext,
  webhookId: string,
  now: Date,
  leaseSeconds: number,
  retentionSeconds: number,
): Promise<WebhookClaim> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const key = webhookDeliveryKey(webhookId);
  const claimed = await updateIfCondition(context, {
    Key: key,
    UpdateExpression: 'SET entity = :entity, #state = :claimed, leaseUntil = :lease, expiresAt = :expires',
    ConditionExpression: 'attribute_not_exists(pk) OR (#state = :claimed AND leaseUntil < :now)',
    ExpressionAttributeNames: { '#state': 'state' },
    ExpressionAttributeValues: {
      ':entity': 'webhook-delivery',
      ':claimed': 'claimed',
      ':lease': nowSeconds + leaseSeconds,
      ':expires': nowSeconds + retentionSeconds,
      ':now': nowSeconds,
    },
  });
  if (claimed) return { kind: 'claimed' };
  const existing = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: key, ConsistentRead: true }),
  );
  const item = existing.Item;
  if (item?.state === 'answered' && typeof item.sealedBody === 'string') {
    return { kind: 'answered', answer: { status: Number(item.status), sealedBody: item.sealedBody } };
  }
  return { kind: 'in-progress' };
}

/** Remembers a delivery's answer until `expiresAt` (epoch seconds), replacing its claim. */
export async function rememberWebhookAnswer(
  context: StoreContext,
  webhookId: string,
  answer: WebhookAnswer,
  expiresAt: number,
): Promise<void> {
  await context.documents.send(
    new PutCommand({
      TableName: context.tableName,
      Item: {
        ...webhookDeliveryKey(webhookId),
        entity: 'webhook-delivery',
        state: 'answered',
        ...answer,
        expiresAt,
      },
    }),
  );
}

/** Frees a claim whose delivery ended without an answer to remember, so the sender's retry is applied. */
export async function releaseWebhookDelivery(context: StoreContext, webhookId: string): Promise<void> {
  try {
    await context.documents.send(
      new DeleteCommand({
        TableName: context.tableName,
        Key: webhookDeliveryKey(webhookId),
        ConditionExpression: '#state = :claimed',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':claimed': 'claimed' },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** A blueprint as stored: its validated definition as JSON. */
export interface BlueprintRecord {
  readonly name: string;
  readonly definition: string;
  readonly updatedAt: string;
}

/** Creates or replaces a blueprint. */
export async function putBlueprint(context: StoreContext, blueprint: BlueprintRecord): Promise<Result<void>> {
  return transact(context, [
    { write: { Put: { Item: { ...blueprintKey(blueprint.name), entity: 'blueprint', ...blueprint } } } },
  ]);
}

/** A blueprint by name (case-insensitive). */
export async function getBlueprint(
  context: StoreContext,
  name: string,
): Promise<BlueprintRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: blueprintKey(name), ConsistentRead: true }),
  );
  const item = result.Item;
  return item
    ? { name: String(item.name), definition: String(item.definition), updatedAt: String(item.updatedAt) }
    : undefined;
}

/** Deletes a blueprint; entity.not-found when there is none. */
export async function deleteBlueprint(context: StoreContext, name: string): Promise<Result<void>> {
  return transact(context, [
    {
      write: { Delete: { Key: blueprintKey(name), ConditionExpression: 'attribute_exists(pk)' } },
      onConditionFailed: fail('entity.not-found', `Blueprint ${name} does not exist.`),
    },
  ]);
}

/** A user's setup token as stored: its SHA-256, when it expires and whether it was used. */
export interface SetupTokenRecord {
  readonly accountId: string;
  readonly userId: string;
  readonly tokenHash: string;
  /** ISO instant the token stops working. */
  readonly validUntil: string;
  readonly usedAt?: string;
}

/** Stores a user's setup token, replacing an unused one; fails when the user's token was used already. */
export async function putSetupToken(context: StoreContext, token: SetupTokenRecord): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Put: {
          Item: {
            ...setupTokenKey(token.accountId, token.userId),
            entity: 'setup-token',
            ...token,
            // TTL: gone a day after it stops working.
            expiresAt: Math.floor(Date.parse(token.validUntil) / 1000) + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(usedAt)',
        },
      },
      onConditionFailed: fail('entity.already-exists', 'The setup token was used already.'),
    },
  ]);
}

/** A user's setup token, if one was issued. */
export async function getSetupToken(
  context: StoreContext,
  accountId: string,
  userId: string,
): Promise<SetupTokenRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: setupTokenKey(accountId, userId),
      ConsistentRead: true,
    }),
  );
  const item = result.Item;
  if (!item) return undefined;
  return {
    accountId,
    userId,
    tokenHash: String(item.tokenHash),
    validUntil: String(item.validUntil),
    ...(typeof item.usedAt === 'string' ? { usedAt: item.usedAt } : {}),
  };
}

/** Marks a setup token used, if it is still the unused token with `tokenHash` (single use). */
export async function consumeSetupToken(
  context: StoreContext,
  token: Pick<SetupTokenRecord, 'accountId' | 'userId' | 'tokenHash'>,
  at: string,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Update: {
          Key: setupTokenKey(token.accountId, token.userId),
          UpdateExpression: 'SET usedAt = :at',
          ConditionExpression: 'tokenHash = :hash AND attribute_not_exists(usedAt)',
          ExpressionAttributeValues: { ':at': at, ':hash': token.tokenHash },
        },
      },
      onConditionFailed: fail('provisioning.invalid-setup-token', 'The setup token is not valid.'),
    },
  ]);
}

/** A tenant created from an externalId: its account, blueprint and whether it is fully built. */
export interface ExternalTenantRecord {
  readonly externalId: string;
  readonly accountId: string;
  readonly blueprint?: string;
  /** Set once the blueprint and owner are in place. */
  readonly provisionedAt?: string;
}

/** The tenant an externalId names, if any. */
export async function getExternalTenant(
  context: StoreContext,
  externalId: string,
): Promise<ExternalTenantRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: externalIdKey(externalId), ConsistentRead: true }),
  );
  const item = result.Item;
  if (!item) return undefined;
  return {
    externalId,
    accountId: String(item.accountId),
    ...(typeof item.blueprint === 'string' ? { blueprint: item.blueprint } : {}),
    ...(typeof item.provisionedAt === 'string' ? { provisionedAt: item.provisionedAt } : {}),
  };
}

/** Marks a tenant fully built (its blueprint applied, its owner created). */
export async function markTenantProvisioned(
  context: StoreContext,
  externalId: string,
  at: string,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Update: {
          Key: externalIdKey(externalId),
          UpdateExpression: 'SET provisionedAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
        },
      },
      onConditionFailed: fail('entity.not-found', `No account has externalId ${externalId}.`),
    },
  ]);
}
