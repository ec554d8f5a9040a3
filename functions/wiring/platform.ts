/**
 * Builds the whole platform from configuration: the store, the services and the Hono app. Lambda
 * handlers and the local runtime both call this, so they serve the same app.
 */
import { createPlatformApp, type LogSink, stdoutLog } from '@palisade/api';
import { createStoreContext, pingTable, type StoreContext } from '@palisade/store';
import type { Hono } from 'hono';
import type { PlatformConfig } from './config.ts';

/** The assembled platform. */
export interface Platform {
  readonly app: Hono;
  readonly store: StoreContext;
}

/** Wires the platform's dependencies from its configuration. */
export function createPlatform(config: PlatformConfig, log: LogSink = stdoutLog): Platform {
  const store = createStoreContext({
    tableName: config.tableName,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
  });
  const app = createPlatformApp({ checkHealth: () => pingTable(store), log });
  return { app, store };
}
