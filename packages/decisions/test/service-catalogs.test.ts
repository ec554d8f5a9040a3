/** The service catalog service in-process, on DynamoDB Local: per-account quotas on count and size. */
import { tenantAccountOperations } from '@palisade/iam';
import { operatorCaller, rootCaller } from '@palisade/principals';
import type { StoreContext } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { installConflictEmulator } from '../../../test/fixtures/conflict-emulator.ts';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { type CatalogQuotas, serviceCatalogService } from '../src/index.ts';

let store: StoreContext;
let accounts: ReturnType<typeof tenantAccountOperations>;
const operator = operatorCaller('AKIAOPERATOR0000TEST');
const now = () => new Date('2030-01-01T00:00:00Z');

/** A fresh account and a catalog service with `quotas`, acting as that account's root. */
async function accountWith(alias: string, quotas: CatalogQuotas) {
  const created = await accounts.createAccount(operator, alias);
  if (!created.ok) throw new Error(created.message);
  const root = rootCaller('aws', created.value.account.accountId);
  const catalogs = serviceCatalogService({ store, partition: 'aws', now, quotas });
  const prefixes = async () => {
    const listed = await catalogs.list(root);
    if (!listed.ok) throw new Error(listed.message);
    return listed.value.services.map((service) => service.prefix);
  };
  return { root, catalogs, prefixes };
}

/** A definition whose JSON is about `bytes` long. */
const sized = (bytes: number) => ({
  actions: Array.from(
    { length: Math.ceil(bytes / 100) },
    (_, i) => `A${String(i).padStart(4, '0')}${'x'.repeat(88)}`,
  ),
});

beforeAll(async () => {
  const iam = await createIamTestContext('catalogs', now);
  store = iam.store;
  accounts = tenantAccountOperations(iam);
});

describe('service catalog quotas', () => {
  it('refuses a service beyond the count quota with quota.exceeded, and frees the slot on delete', async () => {
    const { root, catalogs, prefixes } = await accountWith('catalog-count', {
      servicesPerAccount: 2,
      bytesPerAccount: 100_000,
      bytesPerService: 50_000,
    });
    expect((await catalogs.put(root, 'one', { actions: ['Read'] })).ok).toBe(true);
    expect((await catalogs.put(root, 'two', { actions: ['Read'] })).ok).toBe(true);
    expect(await catalogs.put(root, 'three', { actions: ['Read'] })).toMatchObject({
      ok: false,
      code: 'quota.exceeded',
      message: expect.stringMatching(/2 services/),
    });
    expect(await prefixes()).toEqual(['one', 'two']);
    // Replacing a registered service takes no new slot.
    expect((await catalogs.put(root, 'one', { actions: ['Read', 'Write'] })).ok).toBe(true);
    expect((await catalogs.remove(root, 'two')).ok).toBe(true);
    expect((await catalogs.put(root, 'three', { actions: ['Read'] })).ok).toBe(true);
    expect(await prefixes()).toEqual(['one', 'three']);
  });

  it('refuses definitions beyond the total and per-service size quotas, counting a replacement by its new size', async () => {
    const { root, catalogs, prefixes } = await accountWith('catalog-size', {
      servicesPerAccount: 10,
      bytesPerAccount: 25_000,
      bytesPerService: 15_000,
    });
    expect(await catalogs.put(root, 'huge', sized(20_000))).toMatchObject({
      ok: false,
      code: 'quota.exceeded',
      message: expect.stringMatching(/15000 bytes/),
    });
    expect((await catalogs.put(root, 'big', sized(12_000))).ok).toBe(true);
    expect(await catalogs.put(root, 'second', sized(14_000))).toMatchObject({
      ok: false,
      code: 'quota.exceeded',
      message: expect.stringMatching(/25000 bytes/),
    });
    expect(await prefixes()).toEqual(['big']);
    // Shrinking the first makes room; growing it back past the total is refused and changes nothing.
    expect((await catalogs.put(root, 'big', sized(1_000))).ok).toBe(true);
    expect((await catalogs.put(root, 'second', sized(14_000))).ok).toBe(true);
    expect(await catalogs.put(root, 'big', sized(12_000))).toMatchObject({
      ok: false,
      code: 'quota.exceeded',
    });
    const big = await catalogs.get(root, 'big');
    expect(big.ok && big.value.actions.length).toBe(10);
  });

  it('holds the count quota under concurrent registrations', async () => {
    const { root, catalogs, prefixes } = await accountWith('catalog-race', {
      servicesPerAccount: 3,
      bytesPerAccount: 100_000,
      bytesPerService: 50_000,
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => catalogs.put(root, `svc-${i}`, { actions: ['Read'] })),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(3);
    expect(
      results
        .filter((result) => !result.ok)
        .every((result) => !result.ok && /quota|concurrent/.test(result.code)),
    ).toBe(true);
    expect(await prefixes()).toHaveLength(3);
  });

  it('holds the count quota when concurrent registrations conflict as in DynamoDB', async () => {
    const { root, catalogs, prefixes } = await accountWith('catalog-conflicts', {
      servicesPerAccount: 3,
      bytesPerAccount: 100_000,
      bytesPerService: 50_000,
    });
    // Real DynamoDB cancels transactions that meet on the account's counters; DynamoDB Local does not.
    const emulator = installConflictEmulator(store.dynamodb);
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => catalogs.put(root, `race-${i}`, { actions: ['Read'] })),
      );
      const codes = results.map((result) => (result.ok ? 'ok' : result.code));
      expect(codes.filter((code) => code === 'ok').length).toBeLessThanOrEqual(3);
      expect(codes.every((code) => /^(ok|quota\.exceeded|entity\.concurrent-modification)$/.test(code))).toBe(
        true,
      );
      expect(emulator.inFlightItems()).toBe(0);
      // The rule was exercised: the writers met on the account's counters.
      expect(emulator.conflictsByItem().length).toBeGreaterThan(0);
      // Whatever lost, the counters still match what is stored: a retry fills the quota exactly.
      for (let i = 0; i < 8; i++) await catalogs.put(root, `race-${i}`, { actions: ['Read'] });
    } finally {
      emulator.uninstall();
    }
    expect(await prefixes()).toHaveLength(3);
    const fourth = await catalogs.put(root, 'race-extra', { actions: ['Read'] });
    expect(fourth.ok ? 'ok' : fourth.code).toBe('quota.exceeded');
  });
});
