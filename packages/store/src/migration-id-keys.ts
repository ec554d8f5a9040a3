/**
 * Layout v3: users, groups, roles and customer managed policies keyed by their immutable ids.
 *
 * Every item of a v2 (name-keyed) entity partition moves into its owner's id partition: the
 * record (and, beside it, its name item: the id and a copy of the record); the children that keep
 * their sort key (inline policies, attachments, versions, member shards, keys, login profile,
 * MFA); and the relations, re-keyed to ids (`MEMBER-OF#<group id>`, `MEMBER#<user id>`,
 * `ATTACHMENT#<KIND>#<principal id>`). Items elsewhere that name a user as owner (access-key
 * lookups, virtual MFA devices, login profiles and MFA assignments, sign-in sessions and the
 * sign-in bindings of STS sessions) name its id instead.
 *
 * Crash-safe and idempotent: each move is one transaction (put the new item, delete the old one),
 * a record's name item is written before its old record goes (so an owner's id can always be
 * found, by its name item or its old record), items already in the v3 layout are not v2 keys and
 * are skipped, and an owner rewrite applies only while the item still names a user by name.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client.ts';
import {
  childKeyInIdPartition,
  type EntityKind,
  entityNameKey,
  entityRecordKey,
  groupMemberKey,
  groupMemberPrefix,
  type ItemKey,
  membershipKey,
  membershipPrefix,
  nameKeyedLayout,
  policyAttachmentKey,
  policyAttachmentPrefix,
} from './keys.ts';
import { forEachTablePage } from './migration-pages.ts';
import type { Migration } from './migrations.ts';
import { nameItemCopy } from './principals.ts';
import { isConditionFailure } from './transactions.ts';

type Item = Record<string, unknown>;

/** Migration 3: immutable ids as keys, name items beside the records, relations and owners by id. */
export const idKeys: Migration = {
  version: 3,
  name: 'immutable ids as keys: id partitions, name items, relations and owners by id',
  async run(context, log) {
    const { store } = context;
    const ids = new Map<string, string | undefined>();
    const idOf = async (accountId: string, kind: EntityKind, name: string) => {
      const cacheKey = `${accountId}|${kind}|${name.toLowerCase()}`;
      if (!ids.has(cacheKey)) ids.set(cacheKey, await lookUpId(store, accountId, kind, name));
      return ids.get(cacheKey);
    };
    let moved = 0;
    let owners = 0;
    let orphans = 0;
    await forEachTablePage(context, async (items) => {
      for (const item of items) {
        const v2 = nameKeyedLayout.parsePartition(String(item.pk));
        if (v2) {
          const done = await moveItem(store, item, v2, idOf);
          if (done) moved++;
          else orphans++;
          continue;
        }
        if (await rewriteOwners(store, item, idOf)) owners++;
      }
    });
    log({ msg: 'moved entity items to id partitions', moved, owners, orphans });
  },
};

type IdOf = (accountId: string, kind: EntityKind, name: string) => Promise<string | undefined>;

/** An entity's id: from its name item (written first), else from its v2 record. */
async function lookUpId(
  store: StoreContext,
  accountId: string,
  kind: EntityKind,
  name: string,
): Promise<string | undefined> {
  for (const key of [
    entityNameKey(accountId, kind, name),
    { pk: nameKeyedLayout.partition(accountId, kind, name), sk: kind },
  ]) {
    const found = await store.documents.send(
      new GetCommand({ TableName: store.tableName, Key: key, ConsistentRead: true }),
    );
    if (typeof found.Item?.id === 'string') return found.Item.id;
  }
  return undefined;
}

/** Moves one v2 item into the v3 layout (false when its owner, or what it relates to, no longer exists). */
async function moveItem(
  store: StoreContext,
  item: Item,
  v2: { accountId: string; kind: EntityKind; name: string },
  idOf: IdOf,
): Promise<boolean> {
  const { accountId, kind } = v2;
  const sk = String(item.sk);
  const oldKey: ItemKey = { pk: String(item.pk), sk };
  const { pk: _pk, sk: _sk, ...content } = item;
  if (sk === kind) {
    const id = String(item.id);
    const record = { ...content, ...entityRecordKey(accountId, kind, id) };
    const nameItem = {
      ...nameItemCopy(content),
      ...entityNameKey(accountId, kind, String(item.name)),
      entity: `${String(item.entity)}-name`,
    };
    await moveTransaction(store, oldKey, [record, nameItem]);
    return true;
  }
  const ownerId = await idOf(accountId, kind, v2.name);
  if (!ownerId) return false;
  let next: Item;
  if (kind === 'USER' && sk.startsWith(membershipPrefix)) {
    const groupId = await idOf(accountId, 'GROUP', String(item.groupName));
    if (!groupId) return false;
    const { groupName: _g, ...rest } = content;
    next = { ...rest, groupId, ...membershipKey(accountId, ownerId, groupId) };
  } else if (kind === 'GROUP' && sk.startsWith(groupMemberPrefix) && !sk.startsWith('MEMBERS#')) {
    const userId = await idOf(accountId, 'USER', String(item.userName));
    if (!userId) return false;
    const { userName: _u, ...rest } = content;
    next = { ...rest, userId, ...groupMemberKey(accountId, ownerId, userId) };
  } else if (kind === 'POLICY' && sk.startsWith(policyAttachmentPrefix)) {
    const principalKind = sk.split('#')[1] as 'USER' | 'GROUP' | 'ROLE';
    const principalId = await idOf(accountId, principalKind, String(item.principal));
    if (!principalId) return false;
    const { principal: _p, ...rest } = content;
    next = { ...rest, principalId, ...policyAttachmentKey(accountId, ownerId, principalKind, principalId) };
  } else {
    next = { ...content, ...childKeyInIdPartition(accountId, kind, ownerId, sk) };
    if (isUserByName(next.owner)) next.owner = { kind: 'user', userId: ownerId };
  }
  await moveTransaction(store, oldKey, [next]);
  return true;
}

/** Puts the new items and deletes the old one in one transaction (a re-run finds the old one gone). */
async function moveTransaction(store: StoreContext, oldKey: ItemKey, puts: readonly Item[]): Promise<void> {
  await store.documents.send(
    new TransactWriteCommand({
      TransactItems: [
        ...puts.map((put) => ({ Put: { TableName: store.tableName, Item: put } })),
        { Delete: { TableName: store.tableName, Key: oldKey } },
      ],
    }),
  );
}

function isUserByName(value: unknown): value is { kind: 'user'; userName: string } {
  const owner = value as { kind?: unknown; userName?: unknown } | undefined;
  return owner?.kind === 'user' && typeof owner.userName === 'string';
}

// Where items outside entity partitions name a user: the attribute path and its placeholder names.
const OWNER_PATHS: readonly {
  readonly read: (item: Item) => unknown;
  readonly path: string;
  readonly names: Record<string, string>;
}[] = [
  { read: (item) => item.owner, path: '#o', names: { '#o': 'owner' } },
  { read: (item) => item.assignedTo, path: '#a', names: { '#a': 'assignedTo' } },
  {
    read: (item) => (item.signInSession as Item | undefined)?.owner,
    path: '#s.#o',
    names: { '#s': 'signInSession', '#o': 'owner' },
  },
];

/** Points every user-by-name owner of an item at the user's id (true when it changed something). */
async function rewriteOwners(store: StoreContext, item: Item, idOf: IdOf): Promise<boolean> {
  const accountId = typeof item.accountId === 'string' ? item.accountId : undefined;
  if (!accountId) return false;
  let changed = false;
  for (const { read, path, names } of OWNER_PATHS) {
    const owner = read(item);
    if (!isUserByName(owner)) continue;
    const userId = await idOf(accountId, 'USER', owner.userName);
    if (!userId) continue;
    try {
      await store.documents.send(
        new UpdateCommand({
          TableName: store.tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: `SET ${path} = :owner`,
          // Only while it still names the user by name: a second run changes nothing.
          ConditionExpression: `attribute_exists(pk) AND ${path}.userName = :name`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':owner': { kind: 'user', userId }, ':name': owner.userName },
        }),
      );
      changed = true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  return changed;
}
