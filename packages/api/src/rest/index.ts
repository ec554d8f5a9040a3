/**
 * The REST JSON API: the operator's tenant accounts, the identities of the caller's account, STS
 * and sign-in, every route declared once as a route spec (rest/route-spec.ts) from which both its handler
 * and its entry in the OpenAPI 3.1 document (`/openapi.json`) are generated; `/docs` is the Scalar
 * API reference for that document.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AuditReads } from '@palisade/audit';
import type { EventSubscriptions } from '@palisade/events';
import type { IamOperations } from '@palisade/iam';
import type { ScimTokens } from '@palisade/scim';
import { Scalar } from '@scalar/hono-api-reference';
import type { Hono } from 'hono';
import { scimTokenRoutes } from '../scim/scim-token-routes.ts';
import type { Authenticate } from '../signed-request.ts';
import { accountRoutes, type TenantAccounts } from './account-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { decisionRouteConfigs } from './decision-routes.ts';
import { type DecisionRequestSchemas, decisionSchemaComponents } from './decision-schemas.ts';
import { eventSubscriptionRoutes } from './event-subscription-routes.ts';
import { identityRouteSpec } from './identity-handler.ts';
import { identityRoutes } from './identity-routes.ts';
import { jsonSchemaOf, openApiDocument, registerComponents } from './openapi-document.ts';
import { type ProvisioningDependencies, provisioningRoutes } from './provisioning-routes.ts';
import { mountRoutes, once, type RestEnv, registerRoutes } from './route-spec.ts';
import { type SignInDependencies, signInRoutes } from './sign-in-routes.ts';
import { type StsOperations, stsRoutes } from './sts-routes.ts';

export type { TenantAccounts } from './account-routes.ts';
export type { DecisionRequestSchemas } from './decision-schemas.ts';
export { identityRoutes } from './identity-routes.ts';
export type { ProvisioningDependencies } from './provisioning-routes.ts';
export { namedSchemas } from './response-schemas.ts';
export type { SessionCredentials, SignInDependencies, SignInTokens } from './sign-in-routes.ts';
export type { StsOperations } from './sts-routes.ts';

/**
 * The reference page's script, pinned to one version: the page runs in an operator's browser next
 * to their credentials, so it must not change under us the way the CDN's unversioned `latest` can.
 * Not self-hosted: `@scalar/api-reference` (which ships the standalone bundle) pulls a front-end
 * toolchain into the install, and its current releases need Node 22. Upgrade together with
 * `@scalar/hono-api-reference`.
 */
const SCALAR_BUNDLE = 'https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.40.0';

/** What the REST app needs. */
export interface RestDependencies {
  readonly operations: IamOperations;
  readonly accounts: TenantAccounts;
  readonly authenticate: Authenticate;
  /** STS under `/v1/sts`; absent, those routes are neither served nor documented. */
  readonly sts?: StsOperations;
  /** The audit trail's reads under `/v1/audit-events`; absent, neither served nor documented. */
  readonly audit?: AuditReads;
  /** Sign-in sessions (`/v1/sign-in`, `/v1/sign-out`, the JWKS); absent, neither served nor documented. */
  readonly signIn?: SignInDependencies;
  /**
   * The decision services' request schemas when the decision API (createDecisionsApp) is served
   * beside this app: /openapi.json then describes it too.
   */
  readonly decisionRoutes?: DecisionRequestSchemas;
  /**
   * Provisioning (webhook secrets, blueprints, the inbound webhook, owners' setup) and the
   * accounts API's externalId and blueprint; absent, neither served nor documented.
   */
  readonly provisioning?: ProvisioningDependencies;
  /** SCIM tokens under `/v1/scim/tokens` (issue #13); absent, neither served nor documented. */
  readonly scimTokens?: ScimTokens;
  /** Outbound event subscriptions under `/v1/event-subscriptions`; absent, neither served nor documented. */
  readonly eventSubscriptions?: EventSubscriptions;
}

/** Builds the REST app; mount it with `app.route('/', createRestApp(deps))`. */
export function createRestApp(deps: RestDependencies): Hono {
  const app = new OpenAPIHono<RestEnv>();
  const specs = [
    ...accountRoutes(deps),
    ...identityRoutes().map((route) => identityRouteSpec(route, deps.operations)),
    ...(deps.sts ? stsRoutes({ sts: deps.sts, authenticate: deps.authenticate }) : []),
    ...(deps.signIn ? signInRoutes(deps.signIn) : []),
    ...(deps.audit ? auditRoutes({ audit: deps.audit }) : []),
    ...(deps.provisioning ? provisioningRoutes(deps.provisioning) : []),
    ...(deps.scimTokens ? scimTokenRoutes(deps.scimTokens) : []),
    ...(deps.eventSubscriptions ? eventSubscriptionRoutes({ subscriptions: deps.eventSubscriptions }) : []),
  ];
  mountRoutes(app, specs, deps.authenticate);
  // Generated on first request, not at start-up: only readers of the documentation need it.
  const document = once(() => {
    registerRoutes(
      app,
      specs.map((spec) => spec.route()),
    );
    // The decision API is served by its own app, from the same rows; their routes join this document.
    if (deps.decisionRoutes)
      registerRoutes(
        app,
        decisionRouteConfigs(deps.decisionRoutes, (schema) => jsonSchemaOf(schema)),
      );
    registerComponents(app, deps.decisionRoutes ? decisionSchemaComponents(deps.decisionRoutes) : {});
    return openApiDocument(app);
  });
  app.get('/openapi.json', (c) => c.json(document()));
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'Palisade API', cdn: SCALAR_BUNDLE }));
  // Mounted like any Hono app; its own environment (the caller on the context) stays inside.
  return app as unknown as Hono;
}
