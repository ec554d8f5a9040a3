/**
 * What every composition root (the API function, the authorize function, `npm start`) builds first,
 * the same way: the store, the secret box, and the platform app the interfaces mount on.
 */
import { createPlatformApp, type LogSink } from '@palisade/api';
import { createSecretBoxFromConfig, type SecretBox } from '@palisade/credentials';
import { type ChangeOrigin, pingTable, recordUnchangedCall, type StoreContext } from '@palisade/store';
import { authorizationMessageSealer } from '@palisade/sts';
import type { Hono } from 'hono';
import type { PlatformConfig } from './config.ts';
import { storeFor } from './store.ts';

/** A root's configuration and the parts every interface shares. */
export interface Runtime {
  readonly config: PlatformConfig;
  readonly store: StoreContext;
  readonly secrets: SecretBox;
  readonly log: LogSink;
  readonly now: () => Date;
}

/** Builds the shared parts (`systemOrigin`: see `storeFor`). */
export function createRuntime(
  config: PlatformConfig,
  log: LogSink,
  now: () => Date,
  systemOrigin?: ChangeOrigin,
): Runtime {
  const store = storeFor(config, systemOrigin);
  return { config, store, secrets: createSecretBoxFromConfig(config.masterKey), log, now };
}

/** The platform app (health, request log, errors) that a root mounts its interfaces on. */
export function platformShell(runtime: Runtime): Hono {
  return createPlatformApp({
    checkHealth: () => pingTable(runtime.store),
    log: runtime.log,
    recordRefusal: (outcome) => recordUnchangedCall(runtime.store, outcome),
    sealAuthorizationMessage: authorizationMessageSealer(runtime.secrets),
    ...(runtime.config.trustedProxy ? { trustedProxy: runtime.config.trustedProxy } : {}),
  });
}
