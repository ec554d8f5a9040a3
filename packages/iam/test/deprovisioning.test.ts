/**
 * Deleting users and groups with everything attached, on DynamoDB Local: every kind of attachment
 * goes with its counters right, a retry after a crash half-way finishes the job, concurrent writers
 * of the same account collide with nothing, and the caller's rights and account are checked first.
 */
import { rootCaller } from '@palisade/principals';
import {
  countGroupMembers,
  getAccessKey,
  getPrincipal,
  getSignInSession,
  getVirtualMfaDevice,
  listChangeRecords,
  putNewAccount,
  readAccountCounters,
  readPrincipalPartition,
  type StoreContext,
  withChangeOrigin,
} from '@palisade/store';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ConflictEmulator, installConflictEmulator } from '../../../test/fixtures/conflict-emulator.ts';
import { equippedUser } from '../../../test/fixtures/equipped-user.ts';
import { createIamTestContext, loadUserCaller } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation } from '../../../test/fixtures/run-operation.ts';
import {
  deleteGroupWithEverything,
  deleteUserWithEverything,
  type IamContext,
  iamOperations,
} from '../src/index.ts';

const NOW = new Date('2026-12-09T12:00:00Z');
const A = '100000000041';
const B = '100000000042';
const root = rootCaller('aws', A);
let iam: IamContext;
let store: StoreContext;
let emulator: ConflictEmulator | undefined;
const ops = () => iamOperations(iam);
const must = <T = Record<string, unknown>>(action: string, input: object) =>
  mustRunOperation<T>(ops(), root, action, input);
const allow = (action: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

beforeAll(async () => {
  iam = await createIamTestContext('deprovisioning', () => NOW);
  store = iam.store;
  await putNewAccount(store, { accountId: A, alias: 'deprov-a', createdAt: NOW.toISOString() });
  await putNewAccount(store, { accountId: B, alias: 'deprov-b', createdAt: NOW.toISOString() });
});
afterEach(() => {
  emulator?.uninstall();
  emulator = undefined;
});

async function customerPolicy(name: string): Promise<{ arn: string }> {
  const { Policy } = await must<{ Policy: { Arn: string } }>('CreatePolicy', {
    PolicyName: name,
    PolicyDocument: allow('sqs:*'),
  });
  return { arn: Policy.Arn };
}

async function attachmentsOf(arn: string): Promise<number> {
  const { Policy } = await must<{ Policy: { AttachmentCount: number } }>('GetPolicy', { PolicyArn: arn });
  return Policy.AttachmentCount;
}

async function membersOf(group: string): Promise<number> {
  const record = await getPrincipal(store, A, 'group', group);
  if (!record) throw new Error(`no group ${group}`);
  return countGroupMembers(store, record);
}

const usersCounted = async () => (await readAccountCounters(store, A)).users ?? 0;

/** Fails the `n`th TransactWriteItems the store sends from now on (a crash half-way), once. */
function crashOnTransaction(n: number): () => void {
  let seen = 0;
  store.documents.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { TransactItems?: unknown };
      if (input.TransactItems !== undefined && ++seen === n) throw new Error('crashed');
      return next(args);
    },
    { step: 'initialize', name: 'crashOnTransaction' },
  );
  return () => store.documents.middlewareStack.remove('crashOnTransaction');
}

describe('deleteUserWithEverything', () => {
  it('removes the user with its keys, password, MFA, sessions, policies, memberships and tags, counts kept right', async () => {
    const policy = await customerPolicy('shared-sqs');
    await must('CreateGroup', { GroupName: 'eng' });
    await must('CreateGroup', { GroupName: 'ops' });
    const boundary = await customerPolicy('alice-boundary');
    await must('CreateUser', { UserName: 'bob' });
    await must('AttachUserPolicy', { UserName: 'bob', PolicyArn: policy.arn });
    await must('AddUserToGroup', { GroupName: 'eng', UserName: 'bob' });
    const alice = await equippedUser(ops(), store, root, NOW, {
      name: 'alice',
      policyArns: [policy.arn, 'arn:aws:iam::palisade:policy/AdministratorAccess'],
      groups: ['eng', 'ops'],
    });
    await must('PutUserPermissionsBoundary', { UserName: 'alice', PermissionsBoundary: boundary.arn });
    expect([await attachmentsOf(policy.arn), await membersOf('eng'), await membersOf('ops')]).toEqual([
      2, 2, 1,
    ]);
    const usersBefore = await usersCounted();

    const requestId = 'deprovision-alice';
    // Change records are filed by the commit's own time, not the pinned clock.
    const day = new Date().toISOString().slice(0, 10);
    const deleted = await withChangeOrigin({ via: 'rest', operation: 'DeprovisionUser', requestId }, () =>
      deleteUserWithEverything(iam, root, A, { userName: 'ALICE' }),
    );

    expect(deleted).toEqual({ ok: true, value: { id: alice.userId, name: 'alice' } });
    expect(await getPrincipal(store, A, 'user', 'alice')).toBeUndefined();
    expect(await readPrincipalPartition(store, { accountId: A, kind: 'user', id: alice.userId })).toEqual([]);
    for (const id of alice.accessKeyIds) expect(await getAccessKey(store, id)).toBeUndefined();
    expect(await getVirtualMfaDevice(store, A, 'alice-phone')).toBeUndefined();
    expect(await getSignInSession(store, alice.signInSessionId)).toBeUndefined();
    expect([await attachmentsOf(policy.arn), await membersOf('eng'), await membersOf('ops')]).toEqual([
      1, 1, 0,
    ]);
    const { Policy } = await must<{ Policy: { PermissionsBoundaryUsageCount: number } }>('GetPolicy', {
      PolicyArn: boundary.arn,
    });
    expect(Policy.PermissionsBoundaryUsageCount).toBe(0);
    expect(await usersCounted()).toBe(usersBefore - 1);
    // Every step was a change of its own, filed under the caller's request; the last removes the user.
    const records = (await listChangeRecords(store, { accountId: A }, day)).filter(
      (record) => record.origin.requestId === requestId,
    );
    expect(records.length).toBeGreaterThanOrEqual(10);
    expect(records.at(-1)?.items).toContainEqual(
      expect.objectContaining({ entity: 'user', change: 'delete' }),
    );
    // Nothing is left in the way of a namesake: the user and its device name are free again.
    await equippedUser(ops(), store, root, NOW, { name: 'alice', policyArns: [], groups: [] });
  });

  it('finishes the job when retried after a crash half-way, and answers not-found once done', async () => {
    const policy = await customerPolicy('crash-sqs');
    await must('CreateGroup', { GroupName: 'crash-group' });
    const carl = await equippedUser(ops(), store, root, NOW, {
      name: 'carl',
      policyArns: [policy.arn],
      groups: ['crash-group'],
    });
    const usersBefore = await usersCounted();
    const restore = crashOnTransaction(5);
    try {
      await expect(deleteUserWithEverything(iam, root, A, { userId: carl.userId })).rejects.toThrow(
        'crashed',
      );
    } finally {
      restore();
    }
    // Half-way: the credentials are gone, the user is still there.
    expect(await getAccessKey(store, carl.accessKeyIds[0] as string)).toBeUndefined();
    expect(await getPrincipal(store, A, 'user', 'carl')).toMatchObject({ id: carl.userId });

    expect(await deleteUserWithEverything(iam, root, A, { userId: carl.userId })).toEqual({
      ok: true,
      value: { id: carl.userId, name: 'carl' },
    });
    expect(await readPrincipalPartition(store, { accountId: A, kind: 'user', id: carl.userId })).toEqual([]);
    expect([await attachmentsOf(policy.arn), await membersOf('crash-group')]).toEqual([0, 0]);
    expect(await usersCounted()).toBe(usersBefore - 1);
    expect(await deleteUserWithEverything(iam, root, A, { userId: carl.userId })).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
  });

  it('deletes users while other writers add members and attachments in the same account, with no conflict', async () => {
    const policy = await customerPolicy('busy-sqs');
    await must('CreateGroup', { GroupName: 'busy' });
    const leaving = ['leave-0', 'leave-1', 'leave-2', 'leave-3'];
    for (const name of leaving) {
      await must('CreateUser', { UserName: name });
      await must('CreateAccessKey', { UserName: name });
      await must('AttachUserPolicy', { UserName: name, PolicyArn: policy.arn });
      await must('AddUserToGroup', { GroupName: 'busy', UserName: name });
    }
    // Each other writer changes a user of its own: two writes to one user would rightly collide.
    const joining = ['join-0', 'join-1', 'join-2', 'join-3'];
    const attaching = ['attach-0', 'attach-1', 'attach-2', 'attach-3'];
    for (const name of [...joining, ...attaching]) await must('CreateUser', { UserName: name });
    const usersBefore = await usersCounted();

    emulator = installConflictEmulator(store.dynamodb, { holdMs: 3 });
    const results = await Promise.all([
      ...leaving.map((name) => deleteUserWithEverything(iam, root, A, { userName: name })),
      ...joining.map((name) => ops().AddUserToGroup?.(root, { GroupName: 'busy', UserName: name })),
      ...attaching.map((name) => ops().AttachUserPolicy?.(root, { UserName: name, PolicyArn: policy.arn })),
      ...['new-0', 'new-1'].map((name) => ops().CreateUser?.(root, { UserName: name })),
    ]);
    expect(results.filter((result) => !result?.ok)).toEqual([]);
    expect(emulator.conflictsByItem()).toEqual([]);
    emulator.uninstall();
    emulator = undefined;

    expect([await attachmentsOf(policy.arn), await membersOf('busy')]).toEqual([4, 4]);
    expect(await usersCounted()).toBe(usersBefore - 4 + 2);
  });

  it('gives counts back to shared shards without a conflict: 17 removals from one group, then 17 deletions', async () => {
    // More writers than shards: at least two give back to the same member shard and account shard.
    await must('CreateGroup', { GroupName: 'wide' });
    const names = Array.from({ length: 17 }, (_, i) => `wide-${i}`);
    for (const name of names) {
      await must('CreateUser', { UserName: name });
      await must('AddUserToGroup', { GroupName: 'wide', UserName: name });
    }
    const usersBefore = await usersCounted();
    emulator = installConflictEmulator(store.dynamodb, { holdMs: 3 });
    const removed = await Promise.all(
      names.map((name) => ops().RemoveUserFromGroup?.(root, { GroupName: 'wide', UserName: name })),
    );
    const deleted = await Promise.all(names.map((name) => ops().DeleteUser?.(root, { UserName: name })));
    expect([...removed, ...deleted].filter((result) => !result?.ok)).toEqual([]);
    expect(emulator.conflictsByItem()).toEqual([]);
    expect([await membersOf('wide'), await usersCounted()]).toEqual([0, usersBefore - 17]);
  });

  it('refuses a caller without iam:DeleteUser and another account, changing nothing', async () => {
    await must('CreateUser', { UserName: 'kept' });
    await must('CreateAccessKey', { UserName: 'kept' });
    await must('CreateUser', { UserName: 'reader' });
    await must('PutUserPolicy', { UserName: 'reader', PolicyName: 'p', PolicyDocument: allow('iam:Get*') });
    const reader = await loadUserCaller(store, A, 'reader', () => NOW);
    expect(await deleteUserWithEverything(iam, reader, A, { userName: 'kept' })).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
    expect(await deleteUserWithEverything(iam, rootCaller('aws', B), A, { userName: 'kept' })).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
    expect(await deleteUserWithEverything(iam, root, A, { userName: 'no such user' })).toMatchObject({
      ok: false,
      code: 'request.invalid',
    });
    expect(await deleteUserWithEverything(iam, root, A, { userId: 'AIDANOTAUSER' })).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
    const kept = await getPrincipal(store, A, 'user', 'kept');
    const held = await readPrincipalPartition(store, { accountId: A, kind: 'user', id: kept?.id ?? '' });
    expect(held.map((item) => item.entity).sort()).toEqual(['owned-access-key', 'user']);
  });
});

describe('deleteGroupWithEverything', () => {
  it("removes a big group's members in bounded pages and finishes after a crash half-way", async () => {
    await must('CreateGroup', { GroupName: 'paged' });
    await must('PutGroupPolicy', { GroupName: 'paged', PolicyName: 'inline', PolicyDocument: allow('s3:*') });
    const names = Array.from({ length: 12 }, (_, i) => `paged-${i}`);
    for (const name of names) {
      await must('CreateUser', { UserName: name });
      await must('AddUserToGroup', { GroupName: 'paged', UserName: name });
    }
    const pageLimits: number[] = [];
    store.documents.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Limit?: number; ExpressionAttributeValues?: Record<string, unknown> };
        if (input.ExpressionAttributeValues?.[':prefix'] === 'MEMBER#')
          pageLimits.push(input.Limit ?? Infinity);
        return next(args);
      },
      { step: 'initialize', name: 'memberPages' },
    );
    try {
      const restore = crashOnTransaction(8);
      try {
        await expect(
          deleteGroupWithEverything(iam, root, A, { groupName: 'paged' }, { memberPageSize: 5 }),
        ).rejects.toThrow('crashed');
      } finally {
        restore();
      }
      // Half-way: some members removed (a page's removals run side by side), the group still there.
      const left = await membersOf('paged');
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThan(names.length);
      const group = await getPrincipal(store, A, 'group', 'paged');
      expect(
        await deleteGroupWithEverything(iam, root, A, { groupName: 'paged' }, { memberPageSize: 5 }),
      ).toEqual({
        ok: true,
        value: { id: group?.id, name: 'paged' },
      });
    } finally {
      store.documents.middlewareStack.remove('memberPages');
    }
    // Every step read at most one page (one more than the page, to know whether another follows).
    expect(pageLimits.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...pageLimits)).toBe(6);
    expect(await getPrincipal(store, A, 'group', 'paged')).toBeUndefined();
    for (const name of names) {
      const { Groups } = await must<{ Groups: unknown[] }>('ListGroupsForUser', { UserName: name });
      expect(Groups).toEqual([]);
    }
  });

  it('deletes a group while users join it, leaving no membership behind', async () => {
    await must('CreateGroup', { GroupName: 'racing' });
    const joiners = Array.from({ length: 6 }, (_, i) => `racer-${i}`);
    for (const [i, name] of joiners.entries()) {
      await must('CreateUser', { UserName: name });
      if (i < 3) await must('AddUserToGroup', { GroupName: 'racing', UserName: name });
    }
    const [deleted, ...joined] = await Promise.all([
      deleteGroupWithEverything(iam, root, A, { groupName: 'racing' }),
      ...joiners
        .slice(3)
        .map((name) => ops().AddUserToGroup?.(root, { GroupName: 'racing', UserName: name })),
    ]);
    expect(deleted).toMatchObject({ ok: true, value: { name: 'racing' } });
    // A join lands before the group goes (and is removed with it) or finds no group.
    for (const result of joined) expect(result?.ok || result?.code === 'entity.not-found').toBe(true);
    for (const name of joiners) {
      const user = await getPrincipal(store, A, 'user', name);
      const held = await readPrincipalPartition(store, { accountId: A, kind: 'user', id: user?.id ?? '' });
      expect(held.map((item) => item.entity)).toEqual(['user']);
      expect(held[0]?.counters).toMatchObject({ memberships: 0 });
    }
  });

  it('removes the members, policies and the group, leaving the users and their other groups', async () => {
    const policy = await customerPolicy('group-sqs');
    await must('CreateGroup', { GroupName: 'doomed' });
    await must('CreateGroup', { GroupName: 'other' });
    await must('AttachGroupPolicy', { GroupName: 'doomed', PolicyArn: policy.arn });
    await must('AttachGroupPolicy', {
      GroupName: 'doomed',
      PolicyArn: 'arn:aws:iam::palisade:policy/AdministratorAccess',
    });
    await must('PutGroupPolicy', {
      GroupName: 'doomed',
      PolicyName: 'inline',
      PolicyDocument: allow('s3:*'),
    });
    const members = Array.from({ length: 12 }, (_, i) => `member-${i}`);
    for (const name of members) {
      await must('CreateUser', { UserName: name });
      await must('AddUserToGroup', { GroupName: 'doomed', UserName: name });
    }
    await must('AddUserToGroup', { GroupName: 'other', UserName: 'member-0' });
    const doomed = await getPrincipal(store, A, 'group', 'doomed');

    expect(await deleteGroupWithEverything(iam, root, A, { groupName: 'Doomed' })).toEqual({
      ok: true,
      value: { id: doomed?.id, name: 'doomed' },
    });
    expect(await getPrincipal(store, A, 'group', 'doomed')).toBeUndefined();
    expect(
      await readPrincipalPartition(store, { accountId: A, kind: 'group', id: doomed?.id ?? '' }),
    ).toEqual([]);
    expect(await attachmentsOf(policy.arn)).toBe(0);
    const { Groups } = await must<{ Groups: { GroupName: string }[] }>('ListGroupsForUser', {
      UserName: 'member-0',
    });
    expect(Groups.map((group) => group.GroupName)).toEqual(['other']);
    // The members' own records count the membership gone: each can join ten groups again.
    const member = await readPrincipalPartition(store, {
      accountId: A,
      kind: 'user',
      id: (await getPrincipal(store, A, 'user', 'member-5'))?.id ?? '',
    });
    expect(member.map((item) => item.entity)).toEqual(['user']);
    expect(member[0]?.counters).toMatchObject({ memberships: 0 });
    expect(await deleteGroupWithEverything(iam, root, A, { groupId: doomed?.id ?? '' })).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
  });
});
