/**
 * Running the table's migrations where the platform runs: the deploy-time function, and `npm start`
 * before it serves. Both log each step and what was applied.
 */
import type { LogSink } from '@palisade/api';
import { type MigrationReport, migrate, type StoreContext } from '@palisade/store';
import type { StoreConfig } from './config.ts';
import { storeFor } from './store.ts';

/** Migrates the table, logging each migration as it starts and is applied, then the outcome. */
export async function migrateTable(
  store: StoreContext,
  log: LogSink,
  now: () => Date = () => new Date(),
): Promise<MigrationReport> {
  const report = await migrate(store, { now, log: (entry) => log({ level: 'info', ...entry }) });
  log({
    level: 'info',
    msg: report.applied.length > 0 ? 'table migrated' : 'table layout is current',
    table: store.tableName,
    ...report,
  });
  return report;
}

/**
 * The migration function's handler: each invocation migrates the table and answers what it
 * applied. A failure throws, which fails the invocation and with it the deploy (fail closed: new
 * code never serves a layout it does not know).
 */
export function createMigrationHandler(
  config: StoreConfig,
  log: LogSink,
  now?: () => Date,
): () => Promise<MigrationReport> {
  const store = storeFor(config);
  return () => migrateTable(store, log, now);
}
