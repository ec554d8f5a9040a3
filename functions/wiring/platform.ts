/**
 * Builds the whole platform from configuration: the shared runtime (runtime.ts), the services, and
 * the app as a list of mounts (Query, decision questions, decision management, REST with sign-in).
 * The API function and `npm start` serve this app; the authorize function mounts the same decision
 * questions (decision-wiring.ts) on its own.
 */

import {
  createCloudTrailApp,
  createQueryApp,
  createRestApp,
  createScimApp,
  type LogSink,
  stdoutLog,
} from '@palisade/api';
import { auditReads } from '@palisade/audit';
import { CURRENT_SCRYPT_PARAMETERS, type ScryptParameters } from '@palisade/credentials';
import {
  contextKeyOperations,
  createDecisions,
  type Decisions,
  decisionRequestSchemas,
  simulationOperations,
} from '@palisade/decisions';
import { eventSubscriptionService } from '@palisade/events';
import {
  checkPolicyWithEngine,
  defaultQuotas,
  type IamContext,
  iamOperations,
  oidcProviderOperations,
  tenantAccountOperations,
  verifyMfaCode,
} from '@palisade/iam';
import { type OperationTable, recordingAccess } from '@palisade/principals';
import { type ProvisioningContext, provisioningService } from '@palisade/provisioning';
import { iamLifecycle, scimGroups, scimTokenService, scimUsers } from '@palisade/scim';
import type { ChangeOrigin, StoreContext } from '@palisade/store';
import {
  createWebIdentityVerifier,
  type StsContext,
  signInCredentialIssuer,
  stsOperations,
  unsignedStsOperations,
} from '@palisade/sts';
import { createSignInService, defaultSignInSettings } from '@palisade/sts/sign-in';
import type { Hono } from 'hono';
import { createPlatformAuthentication } from './authentication.ts';
import { issuerOf, type PlatformConfig } from './config.ts';
import {
  decisionManagementRoutes,
  decisionOptions,
  decisionQuestionRoutes,
  lastAccessRecorder,
} from './decision-wiring.ts';
import { createRuntime, platformShell } from './runtime.ts';

/** The assembled platform. */
export interface Platform {
  readonly app: Hono;
  readonly store: StoreContext;
  readonly iam: IamContext;
  readonly accounts: ReturnType<typeof tenantAccountOperations>;
  readonly decisions: Decisions;
  /** Provisioning: webhook secrets, blueprints, inbound webhooks, owners' setup. */
  readonly provisioning: ReturnType<typeof provisioningService>;
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
 * every change it commits names the request that made it (change-records.ts). `passwordHashing` is
 * the scrypt cost of new password hashes: OWASP's unless a test injects a cheaper one (never read
 * from configuration, so no deployment can lower it by accident).
 */
export function createPlatform(
  config: PlatformConfig,
  log: LogSink = stdoutLog,
  now: () => Date = () => new Date(),
  systemOrigin?: ChangeOrigin,
  passwordHashing: ScryptParameters = CURRENT_SCRYPT_PARAMETERS,
): Platform {
  const runtime = createRuntime(config, log, now, systemOrigin);
  const { store, secrets } = runtime;
  const iam: IamContext = {
    store,
    partition: config.partition,
    now,
    quotas: defaultQuotas,
    checkPolicy: checkPolicyWithEngine,
    secrets,
    passwordHashing,
  };
  // Last access (access advisor, RoleLastUsed, PasswordLastUsed): at most one write per principal, service and hour.
  const accessRecorder = lastAccessRecorder(runtime);
  // Sign-in sessions: passwords (+ MFA) to access JWTs; every interface also accepts those as Bearer.
  const signIn = createSignInService({
    ...defaultSignInSettings,
    store,
    secrets,
    partition: config.partition,
    now,
    issuer: issuerOf(config),
    passwordHashing,
    accessRecorder,
  });
  const { authenticate, authenticateOverlapped, authenticateBearer } = createPlatformAuthentication(
    config,
    store,
    secrets,
    signIn.verifyAccessToken,
    now,
  );
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
    accessRecorder,
  };
  const decisions = createDecisions(decisionOptions(runtime, signIn.verifyAccessToken, accessRecorder));

  // Built once: every interface serves the same operation tables.
  const iamTable = recordingAccess(iamOperations(iam), 'iam', accessRecorder);
  const accounts = tenantAccountOperations(iam);
  const simulation = simulationOperations({ store, partition: config.partition });
  const queryIam = {
    ...iamTable,
    ...recordingAccess(
      {
        ...oidcProviderOperations(iam, { allowLoopbackIssuers }),
        ...simulation,
        ...contextKeyOperations({ store, partition: config.partition }),
      },
      'iam',
      accessRecorder,
    ),
  };
  const querySts = recordingAccess(stsOperations(sts), 'sts', accessRecorder);
  const unsignedSts = unsignedStsOperations(sts);

  const audit = auditReads(store);
  const provisioningContext: ProvisioningContext = { iam, operations: iamTable, accounts };
  const provisioning = provisioningService(provisioningContext);
  // SCIM 2.0 provisioning (issue #13): the same IAM operations, as the token's account.
  const scimTokens = scimTokenService({ store, partition: config.partition, now });
  const scim = { iam, operations: iamTable, lifecycle: iamLifecycle(iam) };
  const eventSubscriptions = eventSubscriptionService({
    store,
    secrets,
    partition: config.partition,
    now,
    allowPrivate: config.events?.allowPrivate === true,
  });

  const app = platformShell(runtime);
  // AWS JSON 1.1 (CloudTrail) first: it answers its own content type at `/` and hands on every other POST.
  app.route('/', createCloudTrailApp({ audit, authenticate }));
  app.route(
    '/',
    createQueryApp({ iam: queryIam, sts: querySts, unsignedSts, authenticate, authenticateOverlapped }),
  );
  app.route('/', decisionQuestionRoutes(runtime, signIn.verifyAccessToken, decisions));
  const simulator = { ...simulation, ...contextKeyOperations({ store, partition: config.partition }) };
  app.route('/', decisionManagementRoutes(authenticate, decisions, simulator));
  app.route(
    '/',
    createScimApp({
      tokens: scimTokens,
      users: scimUsers(scim),
      groups: scimGroups(scim),
      partition: config.partition,
      now,
    }),
  );
  app.route(
    '/',
    createRestApp({
      operations: iamTable,
      accounts,
      authenticate,
      sts: { operations: querySts, unsigned: unsignedSts },
      audit,
      signIn: {
        ...signIn,
        authenticateBearer,
        issueCredentials: signInCredentialIssuer(sts, signIn.verifyAccessToken),
      },
      // The decision API is mounted above: /openapi.json describes it too, with its services' schemas.
      decisionRoutes: decisionRequestSchemas,
      provisioning: { provisioning, signIn: signIn.signIn },
      scimTokens,
      eventSubscriptions,
    }),
  );
  return {
    app,
    store,
    iam,
    accounts,
    decisions,
    provisioning,
    queryActions: { iam: queryIam, sts: querySts, unsignedSts: Object.keys(unsignedSts) },
  };
}
