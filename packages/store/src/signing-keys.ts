/**
 * The deployment's session signing keys: one item per key (public JWK, private JWK sealed by the
 * secret box) and a `CURRENT` pointer. Rotation moves the pointer with a condition on the kid it
 * replaces, so of two instances rotating at once exactly one key becomes current; the loser's key
 * is still stored and published but never signs.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { currentSigningKeyKey, signingKeyKey, signingKeysPartition } from './keys.ts';
import { queryWholePartition } from './partition-queries.ts';
import { transact } from './transactions.ts';

/** A stored signing key. */
export interface SigningKeyRecord {
  readonly kid: string;
  /** The public JWK (as published). */
  readonly publicJwk: Record<string, string>;
  /** The private JWK sealed by the secret box. */
  readonly sealedPrivateJwk: string;
  readonly createdAt: string;
  /** When a newer key replaced it as current; absent while it is current (or never was). */
  readonly supersededAt?: string;
}

/** Every stored key and the kid of the current one. */
export interface SigningKeySet {
  readonly keys: readonly SigningKeyRecord[];
  readonly currentKid?: string;
}

/** Reads every signing key and the current pointer in one query. */
export async function readSigningKeys(context: StoreContext): Promise<SigningKeySet> {
  const items = await queryWholePartition(context, signingKeysPartition);
  const current = items.find((item) => item.sk === currentSigningKeyKey().sk);
  const keys = items.filter((item) => item.entity === 'signing-key').map(toSigningKey);
  return typeof current?.kid === 'string' ? { keys, currentKid: current.kid } : { keys };
}

/**
 * Stores `next` and makes it current if the current key is still `replacedKid` (absent: there is
 * none yet); marks the replaced key superseded and due for deletion by TTL at `retireAt` (epoch
 * seconds). `entity.concurrent-modification` when another instance rotated first.
 */
export async function rotateSigningKey(
  context: StoreContext,
  next: Omit<SigningKeyRecord, 'supersededAt'>,
  replacedKid: string | undefined,
  retireAt: number,
): Promise<Result<void>> {
  const written = await transact(context, [
    {
      write: {
        Put: {
          Item: {
            ...currentSigningKeyKey(),
            entity: 'signing-key-pointer',
            kid: next.kid,
            since: next.createdAt,
          },
          ConditionExpression: replacedKid ? 'kid = :replaced' : 'attribute_not_exists(pk)',
          ...(replacedKid ? { ExpressionAttributeValues: { ':replaced': replacedKid } } : {}),
        },
      },
      onConditionFailed: fail('entity.concurrent-modification', 'The signing key was rotated meanwhile.'),
    },
    {
      write: {
        Put: {
          Item: { ...signingKeyKey(next.kid), entity: 'signing-key', ...next },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.concurrent-modification', 'Signing key id collision.'),
    },
    ...(replacedKid
      ? [
          {
            write: {
              Update: {
                Key: signingKeyKey(replacedKid),
                UpdateExpression: 'SET supersededAt = :at, expiresAt = :retire',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeValues: { ':at': next.createdAt, ':retire': retireAt },
              },
            },
          },
        ]
      : []),
  ]);
  return written.ok ? ok(undefined) : written;
}

/** Reads one key by kid. */
export async function getSigningKey(
  context: StoreContext,
  kid: string,
): Promise<SigningKeyRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: signingKeyKey(kid), ConsistentRead: true }),
  );
  return result.Item ? toSigningKey(result.Item) : undefined;
}

function toSigningKey(item: Record<string, unknown>): SigningKeyRecord {
  return {
    kid: String(item.kid),
    publicJwk: item.publicJwk as Record<string, string>,
    sealedPrivateJwk: String(item.sealedPrivateJwk),
    createdAt: String(item.createdAt),
    ...(typeof item.supersededAt === 'string' ? { supersededAt: item.supersededAt } : {}),
  };
}
