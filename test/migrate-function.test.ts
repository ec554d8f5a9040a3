/**
 * The migration Lambda as deployed: functions/migrate.ts's exported handler, configured from the
 * environment as its SST link would configure it, invoked as the deploy-time invocation does.
 */
import { migrations, readSchemaVersion, type StoreContext } from '@palisade/store';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createMigrationHandler } from '../functions/wiring/migration.ts';
import { createLayoutV1Table } from './fixtures/layout-v1.ts';
import { canonicalJson, scanTableItems } from './fixtures/table-items.ts';

type Handler = () => Promise<{ from: number; to: number; applied: { version: number; name: string }[] }>;

const latest = migrations.at(-1)?.version;
let store: StoreContext;
let handler: Handler;
let logged: string[];

beforeAll(async () => {
  store = await createLayoutV1Table('migrate-function');
  Object.assign(process.env, { TABLE_NAME: store.tableName, DYNAMODB_ENDPOINT: inject('dynamodbEndpoint') });
  logged = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    logged.push(String(chunk));
    return true;
  });
  ({ handler } = (await import('../functions/migrate.ts')) as unknown as { handler: Handler });
});
afterAll(() => vi.restoreAllMocks());

describe('functions/migrate.ts', () => {
  it('migrates the linked table on its first invocation and logs each migration as JSON', async () => {
    const report = await handler();
    expect(report).toMatchObject({ from: 0, to: latest });
    expect(report.applied.map((m) => m.version)).toEqual(migrations.map((m) => m.version));
    expect(await readSchemaVersion(store)).toBe(latest);
    const records = logged.map((line) => JSON.parse(line));
    expect(records).toContainEqual(
      expect.objectContaining({ level: 'info', msg: 'migration applied', version: 1 }),
    );
    expect(records.at(-1)).toMatchObject({ msg: 'table migrated', table: store.tableName, to: latest });
  });

  it('applies nothing and changes nothing when invoked again (the next deploy)', async () => {
    const before = canonicalJson(await scanTableItems(store));
    expect(await handler()).toEqual({ from: latest, to: latest, applied: [] });
    expect(canonicalJson(await scanTableItems(store))).toBe(before);
  });

  it('fails the invocation (and so the deploy) when the table cannot be migrated', async () => {
    const missing = createMigrationHandler(
      { tableName: 'no-such-table', dynamodbEndpoint: inject('dynamodbEndpoint') },
      () => {},
    );
    await expect(missing()).rejects.toThrow();
  });
});
