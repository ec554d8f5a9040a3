/**
 * Big groups on DynamoDB Local: adding or removing one member writes the same handful of items
 * whatever the group holds (the membership pair, the user's record and name item, one member
 * shard), never the group's record or any other member; the members are read a page at a time
 * in a stable order with a cursor.
 */
import { rootCaller } from '@palisade/principals';
import {
  getPrincipal,
  listGroupMembersPage,
  principalKey,
  principalNameKey,
  putNewAccount,
  type StoreContext,
} from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation } from '../../../test/fixtures/run-operation.ts';
import { iamOperations } from '../src/index.ts';

const NOW = new Date('2026-12-09T15:00:00Z');
const A = '100000000051';
const root = rootCaller('aws', A);
const MEMBERS = 25;
let store: StoreContext;
let must: (action: string, input: object) => Promise<Record<string, unknown>>;
let crowd: { id: string };

beforeAll(async () => {
  const iam = await createIamTestContext('group-members', () => NOW);
  store = iam.store;
  const ops = iamOperations(iam);
  must = (action, input) => mustRunOperation(ops, root, action, input);
  await putNewAccount(store, { accountId: A, alias: 'group-members', createdAt: NOW.toISOString() });
  await must('CreateGroup', { GroupName: 'crowd' });
  await must('CreateGroup', { GroupName: 'empty' });
  for (let i = 0; i < MEMBERS; i++) {
    await must('CreateUser', { UserName: `crowd-${i}` });
    await must('AddUserToGroup', { GroupName: 'crowd', UserName: `crowd-${i}` });
  }
  const group = await getPrincipal(store, A, 'group', 'crowd');
  if (!group) throw new Error('no crowd');
  crowd = group;
}, 60_000);

/** The keys every transaction sent during `run` writes, as `pk|sk`, change records left out. */
async function writtenKeys(run: () => Promise<unknown>): Promise<string[][]> {
  const transactions: string[][] = [];
  store.documents.middlewareStack.add(
    (next) => async (args) => {
      const items = (
        args.input as {
          TransactItems?: Record<string, { Item?: Record<string, unknown>; Key?: Record<string, unknown> }>[];
        }
      ).TransactItems;
      if (items) {
        transactions.push(
          items
            .map((item) => Object.values(item)[0])
            .filter((write) => write?.Item?.entity !== 'change-record')
            .map((write) => {
              const key = write?.Item ?? write?.Key ?? {};
              return `${String(key.pk)}|${String(key.sk)}`;
            }),
        );
      }
      return next(args);
    },
    { step: 'initialize', name: 'writtenKeys' },
  );
  try {
    await run();
  } finally {
    store.documents.middlewareStack.remove('writtenKeys');
  }
  return transactions;
}

describe('a big group', () => {
  it('adds and removes one member without writing the group or any other member', async () => {
    await must('CreateUser', { UserName: 'newcomer' });
    await must('CreateUser', { UserName: 'loner' });
    const added = await writtenKeys(() =>
      must('AddUserToGroup', { GroupName: 'crowd', UserName: 'newcomer' }),
    );
    const removed = await writtenKeys(() =>
      must('RemoveUserFromGroup', { GroupName: 'crowd', UserName: 'newcomer' }),
    );
    // The same number of writes as for a group with no member at all.
    const alone = await writtenKeys(() => must('AddUserToGroup', { GroupName: 'empty', UserName: 'loner' }));
    expect([added.length, removed.length]).toEqual([1, 1]);
    expect([added[0]?.length, removed[0]?.length]).toEqual([alone[0]?.length, alone[0]?.length]);

    const newcomer = await getPrincipal(store, A, 'user', 'newcomer');
    const groupPartition = principalKey(A, 'group', crowd.id).pk;
    for (const keys of [added[0] ?? [], removed[0] ?? []]) {
      const groupSide = keys.filter((key) => key.startsWith(`${groupPartition}|`));
      // On the group's side: the newcomer's member item and one member-count shard, nothing else.
      expect(groupSide.map((key) => key.split('|')[1]?.replace(/\d{2}$/, 'nn')).sort()).toEqual([
        `MEMBER#${newcomer?.id}`,
        'MEMBERS#nn',
      ]);
      const groupName = principalNameKey(A, 'group', 'crowd');
      expect(keys).not.toContain(`${groupName.pk}|${groupName.sk}`);
      const userSide = keys.filter((key) => !key.startsWith(`${groupPartition}|`));
      expect(
        userSide.every((key) => key.includes(newcomer?.id ?? '?') || key.includes('USER-NAME#newcomer')),
      ).toBe(true);
    }
  });

  it('lists its members a page at a time in user-id order, with a cursor until the last page', async () => {
    const seen: { userId: string; userName: string }[] = [];
    const sizes: number[] = [];
    let after: string | undefined;
    do {
      const page = await listGroupMembersPage(store, A, crowd.id, { limit: 10, after });
      if (!page.ok) throw new Error(page.message);
      sizes.push(page.value.members.length);
      seen.push(...page.value.members);
      after = page.value.next;
    } while (after);
    expect(sizes).toEqual([10, 10, 5]);
    const ids = seen.map((member) => member.userId);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(MEMBERS);
    expect(seen.map((member) => member.userName).sort()).toEqual(
      Array.from({ length: MEMBERS }, (_, i) => `crowd-${i}`).sort(),
    );
  });

  it('keeps a cursor valid when its member leaves between pages', async () => {
    const first = await listGroupMembersPage(store, A, crowd.id, { limit: 3 });
    if (!first.ok) throw new Error(first.message);
    const last = first.value.members.at(-1);
    await must('RemoveUserFromGroup', { GroupName: 'crowd', UserName: last?.userName ?? '' });
    try {
      const next = await listGroupMembersPage(store, A, crowd.id, { limit: 3, after: first.value.next });
      if (!next.ok) throw new Error(next.message);
      const all = await listGroupMembersPage(store, A, crowd.id, { limit: 1000 });
      if (!all.ok) throw new Error(all.message);
      // The next page starts right after the departed member, where it would have.
      expect(next.value.members).toEqual(all.value.members.slice(2, 5));
    } finally {
      await must('AddUserToGroup', { GroupName: 'crowd', UserName: last?.userName ?? '' });
    }
  });

  it('refuses a page size out of bounds and a cursor it did not give', async () => {
    for (const page of [{ limit: 0 }, { limit: 1001 }, { limit: 10, after: 'MEMBER#x' }]) {
      expect(await listGroupMembersPage(store, A, crowd.id, page)).toMatchObject({
        ok: false,
        code: 'request.invalid',
      });
    }
  });
});
