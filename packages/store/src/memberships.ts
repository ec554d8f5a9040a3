/**
 * Group memberships, written on both sides in one transaction: the user's partition says which
 * groups it is in (read when loading its policies), the group's says who its members are. Both
 * sides name the other by immutable id, so a rename of either touches neither. The group's member
 * count lives in its member shards (counter-shards.ts), never on the group's item.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { readShardCounts, withShard } from './counter-shards.ts';
import {
  groupMemberKey,
  groupMemberPrefix,
  groupMemberShardKey,
  groupMemberShardPrefix,
  isEntityId,
  membershipKey,
  membershipPrefix,
} from './keys.ts';
import { queryWholePartition } from './partition-queries.ts';
import {
  getPrincipalsByIds,
  nameVersionBump,
  type PrincipalRecord,
  type PrincipalRef,
  principalKey,
  principalPartitionOf,
} from './principals.ts';
import { type GuardedWrite, transact } from './transactions.ts';

/**
 * Adds a user to a group (idempotent: already a member is `entity.already-exists`, which callers
 * treat as done). The group's own item is not written: one of its member-count shards is, so
 * memberships of distinct users in one group do not collide, and a deleted group (whose shards
 * are gone) refuses the membership.
 */
export async function addMembership(
  context: StoreContext,
  userRef: PrincipalRef,
  groupRef: PrincipalRef,
  maxGroupsPerUser: number,
): Promise<Result<void>> {
  const { accountId } = userRef;
  const [user, group] = [userRef.id, groupRef.id];
  const members = `${principalPartitionOf(groupRef)}|members`;
  return withShard(members, (memberShard) =>
    transact(context, [
      {
        write: {
          Put: {
            Item: {
              ...membershipKey(accountId, user, group),
              entity: 'membership',
              groupId: group,
              memberShard,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        onConditionFailed: fail(
          'entity.already-exists',
          `User ${userRef.name} is already in group ${groupRef.name}.`,
        ),
      },
      {
        write: {
          Put: {
            Item: {
              ...groupMemberKey(accountId, group, user),
              entity: 'member',
              userId: user,
              memberShard,
            },
          },
        },
      },
      {
        write: {
          Update: {
            Key: principalKey(accountId, 'user', user),
            // The user's record owns its memberships (its bundle's stamp); the group's is not written.
            UpdateExpression:
              'SET counters.memberships = counters.memberships + :one, version = version + :one',
            ConditionExpression: 'attribute_exists(pk) AND counters.memberships < :max',
            ExpressionAttributeValues: { ':one': 1, ':max': maxGroupsPerUser },
          },
        },
        onConditionFailed: fail(
          'quota.exceeded',
          `Cannot exceed quota for GroupsPerUser: ${maxGroupsPerUser}.`,
        ),
      },
      {
        write: {
          Update: {
            Key: groupMemberShardKey(accountId, group, memberShard),
            // `v` counts membership changes: the group's version (SCIM's ETag) without writing the group.
            UpdateExpression: 'ADD n :one, v :one',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
        onConditionFailed: fail('entity.not-found', `The group with name ${groupRef.name} cannot be found.`),
      },
      nameVersionBump(userRef),
    ]),
  );
}

/** Removes a user from a group, giving the count back to the member shard it was taken from. */
export async function removeMembership(
  context: StoreContext,
  userRef: PrincipalRef,
  groupRef: PrincipalRef,
): Promise<Result<void>> {
  const { accountId } = userRef;
  const [user, group] = [userRef.id, groupRef.id];
  const member = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: groupMemberKey(accountId, group, user),
      ConsistentRead: true,
    }),
  );
  const memberShard = member.Item?.memberShard;
  const notMember = fail('entity.not-found', `User ${userRef.name} is not in group ${groupRef.name}.`);
  if (!member.Item) return notMember;
  const writes: GuardedWrite[] = [
    {
      write: {
        Delete: { Key: membershipKey(accountId, user, group), ConditionExpression: 'attribute_exists(pk)' },
      },
      onConditionFailed: notMember,
    },
    {
      write: {
        Delete: {
          Key: groupMemberKey(accountId, group, user),
          // INVARIANT: the shard given back is the one this membership was counted in.
          ConditionExpression:
            typeof memberShard === 'number' ? 'memberShard = :shard' : 'attribute_exists(pk)',
          ...(typeof memberShard === 'number'
            ? { ExpressionAttributeValues: { ':shard': memberShard } }
            : {}),
        },
      },
      onConditionFailed: fail(
        'entity.concurrent-modification',
        `The membership of ${userRef.name} in ${groupRef.name} changed meanwhile; retry.`,
      ),
    },
    {
      write: {
        Update: {
          Key: principalKey(accountId, 'user', user),
          UpdateExpression:
            'SET counters.memberships = counters.memberships - :one, version = version + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
    },
    ...(typeof memberShard === 'number'
      ? [
          {
            write: {
              Update: {
                Key: groupMemberShardKey(accountId, group, memberShard),
                UpdateExpression: 'ADD n :minus, v :one',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeValues: { ':minus': -1, ':one': 1 },
              },
            },
          },
        ]
      : []),
    nameVersionBump(userRef),
  ];
  // Holding the shard given back: this process's adds and removals of one shard take turns.
  const members = `${principalPartitionOf(groupRef)}|members`;
  return typeof memberShard === 'number'
    ? withShard(members, () => transact(context, writes), [memberShard])
    : transact(context, writes);
}

/** Ids of the groups a user is in (one query of the user's partition). */
export async function listGroupIdsForUser(
  context: StoreContext,
  user: Pick<PrincipalRef, 'accountId' | 'kind' | 'id'>,
): Promise<string[]> {
  return listChildren(context, principalPartitionOf(user), membershipPrefix, 'groupId');
}

/** The records of the groups a user is in: the ids, then one BatchGet of the records. */
export async function listGroupsForUser(
  context: StoreContext,
  user: Pick<PrincipalRef, 'accountId' | 'kind' | 'id'>,
): Promise<PrincipalRecord[]> {
  return getPrincipalsByIds(context, user.accountId, 'group', await listGroupIdsForUser(context, user));
}

/** Ids of a group's members (one query of the group's partition). */
export async function listMemberIds(
  context: StoreContext,
  group: Pick<PrincipalRef, 'accountId' | 'kind' | 'id'>,
): Promise<string[]> {
  return listChildren(context, principalPartitionOf(group), groupMemberPrefix, 'userId');
}

/** The records of a group's members: the ids, then BatchGets of the records (100 a request). */
export async function listMembers(
  context: StoreContext,
  group: Pick<PrincipalRef, 'accountId' | 'kind' | 'id'>,
): Promise<PrincipalRecord[]> {
  return getPrincipalsByIds(context, group.accountId, 'user', await listMemberIds(context, group));
}

async function listChildren(
  context: StoreContext,
  pk: string,
  prefix: string,
  field: string,
): Promise<string[]> {
  return (await queryWholePartition(context, pk, prefix)).map((item) => String(item[field]));
}

/** How many members a group has, summed over its member-count shards (one query). */
export async function countGroupMembers(
  context: StoreContext,
  group: Pick<PrincipalRef, 'accountId' | 'kind' | 'id'>,
): Promise<number> {
  const counts = await readShardCounts(context, principalPartitionOf(group), groupMemberShardPrefix);
  return [...counts.values()].reduce((sum, n) => sum + n, 0);
}

/**
 * How many times a group's membership changed (adds and removals, summed over its member shards;
 * one query): with the group's record version, a version of the group that moves with its members.
 */
export async function groupMembershipVersion(
  context: StoreContext,
  group: Pick<PrincipalRef, 'accountId' | 'kind' | 'id'>,
): Promise<number> {
  const shards = await queryWholePartition(context, principalPartitionOf(group), groupMemberShardPrefix);
  return shards.reduce((sum, shard) => sum + Number(shard.v ?? 0), 0);
}

/** The most members one page may ask for. */
export const GROUP_MEMBER_PAGE_MAX = 1000;

/** One page of a group's members: user ids with their current names, and the cursor of the next page. */
export interface GroupMemberPage {
  readonly members: readonly { readonly userId: string; readonly userName: string }[];
  /** The last user id of this page, present only when another member follows. */
  readonly next?: string;
}

/**
 * One page of a group's members in user-id order (stable whatever renames happen), at most
 * `limit` (1–1000), after the user id `after` (a previous page's `next`). One strongly consistent
 * Query of the group's partition and one BatchGet of the page's user records, so a group of any
 * size is read page by page; a member whose user is being deleted meanwhile is left out.
 */
export async function listGroupMembersPage(
  context: StoreContext,
  accountId: string,
  groupId: string,
  page: { readonly limit: number; readonly after?: string | undefined },
): Promise<Result<GroupMemberPage>> {
  const read = await listGroupMemberRecordsPage(context, accountId, groupId, page);
  if (!read.ok) return read;
  return ok({
    members: read.value.users.map((user) => ({ userId: user.id, userName: user.name })),
    ...(read.value.next ? { next: read.value.next } : {}),
  });
}

/** Like listGroupMembersPage, with the members' whole records (GetGroup's Users). */
export async function listGroupMemberRecordsPage(
  context: StoreContext,
  accountId: string,
  groupId: string,
  page: { readonly limit: number; readonly after?: string | undefined },
): Promise<Result<{ readonly users: readonly PrincipalRecord[]; readonly next?: string }>> {
  const { limit, after } = page;
  if (!Number.isInteger(limit) || limit < 1 || limit > GROUP_MEMBER_PAGE_MAX)
    return fail('request.invalid', `The page size must be 1 to ${GROUP_MEMBER_PAGE_MAX}.`);
  if (!isEntityId('GROUP', groupId)) return fail('entity.not-found', `The group ${groupId} cannot be found.`);
  if (after !== undefined && !isEntityId('USER', after))
    return fail('request.invalid', 'The cursor is not one this listing gave.');
  const start = after === undefined ? undefined : groupMemberKey(accountId, groupId, after);
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': principalPartitionOf({ accountId, kind: 'group', id: groupId }),
        ':prefix': groupMemberPrefix,
      },
      ConsistentRead: true,
      // One more than asked: a cursor only when another member really follows.
      Limit: limit + 1,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }),
  );
  const ids = (result.Items ?? []).map((item) => String(item.userId));
  const pageIds = ids.slice(0, limit);
  const users = await getPrincipalsByIds(context, accountId, 'user', pageIds);
  const last = pageIds.at(-1);
  return ok({ users, ...(ids.length > limit && last ? { next: last } : {}) });
}
