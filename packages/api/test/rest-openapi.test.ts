/**
 * The published contract: `/openapi.json` is an OpenAPI 3.1 document naming every route the REST
 * app serves, with schemas derived from the operations, and `/docs` is the reference page for it.
 */
import { auditReads } from '@palisade/audit';
import { fail } from '@palisade/failures';
import { type IamContext, iamOperations, tenantAccountOperations, verifyMfaCode } from '@palisade/iam';
import { authenticateBearerToken } from '@palisade/principals';
import { createWebIdentityVerifier, signInCredentialIssuer } from '@palisade/sts';
import { createSignInService, defaultSignInSettings } from '@palisade/sts/sign-in';
import type { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { createPlatformApp } from '../src/platform-app.ts';
import { createRestApp, identityRoutes, type SignInDependencies } from '../src/rest/index.ts';
import { documentOf, expectSuccessAndUnauthorized, operationsOf } from './support/openapi-document.ts';

type Json = Record<string, unknown>;

let app: Hono;
let document: Json;
let context: IamContext;

const ACCOUNT_ROUTES = [
  'post /v1/accounts',
  'get /v1/accounts',
  'get /v1/accounts/{accountId}',
  'post /v1/accounts/{accountId}/suspend',
  'post /v1/accounts/{accountId}/reactivate',
  'delete /v1/accounts/{accountId}',
];

const AUDIT_ROUTES = ['get /v1/audit-events', 'get /v1/audit-events/export', 'get /v1/audit-events/verify'];

const SIGN_IN_ROUTES = [
  'post /v1/sign-in',
  'post /v1/sign-in/refresh',
  'post /v1/sign-out',
  'post /v1/sign-in/credentials',
  'get /.well-known/jwks.json',
  'get /.well-known/openid-configuration',
];

/** The sign-in service and bearer authentication over the test's table, wired as the platform wires them. */
function signInOf(context: IamContext): SignInDependencies {
  const { store, partition, now, secrets } = context;
  const signIn = createSignInService({
    ...defaultSignInSettings,
    store,
    secrets,
    partition,
    now,
    issuer: 'http://palisade.test',
    passwordHashing: context.passwordHashing,
  });
  const sts = {
    store,
    partition,
    now,
    secrets,
    verifyMfa: ({ accountId, owner, serialNumber, tokenCode, now: at }) =>
      verifyMfaCode(store, secrets, accountId, serialNumber, tokenCode, at, owner),
    verifyWebIdentity: createWebIdentityVerifier({ allowLoopbackIssuers: false }),
  } satisfies Parameters<typeof signInCredentialIssuer>[0];
  return {
    ...signIn,
    authenticateBearer: (token, origin) =>
      authenticateBearerToken(
        { store, partition, now, verifyAccessToken: signIn.verifyAccessToken },
        token,
        origin,
      ),
    issueCredentials: signInCredentialIssuer(sts, signIn.verifyAccessToken),
  };
}

/** The platform app serving only the REST app built from `deps` (defaults: this test's context). */
function restApp(deps: Partial<Parameters<typeof createRestApp>[0]> = {}): Hono {
  const served = createPlatformApp({ checkHealth: async () => ({ ok: true }), log: () => {} });
  served.route(
    '/',
    createRestApp({
      operations: iamOperations(context),
      accounts: tenantAccountOperations(context),
      // Nobody authenticates here: the contract endpoints must not need it.
      authenticate: async () => fail('credentials.missing', 'no credentials in this test'),
      signIn: signInOf(context),
      audit: auditReads(context.store),
      ...deps,
    }),
  );
  return served;
}

beforeAll(async () => {
  context = await createIamTestContext('rest-openapi', () => new Date('2026-11-28T12:00:00Z'));
  app = restApp();
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
    const served = [
      ...ACCOUNT_ROUTES,
      ...identityRoutes().map((route) => `${route.method} ${route.path}`),
      ...SIGN_IN_ROUTES,
      ...AUDIT_ROUTES,
    ];
    expect(published.sort()).toEqual(served.sort());
    const ids = [...operationsOf(document).values()].map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('publishes the credentials route only where the deployment mints CLI keys, as it serves it', async () => {
    const { issueCredentials: _none, ...withoutCredentials } = signInOf(context);
    const without = restApp({ signIn: withoutCredentials });
    const published = pathsOf((await (await without.request('/openapi.json')).json()) as Json);
    expect(published['/v1/sign-in']).toHaveProperty('post');
    expect(published).not.toHaveProperty('/v1/sign-in/credentials');
    const answer = await without.request('/v1/sign-in/credentials', { method: 'POST' });
    expect(answer.status).toBe(404);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('request.not-found');
  });

  it('documents the sign-in routes: their bodies, who may call them, and tokens as answers', () => {
    const signIn = pathsOf(document)['/v1/sign-in']?.post as Json;
    expect(signIn.security).toEqual([]);
    const body = ((signIn.requestBody as Json).content as Json)['application/json'] as Json;
    expect(body.schema).toMatchObject({
      type: 'object',
      required: ['account', 'password'],
      additionalProperties: false,
      properties: { mfaCode: { type: 'string', pattern: '^\\d{6}$' } },
    });
    const tokens = (((signIn.responses as Json)['200'] as Json).content as Json)['application/json'] as Json;
    expect(tokens.schema).toMatchObject({
      properties: { accessToken: { type: 'string' }, tokenType: { const: 'Bearer' } },
    });
    for (const path of ['/v1/sign-out', '/v1/sign-in/credentials']) {
      expect(pathsOf(document)[path]?.post?.security, path).toEqual([{ bearer: [] }]);
    }
    expect(pathsOf(document)['/v1/sign-out']?.post).not.toHaveProperty('requestBody');
    expect(pathsOf(document)['/.well-known/jwks.json']?.get?.security).toEqual([]);
  });

  it('documents success and error responses for every operation, and every $ref resolves', () => {
    for (const [key, operation] of operationsOf(document)) {
      expect(operation.summary, key).toEqual(expect.any(String));
      // The discovery documents are public and refuse no one: they document success only.
      if (key.startsWith('get /.well-known/')) {
        expect(
          Object.keys(operation.responses as Json).some((status) => /^2\d\d$/.test(status)),
          key,
        ).toBe(true);
        continue;
      }
      expectSuccessAndUnauthorized(operation, key);
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
