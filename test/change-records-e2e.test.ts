/**
 * Change records through the real apps: every write operation of the IAM Query API, STS, sign-in,
 * the operator's routes, REST and the decision API commits exactly one record per transaction,
 * naming the operation and the interface; refused operations write none; no record carries any
 * secret the operations handed out or received. The platform has no system origin, so a path that
 * forgot its origin fails with a 500 instead of writing an unattributed change.
 */
import { generateTotpCode } from '@palisade/credentials';
import { absentEntityOperations } from '@palisade/iam';
import { type ChangeRecord, listChangeRecords, type unrecordedWrites } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../functions/wiring/platform.ts';
import { secretValuesIn } from './fixtures/secret-values.ts';
import { type SigningKey, signedJsonRequest, signedQueryRequest } from './fixtures/signed-requests.ts';
import { TEST_OPERATOR } from './fixtures/test-platform.ts';
import { createTestTable } from './fixtures/test-table.ts';

const HOST = 'http://palisade.test';
const PASSWORD = 'Correct-Horse-9-Battery';
const NEW_PASSWORD = 'Stapled-Horse-7-Battery';
const SECOND_PASSWORD = 'Another-Horse-5-Battery';

let platform: Platform;
let accountId: string;
let root: SigningKey;
/** Every secret the run created or sent, to look for in the records. */
const secrets = new Set<string>([PASSWORD, NEW_PASSWORD, SECOND_PASSWORD, TEST_OPERATOR.secretAccessKey]);
/** Every record the run produced, by request id. */
const recordsByRequest = new Map<string, ChangeRecord[]>();

/** What the store sent while one request ran: committed transactions and single-item writes. */
const sent = { transactions: 0, singleWrites: [] as string[] };
/** The body of the last response, for the ids and secrets later steps need. */
let lastText = '';

const SINGLE_WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
]);

// Which unrecorded write (change-records.ts) a single-item write is, by the key it touches.
const UNRECORDED_KEYS: readonly [RegExp, keyof typeof unrecordedWrites][] = [
  [/^AKID#[^|]*\|ACCESS-KEY$/, 'recordAccessKeyUse'],
  [/\|MFA#arn:/, 'claimMfaStep'],
  [/^SIGN-IN-THROTTLE#.*\|W#/, 'addSignInThrottleCount'],
  [/^SIGN-IN-THROTTLE#.*\|LOCK$/, 'lockSignInThrottle'],
  [/#SIGN-IN-ATTEMPTS#/, 'recordSignInAttempt'],
  [/#DECISIONS\|/, 'putDecisionLogRecords'],
  [/#LAST-ACCESS#(USER|ROLE)#[^|]*\|SERVICE#/, 'recordServiceLastAccess'],
  [/#LAST-ACCESS#ROLE#[^|]*\|ROLE-USED$/, 'recordRoleUse'],
  [/#LAST-ACCESS#USER#[^|]*\|PASSWORD-USED$/, 'recordPasswordUse'],
];

/** The pk|sk strings a single-item write touches (marshalled or not, whichever the middleware sees). */
function keysOf(input: Record<string, unknown>): string[] {
  const text = (value: unknown) =>
    typeof value === 'string' ? value : (value as { S?: string } | undefined)?.S;
  const keyString = (item: Record<string, unknown>) => `${text(item.pk)}|${text(item.sk)}`;
  const key = (input.Key ?? input.Item) as Record<string, unknown> | undefined;
  if (key) return [keyString(key)];
  const batches = Object.values((input.RequestItems ?? {}) as Record<string, Record<string, unknown>[]>);
  return batches.flat().map((request) => {
    const put = request.PutRequest as { Item: Record<string, unknown> } | undefined;
    const del = request.DeleteRequest as { Key: Record<string, unknown> } | undefined;
    return keyString(put?.Item ?? del?.Key ?? {});
  });
}

function collectSecrets(text: string): void {
  for (const { value } of secretValuesIn(text)) secrets.add(value);
}

/** The records of a request, and of key rotations (their own system origin) committed since `since`. */
async function recordsOf(requestId: string, since = new Date()): Promise<ChangeRecord[]> {
  const days = [
    ...new Set([new Date(Date.now() - 5_000), new Date()].map((d) => d.toISOString().slice(0, 10))),
  ];
  const scopes = [{ accountId }, 'platform' as const];
  const all: ChangeRecord[] = [];
  for (const day of days)
    for (const scope of scopes) all.push(...(await listChangeRecords(platform.store, scope, day)));
  return all.filter(
    (record) =>
      record.origin.requestId === requestId ||
      (record.operation === 'RotateSigningKey' && record.at >= since.toISOString()),
  );
}

interface Step {
  readonly operation: string;
  readonly via: string;
  readonly request: () => Promise<Request>;
  /** Expected HTTP status; 200 when absent. */
  readonly status?: number;
}

/** Sends one request and checks its records against the transactions it committed. */
async function expectRecorded(step: Step): Promise<ChangeRecord[]> {
  sent.transactions = 0;
  sent.singleWrites = [];
  const since = new Date();
  const request = await step.request();
  const bodyText = await request.clone().text();
  if (bodyText)
    for (const match of bodyText.matchAll(/(?:Password|password)[^=:]*[=:]"?([^&"]+)/g))
      secrets.add(decodeURIComponent(match[1] as string));
  const response = await platform.app.request(request);
  const text = await response.text();
  expect(response.status, `${step.operation}: ${text}`).toBe(step.status ?? 200);
  collectSecrets(text);
  lastText = text;
  // The operator's CreateAccount answers the account id every later record is filed under.
  if (!accountId) accountId = (JSON.parse(text) as { accountId: string }).accountId;
  const requestId = response.headers.get('x-amzn-RequestId') ?? '';
  const records = await recordsOf(requestId, since);
  recordsByRequest.set(requestId, records);
  // Exactly one record per committed transaction, at least one for a write.
  expect(records.length, `${step.operation} records`).toBe(sent.transactions);
  expect(records.length, `${step.operation} wrote nothing`).toBeGreaterThan(0);
  for (const record of records) {
    // Key rotation is a deployment act with its own system origin, whatever request needed the key.
    if (record.operation === 'RotateSigningKey') continue;
    expect(record).toMatchObject({ operation: step.operation, origin: { via: step.via, requestId } });
    expect(record.items.length).toBeGreaterThan(0);
  }
  for (const key of sent.singleWrites) {
    expect(
      UNRECORDED_KEYS.some(([pattern]) => pattern.test(key)),
      `${step.operation} wrote ${key} outside a transaction`,
    ).toBe(true);
  }
  return records;
}

const query =
  (service: 'iam' | 'sts', key: () => SigningKey, action: string, params: Record<string, string> = {}) =>
  () =>
    signedQueryRequest(key(), service, { Action: action, ...params });

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'docs:Read',
        'sts:AssumeRole',
        'iam:ChangePassword',
        'sts:GetSessionToken',
        'sts:GetFederationToken',
      ],
      Resource: '*',
    },
  ],
});
const trust = () =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' },
    ],
  });

beforeAll(async () => {
  const store = await createTestTable('changes');
  const endpoint = await store.dynamodb.config.endpoint?.();
  // No system origin: every change must come from a request that names its origin.
  platform = createPlatform(
    {
      tableName: store.tableName,
      dynamodbEndpoint: `${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`,
      operatorAccessKeyId: TEST_OPERATOR.accessKeyId,
      operatorSecretAccessKey: TEST_OPERATOR.secretAccessKey,
      masterKey: Buffer.alloc(32, 5).toString('base64'),
      partition: 'aws',
    },
    () => {},
  );
  platform.store.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'TransactWriteItemsCommand') sent.transactions++;
      if (SINGLE_WRITES.has(context.commandName ?? '')) {
        sent.singleWrites.push(...keysOf(args.input as Record<string, unknown>));
      }
      return result;
    },
    { step: 'initialize', name: 'observeWrites' },
  );
});

describe('change records', () => {
  const operator = TEST_OPERATOR;
  let alice: SigningKey;
  let session: { accessToken: string; refreshToken: string };
  const policyArn = () => `arn:aws:iam::${accountId}:policy/ReadDocs`;
  const aliceKey = () => alice;

  // The scenario is run once, by whichever test comes first; the others check what it left (the
  // account, alice, bob, the records and the secrets), so none depends on the order they run in.
  let scenario: Promise<void> | undefined;
  const scenarioRan = () => {
    scenario ??= recordEveryWrite();
    return scenario;
  };

  async function recordEveryWrite() {
    const created = await expectRecorded({
      operation: 'CreateAccount',
      via: 'operator',
      status: 201,
      request: () =>
        signedJsonRequest(operator, 'POST', '/v1/accounts', JSON.stringify({ alias: 'changes-acme' })),
    });
    expect(created[0]?.accountId).toBe(accountId);
    const rootKey = JSON.parse(lastText).rootAccessKey as SigningKey;
    root = { accessKeyId: rootKey.accessKeyId, secretAccessKey: rootKey.secretAccessKey };

    const iam = (operation: string, params: Record<string, string> = {}, key = () => root) =>
      expectRecorded({ operation, via: 'iam-query', request: query('iam', key, operation, params) });
    const user = { UserName: 'alice' };
    await iam('CreateUser', { ...user, 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'blue' });
    await iam('UpdateUser', { ...user, NewPath: '/team/' });
    await iam('TagUser', { ...user, 'Tags.member.1.Key': 'env', 'Tags.member.1.Value': 'prod' });
    await iam('UntagUser', { ...user, 'TagKeys.member.1': 'env' });
    await iam('CreateGroup', { GroupName: 'admins' });
    await iam('UpdateGroup', { GroupName: 'admins', NewPath: '/ops/' });
    await iam('AddUserToGroup', { GroupName: 'admins', ...user });
    await iam('CreateRole', { RoleName: 'deployer', AssumeRolePolicyDocument: trust() });
    await iam('UpdateRole', { RoleName: 'deployer', Description: 'deploys' });
    await iam('UpdateRoleDescription', { RoleName: 'deployer', Description: 'deploys things' });
    await iam('UpdateAssumeRolePolicy', { RoleName: 'deployer', PolicyDocument: trust() });
    await iam('TagRole', { RoleName: 'deployer', 'Tags.member.1.Key': 'env', 'Tags.member.1.Value': 'prod' });
    await iam('UntagRole', { RoleName: 'deployer', 'TagKeys.member.1': 'env' });
    await iam('CreatePolicy', { PolicyName: 'ReadDocs', PolicyDocument: POLICY });
    await iam('CreatePolicyVersion', {
      PolicyArn: policyArn(),
      PolicyDocument: POLICY,
      SetAsDefault: 'true',
    });
    await iam('SetDefaultPolicyVersion', { PolicyArn: policyArn(), VersionId: 'v1' });
    await iam('TagPolicy', {
      PolicyArn: policyArn(),
      'Tags.member.1.Key': 'env',
      'Tags.member.1.Value': 'prod',
    });
    await iam('UntagPolicy', { PolicyArn: policyArn(), 'TagKeys.member.1': 'env' });
    await iam('DeletePolicyVersion', { PolicyArn: policyArn(), VersionId: 'v2' });
    await iam('PutUserPermissionsBoundary', { ...user, PermissionsBoundary: policyArn() });
    await iam('DeleteUserPermissionsBoundary', user);
    await iam('PutRolePermissionsBoundary', { RoleName: 'deployer', PermissionsBoundary: policyArn() });
    await iam('DeleteRolePermissionsBoundary', { RoleName: 'deployer' });
    for (const [kind, name] of [
      ['User', 'alice'],
      ['Group', 'admins'],
      ['Role', 'deployer'],
    ] as const) {
      const target = { [`${kind}Name`]: name };
      await iam(`Attach${kind}Policy`, { ...target, PolicyArn: policyArn() });
      await iam(`Detach${kind}Policy`, { ...target, PolicyArn: policyArn() });
      await iam(`Put${kind}Policy`, { ...target, PolicyName: 'inline', PolicyDocument: POLICY });
      await iam(`Delete${kind}Policy`, { ...target, PolicyName: 'inline' });
    }
    await iam('PutUserPolicy', { ...user, PolicyName: 'own', PolicyDocument: POLICY });
    await iam('CreateAccessKey', user);
    const aliceKeyId = /<AccessKeyId>([^<]+)</.exec(lastText)?.[1] ?? '';
    alice = {
      accessKeyId: aliceKeyId,
      secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(lastText)?.[1] ?? '',
    };
    await iam('UpdateAccessKey', { ...user, AccessKeyId: aliceKeyId, Status: 'Active' });
    await iam('CreateAccountAlias', { AccountAlias: 'changes-new' });
    await iam('DeleteAccountAlias', { AccountAlias: 'changes-new' });
    await iam('UpdateAccountPasswordPolicy', {
      MinimumPasswordLength: '12',
      AllowUsersToChangePassword: 'true',
    });
    await iam('DeleteAccountPasswordPolicy');
    await iam('CreateLoginProfile', { ...user, Password: PASSWORD });
    await iam('UpdateLoginProfile', { ...user, Password: NEW_PASSWORD });
    await iam('ChangePassword', { OldPassword: NEW_PASSWORD, NewPassword: SECOND_PASSWORD }, aliceKey);
    const device = await iam('CreateVirtualMFADevice', {
      VirtualMFADeviceName: 'm1',
      'Tags.member.1.Key': 'kind',
      'Tags.member.1.Value': 'phone',
    });
    const mfaSerial = /<SerialNumber>([^<]+)</.exec(lastText)?.[1] ?? '';
    const mfaSeed = Buffer.from(/<Base32StringSeed>([^<]+)</.exec(lastText)?.[1] ?? '', 'base64').toString(
      'ascii',
    );
    secrets.add(mfaSeed);
    expect(device.length).toBe(1);
    const now = Date.now();
    await iam('EnableMFADevice', {
      ...user,
      SerialNumber: mfaSerial,
      AuthenticationCode1: generateTotpCode(mfaSeed, new Date(now - 30_000)),
      AuthenticationCode2: generateTotpCode(mfaSeed, new Date(now)),
    });
    await iam('ResyncMFADevice', {
      ...user,
      SerialNumber: mfaSerial,
      AuthenticationCode1: generateTotpCode(mfaSeed, new Date(now)),
      AuthenticationCode2: generateTotpCode(mfaSeed, new Date(now + 30_000)),
    });
    await iam('TagMFADevice', {
      SerialNumber: mfaSerial,
      'Tags.member.1.Key': 'env',
      'Tags.member.1.Value': 'prod',
    });
    await iam('UntagMFADevice', { SerialNumber: mfaSerial, 'TagKeys.member.1': 'env' });
    await iam('DeactivateMFADevice', { ...user, SerialNumber: mfaSerial });
    await iam('DeleteVirtualMFADevice', { SerialNumber: mfaSerial });
    const provider = {
      Url: 'https://token.example.com',
      'ClientIDList.member.1': 'app',
      'ThumbprintList.member.1': 'a'.repeat(40),
    };
    await iam('CreateOpenIDConnectProvider', provider);
    const providerArn = `arn:aws:iam::${accountId}:oidc-provider/token.example.com`;
    await iam('AddClientIDToOpenIDConnectProvider', {
      OpenIDConnectProviderArn: providerArn,
      ClientID: 'app2',
    });
    await iam('RemoveClientIDFromOpenIDConnectProvider', {
      OpenIDConnectProviderArn: providerArn,
      ClientID: 'app2',
    });
    await iam('UpdateOpenIDConnectProviderThumbprint', {
      OpenIDConnectProviderArn: providerArn,
      'ThumbprintList.member.1': 'b'.repeat(40),
    });
    await iam('TagOpenIDConnectProvider', {
      OpenIDConnectProviderArn: providerArn,
      'Tags.member.1.Key': 'env',
      'Tags.member.1.Value': 'prod',
    });
    await iam('UntagOpenIDConnectProvider', {
      OpenIDConnectProviderArn: providerArn,
      'TagKeys.member.1': 'env',
    });
    await iam('DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: providerArn });

    // STS over Query and REST.
    await expectRecorded({
      operation: 'AssumeRole',
      via: 'sts-query',
      request: query('sts', aliceKey, 'AssumeRole', {
        RoleArn: `arn:aws:iam::${accountId}:role/deployer`,
        RoleSessionName: 's1',
      }),
    });
    await expectRecorded({
      operation: 'GetSessionToken',
      via: 'sts-query',
      request: query('sts', aliceKey, 'GetSessionToken'),
    });
    await expectRecorded({
      operation: 'GetFederationToken',
      via: 'sts-query',
      request: query('sts', aliceKey, 'GetFederationToken', { Name: 'fed-1' }),
    });
    await expectRecorded({
      operation: 'AssumeRole',
      via: 'sts-rest',
      request: () =>
        signedJsonRequest(
          alice,
          'POST',
          '/v1/sts/assume-role',
          JSON.stringify({ roleArn: `arn:aws:iam::${accountId}:role/deployer`, roleSessionName: 's2' }),
        ),
    });

    // Sign-in.
    const signIn =
      (path: string, body: object, headers: Record<string, string> = {}) =>
      async () =>
        new Request(`${HOST}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        });
    await expectRecorded({
      operation: 'SignIn',
      via: 'sign-in',
      request: signIn('/v1/sign-in', {
        account: accountId,
        userName: 'alice',
        password: SECOND_PASSWORD,
      }),
    });
    session = JSON.parse(lastText) as typeof session;
    await expectRecorded({
      operation: 'RefreshSession',
      via: 'sign-in',
      request: signIn('/v1/sign-in/refresh', { refreshToken: session.refreshToken }),
    });
    const fresh = (JSON.parse(lastText) as { accessToken: string }).accessToken;
    await expectRecorded({
      operation: 'GetSessionToken',
      via: 'sign-in',
      request: signIn('/v1/sign-in/credentials', {}, { authorization: `Bearer ${fresh}` }),
    });
    await expectRecorded({
      operation: 'SignOut',
      via: 'sign-in',
      status: 204,
      request: signIn('/v1/sign-out', {}, { authorization: `Bearer ${fresh}` }),
    });

    // REST identity routes share one handler; the decision API's writes.
    await expectRecorded({
      operation: 'CreateUser',
      via: 'rest',
      status: 201,
      request: () => signedJsonRequest(root, 'POST', '/v1/users', JSON.stringify({ userName: 'bob' })),
    });
    await expectRecorded({
      operation: 'ConfigureDecisionLog',
      via: 'decisions',
      request: () =>
        signedJsonRequest(root, 'PUT', '/v1/decision-log/settings', JSON.stringify({ sampleRate: 1 })),
    });

    // Tear down what the account holds.
    await iam('DeleteUserPolicy', { ...user, PolicyName: 'own' });
    await iam('DeleteAccessKey', { ...user, AccessKeyId: aliceKeyId });
    await iam('DeleteLoginProfile', user);
    await iam('RemoveUserFromGroup', { GroupName: 'admins', ...user });
    await iam('DeleteUser', user);
    await iam('DeleteGroup', { GroupName: 'admins' });
    await iam('DeleteRole', { RoleName: 'deployer' });
    await iam('DeletePolicy', { PolicyArn: policyArn() });

    for (const status of ['suspend', 'reactivate'] as const) {
      await expectRecorded({
        operation: status === 'suspend' ? 'SuspendAccount' : 'ReactivateAccount',
        via: 'operator',
        request: () => signedJsonRequest(operator, 'POST', `/v1/accounts/${accountId}/${status}`),
      });
    }

    // Every write the API serves was driven above: a new write operation without a record fails here.
    // (The entity families Palisade lacks refuse every write: those operations never change anything.)
    const recorded = new Set([...recordsByRequest.values()].flat().map((record) => record.operation));
    const neverWrites = new Set(Object.keys(absentEntityOperations(platform.iam)));
    const writes = [
      ...Object.keys(platform.queryActions.iam),
      ...Object.keys(platform.queryActions.sts),
    ].filter(
      (action) =>
        (!/^(Get|List|Simulate|Generate|Decode)/.test(action) ||
          action === 'GetSessionToken' ||
          action === 'GetFederationToken') &&
        !neverWrites.has(action),
    );
    expect(writes.filter((action) => !recorded.has(action))).toEqual([]);
  }

  it('records every write of the operator, IAM, STS, sign-in, REST and decision APIs once per change', async () => {
    await scenarioRan();
  }, 180_000);

  it('writes no record for a refused or failed operation', async () => {
    await scenarioRan();
    for (const [action, params] of [
      ['CreateUser', { UserName: 'bob' }], // exists (created over REST above)
      ['DeleteUser', { UserName: 'nobody' }],
      ['CreatePolicy', { PolicyName: 'Bad', PolicyDocument: '{"not":"a policy"}' }],
    ] as const) {
      const response = await platform.app.request(
        await signedQueryRequest(root, 'iam', { Action: action, ...params }),
      );
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(await recordsOf(response.headers.get('x-amzn-RequestId') ?? '')).toEqual([]);
    }
    const denied = await platform.app.request(
      await signedQueryRequest(alice, 'iam', { Action: 'CreateUser', UserName: 'mallory' }),
    );
    expect(denied.status).toBe(403);
    expect(await recordsOf(denied.headers.get('x-amzn-RequestId') ?? '')).toEqual([]);
  }, 180_000);

  it('puts no secret in any record', async () => {
    await scenarioRan();
    const all = JSON.stringify([...recordsByRequest.values()].flat());
    expect(all.length).toBeGreaterThan(1000);
    const leaked = [...secrets].filter((secret) => secret.length >= 8 && all.includes(secret));
    expect(leaked).toEqual([]);
    expect(secrets.size).toBeGreaterThan(8);
  }, 180_000);
});
