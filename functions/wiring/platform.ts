/**
 * Builds the whole platform from configuration: the store, the services and the Hono app. Lambda
 * handlers and the local runtime both call this, so they serve the same app.
 */
import { createPlatformApp, createQueryApp, type LogSink, stdoutLog } from '@palisade/api';
import { createSecretBoxFromConfig } from '@palisade/credentials';
import {
  type AuthenticationContext,
  authenticateSignedRequest,
  checkPolicyWithEngine,
  defaultQuotas,
  type IamContext,
  iamOperations,
  tenantAccountOperations,
} from '@palisade/iam';
import { createStoreContext, pingTable, type StoreContext } from '@palisade/store';
import type { Hono } from 'hono';
import type { PlatformConfig } from './config.ts';

/** The assembled platform. */
export interface Platform {
  readonly app: Hono;
  readonly store: StoreContext;
  readonly iam: IamContext;
  readonly accounts: ReturnType<typeof tenantAccountOperations>;
}

/** Wires the platform's dependencies from its configuration. */
export function createPlatform(
  config: PlatformConfig,
  log: LogSink = stdoutLog,
  now: () => Date = () => new Date(),
): Platform {
  const store = createStoreContext({
    tableName: config.tableName,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
  });
  const secrets = createSecretBoxFromConfig(config.masterKey);
  const iam: IamContext = {
    store,
    partition: config.partition,
    now,
    quotas: defaultQuotas,
    checkPolicy: checkPolicyWithEngine,
    secrets,
  };
  const authentication: AuthenticationContext = {
    store,
    partition: config.partition,
    secrets,
    now,
    operator: { accessKeyId: config.operatorAccessKeyId, secretAccessKey: config.operatorSecretAccessKey },
  };
  const authenticate = (
    request: Parameters<typeof authenticateSignedRequest>[1],
    service: string,
    origin: { sourceIp?: string },
  ) => authenticateSignedRequest(authentication, request, service, origin);

  const app = createPlatformApp({ checkHealth: () => pingTable(store), log });
  app.route('/', createQueryApp({ iam: iamOperations(iam), sts: {}, authenticate }));
  return { app, store, iam, accounts: tenantAccountOperations(iam) };
}
