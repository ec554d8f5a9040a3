/**
 * STS over REST (`/v1/sts`) against the running platform: a user assumes a role and signs with the
 * session's credentials, GetSessionToken, typed refusals of bad bodies and unsigned requests, and
 * AssumeRoleWithWebIdentity (unsigned) with a loopback OIDC issuer.
 */
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assumedRoleSchema,
  callerIdentitySchema,
  sessionTokenSchema,
  webIdentitySessionSchema,
} from '../packages/api/src/rest/sts-routes.ts';
import { createWebIdentityRole, type OidcIssuer, startOidcIssuer } from './fixtures/oidc-issuer.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

interface Key {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response members
  readonly body: any;
}

let running: RunningPlatform;
let accountId: string;
let root: Key;
let alice: Key;
const roleArn = () => `arn:aws:iam::${accountId}:role/reader`;
const doc = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

function iam(credentials: Key): IAMClient {
  return new IAMClient({ endpoint: running.url, region: 'us-east-1', credentials, maxAttempts: 1 });
}

/** Sends a JSON request, signed for `palisade` as an AWS SDK signs it unless `key` is undefined. */
async function call(key: Key | undefined, method: string, path: string, body?: unknown): Promise<Answer> {
  const url = new URL(path, running.url);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  let headers: Record<string, string> = payload === undefined ? {} : { 'content-type': 'application/json' };
  if (key) {
    const signer = new SignatureV4({
      credentials: key,
      region: 'us-east-1',
      service: 'palisade',
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = await signer.sign(
      new HttpRequest({
        method,
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        headers: { host: url.host, ...headers },
        ...(payload !== undefined ? { body: payload } : {}),
      }),
    );
    const { host: _host, ...rest } = signed.headers;
    headers = rest;
  }
  const response = await fetch(url, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  // The web-identity tests use a loopback issuer: the development flag admits it.
  running = await startPlatform({ devAllowLoopbackOidc: true });
  const account = await running.createAccount('sts-rest-e2e');
  accountId = account.accountId;
  root = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
  await iam(root).send(new CreateUserCommand({ UserName: 'alice' }));
  await iam(root).send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'assume-reader',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn() }),
    }),
  );
  const created = await iam(root).send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = {
    accessKeyId: created.AccessKey?.AccessKeyId ?? '',
    secretAccessKey: created.AccessKey?.SecretAccessKey ?? '',
  };
  await iam(root).send(
    new CreateRoleCommand({
      RoleName: 'reader',
      AssumeRolePolicyDocument: doc({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'sts:AssumeRole',
      }),
    }),
  );
});
afterAll(() => running?.close());

describe('POST /v1/sts/assume-role', () => {
  it('issues role session credentials that sign requests as the assumed role', async () => {
    const assumed = await call(alice, 'POST', '/v1/sts/assume-role', {
      roleArn: roleArn(),
      roleSessionName: 'rest-session',
      durationSeconds: 900,
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }] },
    });
    expect(assumed.status, JSON.stringify(assumed.body)).toBe(200);
    expect(assumed.headers.get('cache-control')).toBe('no-store');
    const session = assumedRoleSchema.strict().parse(assumed.body);
    expect(session.credentials.accessKeyId).toMatch(/^ASIA/);
    expect(session.assumedRoleUser.arn).toBe(`arn:aws:sts::${accountId}:assumed-role/reader/rest-session`);
    expect(session.assumedRoleUser.assumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:rest-session$/);
    expect(session.packedPolicySize).toEqual(expect.any(Number));
    const lifetime = Date.parse(session.credentials.expiration) - Date.now();
    expect(lifetime).toBeGreaterThan(800_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);

    const identity = await call(session.credentials, 'GET', '/v1/sts/caller-identity');
    expect(identity.status, JSON.stringify(identity.body)).toBe(200);
    expect(identity.headers.get('cache-control')).toBe('no-store');
    expect(callerIdentitySchema.strict().parse(identity.body)).toEqual({
      userId: session.assumedRoleUser.assumedRoleId,
      account: accountId,
      arn: session.assumedRoleUser.arn,
    });
  });

  it('refuses an invalid body with a typed 400', async () => {
    const tooShort = await call(alice, 'POST', '/v1/sts/assume-role', {
      roleArn: roleArn(),
      roleSessionName: 'x',
    });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.error.code).toBe('request.invalid');
    expect(tooShort.body.error.message).toContain('roleSessionName');

    const missing = await call(alice, 'POST', '/v1/sts/assume-role', { roleSessionName: 'ok-name' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('request.invalid');

    const typo = await call(alice, 'POST', '/v1/sts/assume-role', {
      roleArn: roleArn(),
      roleSessionName: 'ok-name',
      durationSecs: 900,
    });
    expect(typo.status).toBe(400);
    expect(typo.body.error).toMatchObject({
      code: 'request.invalid',
      message: expect.stringContaining('durationSecs'),
    });

    const notJson = await call(alice, 'POST', '/v1/sts/assume-role', '{"roleArn":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('request.malformed-body');
    expect(notJson.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses an unsigned request with a typed 401', async () => {
    const answer = await call(undefined, 'POST', '/v1/sts/assume-role', {
      roleArn: roleArn(),
      roleSessionName: 'anonymous',
    });
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('credentials.missing');
  });

  it('denies a role the caller may not assume with a typed 403', async () => {
    const answer = await call(alice, 'POST', '/v1/sts/assume-role', {
      roleArn: `arn:aws:iam::${accountId}:role/nobody`,
      roleSessionName: 'denied',
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('access.denied');
  });
});

describe('POST /v1/sts/get-session-token', () => {
  it('issues session credentials that act as the user, and refuses to chain from them', async () => {
    const minted = await call(alice, 'POST', '/v1/sts/get-session-token', { durationSeconds: 900 });
    expect(minted.status, JSON.stringify(minted.body)).toBe(200);
    expect(minted.headers.get('cache-control')).toBe('no-store');
    const { credentials } = sessionTokenSchema.strict().parse(minted.body);
    const identity = await call(credentials, 'GET', '/v1/sts/caller-identity');
    expect(identity.body.arn).toBe(`arn:aws:iam::${accountId}:user/alice`);

    const again = await call(credentials, 'POST', '/v1/sts/get-session-token', {});
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('access.denied');
  });
});

describe('GET /v1/sts/caller-identity', () => {
  it('names the long-term caller and is a 405 for other methods', async () => {
    const identity = await call(alice, 'GET', '/v1/sts/caller-identity');
    expect(identity.body).toMatchObject({ account: accountId, arn: `arn:aws:iam::${accountId}:user/alice` });
    const wrong = await call(alice, 'POST', '/v1/sts/caller-identity', {});
    expect(wrong.status).toBe(405);
    expect(wrong.body.error.code).toBe('request.method-not-allowed');
  });
});

describe('POST /v1/sts/assume-role-with-web-identity', () => {
  let idp: OidcIssuer;
  const webRoleArn = () => `arn:aws:iam::${accountId}:role/web-app`;

  beforeAll(async () => {
    idp = await startOidcIssuer();
    await createWebIdentityRole(iam(root), idp, {
      roleName: 'web-app',
      audience: 'web-client',
      subject: 'user-42',
    });
  });
  afterAll(() => idp?.close());

  const token = (sub = 'user-42') => {
    const now = Math.floor(Date.now() / 1000);
    return idp.idToken({ sub, aud: 'web-client', issuedAt: now, expiresAt: now + 300 });
  };

  it('exchanges a token for a role session without a signature', async () => {
    const answer = await call(undefined, 'POST', '/v1/sts/assume-role-with-web-identity', {
      roleArn: webRoleArn(),
      roleSessionName: 'browser',
      webIdentityToken: await token(),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const session = webIdentitySessionSchema.strict().parse(answer.body);
    expect(session).toMatchObject({ subjectFromWebIdentityToken: 'user-42', audience: 'web-client' });
    const identity = await call(session.credentials, 'GET', '/v1/sts/caller-identity');
    expect(identity.body.arn).toBe(`arn:aws:sts::${accountId}:assumed-role/web-app/browser`);
  });

  it('refuses a subject the trust policy does not name, and a token that is not a JWT', async () => {
    const stranger = await call(undefined, 'POST', '/v1/sts/assume-role-with-web-identity', {
      roleArn: webRoleArn(),
      roleSessionName: 'browser',
      webIdentityToken: await token('user-43'),
    });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.code).toBe('access.denied');
    const garbage = await call(undefined, 'POST', '/v1/sts/assume-role-with-web-identity', {
      roleArn: webRoleArn(),
      roleSessionName: 'browser',
      webIdentityToken: 'not-a-jwt',
    });
    expect(garbage.status).toBeGreaterThanOrEqual(400);
    expect(garbage.status).toBeLessThan(500);
    expect(garbage.body.error.code).toBe('credentials.invalid-identity-token');
  });
});

describe('the OpenAPI document', () => {
  it('lists the STS routes, the web identity route without security', async () => {
    const answer = await call(undefined, 'GET', '/openapi.json');
    const paths = answer.body.paths;
    expect(Object.keys(paths['/v1/sts/assume-role'])).toEqual(['post']);
    expect(Object.keys(paths['/v1/sts/get-session-token'])).toEqual(['post']);
    expect(Object.keys(paths['/v1/sts/caller-identity'])).toEqual(['get']);
    const web = paths['/v1/sts/assume-role-with-web-identity'].post;
    expect(web.security).toEqual([]);
    expect(paths['/v1/sts/assume-role'].post.security).toBeUndefined();
    const body = web.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['roleArn', 'roleSessionName', 'webIdentityToken']);
    expect(body.properties.roleSessionName).toMatchObject({ type: 'string', minLength: 2, maxLength: 64 });

    const docs = await fetch(new URL('/docs', running.url));
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });
});
