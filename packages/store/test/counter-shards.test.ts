import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ConflictEmulator, installConflictEmulator } from '../../../test/fixtures/conflict-emulator.ts';
import { createTestTable } from '../../../test/fixtures/test-table.ts';
import {
  addMembership,
  COUNTER_SHARDS,
  countGroupMembers,
  deletePrincipal,
  getAccountSummary,
  getPrincipal,
  listGroupIdsForUser,
  listMemberIds,
  listMembers,
  type PrincipalKind,
  putNewAccount,
  putNewPrincipal,
  type StoreContext,
  shardCap,
  withShard,
} from '../src/index.ts';

let store: StoreContext;
let emulator: ConflictEmulator | undefined;
beforeAll(async () => {
  store = await createTestTable('shards');
});
afterEach(() => {
  emulator?.uninstall();
  emulator = undefined;
});

const createdAt = '2026-12-07T10:00:00.000Z';
let nextAccount = 500000000000;

async function newAccount(): Promise<string> {
  const accountId = String(nextAccount++);
  const created = await putNewAccount(store, { accountId, alias: `shards-${accountId}`, createdAt });
  if (!created.ok) throw new Error(created.message);
  return accountId;
}

function principal(accountId: string, kind: PrincipalKind, name: string) {
  const prefix = { user: 'AIDA', group: 'AGPA', role: 'AROA' }[kind];
  return {
    kind,
    accountId,
    name,
    path: '/',
    id: `${prefix}${name
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .padEnd(17, 'X')}`,
    arn: `arn:aws:iam::${accountId}:${kind}/${name}`,
    createdAt,
    tags: [],
  };
}

describe('counter shards', () => {
  it('gives shards caps that sum exactly to the quota', () => {
    for (const quota of [0, 1, 5, 15, 16, 17, 40, 100, 300, 1000, 1500, 5000, 5001]) {
      const caps = Array.from({ length: COUNTER_SHARDS }, (_, shard) => shardCap(quota, shard));
      expect(caps.reduce((sum, cap) => sum + cap, 0)).toBe(quota);
      expect(Math.max(...caps) - Math.min(...caps)).toBeLessThanOrEqual(1);
    }
  });

  it('never hands one shard to two writes in flight in one process', async () => {
    const holding = new Set<number>();
    let overlaps = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 3 * COUNTER_SHARDS }, () =>
        withShard('test|counter', async (shard) => {
          if (holding.has(shard)) overlaps++;
          holding.add(shard);
          most = Math.max(most, holding.size);
          // A write in flight: the others queue for a shard until the next turn of the event loop.
          await new Promise((resolve) => setImmediate(resolve));
          holding.delete(shard);
        }),
      ),
    );
    expect(overlaps).toBe(0);
    expect(most).toBe(COUNTER_SHARDS);
  });

  it('never lets concurrent creations pass the account quota, with conflicts emulated', async () => {
    const accountId = await newAccount();
    emulator = installConflictEmulator(store.dynamodb, { holdMs: 3 });
    const quota = 40;
    const results = await Promise.all(
      Array.from({ length: 90 }, (_, i) =>
        putNewPrincipal(store, principal(accountId, 'user', `u${i}`), quota),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(quota);
    expect(results.filter((result) => !result.ok).map((result) => !result.ok && result.code)).toEqual(
      Array.from({ length: 90 - quota }, () => 'quota.exceeded'),
    );
    expect(emulator.conflictsByItem()).toEqual([]);
    expect((await getAccountSummary(store, accountId)).users).toBe(quota);
  });

  it('gives a deleted principal’s count back to its own shard, so the slot can be used again', async () => {
    const accountId = await newAccount();
    const quota = 3;
    for (const name of ['a', 'b', 'c']) {
      expect((await putNewPrincipal(store, principal(accountId, 'role', name), quota)).ok).toBe(true);
    }
    expect(await putNewPrincipal(store, principal(accountId, 'role', 'd'), quota)).toMatchObject({
      ok: false,
      code: 'quota.exceeded',
    });
    const b = await getPrincipal(store, accountId, 'role', 'b');
    expect(b?.quotaShard).toBeTypeOf('number');
    expect((await deletePrincipal(store, b as NonNullable<typeof b>)).ok).toBe(true);
    expect((await getAccountSummary(store, accountId)).roles).toBe(2);
    expect((await putNewPrincipal(store, principal(accountId, 'role', 'd'), quota)).ok).toBe(true);
    expect((await getAccountSummary(store, accountId)).roles).toBe(3);
  });

  it('adds distinct users to one group concurrently without a conflict, counting every member', async () => {
    const accountId = await newAccount();
    const group = await putNewPrincipal(store, principal(accountId, 'group', 'crowd'), 300);
    expect(group.ok).toBe(true);
    const users = Array.from({ length: 40 }, (_, i) => `m${i}`);
    for (const user of users) await putNewPrincipal(store, principal(accountId, 'user', user), 5000);
    emulator = installConflictEmulator(store.dynamodb, { holdMs: 3 });
    const crowd = principal(accountId, 'group', 'crowd');
    const added = await Promise.all(
      users.map((user) => addMembership(store, principal(accountId, 'user', user), crowd, 10)),
    );
    expect(added.every((result) => result.ok)).toBe(true);
    expect(emulator.conflictsByItem()).toEqual([]);
    expect(await countGroupMembers(store, crowd)).toBe(users.length);
    expect((await listMembers(store, crowd)).map((user) => user.name).sort()).toEqual([...users].sort());
  });

  it('refuses to delete a group with members and lets a deletion and a membership never both win', async () => {
    const accountId = await newAccount();
    for (const user of ['x', 'y']) await putNewPrincipal(store, principal(accountId, 'user', user), 5000);
    const created = await putNewPrincipal(store, principal(accountId, 'group', 'team'), 300);
    if (!created.ok) throw new Error(created.message);
    expect((await addMembership(store, principal(accountId, 'user', 'x'), created.value, 10)).ok).toBe(true);
    expect(await deletePrincipal(store, created.value)).toMatchObject({
      ok: false,
      code: 'entity.delete-conflict',
      message: 'Cannot delete entity, must remove users from group first.',
    });

    for (let round = 0; round < 5; round++) {
      const name = `race${round}`;
      const raced = await putNewPrincipal(store, principal(accountId, 'group', name), 300);
      if (!raced.ok) throw new Error(raced.message);
      emulator = installConflictEmulator(store.dynamodb, { holdMs: 3 });
      const [deleted, joined] = await Promise.all([
        deletePrincipal(store, raced.value),
        addMembership(store, principal(accountId, 'user', 'y'), raced.value, 10),
      ]);
      emulator.uninstall();
      emulator = undefined;
      expect(deleted.ok && joined.ok).toBe(false);
      const groupLeft = await getPrincipal(store, accountId, 'group', name);
      // Ids, not records: a dangling relation must show up, not be filtered out by the record lookup.
      const membersLeft = await listMemberIds(store, raced.value);
      const userGroups = await listGroupIdsForUser(store, principal(accountId, 'user', 'y'));
      if (groupLeft) {
        expect(membersLeft).toEqual(joined.ok ? [principal(accountId, 'user', 'y').id] : []);
      } else {
        // The group is gone: no member item and no membership of the user may point at it.
        expect(membersLeft).toEqual([]);
        expect(userGroups).not.toContain(raced.value.id);
      }
      if (joined.ok) {
        expect((await deletePrincipal(store, raced.value)).ok).toBe(false);
      }
    }
  });
});
