/**
 * The published contract: `/openapi.json` is an OpenAPI 3.1 document naming every route the REST
 * app serves, with schemas derived from the operations, and `/docs` is the reference page for it.
 */
import { fail } from '@palisade/failures';
import { iamOperations, tenantAccountOperations } from '@palisade/iam';
import type { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { createPlatformApp } from '../src/platform-app.ts';
import { createRestApp, identityRoutes } from '../src/rest/index.ts';
import { documentOf, expectSuccessAndUnauthorized, operationsOf } from './support/openapi-document.ts';

type Json = Record<string, unknown>;

let app: Hono;
let document: Json;

const ACCOUNT_ROUTES = [
  'post /v1/accounts',
  'get /v1/accounts',
  'get /v1/accounts/{accountId}',
  'post /v1/accounts/{accountId}/suspend',
  'post /v1/accounts/{accountId}/reactivate',
  'delete /v1/accounts/{accountId}',
];

beforeAll(async () => {
  const context = await createIamTestContext('rest-openapi', () => new Date('2026-11-28T12:00:00Z'));
  app = createPlatformApp({ checkHealth: async () => ({ ok: true }), log: () => {} });
  app.route(
    '/',
    createRestApp({
      operations: iamOperations(context),
      accounts: tenantAccountOperations(context),
      // Nobody authenticates here: the contract endpoints must not need it.
      authenticate: async () => fail('credentials.missing', 'no credentials in this test'),
    }),
  );
  document = await documentOf(app);
});

function pathsOf(doc: Json): Record<string, Record<string, Json>> {
  return doc.paths as Record<string, Record<string, Json>>;
}

function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [inner] : refsIn(inner),
  );
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document with both security schemes', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: 'Palisade API', version: expect.any(String) });
    const components = document.components as Json;
    expect(components.securitySchemes).toMatchObject({
      sigv4: {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: expect.stringContaining('palisade'),
      },
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
    expect(document.security).toEqual([{ sigv4: [] }, { bearer: [] }]);
    expect((components.schemas as Json).Error).toMatchObject({
      type: 'object',
      properties: { error: { type: 'object' } },
    });
  });

  it('lists every route the app serves, each with a unique operation id', () => {
    const published = [...operationsOf(document).keys()];
    const served = [...ACCOUNT_ROUTES, ...identityRoutes().map((route) => `${route.method} ${route.path}`)];
    expect(published.sort()).toEqual(served.sort());
    const ids = [...operationsOf(document).values()].map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents success and error responses for every operation, and every $ref resolves', () => {
    for (const [key, operation] of operationsOf(document)) {
      expectSuccessAndUnauthorized(operation, key);
      expect(operation.summary, key).toEqual(expect.any(String));
    }
    const schemas = Object.keys((document.components as Json).schemas as Json);
    for (const ref of refsIn(document)) {
      expect(schemas.map((name) => `#/components/schemas/${name}`)).toContain(ref);
    }
  });

  it('derives request schemas from the operations and renames members to REST fields', () => {
    const createUser = pathsOf(document)['/v1/users']?.post as Json;
    const schema = ((createUser.requestBody as Json).content as Json)['application/json'] as Json;
    expect(schema.schema).toMatchObject({
      type: 'object',
      required: ['userName'],
      additionalProperties: false,
      properties: {
        userName: { type: 'string', minLength: 1, maxLength: 64 },
        tags: { type: 'array', maxItems: 50, items: { properties: { key: { type: 'string' } } } },
      },
    });
    expect(createUser['x-iam-action']).toBe('CreateUser');
    const updateRole = pathsOf(document)['/v1/roles/{roleName}']?.patch as Json;
    const roleBody = (((updateRole.requestBody as Json).content as Json)['application/json'] as Json).schema;
    expect(roleBody).toMatchObject({
      properties: { maxSessionDuration: { type: 'integer', minimum: 3600, maximum: 43200 } },
    });
  });

  it('publishes pagination parameters and If-Match where they apply', () => {
    const listUsers = pathsOf(document)['/v1/users']?.get as Json;
    const names = (listUsers.parameters as Json[]).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['pathPrefix', 'limit', 'cursor']));
    const patchUser = pathsOf(document)['/v1/users/{userName}']?.patch as Json;
    expect(patchUser.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'If-Match' })]),
    );
    expect(patchUser.responses).toHaveProperty('412');
    const getUser = pathsOf(document)['/v1/users/{userName}']?.get as Json;
    expect(((getUser.responses as Json)['200'] as Json).headers).toHaveProperty('ETag');
  });
});

describe('GET /docs', () => {
  it('serves the API reference page for the published document', async () => {
    const response = await app.request('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('/openapi.json');
  });

  it("loads the reference script at one pinned version, never the CDN's latest", async () => {
    const html = await (await app.request('/docs')).text();
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(['https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.40.0']);
  });
});
