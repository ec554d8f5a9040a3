/**
 * The decision API in the published contract: every route createDecisionsApp serves (read from the
 * app's own route table, so a route added without docs fails here) appears in `/openapi.json`
 * with its body, parameters, responses and errors, and nothing is documented that is not served.
 */

import { createSecretBox, parseMasterKey } from '@palisade/credentials';
import { decisionRequestSchemas } from '@palisade/decisions';
import { fail, ok } from '@palisade/failures';
import {
  checkPolicyWithEngine,
  defaultQuotas,
  type IamContext,
  iamOperations,
  tenantAccountOperations,
} from '@palisade/iam';
import { operation } from '@palisade/principals';
import type { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TEST_PASSWORD_HASHING } from '../../../test/fixtures/iam-context.ts';
import { createTestTable } from '../../../test/fixtures/test-table.ts';
import { createDecisionsApp } from '../src/decisions-app.ts';
import { createPlatformApp } from '../src/platform-app.ts';
import { createRestApp, type RestDependencies } from '../src/rest/index.ts';
import { documentOf, expectSuccessAndUnauthorized, operationsOf } from './support/openapi-document.ts';

type Json = Record<string, unknown>;

let rest: RestDependencies;
let decisionsApp: Hono;
let document: Json;

const noop = async () => ok({});
// Every service the decision app can serve, so that it mounts every route it knows.
const SERVICES = {
  authorize: noop,
  authorizeBatch: noop,
  putResourcePolicy: noop,
  getResourcePolicy: noop,
  deleteResourcePolicy: noop,
  putServiceDefinition: noop,
  getServiceDefinition: noop,
  deleteServiceDefinition: noop,
  listServiceDefinitions: noop,
  allowedActions: noop,
  queryDecisionLog: noop,
  configureDecisionLog: noop,
  validatePolicy: noop,
  simulation: {
    SimulatePrincipalPolicy: operation(z.object({}), noop),
    SimulateCustomPolicy: operation(z.object({}), noop),
    GetContextKeysForCustomPolicy: operation(z.object({}), noop),
    GetContextKeysForPrincipalPolicy: operation(z.object({}), noop),
  },
};

/** `get /v1/service-catalog/{prefix}` for each route a Hono app serves (405 fallbacks aside). */
function servedRoutes(app: Hono): string[] {
  const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{arn}');
  return [
    ...new Set(
      app.routes
        .filter((route) => route.method !== 'ALL')
        .map((route) => `${route.method.toLowerCase()} ${openApiPath(route.path)}`),
    ),
  ];
}

beforeAll(async () => {
  const store = await createTestTable('decision-openapi');
  const context: IamContext = {
    store,
    partition: 'aws',
    now: () => new Date('2026-11-28T12:00:00Z'),
    quotas: defaultQuotas,
    checkPolicy: checkPolicyWithEngine,
    secrets: createSecretBox([parseMasterKey(Buffer.alloc(32, 5).toString('base64'))]),
    passwordHashing: TEST_PASSWORD_HASHING,
  };
  rest = {
    operations: iamOperations(context),
    accounts: tenantAccountOperations(context),
    // Nobody authenticates here: the contract endpoints must not need it.
    authenticate: async () => fail('credentials.missing', 'no credentials in this test'),
    decisionRoutes: decisionRequestSchemas,
  };
  decisionsApp = createDecisionsApp({ authenticate: rest.authenticate, ...SERVICES });
  const app = createPlatformApp({ checkHealth: async () => ({ ok: true }), log: () => {} });
  app.route('/', decisionsApp);
  app.route('/', createRestApp(rest));
  document = await documentOf(app);
});

describe('decision routes in GET /openapi.json', () => {
  it('documents every route the decision API serves, and only routes that are served', () => {
    const decisionRoutes = servedRoutes(decisionsApp);
    expect(decisionRoutes).toContain('put /v1/resource-policies/{arn}');
    expect(decisionRoutes).toContain('post /v1/simulate/principal');
    const restRoutes = servedRoutes(createRestApp(rest)).filter(
      (key) => !/ \/(openapi\.json|docs)$/.test(key),
    );
    const published = [...operationsOf(document).keys()];
    expect(published).toEqual(expect.arrayContaining(decisionRoutes));
    expect(published.sort()).toEqual([...restRoutes, ...decisionRoutes].sort());
  });

  it('gives each decision route a summary, its path parameters, a body where it takes one, and its errors', () => {
    const operations = operationsOf(document);
    for (const key of servedRoutes(decisionsApp)) {
      const op = operations.get(key) as Json;
      const [method, path] = key.split(' ') as [string, string];
      expect(op.summary, key).toEqual(expect.any(String));
      expect(op.tags, key).toHaveLength(1);
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = ((op.parameters as Json[] | undefined) ?? [])
        .filter((p) => p.in === 'path')
        .map((p) => p.name);
      expect(declared, key).toEqual(pathParams);
      const takesBody = method === 'post' || method === 'put';
      expect(op.requestBody !== undefined, key).toBe(takesBody);
      expectSuccessAndUnauthorized(op, key);
      // No route opts out of the document's security (SigV4 or Bearer).
      expect(op.security, key).toBeUndefined();
    }
    expect(document.security).toEqual([{ sigv4: [] }, { bearer: [] }]);
  });

  it('publishes the decision schemas, with every $ref resolving', () => {
    const schemas = (document.components as Json).schemas as Record<string, Json>;
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining([
        'DecisionRequest',
        'DecisionResult',
        'SimulationResult',
        'ResourceRegistration',
      ]),
    );
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const name = ref.slice('"$ref":"#/components/schemas/'.length, -1);
      expect(schemas, ref).toHaveProperty(name);
    }
    expect(schemas.DecisionRequest).toMatchObject({
      type: 'object',
      required: ['action', 'resource'],
      additionalProperties: false,
      properties: { action: { type: 'string', pattern: expect.any(String) } },
    });
  });

  it("describes the simulator in IAM's member names and the authorize 503 as a decision", () => {
    const operations = operationsOf(document);
    const principal = operations.get('post /v1/simulate/principal') as Json;
    expect(principal['x-iam-action']).toBe('SimulatePrincipalPolicy');
    const body = (((principal.requestBody as Json).content as Json)['application/json'] as Json)
      .schema as Json;
    expect(body).toMatchObject({
      required: expect.arrayContaining(['PolicySourceArn', 'ActionNames']),
      properties: {
        ResourceHandlingOption: { type: 'string' },
        ContextEntries: {
          type: 'array',
          items: { properties: { ContextKeyType: { enum: expect.any(Array) } } },
        },
      },
    });
    const result = ((document.components as Json).schemas as Record<string, Json>).SimulationResult as Json;
    expect(JSON.stringify(result)).toContain('StartPosition');
    const authorize = operations.get('post /v1/authorize') as Json;
    expect((authorize.responses as Json)['503']).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/DecisionResult' } } },
    });
  });

  it('serves /docs as the reference page for the document that holds the decision routes', async () => {
    const app = createPlatformApp({ checkHealth: async () => ({ ok: true }), log: () => {} });
    app.route('/', createRestApp(rest));
    const response = await app.request('/docs');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('/openapi.json');
  });

  it('leaves the decision routes out when the decision API is not served beside the REST app', async () => {
    const { decisionRoutes: _served, ...restOnly } = rest;
    const alone = await documentOf(createRestApp(restOnly));
    const keys = [...operationsOf(alone).keys()];
    expect(keys.some((key) => key.includes('/v1/authorize'))).toBe(false);
    expect((alone.components as Json).schemas).not.toHaveProperty('DecisionResult');
  });
});
