/**
 * Users, groups and roles: one partition each, keyed by the immutable id (AIDA…/AGPA…/AROA…),
 * holding the authoritative record and everything the principal owns (inline policies,
 * attachments, memberships, access keys, …). A name item beside it (`entityNameKey`) holds the id
 * and a copy of the record, written in the same transaction as every change of the record's
 * fields, so a read by name is one GetItem and a rename rewrites three items whatever the
 * principal holds. Counters live on the authoritative record only: the writes that move them (a
 * key, a membership, an MFA device) know the owner by id, never by name.
 */

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import { batchGetItems } from './batch-get-items.ts';
import type { StoreContext } from './client.ts';
import { allShards, releaseCount, transactCounted, withReleasedShard } from './counter-shards.ts';
import {
  type EntityKind,
  entityNameKey,
  entityPartition,
  entityRecordKey,
  groupMemberShardKey,
  type ItemKey,
  principalListKey,
  principalListPartition,
} from './keys.ts';
import { currentPolicyArn } from './legacy-policy-arns.ts';
import { queryWholePartition } from './partition-queries.ts';
import { type PathPage, queryPathListing } from './path-listings.ts';
import { consistentPointRead } from './point-read-batch.ts';
import { absentStamp, type RecordStamp, recordStamp } from './record-stamps.ts';
import { type GuardedWrite, transact, versionedSet } from './transactions.ts';

export { batchGetItems } from './batch-get-items.ts';

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
  /** The use shard of the boundary (a customer policy) this principal is counted in (managed-policies.ts). */
  readonly permissionsBoundaryShard?: number;
  readonly description?: string;
  /** Roles only. */
  readonly assumeRolePolicyDocument?: string;
  readonly maxSessionDuration?: number;
  /**
   * Users only: false while the user is deactivated (user-activation.ts): its keys, password and
   * sessions authenticate no one, and all it holds is kept for reactivation. Absent for groups and roles.
   */
  readonly active?: boolean;
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

/** A principal as the writes of its children name it: by id (the key), with its name for messages. */
export interface PrincipalRef {
  readonly accountId: string;
  readonly kind: PrincipalKind;
  readonly id: string;
  readonly name: string;
}

/** The item key of a principal's authoritative record (by id). */
export function principalKey(accountId: string, kind: PrincipalKind, id: string): ItemKey {
  return entityRecordKey(accountId, KIND_KEY[kind], id);
}

/** The key of a principal's name item (name → id, with a copy of the record). */
export function principalNameKey(accountId: string, kind: PrincipalKind, name: string): ItemKey {
  return entityNameKey(accountId, KIND_KEY[kind], name);
}

/** The partition holding a principal's record and everything it owns. */
export function principalPartitionOf(principal: Pick<PrincipalRef, 'accountId' | 'kind' | 'id'>): string {
  return entityPartition(principal.accountId, KIND_KEY[principal.kind], principal.id);
}

/** An entity (principal or managed policy) whose record has a name item beside it. */
export interface NamedEntityRef {
  readonly accountId: string;
  readonly kind: EntityKind;
  readonly id: string;
  readonly name: string;
}

/**
 * The name item's side of a change to what a principal owns (inline policies, attachments,
 * memberships): the record's version moves (cached bundles are stamped with it), and the name
 * item's copy of the version must move with it, or the next update of the record's fields, which
 * expects the version the name item shows, would be refused.
 */
export function nameVersionBump(principal: PrincipalRef): GuardedWrite {
  return {
    write: {
      Update: {
        Key: entityNameKey(principal.accountId, KIND_KEY[principal.kind], principal.name),
        UpdateExpression: 'SET version = version + :one',
        ConditionExpression: 'id = :id',
        ExpressionAttributeValues: { ':one': 1, ':id': principal.id },
      },
    },
    onConditionFailed: fail(
      'entity.concurrent-modification',
      `${capitalised(principal.kind)} ${principal.name} changed meanwhile; retry.`,
    ),
  };
}

/** The entity key kind of a principal kind. */
export function entityKindOf(kind: PrincipalKind): EntityKind {
  return KIND_KEY[kind];
}

// Never copied to the name item: the listing attributes (one listing entry per entity) and the
// counters (moved by child writes that know the owner by id only; read them by id).
const RECORD_ONLY = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'counters']);

/** The attributes of a record that its name item copies. */
export function nameItemCopy(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([field]) => !RECORD_ONLY.has(field)));
}

/**
 * The pair of writes that change a record's fields: the Update on the authoritative item (with the
 * condition) and the same SET/REMOVE on its name item, less what the name item does not copy.
 * INVARIANT: every write of a record's copied fields goes through here, so the copy stays exact.
 */
export function recordUpdateWrites(
  entity: NamedEntityRef,
  update: {
    readonly set: readonly string[];
    readonly remove?: readonly string[];
    readonly condition: string;
    readonly names?: Readonly<Record<string, string>>;
    readonly values: Readonly<Record<string, unknown>>;
  },
  onConditionFailed: Failure,
): GuardedWrite[] {
  const remove = update.remove ?? [];
  const expression = (set: readonly string[], removed: readonly string[]) =>
    [set.length ? `SET ${set.join(', ')}` : '', removed.length ? `REMOVE ${removed.join(', ')}` : '']
      .filter(Boolean)
      .join(' ');
  const recordExpression = expression(update.set, remove);
  const copied = (part: string) => !/^(?:counters\.|gsi1sk\b|gsi1pk\b)/.test(part.trim());
  const nameExpression = expression(update.set.filter(copied), remove.filter(copied));
  const writes: GuardedWrite[] = [
    {
      write: {
        Update: {
          Key: entityRecordKey(entity.accountId, entity.kind, entity.id),
          UpdateExpression: recordExpression,
          ConditionExpression: update.condition,
          ...referenced(`${recordExpression} ${update.condition}`, update.names, update.values),
        },
      },
      onConditionFailed,
    },
  ];
  if (nameExpression) {
    writes.push({
      write: {
        Update: {
          Key: entityNameKey(entity.accountId, entity.kind, entity.name),
          UpdateExpression: nameExpression,
          ...referenced(nameExpression, update.names, update.values),
        },
      },
    });
  }
  return writes;
}

/** The expression attribute names and values an expression uses (DynamoDB refuses unused ones). */
function referenced(
  expression: string,
  names: Readonly<Record<string, string>> | undefined,
  values: Readonly<Record<string, unknown>>,
): {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  const used = (placeholder: string) => new RegExp(`${placeholder}(?![\\w])`).test(expression);
  const usedNames = Object.fromEntries(Object.entries(names ?? {}).filter(([n]) => used(n)));
  const usedValues = Object.fromEntries(Object.entries(values).filter(([v]) => used(v)));
  return {
    ...(Object.keys(usedNames).length ? { ExpressionAttributeNames: usedNames } : {}),
    ...(Object.keys(usedValues).length ? { ExpressionAttributeValues: usedValues } : {}),
  };
}

/** The pair of writes that create a record and its name item (the name item's condition: the name is free). */
export function recordCreationWrites(
  entity: NamedEntityRef,
  item: Readonly<Record<string, unknown>>,
  nameTaken: Failure,
): GuardedWrite[] {
  return [
    {
      write: {
        Put: {
          Item: { ...item, ...entityRecordKey(entity.accountId, entity.kind, entity.id) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.concurrent-modification', `Id collision for ${entity.id}; retry.`),
    },
    {
      write: {
        Put: {
          Item: {
            ...nameItemCopy(item),
            ...entityNameKey(entity.accountId, entity.kind, entity.name),
            entity: `${String(item.entity)}-name`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: nameTaken,
    },
  ];
}

/** The pair of writes that delete a record (under `condition`, which should pin its name) and its name item. */
export function recordDeletionWrites(
  entity: NamedEntityRef,
  condition: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
  onConditionFailed: Failure,
): GuardedWrite[] {
  return [
    {
      write: {
        Delete: {
          Key: entityRecordKey(entity.accountId, entity.kind, entity.id),
          ConditionExpression: condition.expression,
          ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
          ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
        },
      },
      onConditionFailed,
    },
    {
      write: {
        Delete: {
          Key: entityNameKey(entity.accountId, entity.kind, entity.name),
          // INVARIANT: only the name item pointing at this record goes (the record's condition pins the name).
          ConditionExpression: 'attribute_not_exists(pk) OR id = :id',
          ExpressionAttributeValues: { ':id': entity.id },
        },
      },
      onConditionFailed,
    },
  ];
}

/**
 * Creates a principal if its name is free (case-insensitively: the name item's condition) and the
 * account quota allows. The count goes to one shard of the account's counter (counter-shards.ts),
 * recorded on the principal; a group also gets its member-count shards, so memberships never write
 * the group's own item.
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
      ...recordCreationWrites(
        { ...record, kind: KIND_KEY[record.kind] },
        {
          ...principalListKey(record.accountId, KIND_KEY[record.kind], record.path, record.name),
          entity: record.kind,
          ...record,
          version: 1,
          counters: zeroCounters,
          quotaShard,
        },
        fail('entity.already-exists', `${capitalised(record.kind)} with name ${record.name} already exists.`),
      ),
      ...(record.kind === 'group' ? memberShardCreation(record.accountId, record.id) : []),
      ...alongside,
    ],
  );
  return counted.ok
    ? ok({ ...record, version: 1, counters: zeroCounters, quotaShard: counted.value })
    : counted;
}

function memberShardCreation(accountId: string, groupId: string): GuardedWrite[] {
  return allShards.map((shard) => ({
    write: {
      Put: { Item: { ...groupMemberShardKey(accountId, groupId, shard), entity: 'member-count', n: 0 } },
    },
  }));
}

/**
 * Reads a principal by name (case-insensitive), strongly consistent: one GetItem of its name item.
 * The name item copies every field but the counters (returned as zero): read by id when they matter.
 */
export async function getPrincipal(
  context: StoreContext,
  accountId: string,
  kind: PrincipalKind,
  name: string,
): Promise<PrincipalRecord | undefined> {
  const key = entityNameKey(accountId, KIND_KEY[kind], name);
  const result = await consistentPointRead(
    context,
    { shape: 'get', keys: [key] },
    () => new GetCommand({ TableName: context.tableName, Key: key, ConsistentRead: true }),
  );
  return result.Item && result.Item.kind === kind ? toPrincipal(result.Item) : undefined;
}

/** Reads a principal's authoritative record (with its counters) by id, strongly consistent. */
export async function getPrincipalById(
  context: StoreContext,
  accountId: string,
  kind: PrincipalKind,
  id: string,
): Promise<PrincipalRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: principalKey(accountId, kind, id),
      ConsistentRead: true,
    }),
  );
  return result.Item ? toPrincipal(result.Item) : undefined;
}

/** Reads the records of principals by id (BatchGetItem, 100 a request), in the order of `ids`; gone ones are skipped. */
export async function getPrincipalsByIds(
  context: StoreContext,
  accountId: string,
  kind: PrincipalKind,
  ids: readonly string[],
): Promise<PrincipalRecord[]> {
  const items = await batchGetItems(
    context,
    [...new Set(ids)].map((id) => principalKey(accountId, kind, id)),
  );
  const byId = new Map(items.map((item) => [String(item.id), toPrincipal(item)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Lists principals of a kind whose path starts with `pathPrefix`, in path-then-name order. */
export async function listPrincipals(
  context: StoreContext,
  accountId: string,
  kind: PrincipalKind,
  page: PathPage,
): Promise<{ items: PrincipalRecord[]; next?: string; nextId?: string }> {
  const listed = await queryPrincipalPage(context, accountId, kind, page);
  return { ...listed, items: listed.items.map(toPrincipal) };
}

function queryPrincipalPage(
  context: StoreContext,
  accountId: string,
  kind: PrincipalKind,
  page: PathPage,
  attributes?: readonly string[],
) {
  const partition = principalListPartition(accountId, KIND_KEY[kind]);
  return queryPathListing(context, partition, page, (item) => String(item.path), attributes);
}

/**
 * What IAM's listings of principals show (ListUsers, ListGroups, ListRoles): a subset of each
 * entity, without tags or boundary (IAM documents that its listings leave those out).
 */
export type PrincipalListing = Pick<
  PrincipalRecord,
  | 'kind'
  | 'name'
  | 'path'
  | 'id'
  | 'arn'
  | 'createdAt'
  | 'description'
  | 'assumeRolePolicyDocument'
  | 'maxSessionDuration'
>;

// The kind is the listing's own: not read back from every item.
const LISTING_ATTRIBUTES = [
  'name',
  'path',
  'id',
  'arn',
  'createdAt',
  'description',
  'assumeRolePolicyDocument',
  'maxSessionDuration',
] as const satisfies readonly Exclude<keyof PrincipalListing, 'kind'>[];

/** One page of a kind's principals as IAM lists them, reading only the attributes a listing shows. */
export async function listPrincipalListings(
  context: StoreContext,
  accountId: string,
  kind: PrincipalKind,
  page: PathPage,
): Promise<{ items: PrincipalListing[]; next?: string; nextId?: string }> {
  const listed = await queryPrincipalPage(context, accountId, kind, page, LISTING_ATTRIBUTES);
  return { ...listed, items: listed.items.map((item) => toPrincipalListing(kind, item)) };
}

function toPrincipalListing(kind: PrincipalKind, item: Record<string, unknown>): PrincipalListing {
  const listing: Mutable<PrincipalListing> = {
    kind,
    name: String(item.name),
    path: String(item.path),
    id: String(item.id),
    arn: String(item.arn),
    createdAt: String(item.createdAt),
  };
  if (typeof item.description === 'string') listing.description = item.description;
  if (typeof item.assumeRolePolicyDocument === 'string')
    listing.assumeRolePolicyDocument = item.assumeRolePolicyDocument;
  if (typeof item.maxSessionDuration === 'number') listing.maxSessionDuration = item.maxSessionDuration;
  return listing;
}

/**
 * Applies field changes to a principal if it still has `expectedVersion` (one transaction, so it
 * carries its change record; the name item's copy changes with it). The counters returned are
 * those of `current`.
 */
export async function updatePrincipal(
  context: StoreContext,
  current: PrincipalRecord,
  changes: Partial<
    Pick<
      PrincipalRecord,
      | 'path'
      | 'arn'
      | 'tags'
      | 'permissionsBoundary'
      | 'description'
      | 'assumeRolePolicyDocument'
      | 'maxSessionDuration'
    >
  >,
  remove: readonly ('permissionsBoundary' | 'description')[] = [],
  alongside: readonly GuardedWrite[] = [],
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
  const written = await transact(context, [
    ...recordUpdateWrites(
      refOf(current),
      {
        set: sets,
        remove: remove.map((field) => `#${field}`),
        condition: 'attribute_exists(pk) AND version = :expected',
        names,
        values,
      },
      changedMeanwhile(current),
    ),
    ...alongside,
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

/** What to rename a user or group to: a new name, path and ARN (IAM cannot rename roles or policies). */
export interface PrincipalRename {
  readonly newName: string;
  readonly newPath: string;
  readonly newArn: string;
}

/**
 * Renames a user or group if it still has `current.version`: three writes whatever it holds (the
 * record's name, ARN, path and listing key; the old name item deleted; the new one put where the
 * name is free, case-insensitively). Its children are keyed by its id and do not move.
 */
export async function renamePrincipal(
  context: StoreContext,
  current: PrincipalRecord,
  rename: PrincipalRename,
): Promise<Result<PrincipalRecord>> {
  const kind = KIND_KEY[current.kind];
  const renamed: PrincipalRecord = {
    ...current,
    name: rename.newName,
    path: rename.newPath,
    arn: rename.newArn,
    version: current.version + 1,
  };
  const oldNameKey = entityNameKey(current.accountId, kind, current.name);
  const newNameKey = entityNameKey(current.accountId, kind, rename.newName);
  const sameName = oldNameKey.pk === newNameKey.pk;
  const raced = changedMeanwhile(current);
  const nameItem = {
    ...nameItemCopy({ ...recordFields(renamed) }),
    ...newNameKey,
    entity: `${current.kind}-name`,
  };
  return transact(context, [
    {
      write: {
        Update: {
          Key: principalKey(current.accountId, current.kind, current.id),
          UpdateExpression:
            'SET #name = :name, #path = :path, arn = :arn, gsi1sk = :gsi1sk, version = version + :one',
          ConditionExpression: 'attribute_exists(pk) AND version = :expected',
          ExpressionAttributeNames: { '#name': 'name', '#path': 'path' },
          ExpressionAttributeValues: {
            ':name': renamed.name,
            ':path': renamed.path,
            ':arn': renamed.arn,
            ':gsi1sk': principalListKey(current.accountId, kind, renamed.path, renamed.name).gsi1sk,
            ':one': 1,
            ':expected': current.version,
          },
        },
      },
      onConditionFailed: raced,
    },
    ...(sameName
      ? []
      : [
          {
            write: {
              Delete: {
                Key: oldNameKey,
                ConditionExpression: 'id = :id',
                ExpressionAttributeValues: { ':id': current.id },
              },
            },
            onConditionFailed: raced,
          },
        ]),
    {
      write: {
        Put: {
          Item: nameItem,
          ...(sameName
            ? { ConditionExpression: 'id = :id', ExpressionAttributeValues: { ':id': current.id } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      },
      onConditionFailed: sameName
        ? raced
        : fail(
            'entity.already-exists',
            `${capitalised(current.kind)} with name ${rename.newName} already exists.`,
          ),
    },
  ]).then((written) => (written.ok ? ok(renamed) : written));
}

/** The stored fields of a record (what its item holds besides keys). */
function recordFields(record: PrincipalRecord): Record<string, unknown> {
  return { entity: record.kind, ...record };
}

function refOf(record: PrincipalRef): NamedEntityRef {
  return { accountId: record.accountId, kind: KIND_KEY[record.kind], id: record.id, name: record.name };
}

function changedMeanwhile(current: PrincipalRef): Failure {
  return fail(
    'entity.concurrent-modification',
    `${capitalised(current.kind)} ${current.name} changed meanwhile; retry.`,
  );
}

/**
 * Sets or removes a principal's permissions boundary if it still has `current.version`, together
 * with `alongside` writes (the boundary policies' usage counters); `boundaryShard` is the use shard
 * of the new boundary the principal is counted in (absent: none, e.g. an operator-managed policy).
 */
export async function setPermissionsBoundary(
  context: StoreContext,
  current: PrincipalRecord,
  boundary: string | undefined,
  alongside: readonly GuardedWrite[],
  boundaryShard?: number,
): Promise<Result<void>> {
  const shardKept = boundary !== undefined && boundaryShard !== undefined;
  return transact(context, [
    ...recordUpdateWrites(
      refOf(current),
      {
        set: [
          'version = version + :one',
          ...(boundary ? ['permissionsBoundary = :b'] : []),
          ...(shardKept ? ['permissionsBoundaryShard = :bs'] : []),
        ],
        remove: [
          ...(boundary ? [] : ['permissionsBoundary']),
          ...(shardKept ? [] : ['permissionsBoundaryShard']),
        ],
        condition: 'attribute_exists(pk) AND version = :expected',
        values: {
          ':one': 1,
          ':expected': current.version,
          ...(boundary ? { ':b': boundary } : {}),
          ...(shardKept ? { ':bs': boundaryShard } : {}),
        },
      },
      changedMeanwhile(current),
    ),
    ...alongside,
  ]);
}

/**
 * Deletes a principal when it owns nothing any more; DeleteConflict names what remains (read from
 * the authoritative record: the name item has no counters). A group's members are counted by its
 * member shards (not its own item), which are deleted with it only while every one is zero, so a
 * membership racing the deletion either lands first (and the deletion is refused) or finds no group.
 */
export async function deletePrincipal(
  context: StoreContext,
  named: PrincipalRecord,
  alongside: readonly GuardedWrite[] = [],
): Promise<Result<void>> {
  const current = await getPrincipalById(context, named.accountId, named.kind, named.id);
  // The caller gives back the boundary use it read (`alongside`): a boundary changed since then
  // would release the wrong policy's use, so the deletion is refused and retried afresh.
  if (
    !current ||
    current.name !== named.name ||
    current.permissionsBoundary !== named.permissionsBoundary ||
    current.permissionsBoundaryShard !== named.permissionsBoundaryShard
  )
    return changedMeanwhile(named);
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
  const counter = SUMMARY_COUNTER[current.kind];
  const writes: GuardedWrite[] = [
    ...recordDeletionWrites(
      refOf(current),
      {
        // The name pins which name item goes with it (a rename in between cancels the deletion),
        // the boundary which use is given back (a boundary change in between cancels it too).
        expression: `attribute_exists(pk) AND #name = :name AND ${zero} AND ${
          current.permissionsBoundary === undefined
            ? 'attribute_not_exists(permissionsBoundary)'
            : current.permissionsBoundaryShard === undefined
              ? 'permissionsBoundary = :boundary AND attribute_not_exists(permissionsBoundaryShard)'
              : 'permissionsBoundary = :boundary AND permissionsBoundaryShard = :boundaryShard'
        }`,
        names: { '#name': 'name' },
        values: {
          ':zero': 0,
          ':name': current.name,
          ...(current.permissionsBoundary === undefined ? {} : { ':boundary': current.permissionsBoundary }),
          ...(current.permissionsBoundary === undefined || current.permissionsBoundaryShard === undefined
            ? {}
            : { ':boundaryShard': current.permissionsBoundaryShard }),
        },
      },
      fail(
        'entity.delete-conflict',
        `Cannot delete ${current.kind} ${current.name}: it gained dependents or changed meanwhile; retry or detach them first.`,
      ),
    ),
    ...(current.kind === 'group'
      ? allShards.map(
          (shard): GuardedWrite => ({
            write: {
              Delete: {
                Key: groupMemberShardKey(current.accountId, current.id, shard),
                ConditionExpression: 'attribute_not_exists(n) OR n = :zero',
                ExpressionAttributeValues: { ':zero': 0 },
              },
            },
            onConditionFailed: membersLeft,
          }),
        )
      : []),
    ...releaseCount(current.accountId, counter, current.quotaShard),
    ...alongside,
  ];
  // Holding the account shard given back: this process's creations and deletions take turns on it.
  return withReleasedShard(current.accountId, counter, current.quotaShard, () => transact(context, writes));
}

/**
 * The stamp of a principal's record among the items of its partition (absent when it is not
 * there): every change to what the partition holds for decisions bumps the record's version.
 */
export function principalRecordStamp(
  items: readonly Record<string, unknown>[],
  principal: Pick<PrincipalRef, 'accountId' | 'kind' | 'id'>,
): RecordStamp {
  const key = principalKey(principal.accountId, principal.kind, principal.id);
  const record = items.find((item) => item.pk === key.pk && item.sk === key.sk);
  return record ? recordStamp(record) : absentStamp(key);
}

/** Reads every item in a principal's partition (its record and all it owns), paging as needed. */
export async function readPrincipalPartition(
  context: StoreContext,
  principal: Pick<PrincipalRef, 'accountId' | 'kind' | 'id'>,
): Promise<Record<string, unknown>[]> {
  const items = await queryWholePartition(context, principalPartitionOf(principal));
  return items.map((item) =>
    item.entity === 'attachment' && typeof item.policyArn === 'string'
      ? { ...item, policyArn: currentPolicyArn(item.policyArn) }
      : item,
  );
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
  const counters: PrincipalCounters = Object.assign(
    {},
    zeroCounters,
    item.counters as Partial<PrincipalCounters> | undefined,
  );
  // Built field by field in the record's key order: every read of a principal passes here.
  const record: Mutable<Partial<PrincipalRecord>> = {
    kind: item.kind as PrincipalKind,
    accountId: String(item.accountId),
    name: String(item.name),
    path: String(item.path),
    id: String(item.id),
    arn: String(item.arn),
    createdAt: String(item.createdAt),
    tags: (item.tags as Tag[] | undefined) ?? [],
  };
  if (typeof item.permissionsBoundary === 'string')
    record.permissionsBoundary = currentPolicyArn(item.permissionsBoundary);
  if (typeof item.permissionsBoundaryShard === 'number')
    record.permissionsBoundaryShard = item.permissionsBoundaryShard;
  if (typeof item.description === 'string') record.description = item.description;
  if (typeof item.assumeRolePolicyDocument === 'string')
    record.assumeRolePolicyDocument = item.assumeRolePolicyDocument;
  if (typeof item.maxSessionDuration === 'number') record.maxSessionDuration = item.maxSessionDuration;
  if (item.kind === 'user') record.active = item.active !== false;
  record.version = Number(item.version);
  record.counters = counters;
  if (typeof item.quotaShard === 'number') record.quotaShard = item.quotaShard;
  // INVARIANT: every required field was set above.
  return record as PrincipalRecord;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function definedFields(changes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}
