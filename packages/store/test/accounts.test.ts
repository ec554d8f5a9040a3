import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable } from '../../../test/fixtures/test-table.ts';
import {
  findAccountIdByAlias,
  getAccount,
  listAccounts,
  putNewAccount,
  type StoreContext,
  setAccountStatus,
} from '../src/index.ts';

let store: StoreContext;
beforeAll(async () => {
  store = await createTestTable('accounts');
});

const createdAt = '2026-11-28T12:00:00.000Z';

describe('accounts store', () => {
  it('writes an account and reads it back by id and by alias', async () => {
    const created = await putNewAccount(store, { accountId: '111111111111', alias: 'acme', createdAt });
    expect(created).toEqual({
      ok: true,
      value: { accountId: '111111111111', alias: 'acme', status: 'active', createdAt, version: 1 },
    });
    expect(await getAccount(store, '111111111111')).toMatchObject({ alias: 'acme', status: 'active' });
    expect(await findAccountIdByAlias(store, 'acme')).toBe('111111111111');
  });

  it('refuses a second account with a taken alias and writes nothing of it', async () => {
    const first = await putNewAccount(store, { accountId: '222222222221', alias: 'taken', createdAt });
    expect(first.ok).toBe(true);
    const taken = await putNewAccount(store, { accountId: '222222222222', alias: 'taken', createdAt });
    expect(taken).toMatchObject({ ok: false, code: 'entity.already-exists' });
    expect(await getAccount(store, '222222222222')).toBeUndefined();
  });

  it('lets exactly one of many concurrent creations claim an alias', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `3333333333${String(i).padStart(2, '0')}`);
    const results = await Promise.all(
      ids.map((accountId) => putNewAccount(store, { accountId, alias: 'contended', createdAt })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const owner = await findAccountIdByAlias(store, 'contended');
    expect(ids).toContain(owner);
  });

  it('changes status only from the expected version', async () => {
    await putNewAccount(store, { accountId: '444444444444', alias: 'versioned', createdAt });
    const suspended = await setAccountStatus(store, '444444444444', 'suspended', 1);
    expect(suspended).toMatchObject({ ok: true, value: { status: 'suspended', version: 2 } });
    const stale = await setAccountStatus(store, '444444444444', 'active', 1);
    expect(stale).toMatchObject({ ok: false, code: 'entity.concurrent-modification' });
  });

  it('pages through accounts in id order', async () => {
    // A table of its own: the other tests' accounts would make the pages depend on which ran first.
    const paged = await createTestTable('accounts-pages');
    const ids = ['555555555553', '555555555551', '555555555552'];
    for (const accountId of ids) {
      expect((await putNewAccount(paged, { accountId, alias: `paged-${accountId}`, createdAt })).ok).toBe(
        true,
      );
    }
    const first = await listAccounts(paged, { limit: 2 });
    expect(first.accounts.map((a) => a.accountId)).toEqual(['555555555551', '555555555552']);
    expect(first.next).toBe('555555555552');
    const rest = await listAccounts(paged, { limit: 2, after: first.next });
    expect(rest).toEqual({ accounts: [expect.objectContaining({ accountId: '555555555553' })] });
  });

  it('refuses to build a key from an invalid account id', async () => {
    await expect(getAccount(store, '12#ACCT')).rejects.toThrow(/invalid account id/);
  });
});
