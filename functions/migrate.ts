/** Lambda entry point SST invokes on each deploy: brings the table's data to the latest layout. */
import { stdoutLog } from '@palisade/api';
import { readStoreConfig } from './wiring/config.ts';
import { createMigrationHandler } from './wiring/migration.ts';

/** The deploy-time invocation's handler (its event carries nothing it needs). */
export const handler = createMigrationHandler(readStoreConfig(), stdoutLog);
