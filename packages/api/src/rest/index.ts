/**
 * The REST JSON API: the operator's tenant accounts and the identities of the caller's account,
 * every route SigV4-authenticated for the `palisade` scope service, plus the unauthenticated
 * OpenAPI 3.1 document (`/openapi.json`) and its readable rendering (`/docs`).
 */
import type { OperationTable } from '@palisade/iam';
import { Hono } from 'hono';
import { failureResponse } from '../error-responses.ts';
import type { Authenticate } from '../signed-request.ts';
import { accountRoutes, type TenantAccounts } from './account-routes.ts';
import {
  type DecisionRequestSchemas,
  decisionRouteDocs,
  decisionSchemaComponents,
} from './decision-routes-openapi.ts';
import { renderDocsPage } from './docs-page.ts';
import { identityHandler } from './identity-handler.ts';
import { identityRoutes } from './identity-routes.ts';
import { accountRouteDocs, identityRouteDoc, openApiDocument } from './openapi-document.ts';
import { honoPath, type Method } from './route-model.ts';
import { type StsOperations, stsRouteDocs, stsRoutes } from './sts-routes.ts';

export type { TenantAccounts } from './account-routes.ts';
export { identityRoutes } from './identity-routes.ts';
export { namedSchemas } from './response-schemas.ts';
export type { StsOperations } from './sts-routes.ts';

/** What the REST app needs. */
export interface RestDependencies {
  readonly operations: OperationTable;
  readonly accounts: TenantAccounts;
  readonly authenticate: Authenticate;
  /** STS under `/v1/sts`; absent, those routes are neither served nor documented. */
  readonly sts?: StsOperations;
  /**
   * The decision services' request schemas when the decision API (createDecisionsApp) is served
   * beside this app: /openapi.json then describes it too.
   */
  readonly decisionRoutes?: DecisionRequestSchemas;
}

/** Builds the REST app; mount it with `app.route('/', createRestApp(deps))`. */
export function createRestApp(deps: RestDependencies): Hono {
  const app = new Hono();
  const identity = identityRoutes();
  const routes: { method: Method; path: string; handler: ReturnType<typeof identityHandler> }[] = [
    ...accountRoutes(deps),
    ...identity.map((route) => ({
      method: route.method,
      path: route.path,
      handler: identityHandler(route, deps),
    })),
    ...(deps.sts ? stsRoutes({ sts: deps.sts, authenticate: deps.authenticate }) : []),
  ];

  // Built on first request, not at start-up: describing every operation's schema is most of a
  // cold start's app construction, and only readers of the documentation need it.
  let published: { document: ReturnType<typeof openApiDocument>; page: string } | undefined;
  const documentation = () => {
    if (!published) {
      const document = openApiDocument(
        [
          ...accountRouteDocs(deps.operations),
          ...identity.map((route) => identityRouteDoc(route, deps.operations)),
          ...(deps.sts ? stsRouteDocs(deps.sts) : []),
          ...(deps.decisionRoutes ? decisionRouteDocs(deps.decisionRoutes) : []),
        ],
        deps.decisionRoutes ? decisionSchemaComponents(deps.decisionRoutes) : {},
      );
      published = { document, page: renderDocsPage(document) };
    }
    return published;
  };
  app.get('/openapi.json', (c) => c.json(documentation().document));
  app.get('/docs', (c) => c.html(documentation().page));

  const methodsByPath = new Map<string, Method[]>();
  for (const route of routes) {
    app.on(route.method.toUpperCase(), honoPath(route.path), route.handler);
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method]);
  }
  // Registered after every route: a known path with another method is 405, not the platform's 404.
  for (const [path, methods] of methodsByPath) {
    const allow = [
      ...new Set(methods.flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()]))),
    ].join(', ');
    app.all(honoPath(path), (c) => {
      const response = failureResponse(
        c,
        {
          code: 'request.method-not-allowed',
          message: `${c.req.method} is not allowed on ${path}; allowed: ${allow}.`,
        },
        'rest',
      );
      response.headers.set('allow', allow);
      return response;
    });
  }
  return app;
}
