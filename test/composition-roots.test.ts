/**
 * The two composition roots build the decision service the same way: the full API's app (what
 * `npm start` and the API function serve) and the authorize function's app, over one table, give
 * the same answer to the same signed question, whether it names a principal or presents a token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizeFunction } from '../functions/wiring/authorize-function.ts';
import type { PlatformConfig } from '../functions/wiring/config.ts';
import { type Credentials, signJsonRequest } from '../packages/decisions/test/support/signed-client.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

const BASE = new URL('https://palisade.example.com');
const PASSWORD = 'Correct-Horse-Battery-9';
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

let running: RunningPlatform;
let authorizeApp: ReturnType<typeof createAuthorizeFunction>;
let A: string;
let root: Credentials;
let accessToken: string;

/** Asks `question` of an app's `/v1/authorize`, signed as the account's root. */
async function ask(app: { request: typeof authorizeApp.request }, question: object) {
  const text = JSON.stringify(question);
  const headers = await signJsonRequest(BASE, root, 'POST', '/v1/authorize', text);
  const response = await app.request(new URL('/v1/authorize', BASE), { method: 'POST', headers, body: text });
  const {
    requestId: _,
    error,
    ...body
  } = (await response.json()) as {
    requestId?: string;
    decision?: string;
    error?: { code: string; message: string; requestId?: string };
  };
  // Request ids differ by request; everything else must not.
  return { status: response.status, body, error: error && { code: error.code, message: error.message } };
}

beforeAll(async () => {
  running = await startPlatform();
  const account = await running.createAccount('composition-roots');
  A = account.accountId;
  root = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
  const iam = (action: string, input: object) => running.asRoot(A, action, input);
  await iam('CreateUser', { UserName: 'erin' });
  await iam('PutUserPolicy', {
    UserName: 'erin',
    PolicyName: 'docs',
    PolicyDocument: policy(
      { Sid: 'Read', Effect: 'Allow', Action: ['docs:Read', 'docs:Delete'], Resource: '*' },
      {
        Sid: 'WriteWithMfa',
        Effect: 'Allow',
        Action: 'docs:Write',
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
      { Sid: 'NoDelete', Effect: 'Deny', Action: 'docs:Delete', Resource: '*' },
    ),
  });
  await iam('CreateLoginProfile', { UserName: 'erin', Password: PASSWORD });
  const signedIn = await running.platform.app.request('/v1/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account: 'composition-roots', userName: 'erin', password: PASSWORD }),
  });
  if (signedIn.status !== 200) throw new Error(`sign-in answered ${signedIn.status}`);
  ({ accessToken } = (await signedIn.json()) as { accessToken: string });

  const endpoint = await running.platform.store.dynamodb.config.endpoint?.();
  const config: PlatformConfig = {
    tableName: running.platform.store.tableName,
    dynamodbEndpoint: `${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`,
    operatorAccessKeyId: running.operator.accessKeyId,
    operatorSecretAccessKey: running.operator.secretAccessKey,
    masterKey: Buffer.alloc(32, 3).toString('base64'),
    partition: 'aws',
  };
  authorizeApp = createAuthorizeFunction(config, () => {});
});

afterAll(async () => {
  await running.close();
});

describe('the composition roots', () => {
  const cases = [
    {
      name: 'a granted action on a named user',
      question: () => ({ principal: `arn:aws:iam::${A}:user/erin`, action: 'docs:Read' }),
      status: 200,
      decision: 'allowed',
    },
    {
      name: 'an action the named user lacks MFA for',
      question: () => ({ principal: `arn:aws:iam::${A}:user/erin`, action: 'docs:Write' }),
      status: 200,
      decision: 'implicitDeny',
    },
    {
      name: 'a denied action on a named user',
      question: () => ({ principal: `arn:aws:iam::${A}:user/erin`, action: 'docs:Delete' }),
      status: 200,
      decision: 'explicitDeny',
    },
    {
      name: 'a granted action on a token',
      question: () => ({ token: accessToken, action: 'docs:Read' }),
      status: 200,
      decision: 'allowed',
    },
    {
      name: 'a denied action on a token',
      question: () => ({ token: accessToken, action: 'docs:Delete' }),
      status: 200,
      decision: 'explicitDeny',
    },
    {
      name: 'a forged token',
      question: () => ({ token: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', action: 'docs:Read' }),
      status: 200,
      decision: 'implicitDeny',
    },
    {
      name: 'a principal that does not exist',
      question: () => ({ principal: `arn:aws:iam::${A}:user/nobody`, action: 'docs:Read' }),
      status: 404,
      decision: undefined,
    },
  ];

  it.each(cases)('answer $name the same through the API and the authorize function', async (item) => {
    const question = { ...item.question(), resource: `arn:aws:docs:us-east-1:${A}:doc/1` };
    const viaApi = await ask(running.platform.app, question);
    const viaFunction = await ask(authorizeApp, question);
    expect({ status: viaApi.status, decision: viaApi.body.decision }).toEqual({
      status: item.status,
      decision: item.decision,
    });
    expect(viaFunction).toEqual(viaApi);
  });
});
