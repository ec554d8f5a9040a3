/**
 * The authorize function: only `/v1/authorize` and `/v1/authorize/batch`, the calls SaaS backends
 * make on every request. It shares the full API's authentication and decision service but none of
 * its other interfaces, so its bundle and cold start stay small (see `npm run bench:authorize`).
 */
import { createDecisionsApp, createPlatformApp, type LogSink, stdoutLog } from '@palisade/api';
import { createSecretBoxFromConfig } from '@palisade/credentials';
import { createBundleCache, createDecisionService } from '@palisade/decisions';
import { createStoreContext, pingTable } from '@palisade/store';
import { createSigningKeyring, defaultSignInSettings } from '@palisade/sts/sign-in';
import type { Hono } from 'hono';
import { createPlatformAuthentication, DECISION_FRESHNESS_MS } from './authentication.ts';
import { issuerOf, type PlatformConfig } from './config.ts';
import { decisionQuestions, storeErrorReporter, tokenResolver } from './decision-wiring.ts';

/** Builds the authorize function's app from its configuration. */
export function createAuthorizeFunction(
  config: PlatformConfig,
  log: LogSink = stdoutLog,
  now: () => Date = () => new Date(),
): Hono {
  const store = createStoreContext({
    tableName: config.tableName,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
    ...(config.dynamodbTimeoutMs ? { requestTimeoutMs: config.dynamodbTimeoutMs } : {}),
  });
  const secrets = createSecretBoxFromConfig(config.masterKey);
  const keyring = createSigningKeyring({
    ...defaultSignInSettings,
    store,
    secrets,
    issuer: issuerOf(config),
  });
  const cache = createBundleCache({
    store,
    partition: config.partition,
    revalidateAfterMs: DECISION_FRESHNESS_MS,
  });
  const { authenticate, authenticateBearer } = createPlatformAuthentication(
    config,
    store,
    secrets,
    keyring.verify,
    now,
    { readStamps: cache.readStamps, revalidateAfterMs: DECISION_FRESHNESS_MS },
  );
  const decisions = createDecisionService({
    store,
    partition: config.partition,
    now,
    cache,
    resolveToken: tokenResolver(authenticateBearer, now),
    reportError: storeErrorReporter(log),
  });
  const app = createPlatformApp({
    checkHealth: () => pingTable(store),
    log,
    ...(config.trustedProxy ? { trustedProxy: config.trustedProxy } : {}),
  });
  app.route('/', createDecisionsApp({ authenticate, ...decisionQuestions(decisions) }));
  return app;
}
