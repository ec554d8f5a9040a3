/**
 * The REST API end to end: a real HTTP server (platform app + REST app), the real IAM operations
 * and SigV4 authentication against DynamoDB Local, and requests signed like an AWS SDK signs them.
 */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { iamOperations, tenantAccountOperations } from '@palisade/iam';
import { authenticateSignedRequest } from '@palisade/principals';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { createPlatformApp } from '../src/platform-app.ts';
import { createRestApp, identityRoutes, namedSchemas } from '../src/rest/index.ts';

interface Key {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const operator: Key = { accessKeyId: 'AKIAOPERATORRESTTEST', secretAccessKey: 'operator-secret-rest-test' };
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const trust = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' },
  ],
};

let baseUrl: string;
let server: ServerType;
let rootA: Key;
let rootB: Key;
let accountA: string;
const logs: Record<string, unknown>[] = [];
const suffix = Math.random().toString(36).slice(2, 8);

beforeAll(async () => {
  const now = () => new Date();
  const context = await createIamTestContext('rest', now);
  const { store, secrets } = context;
  const rest = createRestApp({
    operations: iamOperations(context),
    accounts: tenantAccountOperations(context),
    authenticate: (received, service, origin) =>
      authenticateSignedRequest(
        { store, partition: 'aws', secrets, now, operator },
        received,
        service,
        origin,
      ),
  });
  const app = createPlatformApp({ checkHealth: async () => ({ ok: true }), log: (r) => logs.push({ ...r }) });
  app.route('/', rest);
  server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((done) => server.once('listening', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const a = await call(operator, 'POST', '/v1/accounts', { alias: `tenant-a-${suffix}` });
  const b = await call(operator, 'POST', '/v1/accounts', { alias: `tenant-b-${suffix}` });
  expect(a.status).toBe(201);
  expect(b.status).toBe(201);
  accountA = String(a.body.accountId);
  rootA = keyOf(a.body.rootAccessKey);
  rootB = keyOf(b.body.rootAccessKey);
});

afterAll(() => server?.close());

/** A JSON body viewed permissively: the assertions check each field's value. */
interface Loose {
  readonly [key: string]: Loose;
}

interface Answer {
  readonly body: Loose;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Signs a request with SigV4 (as an AWS SDK would) and sends it to the test server. */
async function call(
  key: Key,
  method: string,
  target: string,
  body?: unknown,
  options: { headers?: Record<string, string>; service?: string; rawBody?: string } = {},
): Promise<Answer> {
  const url = new URL(target, baseUrl);
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.length === 1 ? (values[0] as string) : values;
  }
  const payload = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  const request = new HttpRequest({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query,
    headers: {
      host: url.host,
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(payload !== undefined ? { body: payload } : {}),
  });
  const signer = new SignatureV4({
    credentials: key,
    region: 'us-east-1',
    service: options.service ?? 'palisade',
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(request);
  const { host: _host, ...headers } = signed.headers;
  const response = await fetch(url, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await response.text();
  let parsed: Loose = {};
  try {
    parsed = text ? (JSON.parse(text) as Loose) : {};
  } catch {
    parsed = {};
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

const policyPath = (arn: string) => `/v1/policies/${encodeURIComponent(arn)}`;

/** The `error` of a failure response. */
function errorOf(answer: Answer): { code: string; message: string; requestId: string } {
  const error = answer.body.error;
  if (error === undefined) throw new Error(`no error in ${answer.text}`);
  return { code: String(error.code), message: String(error.message), requestId: String(error.requestId) };
}

/** The `items` of a list response. */
function items(answer: Answer): Loose[] {
  const list: unknown = answer.body.items;
  if (!Array.isArray(list)) throw new Error(`no items in ${answer.text}`);
  return list as Loose[];
}

/** One field of every item of a list response, as text. */
function fieldOf(answer: Answer, field: string): string[] {
  return items(answer).map((item) => String(item[field]));
}

/** An access key from a response body. */
function keyOf(value: Loose | undefined): Key {
  return { accessKeyId: String(value?.accessKeyId), secretAccessKey: String(value?.secretAccessKey) };
}

describe('REST operator accounts', () => {
  it('creates an account with its root key once; reading it again never shows the secret', async () => {
    const created = await call(operator, 'POST', '/v1/accounts', { alias: `acme-${suffix}` });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ alias: `acme-${suffix}`, status: 'active' });
    expect(String(created.body.accountId)).toMatch(/^\d{12}$/);
    const secret = keyOf(created.body.rootAccessKey).secretAccessKey;
    expect(secret.length).toBeGreaterThan(20);
    expect(created.headers.get('location')).toBe(`/v1/accounts/${created.body.accountId}`);
    namedSchemas.CreatedAccount.strict().parse(created.body);

    const read = await call(operator, 'GET', `/v1/accounts/${created.body.accountId}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"v1"');
    expect(read.body).toEqual({
      accountId: created.body.accountId,
      alias: `acme-${suffix}`,
      status: 'active',
      createdAt: created.body.createdAt,
    });
    expect(read.text).not.toContain(secret);
  });

  it('refuses account management to anyone but the operator', async () => {
    const created = await call(rootA, 'POST', '/v1/accounts', { alias: `sneaky-${suffix}` });
    expect(created.status).toBe(403);
    expect(errorOf(created).code).toBe('access.denied');
    expect((await call(rootA, 'GET', '/v1/accounts')).status).toBe(403);
    expect((await call(rootA, 'GET', `/v1/accounts/${accountA}`)).status).toBe(403);
  });

  it('refuses a bad alias and unknown fields with request.invalid', async () => {
    for (const body of [{ alias: 'Not An Alias' }, { alias: 'ok-alias', extra: 1 }, {}, { alias: 7 }]) {
      const answer = await call(operator, 'POST', '/v1/accounts', body);
      expect(answer.status).toBe(400);
      expect(errorOf(answer).code).toBe('request.invalid');
    }
  });

  it('lists accounts page by page with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call(operator, 'GET', `/v1/accounts?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(items(page).length).toBeLessThanOrEqual(1);
      seen.push(...fieldOf(page, 'accountId'));
      cursor = page.body.nextCursor === undefined ? undefined : String(page.body.nextCursor);
    } while (cursor);
    expect(seen).toContain(accountA);
    expect(new Set(seen).size).toBe(seen.length);
    expect((await call(operator, 'GET', '/v1/accounts?limit=0')).status).toBe(400);
    expect((await call(operator, 'GET', '/v1/accounts?cursor=!!')).status).toBe(400);
  });

  it('suspends with If-Match, refuses a stale one with 412, and a suspended root is locked out', async () => {
    const created = await call(operator, 'POST', '/v1/accounts', { alias: `suspend-me-${suffix}` });
    const id = String(created.body.accountId);
    const root = keyOf(created.body.rootAccessKey);
    expect((await call(root, 'GET', '/v1/users')).status).toBe(200);

    const stale = await call(operator, 'POST', `/v1/accounts/${id}/suspend`, undefined, {
      headers: { 'if-match': '"v9"' },
    });
    expect(stale.status).toBe(412);
    expect(errorOf(stale).code).toBe('entity.precondition-failed');

    const suspended = await call(operator, 'POST', `/v1/accounts/${id}/suspend`, undefined, {
      headers: { 'if-match': '"v1"' },
    });
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe('suspended');
    expect(suspended.headers.get('etag')).toBe('"v2"');
    const locked = await call(root, 'GET', '/v1/users');
    expect(locked.status).toBe(403);
    expect(errorOf(locked).code).toBe('account.suspended');

    const reactivated = await call(operator, 'POST', `/v1/accounts/${id}/reactivate`);
    expect(reactivated.body.status).toBe('active');
    expect((await call(root, 'GET', '/v1/users')).status).toBe(200);

    expect((await call(operator, 'DELETE', `/v1/accounts/${id}`)).status).toBe(204);
    expect((await call(operator, 'GET', `/v1/accounts/${id}`)).body.status).toBe('closed');
    expect((await call(root, 'GET', '/v1/users')).status).toBe(403);
  });

  it('answers a malformed account id with 400 and a missing one with 404', async () => {
    expect((await call(operator, 'GET', '/v1/accounts/abc')).status).toBe(400);
    expect((await call(operator, 'GET', '/v1/accounts/999999999999')).status).toBe(404);
  });
});

describe('REST users', () => {
  it('creates a user (201, Location) and reads it with an ETag', async () => {
    const created = await call(rootA, 'POST', '/v1/users', {
      userName: 'alice',
      path: '/eng/',
      tags: [{ key: 'team', value: 'core' }],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v1/users/alice');
    expect(created.body).toMatchObject({
      userName: 'alice',
      path: '/eng/',
      arn: `arn:aws:iam::${accountA}:user/eng/alice`,
      tags: [{ key: 'team', value: 'core' }],
    });
    namedSchemas.User.strict().parse(created.body);

    const read = await call(rootA, 'GET', '/v1/users/alice');
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    expect(read.headers.get('etag')).toMatch(/^"[\w-]{43}"$/);
  });

  it('lists users across pages with a cursor', async () => {
    for (const name of ['page-1', 'page-2', 'page-3', 'page-4', 'page-5']) {
      expect((await call(rootA, 'POST', '/v1/users', { userName: name, path: '/paged/' })).status).toBe(201);
    }
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call(
        rootA,
        'GET',
        `/v1/users?pathPrefix=/paged/&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(items(page).length).toBeLessThanOrEqual(2);
      names.push(...fieldOf(page, 'userName'));
      cursor = page.body.nextCursor === undefined ? undefined : String(page.body.nextCursor);
      pages++;
    } while (cursor && pages < 10);
    expect(names.sort()).toEqual(['page-1', 'page-2', 'page-3', 'page-4', 'page-5']);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('honours If-Match: the current ETag applies the change, a stale one gets 412', async () => {
    await call(rootA, 'POST', '/v1/users', { userName: 'etag-user' });
    const first = await call(rootA, 'GET', '/v1/users/etag-user');
    const etag = first.headers.get('etag') as string;

    const updated = await call(
      rootA,
      'PATCH',
      '/v1/users/etag-user',
      { path: '/moved/' },
      {
        headers: { 'if-match': etag },
      },
    );
    expect(updated.status).toBe(204);
    const second = await call(rootA, 'GET', '/v1/users/etag-user');
    expect(second.body.path).toBe('/moved/');
    expect(second.headers.get('etag')).not.toBe(etag);

    const stale = await call(
      rootA,
      'PATCH',
      '/v1/users/etag-user',
      { path: '/again/' },
      {
        headers: { 'if-match': etag },
      },
    );
    expect(stale.status).toBe(412);
    expect(errorOf(stale).code).toBe('entity.precondition-failed');
    const staleDelete = await call(rootA, 'DELETE', '/v1/users/etag-user', undefined, {
      headers: { 'if-match': etag },
    });
    expect(staleDelete.status).toBe(412);
    expect((await call(rootA, 'GET', '/v1/users/etag-user')).body.path).toBe('/moved/');

    const deleted = await call(rootA, 'DELETE', '/v1/users/etag-user', undefined, {
      headers: { 'if-match': second.headers.get('etag') as string },
    });
    expect(deleted.status).toBe(204);
    expect((await call(rootA, 'GET', '/v1/users/etag-user')).status).toBe(404);
  });

  it('denies a user without policies with 403 JSON until AdministratorAccess is attached', async () => {
    await call(rootA, 'POST', '/v1/users', { userName: 'bob' });
    const key = await call(rootA, 'POST', '/v1/users/bob/access-keys');
    expect(key.status).toBe(201);
    expect(key.headers.get('location')).toBe(`/v1/users/bob/access-keys/${key.body.accessKeyId}`);
    namedSchemas.AccessKey.strict().parse(key.body);
    const bob = keyOf(key.body);

    const denied = await call(bob, 'GET', '/v1/users');
    expect(denied.status).toBe(403);
    expect(denied.headers.get('content-type')).toContain('application/json');
    expect(errorOf(denied)).toMatchObject({ code: 'access.denied', requestId: expect.any(String) });
    expect(errorOf(denied).message).toContain('iam:ListUsers');

    const attached = await call(rootA, 'POST', '/v1/users/bob/attached-policies', { policyArn: ADMIN });
    expect(attached.status).toBe(204);
    const listed = await call(rootA, 'GET', '/v1/users/bob/attached-policies');
    expect(listed.body.items).toEqual([{ policyName: 'AdministratorAccess', policyArn: ADMIN }]);

    const allowed = await call(bob, 'GET', '/v1/users');
    expect(allowed.status).toBe(200);
    expect(fieldOf(allowed, 'userName')).toContain('alice');

    const keys = await call(rootA, 'GET', '/v1/users/bob/access-keys');
    expect(keys.body.items).toHaveLength(1);
    expect(keys.text).not.toContain(bob.secretAccessKey);
    const lastUsed = await call(rootA, 'GET', `/v1/users/bob/access-keys/${bob.accessKeyId}/last-used`);
    expect(lastUsed.body).toMatchObject({ userName: 'bob', serviceName: 'palisade', region: 'us-east-1' });
    expect(
      (await call(rootA, 'GET', `/v1/users/alice/access-keys/${bob.accessKeyId}/last-used`)).status,
    ).toBe(404);

    const deactivated = await call(rootA, 'PATCH', `/v1/users/bob/access-keys/${bob.accessKeyId}`, {
      status: 'Inactive',
    });
    expect(deactivated.status).toBe(204);
    expect((await call(bob, 'GET', '/v1/users')).status).toBe(401);
  });

  it('manages tags, boundary, inline policies and groups of a user', async () => {
    await call(rootA, 'POST', '/v1/users', { userName: 'carol' });
    expect(
      (await call(rootA, 'PUT', '/v1/users/carol/tags', { tags: [{ key: 'a', value: '1' }] })).status,
    ).toBe(204);
    expect(
      (await call(rootA, 'POST', '/v1/users/carol/tags', { tags: [{ key: 'b', value: '2' }] })).status,
    ).toBe(204);
    expect((await call(rootA, 'GET', '/v1/users/carol/tags')).body.items).toHaveLength(2);
    expect((await call(rootA, 'DELETE', '/v1/users/carol/tags?keys=a&keys=b')).status).toBe(204);
    expect((await call(rootA, 'GET', '/v1/users/carol/tags')).body.items).toEqual([]);

    expect(
      (await call(rootA, 'PUT', '/v1/users/carol/permissions-boundary', { policyArn: ADMIN })).status,
    ).toBe(204);
    expect((await call(rootA, 'GET', '/v1/users/carol')).body.permissionsBoundary).toEqual({
      permissionsBoundaryType: 'PermissionsBoundaryPolicy',
      permissionsBoundaryArn: ADMIN,
    });
    expect((await call(rootA, 'DELETE', '/v1/users/carol/permissions-boundary')).status).toBe(204);

    const put = await call(rootA, 'PUT', '/v1/users/carol/inline-policies/everything', {
      document: allowAll,
    });
    expect(put.status).toBe(204);
    const asText = await call(rootA, 'PUT', '/v1/users/carol/inline-policies/as-text', {
      document: JSON.stringify(allowAll),
    });
    expect(asText.status).toBe(204);
    expect(
      items(await call(rootA, 'GET', '/v1/users/carol/inline-policies'))
        .map(String)
        .sort(),
    ).toEqual(['as-text', 'everything']);
    const inline = await call(rootA, 'GET', '/v1/users/carol/inline-policies/everything');
    expect(inline.body).toEqual({ userName: 'carol', policyName: 'everything', document: allowAll });
    expect((await call(rootA, 'DELETE', '/v1/users/carol/inline-policies/as-text')).status).toBe(204);
    const malformed = await call(rootA, 'PUT', '/v1/users/carol/inline-policies/bad', {
      document: { Statement: [{ Effect: 'Maybe' }] },
    });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed).code).toBe('policy.malformed');

    expect((await call(rootA, 'POST', '/v1/groups', { groupName: 'devs' })).status).toBe(201);
    expect((await call(rootA, 'POST', '/v1/groups/devs/members', { userName: 'carol' })).status).toBe(204);
    expect((await call(rootA, 'GET', '/v1/users/carol/groups')).body.items).toMatchObject([
      { groupName: 'devs' },
    ]);
    expect((await call(rootA, 'GET', '/v1/groups/devs/members')).body.items).toMatchObject([
      { userName: 'carol' },
    ]);
    expect((await call(rootA, 'DELETE', '/v1/groups/devs/members/carol')).status).toBe(204);
    expect((await call(rootA, 'GET', '/v1/groups/devs/members')).body.items).toEqual([]);
  });
});

describe('REST refusals', () => {
  it('answers malformed JSON with 400 request.malformed-body', async () => {
    const answer = await call(rootA, 'POST', '/v1/users', undefined, { rawBody: '{"userName": ' });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).code).toBe('request.malformed-body');
  });

  it.each([
    ['a bad name', 'POST', '/v1/users', { userName: 'bad name' }],
    ['a name too long', 'POST', '/v1/users', { userName: 'x'.repeat(65) }],
    ['a missing name', 'POST', '/v1/users', {}],
    ['a name of the wrong type', 'POST', '/v1/users', { userName: 42 }],
    ['a path of the wrong type', 'POST', '/v1/users', { userName: 'typed', path: ['/'] }],
    ['tags of the wrong type', 'POST', '/v1/users', { userName: 'typed', tags: 'team=core' }],
    ['an unknown field', 'POST', '/v1/users', { userName: 'typed', UserName: 'typed' }],
    ['a body that is not an object', 'POST', '/v1/users', ['alice']],
    ['a bad name in the path', 'GET', '/v1/users/bad%20name', undefined],
    ['a limit that is not a number', 'GET', '/v1/users?limit=many', undefined],
    ['a limit out of range', 'GET', '/v1/users?limit=0', undefined],
    ['a bad access key status', 'PATCH', '/v1/access-keys/AKIAAAAAAAAAAAAAAAAA', { status: 'Sleeping' }],
    ['a bad version id', 'GET', `${policyPath(ADMIN)}/versions/latest`, undefined],
    [
      'a bad max session duration',
      'POST',
      '/v1/roles',
      { roleName: 'r', assumeRolePolicyDocument: trust, maxSessionDuration: 5 },
    ],
  ])('answers %s with 400 request.invalid', async (_case, method, target, body) => {
    const answer = await call(rootA, method, target, body);
    expect(answer.status).toBe(400);
    expect(errorOf(answer).code).toBe('request.invalid');
    expect(errorOf(answer).requestId).toBe(answer.headers.get('x-request-id'));
  });

  it('refuses a request signed for the iam service', async () => {
    const answer = await call(rootA, 'GET', '/v1/users', undefined, { service: 'iam' });
    expect(answer.status).toBe(401);
    expect(errorOf(answer).code).toBe('credentials.signature-mismatch');
  });

  it('refuses unsigned requests and wrong secrets', async () => {
    const unsigned = await fetch(`${baseUrl}/v1/users`);
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: { code: string } }).error.code).toMatch(/^credentials\./);
    const wrong = await call({ ...rootA, secretAccessKey: 'not-the-secret' }, 'GET', '/v1/users');
    expect(wrong.status).toBe(401);
  });

  it('answers 405 JSON for a known path with another method, and the platform 404 for unknown paths', async () => {
    const wrongMethod = await call(rootA, 'PUT', '/v1/users', {});
    expect(wrongMethod.status).toBe(405);
    expect(errorOf(wrongMethod).code).toBe('request.method-not-allowed');
    expect(wrongMethod.headers.get('allow')).toContain('POST');
    const unknown = await call(rootA, 'GET', '/v1/unicorns');
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown).code).toBe('request.not-found');
  });

  it('never answers 500 for bad input', async () => {
    const inputs: [string, string, unknown][] = [
      ['POST', '/v1/policies', { policyName: 'p', document: 12 }],
      ['POST', '/v1/policies', { policyName: 'p', document: null }],
      ['PUT', '/v1/account/alias', { alias: '--' }],
      ['PUT', '/v1/account/password-policy', { minimumPasswordLength: 'long' }],
      ['GET', '/v1/policies/not-an-arn', undefined],
      ['GET', '/v1/policies?scope=Everything', undefined],
      ['GET', '/v1/account/authorization-details?filter=Spaceships', undefined],
      ['DELETE', '/v1/users/alice/tags', undefined],
      ['POST', '/v1/groups/devs/members', { userName: null }],
      ['GET', '/v1/users/alice/inline-policies/%ZZ', undefined],
    ];
    for (const [method, target, body] of inputs) {
      const answer = await call(rootA, method, target, body);
      expect(answer.status, `${method} ${target}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, `${method} ${target}`).toBeLessThan(500);
      expect(errorOf(answer).code, `${method} ${target}`).toMatch(/^(request|policy|entity|access)\./);
    }
    expect(logs.some((record) => record.level === 'error')).toBe(false);
  });
  it('answers a forged cursor with a 4xx', async () => {
    for (const target of [
      '/v1/users?cursor=Zm9vYmFy',
      '/v1/roles?cursor=Zm9vYmFy',
      '/v1/policies?cursor=Zm9vYmFy',
    ]) {
      const answer = await call(rootA, 'GET', target);
      expect(answer.status, target).toBe(400);
    }
  });
});

describe('REST tenant isolation', () => {
  it("shows account B's root nothing of account A", async () => {
    const created = await call(rootA, 'POST', '/v1/policies', { policyName: 'a-only', document: allowAll });
    expect(created.status).toBe(201);
    const arn = String(created.body.arn);

    const users = await call(rootB, 'GET', '/v1/users');
    expect(users.status).toBe(200);
    expect(users.body.items).toEqual([]);
    expect((await call(rootB, 'GET', '/v1/users/alice')).status).toBe(404);
    expect((await call(rootB, 'DELETE', '/v1/users/alice')).status).toBe(404);
    expect((await call(rootB, 'GET', '/v1/groups')).body.items).toEqual([]);
    const policy = await call(rootB, 'GET', policyPath(arn));
    expect([403, 404]).toContain(policy.status);
    expect(policy.text).not.toContain('a-only"');
    const local = await call(rootB, 'GET', '/v1/policies?scope=Local');
    expect(local.body.items).toEqual([]);
    expect((await call(rootB, 'POST', '/v1/users/alice/attached-policies', { policyArn: arn })).status).toBe(
      404,
    );
    const details = await call(rootB, 'GET', '/v1/account/authorization-details');
    expect(details.text).not.toContain(accountA);
    expect((await call(rootA, 'GET', '/v1/users/alice')).status).toBe(200);
  });
});

describe('REST groups, roles and policies', () => {
  it('reads and updates a group with ETags', async () => {
    await call(rootA, 'POST', '/v1/groups', { groupName: 'ops', path: '/teams/' });
    const read = await call(rootA, 'GET', '/v1/groups/ops');
    expect(read.body).toMatchObject({ groupName: 'ops', path: '/teams/' });
    namedSchemas.Group.strict().parse(read.body);
    const stale = await call(
      rootA,
      'PATCH',
      '/v1/groups/ops',
      { path: '/x/' },
      { headers: { 'if-match': '"nope"' } },
    );
    expect(stale.status).toBe(412);
    const etag = read.headers.get('etag') as string;
    expect(
      (await call(rootA, 'PATCH', '/v1/groups/ops', { path: '/x/' }, { headers: { 'if-match': etag } }))
        .status,
    ).toBe(204);
    expect((await call(rootA, 'POST', '/v1/groups/ops/attached-policies', { policyArn: ADMIN })).status).toBe(
      204,
    );
    expect((await call(rootA, 'GET', '/v1/groups/ops/attached-policies')).body.items).toHaveLength(1);
    expect(
      (await call(rootA, 'DELETE', `/v1/groups/ops/attached-policies/${encodeURIComponent(ADMIN)}`)).status,
    ).toBe(204);
    expect(
      (await call(rootA, 'PUT', '/v1/groups/ops/inline-policies/all', { document: allowAll })).status,
    ).toBe(204);
    expect((await call(rootA, 'DELETE', '/v1/groups/ops/inline-policies/all')).status).toBe(204);
    expect((await call(rootA, 'DELETE', '/v1/groups/ops')).status).toBe(204);
    expect(fieldOf(await call(rootA, 'GET', '/v1/groups'), 'groupName')).not.toContain('ops');
  });

  it('creates a role with a trust policy object and returns documents as JSON', async () => {
    const created = await call(rootA, 'POST', '/v1/roles', {
      roleName: 'deployer',
      assumeRolePolicyDocument: trust,
      description: 'CI',
      tags: [{ key: 'env', value: 'ci' }],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v1/roles/deployer');
    expect(created.body.assumeRolePolicyDocument).toEqual(trust);
    namedSchemas.Role.strict().parse(created.body);

    const read = await call(rootA, 'GET', '/v1/roles/deployer');
    const updated = await call(
      rootA,
      'PATCH',
      '/v1/roles/deployer',
      { description: 'Deploys', maxSessionDuration: 7200 },
      { headers: { 'if-match': read.headers.get('etag') as string } },
    );
    expect(updated.status).toBe(204);
    const after = await call(rootA, 'GET', '/v1/roles/deployer');
    expect(after.body).toMatchObject({ description: 'Deploys', maxSessionDuration: 7200 });

    const narrower = { ...trust, Statement: [{ ...trust.Statement[0], Action: 'sts:TagSession' }] };
    expect((await call(rootA, 'PUT', '/v1/roles/deployer/trust-policy', { document: narrower })).status).toBe(
      204,
    );
    expect((await call(rootA, 'GET', '/v1/roles/deployer')).body.assumeRolePolicyDocument).toEqual(narrower);
    expect((await call(rootA, 'GET', '/v1/roles/deployer/tags')).body.items).toEqual([
      { key: 'env', value: 'ci' },
    ]);
    expect(
      (await call(rootA, 'PUT', '/v1/roles/deployer/inline-policies/all', { document: allowAll })).status,
    ).toBe(204);
    expect((await call(rootA, 'GET', '/v1/roles/deployer/inline-policies/all')).body).toEqual({
      roleName: 'deployer',
      policyName: 'all',
      document: allowAll,
    });
    expect(fieldOf(await call(rootA, 'GET', '/v1/roles'), 'roleName')).toContain('deployer');
    expect((await call(rootA, 'DELETE', '/v1/roles/deployer')).status).toBe(409);
  });

  it('creates a managed policy, versions it and addresses it by URL-encoded ARN', async () => {
    const created = await call(rootA, 'POST', '/v1/policies', {
      policyName: 'readers',
      path: '/team/',
      document: JSON.stringify(allowAll),
      description: 'Readers',
    });
    expect(created.status).toBe(201);
    const arn = String(created.body.arn);
    expect(arn).toBe(`arn:aws:iam::${accountA}:policy/team/readers`);
    expect(created.headers.get('location')).toBe(policyPath(arn));
    namedSchemas.Policy.strict().parse(created.body);

    const read = await call(rootA, 'GET', policyPath(arn));
    expect(read.status).toBe(200);
    const etag = read.headers.get('etag') as string;

    const version = await call(rootA, 'POST', `${policyPath(arn)}/versions`, {
      document: allowAll,
      setAsDefault: true,
    });
    expect(version.status).toBe(201);
    expect(version.body).toMatchObject({ versionId: 'v2', isDefaultVersion: true });
    expect(version.headers.get('location')).toBe(`${policyPath(arn)}/versions/v2`);

    const stale = await call(
      rootA,
      'PUT',
      `${policyPath(arn)}/default-version`,
      { versionId: 'v1' },
      {
        headers: { 'if-match': etag },
      },
    );
    expect(stale.status).toBe(412);
    expect((await call(rootA, 'PUT', `${policyPath(arn)}/default-version`, { versionId: 'v1' })).status).toBe(
      204,
    );

    const v1 = await call(rootA, 'GET', `${policyPath(arn)}/versions/v1`);
    expect(v1.body).toMatchObject({ versionId: 'v1', isDefaultVersion: true, document: allowAll });
    namedSchemas.PolicyVersion.strict().parse(v1.body);
    const versions = await call(rootA, 'GET', `${policyPath(arn)}/versions`);
    expect(fieldOf(versions, 'versionId')).toEqual(['v2', 'v1']);
    expect((await call(rootA, 'DELETE', `${policyPath(arn)}/versions/v2`)).status).toBe(204);

    const listed = await call(rootA, 'GET', '/v1/policies?scope=Local&pathPrefix=/team/');
    expect(fieldOf(listed, 'policyName')).toEqual(['readers']);
    const platform = await call(rootA, 'GET', '/v1/policies?scope=AWS');
    expect(fieldOf(platform, 'arn')).toContain(ADMIN);
    expect((await call(rootA, 'GET', '/v1/policies?onlyAttached=true&scope=Local')).status).toBe(200);
    expect((await call(rootA, 'DELETE', policyPath(ADMIN))).status).toBe(403);
    expect((await call(rootA, 'DELETE', policyPath(arn))).status).toBe(204);
    expect((await call(rootA, 'GET', policyPath(arn))).status).toBe(404);
  });
});

describe('REST access keys and account settings', () => {
  it("manages the root's own keys at /v1/access-keys", async () => {
    const listed = await call(rootA, 'GET', '/v1/access-keys');
    expect(fieldOf(listed, 'accessKeyId')).toContain(rootA.accessKeyId);
    const created = await call(rootA, 'POST', '/v1/access-keys');
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/access-keys/${created.body.accessKeyId}`);
    const lastUsed = await call(rootA, 'GET', `/v1/access-keys/${rootA.accessKeyId}/last-used`);
    expect(lastUsed.body).toMatchObject({ userName: accountA, serviceName: 'palisade' });
    expect((await call(rootA, 'DELETE', `/v1/access-keys/${created.body.accessKeyId}`)).status).toBe(204);
  });

  it('sets, reads and removes the alias and the password policy; summarises and exports the account', async () => {
    expect((await call(rootA, 'GET', '/v1/account/alias')).body).toEqual({ alias: `tenant-a-${suffix}` });
    expect((await call(rootA, 'PUT', '/v1/account/alias', { alias: `renamed-a-${suffix}` })).status).toBe(
      204,
    );
    expect((await call(rootA, 'GET', '/v1/account/alias')).body).toEqual({ alias: `renamed-a-${suffix}` });
    expect((await call(rootA, 'DELETE', '/v1/account/alias')).status).toBe(204);
    expect((await call(rootA, 'GET', '/v1/account/alias')).status).toBe(404);
    expect((await call(rootA, 'DELETE', '/v1/account/alias')).status).toBe(404);

    expect((await call(rootA, 'GET', '/v1/account/password-policy')).status).toBe(404);
    expect(
      (
        await call(rootA, 'PUT', '/v1/account/password-policy', {
          minimumPasswordLength: 14,
          requireSymbols: true,
        })
      ).status,
    ).toBe(204);
    const policy = await call(rootA, 'GET', '/v1/account/password-policy');
    expect(policy.body).toMatchObject({
      minimumPasswordLength: 14,
      requireSymbols: true,
      expirePasswords: false,
    });
    namedSchemas.PasswordPolicy.strict().parse(policy.body);
    expect((await call(rootA, 'DELETE', '/v1/account/password-policy')).status).toBe(204);

    const summary = await call(rootA, 'GET', '/v1/account/summary');
    expect(summary.body.users).toBeGreaterThan(0);
    expect(summary.body.usersQuota).toBe(5000);

    const details = await call(rootA, 'GET', '/v1/account/authorization-details?filter=User&filter=Role');
    expect(details.status).toBe(200);
    const users = details.body.userDetailList as unknown as Loose[];
    expect(users.map((u) => String(u.userName))).toContain('carol');
    expect(details.body.groupDetailList).toEqual([]);
    const carol = users.find((u) => String(u.userName) === 'carol');
    expect(carol?.userPolicyList).toEqual([{ policyName: 'everything', document: allowAll }]);
  });
});

describe('REST route table', () => {
  it('serves every route it publishes', () => {
    const routes = identityRoutes();
    const keys = routes.map((route) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('REST renames', () => {
  it('renames a user with PATCH and serves it under the new name only', async () => {
    expect((await call(rootA, 'POST', '/v1/users', { userName: 'to-rename' })).status).toBe(201);
    const renamed = await call(rootA, 'PATCH', '/v1/users/to-rename', { newUserName: 'renamed' });
    expect(renamed.status).toBe(204);
    const found = await call(rootA, 'GET', '/v1/users/renamed');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ userName: 'renamed', arn: `arn:aws:iam::${accountA}:user/renamed` });
    expect((await call(rootA, 'GET', '/v1/users/to-rename')).status).toBe(404);
  });
});

describe('REST paging of sub-listings', () => {
  it('pages a group’s members, a user’s groups and the export with limit and nextCursor, each item once', async () => {
    const names = ['pg-a', 'pg-b', 'pg-c'];
    expect((await call(rootA, 'POST', '/v1/groups', { groupName: 'paged' })).status).toBe(201);
    for (const userName of names) {
      expect((await call(rootA, 'POST', '/v1/users', { userName })).status).toBe(201);
      expect((await call(rootA, 'POST', '/v1/groups/paged/members', { userName })).status).toBe(204);
    }
    const every = async (path: string) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 50; pages++) {
        const joiner = path.includes('?') ? '&' : '?';
        const page = await call(
          rootA,
          'GET',
          `${path}${joiner}limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.status).toBe(200);
        const items = (page.body.items ?? page.body.userDetailList) as unknown as Loose[];
        expect(items.length).toBeLessThanOrEqual(1);
        seen.push(...items.map((item) => String(item.userName ?? item.groupName)));
        cursor = page.body.nextCursor as unknown as string | undefined;
        if (!cursor) return seen;
      }
      throw new Error(`${path} never ended`);
    };
    expect((await every('/v1/groups/paged/members')).sort()).toEqual(names);
    expect(await every('/v1/users/pg-b/groups')).toEqual(['paged']);
    expect(await every('/v1/account/authorization-details?filter=User')).toEqual(
      expect.arrayContaining(names),
    );
  });
});
