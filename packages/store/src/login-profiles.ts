/**
 * Login profiles: a user's (or the root's) console password, stored as a scrypt hash in the owner's
 * partition. Creation and deletion move the owner's `counters.loginProfiles` in the same
 * transaction, so DeleteUser stays refused while a profile exists.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { type CredentialOwnerKey, credentialOwnerRecordKey, loginProfileKey } from './keys.ts';
import { transact, versionedSet } from './transactions.ts';

/** Whose login profile: an IAM user, or the account's root. */
export type LoginProfileOwner = CredentialOwnerKey;

/** A login profile as stored. */
export interface LoginProfileRecord {
  readonly accountId: string;
  readonly owner: LoginProfileOwner;
  /** `$scrypt$…` (never the password). */
  readonly passwordHash: string;
  readonly passwordResetRequired: boolean;
  readonly createdAt: string;
  readonly passwordChangedAt: string;
  /** Hashes of earlier passwords, newest first, kept for PasswordReusePrevention (at most 24). */
  readonly previousPasswordHashes: readonly string[];
  /** Which sign-in sessions this password stands behind (absent on profiles from before it existed). */
  readonly signInGeneration?: SignInGeneration;
  readonly version: number;
}

/**
 * The sign-in sessions a login profile stands behind: those opened under `id` (sign-in copies it
 * into the session), plus `keptSessionId`, the session that changed the password itself. A new
 * `id` on every password change, creation or re-creation ends every other session in the same
 * write that changes the password, so no session opened with an old password can slip through.
 */
export interface SignInGeneration {
  readonly id: string;
  readonly keptSessionId?: string;
}

// Owners are keyed by id; messages name the user when the caller knows the name (it is not stored here).
function ownerLabel(owner: LoginProfileOwner, ownerName?: string): string {
  return owner.kind === 'root' ? 'the root user' : `user ${ownerName ?? owner.userId}`;
}

/** The NoSuchEntity IAM answers for a missing login profile (`ownerName`: the user's name, for the message). */
export function noLoginProfile(owner: LoginProfileOwner, ownerName?: string) {
  return fail(
    'entity.not-found',
    `Login Profile for ${owner.kind === 'root' ? 'the root user' : `User ${ownerName ?? owner.userId}`} cannot be found.`,
  );
}

/** Creates a login profile if the owner has none, counting it on the owner's record. */
export async function putNewLoginProfile(
  context: StoreContext,
  record: Omit<LoginProfileRecord, 'version' | 'previousPasswordHashes'>,
  ownerName?: string,
): Promise<Result<LoginProfileRecord>> {
  const stored: LoginProfileRecord = { ...record, previousPasswordHashes: [], version: 1 };
  const written = await transact(context, [
    {
      write: {
        Put: {
          Item: { ...loginProfileKey(record.accountId, record.owner), entity: 'login-profile', ...stored },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail(
        'entity.already-exists',
        `Login Profile for ${ownerLabel(record.owner, ownerName)} already exists.`,
      ),
    },
    {
      write: {
        Update: {
          Key: credentialOwnerRecordKey(record.accountId, record.owner),
          UpdateExpression:
            'SET counters.loginProfiles = if_not_exists(counters.loginProfiles, :zero) + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
        },
      },
      onConditionFailed: fail(
        'entity.not-found',
        record.owner.kind === 'root'
          ? 'The account cannot be found.'
          : `The user with name ${ownerName ?? record.owner.userId} cannot be found.`,
      ),
    },
  ]);
  return written.ok ? ok(stored) : written;
}

/** Reads a login profile (strongly consistent: a changed password must take effect at once). */
export async function getLoginProfile(
  context: StoreContext,
  accountId: string,
  owner: LoginProfileOwner,
): Promise<LoginProfileRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: loginProfileKey(accountId, owner),
      ConsistentRead: true,
    }),
  );
  return result.Item ? toLoginProfile(result.Item) : undefined;
}

/** Changes a login profile if it still has `current.version`. */
export async function updateLoginProfile(
  context: StoreContext,
  current: LoginProfileRecord,
  changes: Partial<
    Pick<
      LoginProfileRecord,
      | 'passwordHash'
      | 'passwordResetRequired'
      | 'passwordChangedAt'
      | 'previousPasswordHashes'
      | 'signInGeneration'
    >
  >,
): Promise<Result<LoginProfileRecord>> {
  const { names, values, sets } = versionedSet(changes, current.version);
  const written = await transact(context, [
    {
      write: {
        Update: {
          Key: loginProfileKey(current.accountId, current.owner),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND version = :expected',
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        },
      },
      onConditionFailed: fail(
        'entity.concurrent-modification',
        `The login profile of ${ownerLabel(current.owner)} changed meanwhile; retry.`,
      ),
    },
  ]);
  if (!written.ok) return written;
  // A transaction returns no item: the version condition held, so the result is `current` changed.
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  return ok({ ...current, ...defined, version: current.version + 1 });
}

/** Deletes a login profile and releases the owner's counter. */
export async function deleteLoginProfile(
  context: StoreContext,
  accountId: string,
  owner: LoginProfileOwner,
  ownerName?: string,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Delete: { Key: loginProfileKey(accountId, owner), ConditionExpression: 'attribute_exists(pk)' },
      },
      onConditionFailed: noLoginProfile(owner, ownerName),
    },
    {
      write: {
        Update: {
          Key: credentialOwnerRecordKey(accountId, owner),
          UpdateExpression: 'SET counters.loginProfiles = counters.loginProfiles - :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
    },
  ]);
}

/** Converts a stored item into a login profile record. */
export function toLoginProfile(item: Record<string, unknown>): LoginProfileRecord {
  return {
    accountId: String(item.accountId),
    owner: item.owner as LoginProfileOwner,
    passwordHash: String(item.passwordHash),
    passwordResetRequired: item.passwordResetRequired === true,
    createdAt: String(item.createdAt),
    passwordChangedAt: String(item.passwordChangedAt ?? item.createdAt),
    previousPasswordHashes: Array.isArray(item.previousPasswordHashes)
      ? item.previousPasswordHashes.map(String)
      : [],
    ...(isGeneration(item.signInGeneration) ? { signInGeneration: item.signInGeneration } : {}),
    version: Number(item.version),
  };
}

function isGeneration(value: unknown): value is SignInGeneration {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string';
}
