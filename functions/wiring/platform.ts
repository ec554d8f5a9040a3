/**
 * Builds the whole platform from configuration: the store, the services and the Hono app. Lambda
 * handlers and the local runtime both call this, so they serve the same app.
 */
import {
  createDecisionsApp,
  createPlatformApp,
  createQueryApp,
  createRestApp,
  createSignInApp,
  type DecisionServices,
  type LogSink,
  stdoutLog,
} from '@palisade/api';
import { createSecretBoxFromConfig } from '@palisade/credentials';
import {
  createDecisions,
  type Decisions,
  decisionRequestSchemas,
  simulationOperations,
} from '@palisade/decisions';
import { ok } from '@palisade/failures';
import {
  checkPolicyWithEngine,
  defaultQuotas,
  type IamContext,
  iamOperations,
  type OperationTable,
  oidcProviderOperations,
  tenantAccountOperations,
  verifyMfaCode,
} from '@palisade/iam';
import { type ChangeOrigin, createStoreContext, pingTable, type StoreContext } from '@palisade/store';
import {
  createWebIdentityVerifier,
  type StsContext,
  sessionTokenForSignIn,
  stsOperations,
  unsignedStsOperations,
} from '@palisade/sts';
import { createSignInService, defaultSignInSettings } from '@palisade/sts/sign-in';
import type { Hono } from 'hono';
import { createPlatformAuthentication, DECISION_FRESHNESS_MS } from './authentication.ts';
import { issuerOf, type PlatformConfig } from './config.ts';
import { decisionQuestions, storeErrorReporter, tokenResolver } from './decision-wiring.ts';

/** The assembled platform. */
export interface Platform {
  readonly app: Hono;
  readonly store: StoreContext;
  readonly iam: IamContext;
  readonly accounts: ReturnType<typeof tenantAccountOperations>;
  readonly decisions: Decisions;
  /** The Query API's actions with their input schemas (unsigned STS actions by name): what it serves. */
  readonly queryActions: {
    readonly iam: OperationTable;
    readonly sts: OperationTable;
    readonly unsignedSts: readonly string[];
  };
}

/**
 * Wires the platform's dependencies from its configuration. `systemOrigin` is for tests and
 * scripts that call the services directly, outside any request; a serving process passes none, so
 * every change it commits names the request that made it (change-records.ts).
 */
export function createPlatform(
  config: PlatformConfig,
  log: LogSink = stdoutLog,
  now: () => Date = () => new Date(),
  systemOrigin?: ChangeOrigin,
): Platform {
  const store = createStoreContext({
    tableName: config.tableName,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
    ...(config.dynamodbTimeoutMs ? { requestTimeoutMs: config.dynamodbTimeoutMs } : {}),
    ...(systemOrigin ? { systemOrigin } : {}),
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
  // Built once: every interface serves the same operation tables.
  const iamTable = iamOperations(iam);
  const accounts = tenantAccountOperations(iam);
  // Sign-in sessions: passwords (+ MFA) to access JWTs; every interface also accepts those as Bearer.
  const signIn = createSignInService({
    ...defaultSignInSettings,
    store,
    secrets,
    partition: config.partition,
    now,
    issuer: issuerOf(config),
  });
  const { authenticate, authenticateOverlapped, authenticateBearer } = createPlatformAuthentication(
    config,
    store,
    secrets,
    signIn.verifyAccessToken,
    now,
  );

  const app = createPlatformApp({
    checkHealth: () => pingTable(store),
    log,
    ...(config.trustedProxy ? { trustedProxy: config.trustedProxy } : {}),
  });
  app.route(
    '/',
    createSignInApp({
      ...signIn,
      authenticateBearer,
      // CLI keys for a signed-in session: GetSessionToken as the session's caller, for an hour,
      // carrying the sign-in's MFA (its time is the token's auth_time) as the console's keys do.
      issueCredentials: async (token, caller) => {
        const claims = await signIn.verifyAccessToken(token, now());
        if (!claims.ok) return claims;
        const minted = await sessionTokenForSignIn(sts, caller, {
          durationSeconds: 3600,
          ...(claims.value.mfa ? { mfaAuthenticatedAt: new Date(claims.value.auth_time * 1000) } : {}),
        });
        if (!minted.ok) return minted;
        const { Credentials } = minted.value;
        return ok({
          accessKeyId: Credentials.AccessKeyId,
          secretAccessKey: Credentials.SecretAccessKey,
          sessionToken: Credentials.SessionToken,
          expiration: Credentials.Expiration.toISOString(),
        });
      },
    }),
  );
  const decisions = createDecisions({
    store,
    partition: config.partition,
    now,
    resolveToken: tokenResolver(authenticateBearer, now),
    revalidateAfterMs: DECISION_FRESHNESS_MS,
    reportError: storeErrorReporter(log),
  });
  const decisionAuthentication = createPlatformAuthentication(
    config,
    store,
    secrets,
    signIn.verifyAccessToken,
    now,
    { readStamps: decisions.cache.readStamps, revalidateAfterMs: DECISION_FRESHNESS_MS },
  );
  const simulation = simulationOperations({ store, partition: config.partition });
  // STS: temporary credentials. OIDC issuers are fetched only from public https addresses unless
  // the explicit development flag says otherwise (nothing else, such as running locally, implies it).
  const allowLoopbackIssuers = config.devAllowLoopbackOidc === true;
  const sts: StsContext = {
    store,
    partition: config.partition,
    now,
    secrets,
    verifyMfa: ({ accountId, owner, serialNumber, tokenCode, now: at }) =>
      verifyMfaCode(store, secrets, accountId, serialNumber, tokenCode, at, owner),
    verifyWebIdentity: createWebIdentityVerifier({ allowLoopbackIssuers }),
  };
  const queryIam = { ...iamTable, ...oidcProviderOperations(iam, { allowLoopbackIssuers }), ...simulation };
  const querySts = stsOperations(sts);
  const unsignedSts = unsignedStsOperations(sts);
  app.route(
    '/',
    createQueryApp({
      iam: queryIam,
      sts: querySts,
      unsignedSts,
      authenticate,
      authenticateOverlapped,
    }),
  );
  // The questions SaaS backends ask on every request trust a cached key for as long as they trust
  // cached policies; the decision API's management routes authenticate like every other interface.
  app.route(
    '/',
    createDecisionsApp({
      authenticate: decisionAuthentication.authenticate,
      ...decisionQuestions(decisions.decisions),
    }),
  );
  app.route('/', createDecisionsApp({ authenticate, ...decisionManagement(decisions, simulation) }));
  app.route(
    '/',
    createRestApp({
      operations: iamTable,
      accounts,
      authenticate,
      sts: { operations: stsOperations(sts), unsigned: unsignedStsOperations(sts) },
      // The decision API is mounted above: /openapi.json describes it too, with its services' schemas.
      decisionRoutes: decisionRequestSchemas,
    }),
  );
  return {
    app,
    store,
    iam,
    accounts,
    decisions,
    queryActions: { iam: queryIam, sts: querySts, unsignedSts: Object.keys(unsignedSts) },
  };
}

/** The decision API's other routes: resource policies, catalogs, simulation, the decision log. */
function decisionManagement(
  decisions: Decisions,
  simulation: ReturnType<typeof simulationOperations>,
): Omit<DecisionServices, 'authorize' | 'authorizeBatch'> {
  const { resourcePolicies, catalogs } = decisions;
  return {
    simulation,
    putResourcePolicy: (caller, { body, params }) => resourcePolicies.put(caller, params.arn ?? '', body),
    getResourcePolicy: (caller, { params }) => resourcePolicies.get(caller, params.arn ?? ''),
    deleteResourcePolicy: (caller, { params }) => resourcePolicies.remove(caller, params.arn ?? ''),
    putServiceDefinition: (caller, { body, params }) => catalogs.put(caller, params.prefix ?? '', body),
    getServiceDefinition: (caller, { params }) => catalogs.get(caller, params.prefix ?? ''),
    deleteServiceDefinition: (caller, { params }) => catalogs.remove(caller, params.prefix ?? ''),
    listServiceDefinitions: (caller) => catalogs.list(caller),
    allowedActions: (caller, { body }) => decisions.allowedActions(caller, body),
    queryDecisionLog: (caller, { query }) => decisions.decisionLog.query(caller, query),
    configureDecisionLog: (caller, { body }) => decisions.decisionLog.configure(caller, body),
    validatePolicy: (caller, { body }) => decisions.validation.validate(caller, body),
  };
}
