/**
 * Known inputs that once reached an internal error (500): each is answered with a typed 4xx now,
 * on a whole platform over DynamoDB Local.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../functions/wiring/platform.ts';
import { signedJsonRequest, signedQueryRequest, signedRequest } from './fixtures/signed-requests.ts';
import { onEverySend } from './fixtures/store-sends.ts';
import { createTestAccount, createTestPlatform, TEST_OPERATOR } from './fixtures/test-platform.ts';

let platform: Platform;
let root: { accountId: string; accessKeyId: string; secretAccessKey: string };
let sends = 0;
const errors: unknown[] = [];

beforeAll(async () => {
  platform = await createTestPlatform({
    prefix: 'bad-input',
    log: (entry) => {
      if (entry.level === 'error') errors.push(entry);
    },
  });
  onEverySend(platform.store, () => {
    sends++;
  });
  root = await createTestAccount(platform, 'bad-input');
  const created = await platform.app.request(
    await signedQueryRequest(root, 'iam', { Action: 'CreateUser', UserName: 'nobody' }),
  );
  expect(created.status).toBe(200);
});

const DEEP = 100_000;
const deepObject = `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`;
const deepArray = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
// Deep enough to overflow a recursive walk, small enough to pass every policy size limit.
const deepPolicy = (depth: number) =>
  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":${'['.repeat(depth)}${']'.repeat(depth)}}}}]}`;

async function answer(request: Request) {
  const response = await platform.app.request(request);
  return { status: response.status, text: await response.text() };
}

describe('malformed access key ids in the SigV4 credential', () => {
  const malformed = ['akiaabcdefghijklmnop', 'AKIA1', 'ASIAabc', 'ASIA', 'AKIA0000000000000000'];

  it.each(malformed)(
    'refuses %s in the Authorization header as InvalidClientTokenId without reading DynamoDB',
    async (accessKeyId) => {
      const key = { accessKeyId, secretAccessKey: 'x'.repeat(40) };
      const before = sends;
      const rest = await answer(await signedJsonRequest(key, 'GET', '/v1/users'));
      expect(rest.status).toBe(401);
      expect(JSON.parse(rest.text).error.code).toBe('credentials.unknown-key');
      for (const service of ['iam', 'sts'] as const) {
        const query = await answer(
          await signedQueryRequest(key, service, {
            Action: service === 'iam' ? 'ListUsers' : 'GetCallerIdentity',
          }),
        );
        expect(query.status).toBe(403);
        expect(query.text).toContain('<Code>InvalidClientTokenId</Code>');
      }
      expect(sends).toBe(before);
    },
  );

  it.each(malformed)(
    'refuses %s in a presigned query as InvalidClientTokenId without reading DynamoDB',
    async (accessKeyId) => {
      const before = sends;
      const presigned = await answer(
        await signedRequest({
          service: 'iam',
          key: { accessKeyId, secretAccessKey: 'x'.repeat(40) },
          method: 'GET',
          path: '/?Action=ListUsers&Version=2010-05-08',
          presign: true,
        }),
      );
      expect(presigned.status).toBe(403);
      expect(presigned.text).toContain('<Code>InvalidClientTokenId</Code>');
      expect(sends).toBe(before);
    },
  );
});

describe('access key ids as operation input', () => {
  it.each([
    ['GetAccessKeyLastUsed', {}],
    ['UpdateAccessKey', { Status: 'Inactive' }],
    ['DeleteAccessKey', {}],
  ])('answers %s of an id Palisade never issues with NoSuchEntity', async (action, input) => {
    errors.length = 0;
    for (const accessKeyId of ['akiaysqas4h2b56fqzyz', 'AKIA_______________1', 'A'.repeat(128)]) {
      const response = await answer(
        await signedQueryRequest(root, 'iam', { Action: action, AccessKeyId: accessKeyId, ...input }),
      );
      expect(response.status).toBe(404);
      expect(response.text).toContain('<Code>NoSuchEntity</Code>');
    }
    expect(errors).toEqual([]);
  });
});

describe('the operator on tenant IAM operations', () => {
  it.each([
    ['GetLoginProfile', { UserName: 'nobody' }],
    ['ListAttachedRolePolicies', { RoleName: 'nobody' }],
    ['GetUser', { UserName: 'nobody' }],
    ['ListUsers', {}],
    ['CreateUser', { UserName: 'made-by-operator' }],
    ['ListOpenIDConnectProviders', {}],
  ])('refuses %s with AccessDenied: the operator has no account to act in', async (action, input) => {
    errors.length = 0;
    const response = await answer(
      await signedQueryRequest(TEST_OPERATOR, 'iam', { Action: action, ...input }),
    );
    expect(response.status).toBe(403);
    expect(response.text).toContain('<Code>AccessDenied</Code>');
    expect(errors).toEqual([]);
  });

  it('refuses the REST identity routes to the operator with access.denied', async () => {
    errors.length = 0;
    const response = await answer(
      await signedJsonRequest(TEST_OPERATOR, 'GET', '/v1/roles/nobody/attached-policies'),
    );
    expect(response.status).toBe(403);
    expect(JSON.parse(response.text).error.code).toBe('access.denied');
    expect(errors).toEqual([]);
  });
});

describe('deeply nested JSON', () => {
  const resourceArn = () => encodeURIComponent(`arn:aws:docs:us-east-1:${root.accountId}:doc/readme`);
  const roleArn = () => `arn:aws:iam::${root.accountId}:role/nobody`;
  const cases: [string, () => Promise<Request>][] = [
    [
      'a resource policy',
      () =>
        signedJsonRequest(root, 'PUT', `/v1/resource-policies/${resourceArn()}`, `{"policy":${deepObject}}`),
    ],
    [
      'a REST CreatePolicy document',
      () =>
        signedJsonRequest(
          root,
          'POST',
          '/v1/policies',
          `{"policyName":"deep","policyDocument":${deepObject}}`,
        ),
    ],
    [
      'a REST CreatePolicy document as text',
      () =>
        signedJsonRequest(
          root,
          'POST',
          '/v1/policies',
          JSON.stringify({ policyName: 'deep', document: deepPolicy(60_000) }),
        ),
    ],
    [
      'a Query CreatePolicy document',
      () =>
        signedQueryRequest(root, 'iam', {
          Action: 'CreatePolicy',
          PolicyName: 'deep',
          PolicyDocument: deepPolicy(60_000),
        }),
    ],
    [
      'a Query PutUserPolicy document',
      () =>
        signedQueryRequest(root, 'iam', {
          Action: 'PutUserPolicy',
          UserName: 'nobody',
          PolicyName: 'deep',
          PolicyDocument: deepPolicy(60_000),
        }),
    ],
    [
      'a custom simulation',
      () =>
        signedJsonRequest(
          root,
          'POST',
          '/v1/simulate/custom',
          `{"PolicyInputList":[${deepObject}],"ActionNames":["iam:GetUser"]}`,
        ),
    ],
    [
      'a principal simulation',
      () =>
        signedJsonRequest(
          root,
          'POST',
          '/v1/simulate/principal',
          `{"PolicySourceArn":"arn:aws:iam::${root.accountId}:user/nobody","PolicyInputList":[${JSON.stringify(deepPolicy(60_000))}],"ActionNames":["iam:GetUser"]}`,
        ),
    ],
    [
      'validate-policy',
      () => signedJsonRequest(root, 'POST', '/v1/validate-policy', `{"policyDocument":${deepObject}}`),
    ],
    [
      'an authorize body',
      () =>
        signedJsonRequest(
          root,
          'POST',
          '/v1/authorize',
          `{"action":"docs:Read","resource":"*","context":${deepArray}}`,
        ),
    ],
    ['a REST body', () => signedJsonRequest(root, 'POST', '/v1/users', deepObject)],
    [
      'a web-identity session policy over REST (unsigned)',
      async () =>
        new Request('http://palisade.test/v1/sts/assume-role-with-web-identity', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: `{"roleArn":"${roleArn()}","roleSessionName":"session1","webIdentityToken":"a.b.c","policy":${deepObject}}`,
        }),
    ],
    [
      'a sign-in body',
      async () =>
        new Request('http://palisade.test/v1/sign-in', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: `${'['.repeat(4000)}${']'.repeat(4000)}`,
        }),
    ],
  ];

  // The role (or the token) is checked before the session policy is read: no 5xx is what counts.
  const checkedFirst: [string, () => Promise<Request>][] = [
    [
      'an AssumeRole session policy',
      () =>
        signedQueryRequest(root, 'sts', {
          Action: 'AssumeRole',
          RoleArn: roleArn(),
          RoleSessionName: 'session1',
          Policy: deepPolicy(900),
        }),
    ],
    [
      'a web-identity session policy over the Query API (unsigned)',
      async () =>
        new Request('http://palisade.test/', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            Action: 'AssumeRoleWithWebIdentity',
            Version: '2011-06-15',
            RoleArn: roleArn(),
            RoleSessionName: 'session1',
            WebIdentityToken: 'a.b.c',
            Policy: deepPolicy(900),
          }).toString(),
        }),
    ],
  ];

  it.each(checkedFirst)('answers %s with a 4xx', async (_name, build) => {
    errors.length = 0;
    const response = await answer(await build());
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(errors).toEqual([]);
  });

  it.each(cases)('answers %s with 400', async (_name, build) => {
    errors.length = 0;
    const response = await answer(await build());
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/deeper than 32 levels/);
    expect(errors).toEqual([]);
  });
});

describe('decision-log queries', () => {
  const cursor = (sortKey: string) => Buffer.from(sortKey).toString('base64url');
  it.each([
    ['a month that does not exist', 'from=2024-13-45T00:00:00Z'],
    ['a day that does not exist', 'to=2024-02-31T00:00:00Z'],
    ['an hour that does not exist', 'from=2024-01-01T99:99:99Z'],
    ['year zero, month zero', 'from=0000-00-00T00:00:00Z'],
    ['a cursor of the wrong shape', `cursor=${cursor('9999-99-99T99:99:99Z#r#1')}`],
    ['a cursor without milliseconds', `cursor=${cursor('2024-01-01T00:00:00Z#r#1')}`],
    ['a cursor past "to"', `to=2024-01-01T00:00:00Z&cursor=${cursor('2030-01-01T00:00:00.000Z#r#1')}`],
  ])('answers %s with a typed 400', async (_name, query) => {
    errors.length = 0;
    const response = await answer(await signedJsonRequest(root, 'GET', `/v1/decision-log?${query}`));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).error.code).toBe('request.invalid');
    expect(errors).toEqual([]);
  });
});
