/**
 * The sign-in routes on the route spec: routes that take a session's access token refuse a request
 * without one before reading its body and authenticate the token before parsing the body; every
 * sign-in route reads a bounded body; a wrong method answers 405 like every other REST route.
 */
import { iamOperations } from '@palisade/iam';
import { rootCaller } from '@palisade/principals';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../../functions/wiring/platform.ts';
import { mustRunOperation } from '../../../test/fixtures/run-operation.ts';
import { requestSignIn } from '../../../test/fixtures/sign-in-request.ts';
import { createTestAccount, createTestPlatform } from '../../../test/fixtures/test-platform.ts';

const PASSWORD = 'correct horse battery staple';
const TOKEN_ROUTES = ['/v1/sign-out', '/v1/sign-in/credentials'];
/** The sign-in routes' body limit (16 KiB). */
const LIMIT = 16 * 1024;
let platform: Platform;

/** A body that remembers whether anything read it. */
function watchedBody(text: string): { body: ReadableStream<Uint8Array>; read: () => boolean } {
  let pulled = false;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulled = true;
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
      // Nothing is queued ahead of a reader: a pull means someone read the body.
    },
    { highWaterMark: 0 },
  );
  return { body, read: () => pulled };
}

async function post(
  path: string,
  body: string | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
) {
  const response = await platform.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
  const text = await response.text();
  return {
    response,
    code: text ? (JSON.parse(text) as { error?: { code: string } }).error?.code : undefined,
  };
}

/** A fresh sign-in session of the user `ida`. */
async function accessToken(): Promise<string> {
  const signedIn = await requestSignIn((path, init) => platform.app.request(path, init), {
    account: 'routes-co',
    userName: 'ida',
    password: PASSWORD,
  });
  expect(signedIn.status).toBe(200);
  return String(signedIn.body.accessToken);
}

beforeAll(async () => {
  platform = await createTestPlatform({ prefix: 'sign-in-routes' });
  const { accountId } = await createTestAccount(platform, 'routes-co');
  const ops = iamOperations(platform.iam);
  const root = rootCaller('aws', accountId);
  await mustRunOperation(ops, root, 'CreateUser', { UserName: 'ida' });
  await mustRunOperation(ops, root, 'CreateLoginProfile', { UserName: 'ida', Password: PASSWORD });
}, 60_000);

describe('the sign-in routes', () => {
  it.each(TOKEN_ROUTES)('refuses %s without a bearer token before reading the body', async (path) => {
    const watched = watchedBody('{');
    const { response, code } = await post(path, watched.body);
    expect(response.status).toBe(401);
    expect(code).toBe('credentials.missing');
    expect(watched.read()).toBe(false);
  });

  it.each(TOKEN_ROUTES)('authenticates the bearer token on %s before parsing the body', async (path) => {
    const forged = await accessToken();
    const [header, payload] = forged.split('.');
    const { response, code } = await post(path, `${'['.repeat(4000)}`, {
      authorization: `Bearer ${header}.${payload}.c2lnbmF0dXJl`,
    });
    expect(response.status).toBe(401);
    expect(code).toBe('credentials.invalid-token');
  });

  it('never reads the body of a sign-out: the token names all it ends', async () => {
    const watched = watchedBody('{');
    const { response } = await post('/v1/sign-out', watched.body, {
      authorization: `Bearer ${await accessToken()}`,
    });
    expect(response.status).toBe(204);
    expect(watched.read()).toBe(false);
  });

  it('answers 413 to a credentials body past the limit instead of minting keys without the request origin', async () => {
    const { response, code } = await post('/v1/sign-in/credentials', `{"x":"${'a'.repeat(LIMIT)}"}`, {
      authorization: `Bearer ${await accessToken()}`,
    });
    expect(response.status).toBe(413);
    expect(code).toBe('request.too-large');
  });

  it('mints credentials for an authenticated session, never cached', async () => {
    const { response } = await post('/v1/sign-in/credentials', '{}', {
      authorization: `Bearer ${await accessToken()}`,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
  });

  it('answers a sign-in body that is not a JSON object with the one validation failure', async () => {
    for (const body of ['[]', 'null', '"x"']) {
      const { response, code } = await post('/v1/sign-in', body);
      expect(response.status, body).toBe(400);
      expect(code, body).toBe('request.invalid');
    }
    const { response, code } = await post('/v1/sign-in', '{"account":"routes-co"}');
    expect(response.status).toBe(400);
    expect(code).toBe('request.invalid');
  });

  it.each([
    ['/v1/sign-in', 'POST'],
    ['/v1/sign-in/refresh', 'POST'],
    ['/v1/sign-out', 'POST'],
    ['/v1/sign-in/credentials', 'POST'],
    ['/.well-known/jwks.json', 'GET, HEAD'],
  ])('answers another method on %s with 405 and Allow: %s', async (path, allow) => {
    const response = await platform.app.request(path, { method: 'PUT' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
  });
});
