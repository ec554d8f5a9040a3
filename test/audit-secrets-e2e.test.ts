import { generateTotpCode } from '@palisade/credentials';
import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../functions/wiring/platform.ts';
import { secretValuesIn } from './fixtures/secret-values.ts';
import { type SigningKey, signedJsonRequest, signedQueryRequest } from './fixtures/signed-requests.ts';
import { scanTableDocuments } from './fixtures/table-items.ts';
import { createTestAccount, createTestPlatform, TEST_OPERATOR } from './fixtures/test-platform.ts';

const FIRST_PASSWORD = 'Audit-Horse-9-Battery';
const SECOND_PASSWORD = 'Audit-Stapled-7-Battery';
const OWNER_PASSWORD = 'Audit-Owner-5-Correct';
const SCIM_PASSWORD = 'Audit-Scim-3-Staple';
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['iam:ChangePassword', 'sts:AssumeRole', 'sts:GetSessionToken'],
      Resource: '*',
    },
  ],
});

let platform: Platform;
/** The account alice signs in to (the provisioned tenant's owner signs in to another). */
let aliceAccount: string;
// The platform's clock: TOTP codes are computed for it; it stays within SigV4's skew of the wall clock.
const T0 = Date.now();
let clock = T0;
/** Secrets the run sent or received, by where they came from. */
const secrets = new Map<string, string>([
  ['first password', FIRST_PASSWORD],
  ['second password', SECOND_PASSWORD],
  ['owner password', OWNER_PASSWORD],
  ['SCIM password', SCIM_PASSWORD],
  ['operator secret', TEST_OPERATOR.secretAccessKey],
]);
/** TOTP codes the run sent: six digits, searched as JSON values so a digit run in an id is no match. */
const codes: string[] = [];

function keep(text: string, from: string): void {
  for (const { member, value } of secretValuesIn(text)) secrets.set(`${from} ${member}`, value);
}

async function query(
  key: SigningKey,
  service: 'iam' | 'sts',
  parameters: Record<string, string>,
): Promise<string> {
  const response = await platform.app.request(await signedQueryRequest(key, service, parameters));
  const text = await response.text();
  expect(response.status, `${parameters.Action}: ${text}`).toBe(200);
  keep(text, String(parameters.Action));
  return text;
}

async function json(path: string, body: object, headers: Record<string, string> = {}): Promise<string> {
  const response = await platform.app.request(`http://palisade.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.status, `${path}: ${text}`).toBe(200);
  keep(text, path);
  return text;
}

/** A signed REST call (JSON) whose answer's secrets are kept to hunt for. */
async function rest(key: SigningKey, method: string, path: string, body?: object): Promise<string> {
  const response = await platform.app.request(
    await signedJsonRequest(key, method, path, body === undefined ? undefined : JSON.stringify(body)),
  );
  const text = await response.text();
  expect(response.status, `${path}: ${text}`).toBeLessThan(300);
  keep(text, path);
  return text;
}

/** Every item of an audit partition (events, copies, chain), as stored. */
async function auditItems(): Promise<Record<string, unknown>[]> {
  return (await scanTableDocuments(platform.store)).filter((item) => /#AUDIT/.test(String(item.pk)));
}

beforeAll(async () => {
  platform = await createTestPlatform({ prefix: 'audit-secrets', now: () => new Date(clock) });
  const account = await createTestAccount(platform, 'audit-secrets');
  secrets.set('root secret', account.secretAccessKey);
  const root = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
  const { accountId } = account;
  aliceAccount = accountId;

  await query(root, 'iam', { Action: 'CreateUser', UserName: 'alice' });
  await query(root, 'iam', {
    Action: 'PutUserPolicy',
    UserName: 'alice',
    PolicyName: 'own',
    PolicyDocument: POLICY,
  });
  await query(root, 'iam', { Action: 'CreateLoginProfile', UserName: 'alice', Password: FIRST_PASSWORD });
  const keyText = await query(root, 'iam', { Action: 'CreateAccessKey', UserName: 'alice' });
  const alice = {
    accessKeyId: /<AccessKeyId>([^<]+)</.exec(keyText)?.[1] ?? '',
    secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(keyText)?.[1] ?? '',
  };
  await query(alice, 'iam', {
    Action: 'ChangePassword',
    OldPassword: FIRST_PASSWORD,
    NewPassword: SECOND_PASSWORD,
  });

  const device = await query(root, 'iam', {
    Action: 'CreateVirtualMFADevice',
    VirtualMFADeviceName: 'alice-phone',
  });
  const serial = /<SerialNumber>([^<]+)</.exec(device)?.[1] ?? '';
  const seed = Buffer.from(/<Base32StringSeed>([^<]+)</.exec(device)?.[1] ?? '', 'base64').toString('ascii');
  secrets.set('TOTP seed', seed);
  codes.push(generateTotpCode(seed, new Date(T0 - 30_000)), generateTotpCode(seed, new Date(T0)));
  await query(root, 'iam', {
    Action: 'EnableMFADevice',
    UserName: 'alice',
    SerialNumber: serial,
    AuthenticationCode1: codes[0] as string,
    AuthenticationCode2: codes[1] as string,
  });

  clock = T0 + 60_000;
  codes.push(generateTotpCode(seed, new Date(clock)));
  const tokens = JSON.parse(
    await json('/v1/sign-in', {
      account: accountId,
      userName: 'alice',
      password: SECOND_PASSWORD,
      mfaCode: codes[2],
    }),
  ) as { accessToken: string; refreshToken: string };
  await json('/v1/sign-in/refresh', { refreshToken: tokens.refreshToken });

  await query(root, 'iam', {
    Action: 'CreateRole',
    RoleName: 'deployer',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  await query(alice, 'sts', {
    Action: 'AssumeRole',
    RoleArn: `arn:aws:iam::${accountId}:role/deployer`,
    RoleSessionName: 'audit-run',
  });
  await query(alice, 'sts', { Action: 'GetSessionToken' });

  // SCIM: a token, and an identity provider that sends a password (which is never kept).
  const { token } = JSON.parse(await rest(root, 'POST', '/v1/scim/tokens', { name: 'okta' })) as {
    token: string;
  };
  const scim = await platform.app.request('http://palisade.test/scim/v2/Users', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'scim-bob',
      password: SCIM_PASSWORD,
    }),
  });
  expect(scim.status).toBe(201);
  // Outbound events: a subscription's signing secret.
  await rest(root, 'POST', '/v1/event-subscriptions', {
    url: 'https://hooks.example.com/palisade',
    types: ['*'],
  });
  // Provisioning: the operator's webhook secret, a tenant with an owner, and the owner's setup.
  const { secret } = JSON.parse(await rest(TEST_OPERATOR, 'POST', '/v1/provisioning/secrets')) as {
    secret: string;
  };
  const webhook = JSON.stringify({
    type: 'tenant.created',
    timestamp: new Date(clock).toISOString(),
    data: { externalId: 'audit-secrets-crm', alias: 'audit-secrets-owned', owner: { userName: 'olivia' } },
  });
  const sentAt = new Date(clock);
  const signature = new Webhook(secret).sign('msg_audit_secrets_1', sentAt, webhook);
  const applied = JSON.parse(
    await json('/v1/provisioning/webhooks', JSON.parse(webhook), {
      'webhook-id': 'msg_audit_secrets_1',
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': signature,
    }),
  ) as { owner: { setupToken: string } };
  await json('/v1/sign-in/setup', {
    account: 'audit-secrets-owned',
    userName: 'olivia',
    setupToken: applied.owner.setupToken,
    password: OWNER_PASSWORD,
  });
});

describe('the audit trail of a run that handles secrets', () => {
  it('records the run', async () => {
    const names = (await auditItems())
      .filter((item) => /^ACCT#\d{12}#AUDIT$/.test(String(item.pk)))
      .map((item) => JSON.parse(String(item.event)).eventName as string);
    expect(names).toEqual(
      expect.arrayContaining([
        'CreateLoginProfile',
        'ChangePassword',
        'CreateAccessKey',
        'CreateVirtualMFADevice',
        'EnableMFADevice',
        'ConsoleLogin',
        'AssumeRole',
        'GetSessionToken',
        'CreateScimToken',
        'CreateEventSubscription',
      ]),
    );
    expect(secrets.size).toBeGreaterThanOrEqual(18);
    expect([...secrets.keys()]).toEqual(
      expect.arrayContaining([
        '/v1/scim/tokens token',
        '/v1/event-subscriptions secret',
        '/v1/provisioning/secrets secret',
        '/v1/provisioning/webhooks setupToken',
      ]),
    );
  });

  it('holds none of the secrets it sent or received, in any audit item', async () => {
    const stored = JSON.stringify(await auditItems());
    const found = [...secrets].filter(([, secret]) => stored.includes(secret)).map(([where]) => where);
    expect(found).toEqual([]);
    expect(codes.filter((code) => stored.includes(`"${code}"`))).toEqual([]);
  });

  it('shows the keys it issued by id only, as AWS does', async () => {
    const records = (await auditItems())
      .filter((item) => /^ACCT#\d{12}#AUDIT$/.test(String(item.pk)))
      .map((item) => JSON.parse(String(item.event)));
    const created = records.find((record) => record.eventName === 'CreateAccessKey');
    expect(Object.keys(created?.responseElements.accessKey ?? {}).sort()).toEqual([
      'accessKeyId',
      'createDate',
      'status',
    ]);
    expect(created?.responseElements.accessKey.accessKeyId).toMatch(/^AKIA/);
    const assumed = records.find((record) => record.eventName === 'AssumeRole');
    expect(assumed).toMatchObject({
      eventSource: 'sts.amazonaws.com',
      readOnly: true,
      requestParameters: { roleSessionName: 'audit-run' },
      responseElements: {
        credentials: { accessKeyId: expect.stringMatching(/^ASIA/) },
        assumedRoleUser: { arn: expect.stringMatching(/:assumed-role\/deployer\/audit-run$/) },
      },
    });
    expect(Object.keys(assumed?.responseElements.credentials ?? {}).sort()).toEqual([
      'accessKeyId',
      'expiration',
    ]);
  });

  it('names the signed-in user in the ConsoleLogin event', async () => {
    const login = (await auditItems())
      .filter((item) => item.pk === `ACCT#${aliceAccount}#AUDIT`)
      .map((item) => JSON.parse(String(item.event)))
      .find((record) => record.eventName === 'ConsoleLogin');
    expect(login).toMatchObject({
      eventSource: 'signin.amazonaws.com',
      eventType: 'AwsConsoleSignIn',
      userIdentity: { type: 'IAMUser', userName: 'alice' },
      requestParameters: null,
      responseElements: { ConsoleLogin: 'Success' },
      additionalEventData: { MFAUsed: 'Yes' },
    });
  });
});
