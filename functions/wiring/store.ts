/** The store every root (the functions, the migration, `npm start`) opens from its configuration. */
import { type ChangeOrigin, createStoreContext, type StoreContext } from '@palisade/store';
import type { StoreConfig } from './config.ts';

/**
 * Opens the configured table. `systemOrigin` is for tests and scripts that call the services
 * directly, outside any request; a serving process passes none, so every change names its request.
 */
export function storeFor(config: StoreConfig, systemOrigin?: ChangeOrigin): StoreContext {
  return createStoreContext({
    tableName: config.tableName,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
    ...(config.dynamodbTimeoutMs ? { requestTimeoutMs: config.dynamodbTimeoutMs } : {}),
    ...(config.auditRetentionDays ? { auditRetentionDays: config.auditRetentionDays } : {}),
    ...(systemOrigin ? { systemOrigin } : {}),
  });
}
