/**
 * The authorize Lambda as deployed: functions/authorize.ts's exported handler, invoked with API
 * Gateway (HTTP API) events carrying SigV4-signed requests, over the same table as the full API.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { APIGatewayProxyResult, LambdaContext, LambdaEvent } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type Credentials,
  clientFor,
  signJsonRequest,
} from '../packages/decisions/test/support/signed-client.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import { requestSignIn } from './fixtures/sign-in-request.ts';

type Handler = (event: LambdaEvent, context: LambdaContext) => Promise<APIGatewayProxyResult>;
type HttpApiEvent = Extract<LambdaEvent, { rawPath: string; version: string }>;

const HOST = 'abc123.execute-api.us-east-1.amazonaws.com';
let running: RunningPlatform;
let handler: Handler;
let accountId: string;
let alice: Credentials;

const iam = (action: string, input: object) => running.asRoot(accountId, action, input);

/** An HTTP API (payload 2.0) event for one request, signed as an AWS SDK would sign it. */
async function signedEvent(
  credentials: Credentials,
  method: string,
  path: string,
  body?: unknown,
): Promise<HttpApiEvent> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = await signJsonRequest(new URL(`https://${HOST}`), credentials, method, path, text);
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers,
    isBase64Encoded: false,
    body: text,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authentication: null,
      authorizer: {},
      domainName: HOST,
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId: 'lambda-request',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '28/Nov/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
  };
}

const invoke = async (event: HttpApiEvent) => {
  const response = await handler(event, {} as LambdaContext);
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
};

beforeAll(async () => {
  running = await startPlatform();
  const account = await running.createAccount('authorize-fn');
  accountId = account.accountId;
  await iam('CreateUser', { UserName: 'alice' });
  const key = (await iam('CreateAccessKey', { UserName: 'alice' })) as unknown as {
    AccessKey: { AccessKeyId: string; SecretAccessKey: string };
  };
  alice = { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };
  await iam('PutUserPolicy', {
    UserName: 'alice',
    PolicyName: 'docs',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Read', Effect: 'Allow', Action: 'docs:Read', Resource: '*' }],
    }),
  });
  // The Lambda reads its configuration from the environment at import, as in AWS.
  const store = running.platform.store;
  const endpoint = await store.dynamodb.config.endpoint?.();
  Object.assign(process.env, {
    TABLE_NAME: store.tableName,
    DYNAMODB_ENDPOINT: `${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`,
    PALISADE_OPERATOR_ACCESS_KEY_ID: running.operator.accessKeyId,
    PALISADE_OPERATOR_SECRET_ACCESS_KEY: running.operator.secretAccessKey,
    PALISADE_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
  });
  ({ handler } = (await import('../functions/authorize.ts')) as unknown as { handler: Handler });
});

afterAll(async () => {
  await running.close();
});

describe('the authorize function', () => {
  it('answers a signed /v1/authorize exactly as the full API does', async () => {
    const question = { action: 'docs:Read', resource: `arn:aws:docs:us-east-1:${accountId}:doc/1` };
    const viaLambda = await invoke(await signedEvent(alice, 'POST', '/v1/authorize', question));
    const viaApi = await clientFor(running.url, alice).post('/v1/authorize', question);
    expect(viaLambda.status).toBe(200);
    expect(viaLambda.body.decision).toBe('allowed');
    expect(viaLambda.body.matchedStatements).toEqual(viaApi.body.matchedStatements);
    expect({ ...viaLambda.body, requestId: undefined }).toEqual({ ...viaApi.body, requestId: undefined });
  });

  it('answers a batch in order', async () => {
    const resource = `arn:aws:docs:us-east-1:${accountId}:doc/1`;
    const response = await invoke(
      await signedEvent(alice, 'POST', '/v1/authorize/batch', {
        requests: [
          { action: 'docs:Read', resource },
          { action: 'docs:Write', resource },
        ],
      }),
    );
    expect(response.status).toBe(200);
    expect(response.body.results.map((r: { decision: string }) => r.decision)).toEqual([
      'allowed',
      'implicitDeny',
    ]);
  });

  it('answers questions without opening an AsyncLocalStorage scope (a question changes nothing)', async () => {
    const resource = `arn:aws:docs:us-east-1:${accountId}:doc/1`;
    const single = await signedEvent(alice, 'POST', '/v1/authorize', { action: 'docs:Read', resource });
    const batch = await signedEvent(alice, 'POST', '/v1/authorize/batch', {
      requests: [{ action: 'docs:Read', resource }],
    });
    // On Node 20 every promise pays AsyncLocalStorage's hook once a scope has been entered.
    const run = vi.spyOn(AsyncLocalStorage.prototype, 'run');
    try {
      expect((await invoke(single)).body.decision).toBe('allowed');
      expect((await invoke(batch)).body.results[0].decision).toBe('allowed');
      expect(run).not.toHaveBeenCalled();
    } finally {
      run.mockRestore();
    }
  });

  it('answers a Bearer caller and a question about a sign-in token', async () => {
    const password = 'Authorize-fn-Password-1!';
    await iam('CreateLoginProfile', { UserName: 'alice', Password: password });
    const signedIn = await requestSignIn((path, init) => fetch(`${running.url}${path}`, init), {
      account: 'authorize-fn',
      userName: 'alice',
      password,
    });
    expect(signedIn.status).toBe(200);
    const accessToken = signedIn.body.accessToken as string;
    const resource = `arn:aws:docs:us-east-1:${accountId}:doc/1`;

    const asBearer = await signedEvent(alice, 'POST', '/v1/authorize', { action: 'docs:Read', resource });
    const bearer = await invoke({
      ...asBearer,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    });
    expect(bearer.status).toBe(200);
    expect(bearer.body).toMatchObject({ decision: 'allowed' });

    // Asking about a token needs palisade:Authorize on its principal (else every token answers alike).
    await iam('PutUserPolicy', {
      UserName: 'alice',
      PolicyName: 'ask',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'palisade:Authorize', Resource: `arn:aws:iam::${accountId}:user/alice` },
        ],
      }),
    });
    const askAboutToken = async () =>
      invoke(
        await signedEvent(alice, 'POST', '/v1/authorize', {
          token: accessToken,
          action: 'docs:Read',
          resource,
        }),
      );
    // The function trusts alice's cached policies for up to DECISION_FRESHNESS_MS.
    const changedAt = performance.now();
    let aboutToken = await askAboutToken();
    while (aboutToken.status !== 200 && performance.now() - changedAt < 2000)
      aboutToken = await askAboutToken();
    expect(aboutToken.status).toBe(200);
    expect(aboutToken.body).toMatchObject({
      decision: 'allowed',
      explanation: { principal: `arn:aws:iam::${accountId}:user/alice` },
    });

    const forged = await invoke({
      ...asBearer,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}x` },
    });
    expect(forged.status).toBe(401);
  });

  it('refuses a request whose signature does not match', async () => {
    const event = await signedEvent(alice, 'POST', '/v1/authorize', { action: 'docs:Read', resource: '*' });
    const response = await invoke({
      ...event,
      body: JSON.stringify({ action: 'docs:Write', resource: '*' }),
    });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('credentials.signature-mismatch');
    expect(response.body.decision).toBeUndefined();
  });

  it('serves no other interface', async () => {
    for (const [method, path] of [
      ['GET', '/v1/users'],
      ['POST', '/v1/resource-policies/x'],
      ['POST', '/'],
    ] as const) {
      const response = await invoke(
        await signedEvent(alice, method, path, method === 'GET' ? undefined : {}),
      );
      expect(response.status, `${method} ${path}`).toBe(404);
    }
  });
});
