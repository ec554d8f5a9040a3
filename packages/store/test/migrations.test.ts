import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { canonicalJson, scanTableItems } from '../../../test/fixtures/table-items.ts';
import { createTestTable } from '../../../test/fixtures/test-table.ts';
import {
  forEachTablePage,
  isMigrationLeaseLost,
  type Migration,
  migrate,
  migrations,
  readSchemaVersion,
  type StoreContext,
} from '../src/index.ts';

const T0 = new Date('2026-11-28T12:00:00.000Z');
const at = (ms: number) => () => new Date(T0.getTime() + ms);
const noSleep = async () => {};

/** Items `{pk: ITEM#n, sk: ITEM}` with a `label`, the data the test migrations rewrite. */
async function seedItems(store: StoreContext, count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    await store.documents.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { pk: `ITEM#${String(n).padStart(3, '0')}`, sk: 'ITEM', label: `item ${n}` },
      }),
    );
  }
}

/** How a test migration misbehaves: stalls on a page (as a dead runner would), or fails on one. */
interface Misbehaviour {
  readonly stallOnPage?: { readonly page: number; reached(): void; readonly until: Promise<void> };
  readonly failOnPage?: number;
}

/** Migration 2 for the tests: upper-cases every label, once per item (conditional), counting its visits. */
function upperCaseLabels(visits: string[], misbehaviour: Misbehaviour = {}): Migration {
  return {
    version: 2,
    name: 'upper-case labels',
    async run(context) {
      let page = 0;
      await forEachTablePage(
        context,
        async (items) => {
          page++;
          if (page === misbehaviour.failOnPage) throw new Error('disk on fire');
          if (page === misbehaviour.stallOnPage?.page) {
            misbehaviour.stallOnPage.reached();
            await misbehaviour.stallOnPage.until;
          }
          for (const item of items) {
            visits.push(String(item.pk));
            await context.store.documents
              .send(
                new PutCommand({
                  TableName: context.store.tableName,
                  Item: { ...item, label: String(item.label).toUpperCase(), migrated: true },
                  ConditionExpression: 'attribute_not_exists(migrated)',
                }),
              )
              .catch((error: Error) => {
                if (error.name !== 'ConditionalCheckFailedException') throw error;
              });
          }
        },
        2,
      );
    },
  };
}

const allLabels = ['ITEM 0', 'ITEM 1', 'ITEM 2', 'ITEM 3', 'ITEM 4', 'ITEM 5'];

async function labels(store: StoreContext): Promise<string[]> {
  return (await scanTableItems(store)).flatMap((i) => (i.label?.S ? [i.label.S] : []));
}

describe('migrate', () => {
  it('records the baseline on a fresh table, then finds nothing to apply and writes nothing', async () => {
    const store = await createTestTable('migrations');
    const baselineOnly = [migrations[0] as Migration];
    const first = await migrate(store, { migrations: baselineOnly, now: at(0) });
    expect(first).toEqual({ from: 0, to: 1, applied: [{ version: 1, name: migrations[0]?.name }] });
    expect(await readSchemaVersion(store)).toBe(1);
    const before = canonicalJson(await scanTableItems(store));
    expect(before).toContain('"schemaVersion"');
    expect(before).not.toContain('MIGRATION-LEASE');

    expect(await migrate(store, { migrations: baselineOnly, now: at(1_000) })).toEqual({
      from: 1,
      to: 1,
      applied: [],
    });
    expect(canonicalJson(await scanTableItems(store))).toBe(before);
  });

  it('applies the missing migrations in order, each once, and lists them on the version item', async () => {
    const store = await createTestTable('migrations');
    await seedItems(store, 5);
    const visits: string[] = [];
    const list = [migrations[0] as Migration, upperCaseLabels(visits)];
    const report = await migrate(store, { migrations: list, now: at(0) });
    expect(report.applied.map((m) => m.version)).toEqual([1, 2]);
    expect(visits).toHaveLength(5);
    const items = await scanTableItems(store);
    expect(items.filter((i) => i.label).map((i) => i.label?.S)).toEqual([
      'ITEM 0',
      'ITEM 1',
      'ITEM 2',
      'ITEM 3',
      'ITEM 4',
    ]);
    const version = items.find((i) => i.sk?.S === 'VERSION');
    expect(version?.applied?.L?.map((entry) => entry.M?.version?.N)).toEqual(['1', '2']);
    expect(await migrate(store, { migrations: list, now: at(1_000) })).toMatchObject({ applied: [] });
    expect(visits).toHaveLength(5);
  });

  it('lets one of two concurrent runners apply while the other waits and applies nothing', async () => {
    const store = await createTestTable('migrations');
    await seedItems(store, 6);
    const visits: string[] = [];
    const list = [migrations[0] as Migration, upperCaseLabels(visits)];
    const runners = await Promise.all(
      ['a', 'b'].map((owner) =>
        migrate(store, {
          migrations: list,
          owner,
          pollMs: 20,
          sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        }),
      ),
    );
    expect(runners.map((r) => r.applied.length).sort()).toEqual([0, 2]);
    expect(visits.sort()).toEqual([...new Set(visits)].sort());
    expect(visits).toHaveLength(6);
    expect(await readSchemaVersion(store)).toBe(2);
  });

  it('resumes a crashed run from its last checkpoint once its lease expires, and stops the stale runner', async () => {
    const store = await createTestTable('migrations');
    await migrate(store, { migrations: [migrations[0] as Migration], now: at(0) });
    await seedItems(store, 6);
    let wake: () => void = () => {};
    const asleep = new Promise<void>((resolve) => {
      wake = resolve;
    });
    let reached: () => void = () => {};
    const stalled = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const crashedVisits: string[] = [];
    // The first runner stalls on its third page (two checkpointed): as good as dead, its lease still held.
    const crashed = migrate(store, {
      migrations: [
        migrations[0] as Migration,
        upperCaseLabels(crashedVisits, { stallOnPage: { page: 3, reached, until: asleep } }),
      ],
      now: at(0),
      owner: 'crashed',
      leaseMs: 60_000,
    });
    await stalled;

    const early = migrate(store, {
      migrations: [migrations[0] as Migration, upperCaseLabels([])],
      now: at(30_000),
      owner: 'early',
      waitMs: 0,
      sleep: noSleep,
    });
    await expect(early).rejects.toThrow(/held the lease/);

    const resumedVisits: string[] = [];
    const resumed = await migrate(store, {
      migrations: [migrations[0] as Migration, upperCaseLabels(resumedVisits)],
      now: at(61_000),
      owner: 'successor',
    });
    expect(resumed.applied.map((m) => m.version)).toEqual([2]);
    // Resumed after the last checkpointed page: what the crashed runner finished is not visited again.
    expect(resumedVisits.length).toBeLessThan(6);
    expect(new Set([...crashedVisits, ...resumedVisits]).size).toBe(6);

    wake();
    const stale = await crashed.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isMigrationLeaseLost(stale)).toBe(true);
    expect(await readSchemaVersion(store)).toBe(2);
    expect(await labels(store)).toEqual(allLabels);
  });

  it('keeps the version and the progress of a migration that fails, and resumes it on the next run', async () => {
    const store = await createTestTable('migrations');
    await seedItems(store, 6);
    const failedVisits: string[] = [];
    const failing = upperCaseLabels(failedVisits, { failOnPage: 3 });
    await expect(
      migrate(store, { migrations: [migrations[0] as Migration, failing], now: at(0) }),
    ).rejects.toThrow('disk on fire');
    expect(await readSchemaVersion(store)).toBe(1);
    const visits: string[] = [];
    const retried = await migrate(store, {
      migrations: [migrations[0] as Migration, upperCaseLabels(visits)],
      now: at(1_000),
    });
    expect(retried.applied.map((m) => m.version)).toEqual([2]);
    expect(visits.filter((pk) => failedVisits.includes(pk))).toEqual([]);
    expect(new Set([...failedVisits, ...visits]).size).toBe(6);
    expect(await labels(store)).toEqual(allLabels);
  });

  it('refuses a table whose layout is newer than the code', async () => {
    const store = await createTestTable('migrations');
    await migrate(store, { migrations: [migrations[0] as Migration, upperCaseLabels([])], now: at(0) });
    await expect(
      migrate(store, { migrations: [migrations[0] as Migration], now: at(1_000) }),
    ).rejects.toThrow(/version 2, newer than this code knows \(1\)/);
  });

  it('refuses a list whose versions are not 1, 2, 3… in order', async () => {
    const store = await createTestTable('migrations');
    const gap = { ...upperCaseLabels([]), version: 3 };
    await expect(migrate(store, { migrations: [migrations[0] as Migration, gap] })).rejects.toThrow(
      /version 3, expected 2/,
    );
  });
});
