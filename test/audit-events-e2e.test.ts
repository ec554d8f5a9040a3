import type { CloudTrailRecord } from '@palisade/audit';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../functions/wiring/platform.ts';
import { type SigningKey, signedJsonRequest, signedQueryRequest } from './fixtures/signed-requests.ts';
import { scanTableDocuments } from './fixtures/table-items.ts';
import { createTestPlatform, TEST_OPERATOR } from './fixtures/test-platform.ts';

let platform: Platform;
let accountId: string;
let root: SigningKey;
let transactions = 0;

/** The main event items of every trail (not the lookup copies), as records. */
async function auditRecords(): Promise<{ pk: string; record: CloudTrailRecord }[]> {
  return (await scanTableDocuments(platform.store))
    .filter((item) => /^(?:ACCT#\d{12}|PLATFORM)#AUDIT$/.test(String(item.pk)))
    .map((item) => ({ pk: String(item.pk), record: JSON.parse(String(item.event)) as CloudTrailRecord }));
}

async function send(request: Promise<Request>): Promise<{ status: number; text: string; requestId: string }> {
  transactions = 0;
  const response = await platform.app.request(await request);
  return {
    status: response.status,
    text: await response.text(),
    requestId: response.headers.get('x-amzn-RequestId') ?? '',
  };
}

const eventsOf = async (requestId: string) =>
  (await auditRecords()).filter(({ record }) => record.requestID === requestId);

beforeAll(async () => {
  platform = await createTestPlatform({ prefix: 'audit-e2e' });
  platform.store.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'TransactWriteItemsCommand') transactions++;
      return result;
    },
    { step: 'initialize', name: 'countTransactions' },
  );
  const created = await send(
    signedJsonRequest(TEST_OPERATOR, 'POST', '/v1/accounts', JSON.stringify({ alias: 'audit-acme' })),
  );
  expect(created.status).toBe(201);
  const body = JSON.parse(created.text) as { accountId: string; rootAccessKey: SigningKey };
  accountId = body.accountId;
  root = { accessKeyId: body.rootAccessKey.accessKeyId, secretAccessKey: body.rootAccessKey.secretAccessKey };
});

describe('audit events of a call', () => {
  it('files one event for CreateUser through the IAM Query API, with its parameters as CloudTrail shows them', async () => {
    const answer = await send(
      signedQueryRequest(root, 'iam', {
        Action: 'CreateUser',
        UserName: 'alice',
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'blue',
      }),
    );
    expect(answer.status).toBe(200);
    const events = await eventsOf(answer.requestId);
    expect(events).toHaveLength(1);
    expect(events[0]?.pk).toBe(`ACCT#${accountId}#AUDIT`);
    expect(events[0]?.record).toMatchObject({
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateUser',
      readOnly: false,
      requestParameters: { userName: 'alice', tags: [{ key: 'team', value: 'blue' }] },
      responseElements: null,
      userIdentity: {
        type: 'Root',
        accountId,
        arn: `arn:aws:iam::${accountId}:root`,
        accessKeyId: root.accessKeyId,
      },
      recipientAccountId: accountId,
      requestID: answer.requestId,
    });
  });

  it('files none for a CreateUser refused as EntityAlreadyExists', async () => {
    await send(signedQueryRequest(root, 'iam', { Action: 'CreateUser', UserName: 'dup' }));
    const again = await send(signedQueryRequest(root, 'iam', { Action: 'CreateUser', UserName: 'dup' }));
    expect(again.status).toBe(409);
    expect(again.text).toContain('EntityAlreadyExists');
    expect(await eventsOf(again.requestId)).toEqual([]);
  });

  it('files one event per trail for a call that commits several transactions', async () => {
    const created = await send(
      signedJsonRequest(TEST_OPERATOR, 'POST', '/v1/accounts', JSON.stringify({ alias: 'audit-two' })),
    );
    expect(created.status).toBe(201);
    expect(transactions).toBeGreaterThanOrEqual(2);
    const newAccount = (JSON.parse(created.text) as { accountId: string }).accountId;
    const events = await eventsOf(created.requestId);
    expect(events.map((event) => event.pk).sort()).toEqual([`ACCT#${newAccount}#AUDIT`, 'PLATFORM#AUDIT']);
    expect(events[0]?.record).toMatchObject({
      eventSource: 'palisade',
      eventName: 'CreateAccount',
      requestParameters: { alias: 'audit-two' },
      userIdentity: { type: 'Unknown', principalId: 'operator', accessKeyId: TEST_OPERATOR.accessKeyId },
    });
  });
});

/** Reads until `read` finds something: a refusal's event is written after its answer. */
async function until<T>(read: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('audit events of a role session', () => {
  it("names the session's role by its ARN with the role's path, and the session's source identity", async () => {
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        },
      ],
    };
    const setup: Record<string, string>[] = [
      {
        Action: 'CreateRole',
        RoleName: 'deployer',
        Path: '/ci/',
        AssumeRolePolicyDocument: JSON.stringify(trust),
      },
      {
        Action: 'PutRolePolicy',
        RoleName: 'deployer',
        PolicyName: 'create-users',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iam:CreateUser', Resource: '*' }],
        }),
      },
      { Action: 'CreateUser', UserName: 'ci-runner' },
      {
        Action: 'PutUserPolicy',
        UserName: 'ci-runner',
        PolicyName: 'assume',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: '*' },
          ],
        }),
      },
    ];
    for (const params of setup) {
      expect((await send(signedQueryRequest(root, 'iam', params))).status).toBe(200);
    }
    const field = (text: string, name: string) =>
      new RegExp(`<${name}>([^<]+)</${name}>`).exec(text)?.[1] ?? '';
    const key = await send(
      signedQueryRequest(root, 'iam', { Action: 'CreateAccessKey', UserName: 'ci-runner' }),
    );
    const runner: SigningKey = {
      accessKeyId: field(key.text, 'AccessKeyId'),
      secretAccessKey: field(key.text, 'SecretAccessKey'),
    };
    const assumed = await send(
      signedQueryRequest(runner, 'sts', {
        Action: 'AssumeRole',
        RoleArn: `arn:aws:iam::${accountId}:role/ci/deployer`,
        RoleSessionName: 'build-7',
        SourceIdentity: 'alice@example.com',
      }),
    );
    expect(assumed.text).toContain('<AccessKeyId>');
    const session: SigningKey = {
      accessKeyId: field(assumed.text, 'AccessKeyId'),
      secretAccessKey: field(assumed.text, 'SecretAccessKey'),
      sessionToken: field(assumed.text, 'SessionToken'),
    };
    const created = await send(
      signedQueryRequest(session, 'iam', { Action: 'CreateUser', UserName: 'built-by-ci' }),
    );
    expect(created.status).toBe(200);
    const [event] = await eventsOf(created.requestId);
    expect(event?.record.userIdentity).toMatchObject({
      type: 'AssumedRole',
      arn: `arn:aws:sts::${accountId}:assumed-role/deployer/build-7`,
      accessKeyId: session.accessKeyId,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${accountId}:role/ci/deployer`,
          userName: 'deployer',
        },
        sourceIdentity: 'alice@example.com',
      },
    });
  });
});

describe('audit events of refused calls', () => {
  it("files an AccessDenied event in the caller's trail, after the answer", async () => {
    await send(signedQueryRequest(root, 'iam', { Action: 'CreateUser', UserName: 'powerless' }));
    const key = await send(
      signedQueryRequest(root, 'iam', { Action: 'CreateAccessKey', UserName: 'powerless' }),
    );
    const powerless = {
      accessKeyId: /<AccessKeyId>([^<]+)</.exec(key.text)?.[1] ?? '',
      secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(key.text)?.[1] ?? '',
    };
    const refused = await send(
      signedQueryRequest(powerless, 'iam', { Action: 'CreateUser', UserName: 'nope' }),
    );
    expect(refused.status).toBe(403);
    const [event] = await until(async () => {
      const events = await eventsOf(refused.requestId);
      return events.length > 0 ? events : undefined;
    });
    expect(event?.pk).toBe(`ACCT#${accountId}#AUDIT`);
    expect(event?.record).toMatchObject({
      eventName: 'CreateUser',
      errorCode: 'AccessDenied',
      requestParameters: { userName: 'nope' },
      userIdentity: { type: 'IAMUser', userName: 'powerless', accessKeyId: powerless.accessKeyId },
    });
    expect(event?.record.errorMessage).toContain('iam:CreateUser');
  });

  it("files a failed sign-in as ConsoleLogin Failure in the account's trail", async () => {
    const response = await platform.app.request('http://palisade.test/v1/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: accountId, userName: 'alice', password: 'Not-The-Password-1' }),
    });
    expect(response.status).toBe(401);
    const requestId = response.headers.get('x-amzn-RequestId') ?? '';
    const [event] = await until(async () => {
      const events = await eventsOf(requestId);
      return events.length > 0 ? events : undefined;
    });
    expect(event?.pk).toBe(`ACCT#${accountId}#AUDIT`);
    expect(event?.record).toMatchObject({
      eventSource: 'signin.amazonaws.com',
      eventName: 'ConsoleLogin',
      eventType: 'AwsConsoleSignIn',
      errorCode: 'AccessDenied',
      errorMessage: 'Failed authentication',
      responseElements: { ConsoleLogin: 'Failure' },
      additionalEventData: { MFAUsed: 'No' },
      userIdentity: { type: 'IAMUser', userName: 'alice', accountId },
    });
    expect(JSON.stringify(event?.record)).not.toContain('Not-The-Password-1');
  });
});
