/**
 * What sign-in writes: sessions (one item per refresh-token family, rotated with a condition on
 * the current hash), failure counters for throttling (5-minute buckets added to atomically, plus
 * a lockout item, all expiring by TTL; per sign-in name, per source and per MFA device, the last
 * shared by every interface that checks a code), and one record per attempt (expiring by TTL).
 */
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { fail, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import {
  type CredentialOwnerKey,
  signInAttemptKey,
  signInSessionKey,
  signInThrottleBucket,
  signInThrottleLock,
  signInThrottlePartition,
  userSignInSessionIndexKey,
  userSignInSessionsPartition,
} from './keys.ts';
import { type TransactItem, transact } from './transactions.ts';

/** A signed-in session: who, how, and the hash of its current refresh token. */
export interface SignInSessionRecord {
  /** Also the refresh-token family id. */
  readonly sessionId: string;
  readonly accountId: string;
  readonly owner: CredentialOwnerKey;
  readonly principalArn: string;
  /** The user's unique id (or the account id for the root): a re-created user is not the same user. */
  readonly principalId: string;
  readonly authTime: string;
  readonly mfa: boolean;
  readonly amr: readonly string[];
  readonly passwordResetRequired: boolean;
  /** The login profile's sign-in generation when the session opened (see SignInGeneration). */
  readonly profileGeneration?: string;
  readonly refreshHash: string;
  readonly status: 'active' | 'revoked';
  readonly revokedReason?: string;
  readonly createdAt: string;
  /** Epoch seconds: the session's absolute end (also the TTL). */
  readonly expiresAt: number;
}

/** Stores a new session. */
export async function putNewSignInSession(
  context: StoreContext,
  session: SignInSessionRecord,
): Promise<void> {
  const written = await transact(context, [
    {
      write: {
        Put: {
          Item: {
            ...signInSessionKey(session.sessionId),
            // Filed under its user, so deleting the user can find and end it (root sessions end with the account).
            ...(session.owner.kind === 'user'
              ? userSignInSessionIndexKey(session.accountId, session.owner.userId, session.sessionId)
              : {}),
            entity: 'sign-in-session',
            ...session,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
  ]);
  if (!written.ok) throw new Error(`sign-in session id collision: ${written.code}`);
}

/** Reads a session by id (strongly consistent: a sign-out must take effect at once). */
export async function getSignInSession(
  context: StoreContext,
  sessionId: string,
): Promise<SignInSessionRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: signInSessionKey(sessionId), ConsistentRead: true }),
  );
  return result.Item ? toSignInSession(result.Item) : undefined;
}

/**
 * Replaces the session's refresh hash only if it is still `expectedHash` and the session active:
 * of two requests presenting the same refresh token, exactly one rotates. False otherwise.
 */
export async function rotateSessionRefreshHash(
  context: StoreContext,
  sessionId: string,
  expectedHash: string,
  nextHash: string,
  at: string,
): Promise<boolean> {
  return updateIfStill(context, {
    Key: signInSessionKey(sessionId),
    UpdateExpression: 'SET refreshHash = :next, refreshedAt = :at',
    ConditionExpression: 'attribute_exists(pk) AND #status = :active AND refreshHash = :expected',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':next': nextHash,
      ':at': at,
      ':active': 'active',
      ':expected': expectedHash,
    },
  });
}

/** Revokes a session (sign-out, or reuse of a rotated refresh token); false when there was none. */
export async function revokeSignInSession(
  context: StoreContext,
  sessionId: string,
  reason: string,
  at: string,
): Promise<boolean> {
  return updateIfStill(context, {
    Key: signInSessionKey(sessionId),
    UpdateExpression: 'SET #status = :revoked, revokedReason = :reason, revokedAt = :at',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':revoked': 'revoked', ':reason': reason, ':at': at },
  });
}

/**
 * Ids of the sign-in sessions filed under a user, at most `limit` (GSI1, so eventually consistent:
 * a session opened a moment ago may be missing; authentication refuses it anyway once the user is
 * gone or inactive). Sessions opened before the index existed are not listed: they expire by TTL.
 */
export async function listUserSignInSessionIds(
  context: StoreContext,
  accountId: string,
  userId: string,
  limit: number,
): Promise<string[]> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': userSignInSessionsPartition(accountId, userId) },
      ProjectionExpression: 'sessionId',
      Limit: limit,
    }),
  );
  return (result.Items ?? []).map((item) => String(item.sessionId));
}

/** Deletes a sign-in session (its user is being deleted): its tokens stop at once; absent is fine. */
export async function deleteSignInSession(context: StoreContext, sessionId: string): Promise<Result<void>> {
  return transact(context, [{ write: { Delete: { Key: signInSessionKey(sessionId) } } }]);
}

/** One conditional update as a transaction (so it carries its change record); false when the condition failed. */
async function updateIfStill(
  context: StoreContext,
  update: NonNullable<TransactItem['Update']>,
): Promise<boolean> {
  const written = await transact(context, [
    { write: { Update: update }, onConditionFailed: fail('entity.concurrent-modification', 'Not current.') },
  ]);
  return written.ok;
}

/** Converts a stored item into a session record. */
export function toSignInSession(item: Record<string, unknown>): SignInSessionRecord {
  return {
    sessionId: String(item.sessionId),
    accountId: String(item.accountId),
    owner: item.owner as CredentialOwnerKey,
    principalArn: String(item.principalArn),
    principalId: String(item.principalId),
    authTime: String(item.authTime),
    mfa: item.mfa === true,
    amr: Array.isArray(item.amr) ? item.amr.map(String) : [],
    passwordResetRequired: item.passwordResetRequired === true,
    ...(typeof item.profileGeneration === 'string' ? { profileGeneration: item.profileGeneration } : {}),
    refreshHash: String(item.refreshHash),
    status: item.status === 'active' ? 'active' : 'revoked',
    ...(typeof item.revokedReason === 'string' ? { revokedReason: item.revokedReason } : {}),
    createdAt: String(item.createdAt),
    expiresAt: Number(item.expiresAt),
  };
}

/** What a throttle partition counts: sign-in names, source addresses, or codes tried on one MFA device. */
export type ThrottleKind = 'USER' | 'IP' | 'MFA';

/** The failure counts and lockout of one throttled identity (hashed name, source IP, or MFA device). */
export interface ThrottleState {
  /** Epoch milliseconds until which sign-in is locked, when a lock is set. */
  readonly lockedUntil?: number;
  /** Failures (and attempts in flight) per bucket number. */
  readonly buckets: ReadonlyMap<number, number>;
}

/** Reads a throttle partition: its lock and the buckets from `fromBucket` to `toBucket`. */
export async function readSignInThrottle(
  context: StoreContext,
  kind: ThrottleKind,
  hashHex: string,
  fromBucket: number,
  toBucket: number,
): Promise<ThrottleState> {
  const pk = signInThrottlePartition(kind, hashHex);
  const [lock, buckets] = await Promise.all([
    context.documents.send(
      new GetCommand({
        TableName: context.tableName,
        Key: { pk, sk: signInThrottleLock },
        ConsistentRead: true,
      }),
    ),
    context.documents.send(
      new QueryCommand({
        TableName: context.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': pk,
          ':from': signInThrottleBucket(fromBucket),
          ':to': signInThrottleBucket(toBucket),
        },
        ConsistentRead: true,
      }),
    ),
  ]);
  const counts = new Map<number, number>();
  for (const item of buckets.Items ?? []) counts.set(Number(item.bucket), Number(item.count ?? 0));
  const lockedUntil = lock.Item?.lockedUntil;
  return typeof lockedUntil === 'number' ? { lockedUntil, buckets: counts } : { buckets: counts };
}

/** Adds `delta` to a bucket atomically and returns its new count. */
export async function addSignInThrottleCount(
  context: StoreContext,
  kind: ThrottleKind,
  hashHex: string,
  bucket: number,
  delta: number,
  expiresAtSeconds: number,
): Promise<number> {
  const result = await context.documents.send(
    new UpdateCommand({
      TableName: context.tableName,
      Key: { pk: signInThrottlePartition(kind, hashHex), sk: signInThrottleBucket(bucket) },
      UpdateExpression: 'ADD #count :delta SET #bucket = :bucket, #exp = :exp, #entity = :entity',
      ExpressionAttributeNames: {
        '#count': 'count',
        '#bucket': 'bucket',
        '#exp': 'expiresAt',
        '#entity': 'entity',
      },
      ExpressionAttributeValues: {
        ':delta': delta,
        ':bucket': bucket,
        ':exp': expiresAtSeconds,
        ':entity': 'sign-in-throttle',
      },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(result.Attributes?.count ?? 0);
}

/** Locks a throttled identity until `lockedUntil` (epoch ms); the TTL removes the lock later. */
export async function lockSignInThrottle(
  context: StoreContext,
  kind: ThrottleKind,
  hashHex: string,
  lockedUntil: number,
): Promise<void> {
  await context.documents.send(
    new PutCommand({
      TableName: context.tableName,
      Item: {
        pk: signInThrottlePartition(kind, hashHex),
        sk: signInThrottleLock,
        entity: 'sign-in-lock',
        lockedUntil,
        expiresAt: Math.ceil(lockedUntil / 1000) + 3600,
      },
    }),
  );
}

/** Forgets the given buckets of an identity (after a successful sign-in). */
export async function clearSignInThrottle(
  context: StoreContext,
  kind: ThrottleKind,
  hashHex: string,
  buckets: readonly number[],
): Promise<void> {
  if (buckets.length === 0) return;
  const pk = signInThrottlePartition(kind, hashHex);
  await context.documents.send(
    new BatchWriteCommand({
      RequestItems: {
        [context.tableName]: buckets.map((bucket) => ({
          DeleteRequest: { Key: { pk, sk: signInThrottleBucket(bucket) } },
        })),
      },
    }),
  );
}

/** What one sign-in attempt is recorded with (never the password or the MFA code). */
export interface SignInAttemptRecord {
  /** The resolved account, when the name given was one. */
  readonly accountId?: string;
  /** The account as typed (alias or id). */
  readonly accountName: string;
  readonly userName?: string;
  readonly sourceIp?: string;
  readonly at: Date;
  readonly attemptId: string;
  readonly outcome: string;
  /** Epoch seconds (TTL). */
  readonly expiresAt: number;
}

/** Records one sign-in attempt. */
export async function recordSignInAttempt(
  context: StoreContext,
  attempt: SignInAttemptRecord,
): Promise<void> {
  const iso = attempt.at.toISOString();
  await context.documents.send(
    new PutCommand({
      TableName: context.tableName,
      Item: {
        ...signInAttemptKey(attempt.accountId, iso.slice(0, 10), `${iso}#${attempt.attemptId}`),
        entity: 'sign-in-attempt',
        ...attempt,
        at: iso,
      },
    }),
  );
}

/** The attempts recorded for an account on one day (`yyyy-mm-dd`), oldest first. */
export async function listSignInAttempts(
  context: StoreContext,
  accountId: string | undefined,
  day: string,
): Promise<Record<string, unknown>[]> {
  const { pk } = signInAttemptKey(accountId, day, `${day}T00:00:00.000Z#x`);
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
}
