/**
 * Group memberships, written on both sides in one transaction: the user's partition says which
 * groups it is in (read when loading its policies), the group's says who its members are.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { fail, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { principalItemKey, principalPartition } from './keys.ts';
import { principalKey } from './principals.ts';
import { transact } from './transactions.ts';

/** Adds a user to a group (idempotent: already a member is `entity.already-exists`, which callers treat as done). */
export async function addMembership(
  context: StoreContext,
  accountId: string,
  user: string,
  group: string,
  maxGroupsPerUser: number,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Put: {
          Item: {
            ...principalItemKey(accountId, 'USER', user, `MEMBER-OF#${group.toLowerCase()}`),
            entity: 'membership',
            groupName: group,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.already-exists', `User ${user} is already in group ${group}.`),
    },
    {
      write: {
        Put: {
          Item: {
            ...principalItemKey(accountId, 'GROUP', group, `MEMBER#${user.toLowerCase()}`),
            entity: 'member',
            userName: user,
          },
        },
      },
    },
    {
      write: {
        Update: {
          Key: principalKey(accountId, 'user', user),
          // The user's record owns its memberships (its bundle's stamp); the group's is not bumped.
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
          Key: principalKey(accountId, 'group', group),
          UpdateExpression: 'SET counters.memberships = counters.memberships + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
      onConditionFailed: fail('entity.not-found', `The group with name ${group} cannot be found.`),
    },
  ]);
}

/** Removes a user from a group. */
export async function removeMembership(
  context: StoreContext,
  accountId: string,
  user: string,
  group: string,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Delete: {
          Key: principalItemKey(accountId, 'USER', user, `MEMBER-OF#${group.toLowerCase()}`),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.not-found', `User ${user} is not in group ${group}.`),
    },
    {
      write: { Delete: { Key: principalItemKey(accountId, 'GROUP', group, `MEMBER#${user.toLowerCase()}`) } },
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
    {
      write: {
        Update: {
          Key: principalKey(accountId, 'group', group),
          UpdateExpression: 'SET counters.memberships = counters.memberships - :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
    },
  ]);
}

/** Names of the groups a user is in. */
export async function listGroupNamesForUser(
  context: StoreContext,
  accountId: string,
  user: string,
): Promise<string[]> {
  return listChildren(context, principalPartition(accountId, 'USER', user), 'MEMBER-OF#', 'groupName');
}

/** Names of a group's members. */
export async function listMemberNames(
  context: StoreContext,
  accountId: string,
  group: string,
): Promise<string[]> {
  return listChildren(context, principalPartition(accountId, 'GROUP', group), 'MEMBER#', 'userName');
}

async function listChildren(
  context: StoreContext,
  pk: string,
  prefix: string,
  field: string,
): Promise<string[]> {
  const names: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const result = await context.documents.send(
      new QueryCommand({
        TableName: context.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of result.Items ?? []) names.push(String(item[field]));
    start = result.LastEvaluatedKey;
  } while (start);
  return names;
}
