/**
 * Users, groups and roles: one partition each, holding the principal's own item and everything it
 * owns (inline policies, attachments, memberships, access keys). Counters on the principal item
 * guard per-principal quotas and deletion; counters on the account summary guard account quotas.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { allShards, releaseCount, transactCounted } from './counter-shards.ts';
import {
  groupMemberShardKey,
  principalItemKey,
  principalListKey,
  principalListPartition,
  principalPartition,
} from './keys.ts';
import { queryPathListing } from './path-listings.ts';
import { absentStamp, type RecordStamp, recordStamp } from './record-stamps.ts';
import { type GuardedWrite, transact, versionedSet } from './transactions.ts';

/** The principal kinds an account holds. */
export type PrincipalKind = 'user' | 'group' | 'role';

/** A tag on an entity, in IAM's shape. */
export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** Counters of what a principal owns; deletion needs them at zero. */
export interface PrincipalCounters {
  readonly attachedPolicies: number;
  readonly inlinePolicies: number;
  readonly inlinePolicyBytes: number;
  /** Groups of a user, or members of a group. */
  readonly memberships: number;
  readonly accessKeys: number;
  readonly mfaDevices: number;
  readonly loginProfiles: number;
}

/** A user, group or role as stored. */
export interface PrincipalRecord {
  readonly kind: PrincipalKind;
  readonly accountId: string;
  readonly name: string;
  readonly path: string;
  readonly id: string;
  readonly arn: string;
  readonly createdAt: string;
  readonly tags: readonly Tag[];
  readonly permissionsBoundary?: string;
  readonly description?: string;
  /** Roles only. */
  readonly assumeRolePolicyDocument?: string;
  readonly maxSessionDuration?: number;
  readonly version: number;
  readonly counters: PrincipalCounters;
  /** The shard of the account's counter this principal is counted in (counter-shards.ts). */
  readonly quotaShard?: number;
}

const KIND_KEY = { user: 'USER', group: 'GROUP', role: 'ROLE' } as const;
const SUMMARY_COUNTER = { user: 'users', group: 'groups', role: 'roles' } as const;

/** Empty counters for a new principal. */
export const zeroCounters: PrincipalCounters = {
  attachedPolicies: 0,
  inlinePolicies: 0,
  inlinePolicyBytes: 0,
  memberships: 0,
  accessKeys: 0,
  mfaDevices: 0,
  loginProfiles: 0,
};

/** The item key of a principal's own record. */
export function principalKey(accountId: string, kind: PrincipalKind, name: string) {
  return principalItemKey(accountId, KIND_KEY[kind], name);
}

/**
 * Creates a principal if its name is free (case-insensitively) and the account quota allows. The
 * count goes to one shard of the account's counter (counter-shards.ts), recorded on the principal;
 * a group also gets its member-count shards, so memberships never write the group's own item.
 */
export async function putNewPrincipal(
  context: StoreContext,
  record: Omit<PrincipalRecord, 'version' | 'counters' | 'quotaShard'>,
  accountQuota: number,
  alongside: readonly GuardedWrite[] = [],
): Promise<Result<PrincipalRecord>> {
  const counted = await transactCounted(
    context,
    record.accountId,
    SUMMARY_COUNTER[record.kind],
    accountQuota,
    fail(
      'quota.exceeded',
      `Cannot exceed quota for ${capitalised(record.kind)}sPerAccount: ${accountQuota}.`,
    ),
    (quotaShard) => [
      {
        write: {
          Put: {
            Item: {
              ...principalKey(record.accountId, record.kind, record.name),
              ...principalListKey(record.accountId, KIND_KEY[record.kind], record.path, record.name),
              entity: record.kind,
              ...record,
              version: 1,
              counters: zeroCounters,
              quotaShard,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        onConditionFailed: fail(
          'entity.already-exists',
          `${capitalised(record.kind)} with name ${record.name} already exists.`,
        ),
      },
      ...(record.kind === 'group' ? memberShardCreation(record.accountId, record.name) : []),
      ...alongside,
    ],
  );
  return counted.ok
    ? ok({ ...record, version: 1, counters: zeroCounters, quotaShard: counted.value })
    : counted;
}

function memberShardCreation(accountId: string, group: string): GuardedWrite[] {
  return allShards.map((shard) => ({
    write: {
      Put: { Item: { ...groupMemberShardKey(accountId, group, shard), entity: 'member-count', n: 0 } },
    },
  }));
}

/** Reads a principal by name (case-insensitive), strongly consistent. */
export async function getPrincipal(
  context: StoreContext,
  accountId: string,
  kind: PrincipalKind,
  name: string,
): Promise<PrincipalRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: principalKey(accountId, kind, name),
      ConsistentRead: true,
    }),
  );
  return result.Item ? toPrincipal(result.Item) : undefined;
}

/** Lists principals of a kind whose path starts with `pathPrefix`, in path-then-name order. */
export async function listPrincipals(
  context: StoreContext,
  accountId: string,
  kind: PrincipalKind,
  page: { pathPrefix?: string; limit: number; after?: string },
): Promise<{ items: PrincipalRecord[]; next?: string }> {
  const listed = await queryPathListing(
    context,
    principalListPartition(accountId, KIND_KEY[kind]),
    page,
    (item) => String(item.path),
  );
  return { items: listed.items.map(toPrincipal), ...(listed.next ? { next: listed.next } : {}) };
}

/**
 * Applies field changes to a principal if it still has `expectedVersion` (one transaction, so it
 * carries its change record). The counters returned are those of `current`.
 */
export async function updatePrincipal(
  context: StoreContext,
  current: PrincipalRecord,
  changes: Partial<
    Pick<
      PrincipalRecord,
      | 'path'
      | 'tags'
      | 'permissionsBoundary'
      | 'description'
      | 'assumeRolePolicyDocument'
      | 'maxSessionDuration'
    >
  >,
  remove: readonly ('permissionsBoundary' | 'description')[] = [],
): Promise<Result<PrincipalRecord>> {
  const { names, values, sets } = versionedSet(changes, current.version);
  if (changes.path !== undefined) {
    sets.push('gsi1sk = :gsi1sk');
    values[':gsi1sk'] = principalListKey(
      current.accountId,
      KIND_KEY[current.kind],
      changes.path,
      current.name,
    ).gsi1sk;
  }
  for (const field of remove) names[`#${field}`] = field;
  const removal = remove.length ? ` REMOVE ${remove.map((f) => `#${f}`).join(', ')}` : '';
  const written = await transact(context, [
    {
      write: {
        Update: {
          Key: principalKey(current.accountId, current.kind, current.name),
          UpdateExpression: `SET ${sets.join(', ')}${removal}`,
          ConditionExpression: 'attribute_exists(pk) AND version = :expected',
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        },
      },
      onConditionFailed: fail(
        'entity.concurrent-modification',
        `${capitalised(current.kind)} ${current.name} changed meanwhile; retry.`,
      ),
    },
  ]);
  if (!written.ok) return written;
  // A transaction returns no item: the version condition held, so the result is `current` changed.
  const next: Record<string, unknown> = {
    ...current,
    ...definedFields(changes),
    version: current.version + 1,
  };
  for (const field of remove) delete next[field];
  return ok(toPrincipal(next));
}

/**
 * Sets or removes a principal's permissions boundary if it still has `current.version`, together
 * with `alongside` writes (the boundary policies' usage counters).
 */
export async function setPermissionsBoundary(
  context: StoreContext,
  current: PrincipalRecord,
  boundary: string | undefined,
  alongside: readonly GuardedWrite[],
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Update: {
          Key: principalKey(current.accountId, current.kind, current.name),
          UpdateExpression: boundary
            ? 'SET permissionsBoundary = :b, version = version + :one'
            : 'REMOVE permissionsBoundary SET version = version + :one',
          ConditionExpression: 'attribute_exists(pk) AND version = :expected',
          ExpressionAttributeValues: {
            ':one': 1,
            ':expected': current.version,
            ...(boundary ? { ':b': boundary } : {}),
          },
        },
      },
      onConditionFailed: fail(
        'entity.concurrent-modification',
        `${capitalised(current.kind)} ${current.name} changed meanwhile; retry.`,
      ),
    },
    ...alongside,
  ]);
}

/**
 * Deletes a principal when it owns nothing any more; DeleteConflict names what remains. A group's
 * members are counted by its member shards (not its own item), which are deleted with it only
 * while every one is zero, so a membership racing the deletion either lands first (and the
 * deletion is refused) or finds no group.
 */
export async function deletePrincipal(
  context: StoreContext,
  current: PrincipalRecord,
  alongside: readonly GuardedWrite[] = [],
): Promise<Result<void>> {
  const guarded = Object.keys(zeroCounters).filter(
    (field) => field !== 'inlinePolicyBytes' && !(current.kind === 'group' && field === 'memberships'),
  );
  const remaining = guarded.filter((field) => current.counters[field as keyof PrincipalCounters] > 0);
  if (remaining.length > 0) {
    return fail(
      'entity.delete-conflict',
      `Cannot delete entity, must ${remaining.map((field) => DEPENDENT_HINT[field as keyof PrincipalCounters]).join(', ')} first.`,
    );
  }
  const zero = guarded.map((field) => `counters.${field} = :zero`).join(' AND ');
  const membersLeft = fail(
    'entity.delete-conflict',
    'Cannot delete entity, must remove users from group first.',
  );
  return transact(context, [
    {
      write: {
        Delete: {
          Key: principalKey(current.accountId, current.kind, current.name),
          ConditionExpression: `attribute_exists(pk) AND ${zero}`,
          ExpressionAttributeValues: { ':zero': 0 },
        },
      },
      onConditionFailed: fail(
        'entity.delete-conflict',
        `Cannot delete ${current.kind} ${current.name}: it gained dependents meanwhile; detach them first.`,
      ),
    },
    ...(current.kind === 'group'
      ? allShards.map(
          (shard): GuardedWrite => ({
            write: {
              Delete: {
                Key: groupMemberShardKey(current.accountId, current.name, shard),
                ConditionExpression: 'attribute_not_exists(n) OR n = :zero',
                ExpressionAttributeValues: { ':zero': 0 },
              },
            },
            onConditionFailed: membersLeft,
          }),
        )
      : []),
    ...releaseCount(current.accountId, SUMMARY_COUNTER[current.kind], current.quotaShard),
    ...alongside,
  ]);
}

/**
 * The stamp of a principal's record among the items of its partition (absent when it is not
 * there): every change to what the partition holds for decisions bumps the record's version.
 */
export function principalRecordStamp(
  items: readonly Record<string, unknown>[],
  accountId: string,
  kind: PrincipalKind,
  name: string,
): RecordStamp {
  const key = principalKey(accountId, kind, name);
  const record = items.find((item) => item.pk === key.pk && item.sk === key.sk);
  return record ? recordStamp(record) : absentStamp(key);
}

/** Reads every item in a principal's partition (its record and all it owns), paging as needed. */
export async function readPrincipalPartition(
  context: StoreContext,
  accountId: string,
  kind: PrincipalKind,
  name: string,
  consistent = true,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const result = await context.documents.send(
      new QueryCommand({
        TableName: context.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': principalPartition(accountId, KIND_KEY[kind], name) },
        ConsistentRead: consistent,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(result.Items ?? []));
    start = result.LastEvaluatedKey;
  } while (start);
  return items;
}

const DEPENDENT_HINT: Record<keyof PrincipalCounters, string> = {
  attachedPolicies: 'detach all policies',
  inlinePolicies: 'delete all inline policies',
  inlinePolicyBytes: 'delete all inline policies',
  memberships: 'remove all group memberships',
  accessKeys: 'delete all access keys',
  mfaDevices: 'deactivate all MFA devices',
  loginProfiles: 'delete the login profile',
};

/** `User`, `Group` or `Role`: how IAM's messages name a kind. */
export function capitalised(kind: PrincipalKind): string {
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}

/** Converts a stored item into a principal record. */
export function toPrincipal(item: Record<string, unknown>): PrincipalRecord {
  const counters = { ...zeroCounters, ...(item.counters as Partial<PrincipalCounters> | undefined) };
  return {
    kind: item.kind as PrincipalKind,
    accountId: String(item.accountId),
    name: String(item.name),
    path: String(item.path),
    id: String(item.id),
    arn: String(item.arn),
    createdAt: String(item.createdAt),
    tags: (item.tags as Tag[] | undefined) ?? [],
    ...(typeof item.permissionsBoundary === 'string'
      ? { permissionsBoundary: item.permissionsBoundary }
      : {}),
    ...(typeof item.description === 'string' ? { description: item.description } : {}),
    ...(typeof item.assumeRolePolicyDocument === 'string'
      ? { assumeRolePolicyDocument: item.assumeRolePolicyDocument }
      : {}),
    ...(typeof item.maxSessionDuration === 'number' ? { maxSessionDuration: item.maxSessionDuration } : {}),
    version: Number(item.version),
    counters,
    ...(typeof item.quotaShard === 'number' ? { quotaShard: item.quotaShard } : {}),
  };
}

function definedFields(changes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}
