/**
 * Exact AWS shapes with real clients (issue #15): Result elements where botocore's model has an
 * output shape, PermissionsBoundaryType, error codes, GetAccountSummary and AccessDenied wording,
 * checked with boto3 and the AWS SDK v3 against a running platform, and against botocore's model.
 */
import {
  AttachUserPolicyCommand,
  ChangePasswordCommand,
  CreateOpenIDConnectProviderCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  IAMClient,
  ListAttachedUserPoliciesCommand,
  ListMFADevicesCommand,
  ListOpenIDConnectProvidersCommand,
  ListUserTagsCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { iamQueryService, queryOutputOf, stsQueryService } from '@palisade/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAwsCli, runAwsCli } from './fixtures/aws-cli.ts';
import { botocoreModel, findBoto3, runBoto3 } from './fixtures/boto3-client.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import { sendAs } from './fixtures/signed-fetch.ts';
import { enrolVirtualMfaDevice } from './fixtures/virtual-mfa.ts';

const boto3 = findBoto3();
const cli = findAwsCli();
// GetAccountSummary's keys, in the order of the model's summaryKeyType.
const SUMMARY_KEYS = [
  'Users',
  'UsersQuota',
  'Groups',
  'GroupsQuota',
  'ServerCertificates',
  'ServerCertificatesQuota',
  'UserPolicySizeQuota',
  'GroupPolicySizeQuota',
  'GroupsPerUserQuota',
  'SigningCertificatesPerUserQuota',
  'AccessKeysPerUserQuota',
  'MFADevices',
  'MFADevicesInUse',
  'AccountMFAEnabled',
  'AccountAccessKeysPresent',
  'AccountPasswordPresent',
  'AccountSigningCertificatesPresent',
  'AttachedPoliciesPerGroupQuota',
  'AttachedPoliciesPerRoleQuota',
  'AttachedPoliciesPerUserQuota',
  'Policies',
  'PoliciesQuota',
  'PolicySizeQuota',
  'PolicyVersionsInUse',
  'PolicyVersionsInUseQuota',
  'VersionsPerPolicyQuota',
  'GlobalEndpointTokenVersion',
  'AssumeRolePolicySizeQuota',
  'InstanceProfiles',
  'InstanceProfilesQuota',
  'Providers',
  'RolePolicySizeQuota',
  'Roles',
  'RolesQuota',
];
const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

let running: RunningPlatform;
let accountId: string;
let rootKey: { accessKeyId: string; secretAccessKey: string };

type Key = { readonly accessKeyId: string; readonly secretAccessKey: string };
const sdk = { region: 'us-east-1', maxAttempts: 1 };
const iam = (credentials: Key) => new IAMClient({ ...sdk, endpoint: running.url, credentials });
const sts = (credentials: Key) => new STSClient({ ...sdk, endpoint: running.url, credentials });
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** What a failed SDK call raised: its AWS error code and message. */
async function refusal(sent: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error = await sent.then(
    () => undefined,
    (raised: unknown) => raised as Error,
  );
  if (!error) throw new Error('the call succeeded');
  return { name: error.name, message: error.message };
}

beforeAll(async () => {
  running = await startPlatform();
  const account = await running.createAccount('shapes');
  accountId = account.accountId;
  rootKey = account;
});
afterAll(() => running?.close());

describe.skipIf(boto3 === undefined)(
  `the Query API against botocore's model (boto3 ${boto3 ?? 'absent: skipped'})`,
  () => {
    it('lists as answered without a Result element exactly the IAM actions the model gives no output', () => {
      const model = botocoreModel('iam');
      const withoutOutput = Object.keys(model).filter((name) => !model[name]?.output);
      expect([...iamQueryService.actionsWithoutOutput].sort()).toEqual(withoutOutput.sort());
      const sts = botocoreModel('sts');
      expect(Object.values(sts).every((operation) => operation.output)).toBe(true);
      expect(stsQueryService.actionsWithoutOutput.size).toBe(0);
    });

    it('serves only actions of the model, each with a Result element exactly when it has an output shape', () => {
      const served = [
        ...Object.keys(running.platform.queryActions.iam).map((action) => ['iam', action] as const),
        ...Object.keys(running.platform.queryActions.sts).map((action) => ['sts', action] as const),
        ...running.platform.queryActions.unsignedSts.map((action) => ['sts', action] as const),
      ];
      const models = { iam: botocoreModel('iam'), sts: botocoreModel('sts') };
      const wires = { iam: iamQueryService, sts: stsQueryService };
      const drift = served.flatMap(([service, action]) => {
        const model = models[service][action];
        if (!model) return [`${service}:${action} is not in the model`];
        // Whatever the operation answers (nothing, or an empty structure), the Result follows the model.
        const rendered = [undefined, {}].map((output) => queryOutputOf(wires[service], action, output));
        return rendered.every((output) => (output !== undefined) === model.output)
          ? []
          : [`${service}:${action} ${model.output ? 'lacks' : 'has'} a Result element`];
      });
      expect(drift).toEqual([]);
      expect(served.length).toBeGreaterThan(80);
    });

    it('lets boto3 parse UpdateRole, whose output shape has no members, and shows the boundary type', async () => {
      await running.asRoot(accountId, 'CreatePolicy', {
        PolicyName: 'edge',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }],
        }),
      });
      const boundary = `arn:aws:iam::${accountId}:policy/edge`;
      const [created, updated, read, details] = await runBoto3(running.url, rootKey, [
        {
          service: 'iam',
          operation: 'create_role',
          params: { RoleName: 'web', AssumeRolePolicyDocument: trust, PermissionsBoundary: boundary },
        },
        { service: 'iam', operation: 'update_role', params: { RoleName: 'web', MaxSessionDuration: 7200 } },
        { service: 'iam', operation: 'get_role', params: { RoleName: 'web' } },
        { service: 'iam', operation: 'get_account_authorization_details', params: { Filter: ['Role'] } },
      ]);
      expect(created).toMatchObject({ ok: true });
      expect(updated).toEqual({ ok: true, output: {} });
      const expectedBoundary = {
        PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
        PermissionsBoundaryArn: boundary,
      };
      expect(read).toMatchObject({
        ok: true,
        output: {
          Role: { RoleName: 'web', MaxSessionDuration: 7200, PermissionsBoundary: expectedBoundary },
        },
      });
      expect(details).toMatchObject({
        ok: true,
        output: { RoleDetailList: [{ RoleName: 'web', PermissionsBoundary: expectedBoundary }] },
      });
    });
  },
);

describe('AccessDenied messages in AWS words, the same over IAM Query, STS and REST', () => {
  it('names the permissions boundary that does not allow the action', async () => {
    const key = await running.userWithKey(accountId, 'fenced');
    await running.asRoot(accountId, 'PutUserPolicy', {
      UserName: 'fenced',
      PolicyName: 'all',
      PolicyDocument: policy({ Effect: 'Allow', Action: '*', Resource: '*' }),
    });
    await running.asRoot(accountId, 'CreatePolicy', {
      PolicyName: 'read-fence',
      PolicyDocument: policy({ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }),
    });
    await running.asRoot(accountId, 'PutUserPermissionsBoundary', {
      UserName: 'fenced',
      PermissionsBoundary: `arn:aws:iam::${accountId}:policy/read-fence`,
    });
    const expected =
      `User: arn:aws:iam::${accountId}:user/fenced is not authorized to perform: iam:CreateUser on resource: ` +
      `arn:aws:iam::${accountId}:user/nobody because no permissions boundary allows the iam:CreateUser action`;

    expect(await refusal(iam(key).send(new CreateUserCommand({ UserName: 'nobody' })))).toEqual({
      name: 'AccessDenied',
      message: expected,
    });
    const rest = await sendAs(
      running.url,
      { key, service: 'palisade' },
      { method: 'POST', path: '/v1/users', body: JSON.stringify({ userName: 'nobody' }) },
      new Date(),
    );
    expect(rest.status).toBe(403);
    // REST adds the sealed facts that sts:DecodeAuthorizationMessage opens, after the same words.
    const { error } = JSON.parse(rest.text) as { error: { code: string; message: string } };
    expect(error.code).toBe('access.denied');
    expect(error.message).toMatch(/ Encoded authorization failure message: \S+$/);
    expect(error.message.slice(0, error.message.indexOf(' Encoded authorization'))).toBe(expected);
  });

  it('names the explicit deny of an identity-based policy', async () => {
    const key = await running.userWithKey(accountId, 'denied');
    await running.asRoot(accountId, 'PutUserPolicy', {
      UserName: 'denied',
      PolicyName: 'no-users',
      PolicyDocument: policy(
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' },
      ),
    });
    expect(await refusal(iam(key).send(new CreateUserCommand({ UserName: 'nobody' })))).toEqual({
      name: 'AccessDenied',
      message:
        `User: arn:aws:iam::${accountId}:user/denied is not authorized to perform: iam:CreateUser on resource: ` +
        `arn:aws:iam::${accountId}:user/nobody with an explicit deny in an identity-based policy`,
    });
  });

  it('answers STS AssumeRole with the policy type that did not allow it', async () => {
    const key = await running.userWithKey(accountId, 'assumer');
    const roleArn = `arn:aws:iam::${accountId}:role/assumable`;
    const assume = () => sts(key).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'probe' }));
    const head = `User: arn:aws:iam::${accountId}:user/assumer is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
    await running.asRoot(accountId, 'CreateRole', { RoleName: 'assumable', AssumeRolePolicyDocument: trust });
    expect(await refusal(assume())).toEqual({
      name: 'AccessDenied',
      message: `${head} because no identity-based policy allows the sts:AssumeRole action`,
    });
    await running.asRoot(accountId, 'PutUserPolicy', {
      UserName: 'assumer',
      PolicyName: 'assume',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }),
    });
    expect(await refusal(assume())).toEqual({
      name: 'AccessDenied',
      message: `${head} because no resource-based policy allows the sts:AssumeRole action`,
    });
  });
});

describe('error codes AWS clients tell apart, changing nothing', () => {
  it('refuses wrong MFA codes when enabling a device with InvalidAuthenticationCode', async () => {
    const root = iam(rootKey);
    await root.send(new CreateUserCommand({ UserName: 'mfa-owner' }));
    const device = await root.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'phone' }));
    const serial = device.VirtualMFADevice?.SerialNumber ?? '';
    const enable = new EnableMFADeviceCommand({
      UserName: 'mfa-owner',
      SerialNumber: serial,
      AuthenticationCode1: '000000',
      AuthenticationCode2: '000001',
    });
    const raised = await root.send(enable).catch((error: unknown) => error);
    expect(raised).toMatchObject({
      Code: 'InvalidAuthenticationCode',
      message: 'Authentication code for device is not valid.',
      $metadata: { httpStatusCode: 403 },
    });
    expect((await root.send(new ListMFADevicesCommand({ UserName: 'mfa-owner' }))).MFADevices).toEqual([]);
  });

  it('refuses ChangePassword from the root with InvalidUserType', async () => {
    const raised = await iam(rootKey)
      .send(new ChangePasswordCommand({ OldPassword: 'Old-Password-1', NewPassword: 'New-Password-2' }))
      .catch((error: unknown) => error);
    expect(raised).toMatchObject({ Code: 'InvalidUserType', $metadata: { httpStatusCode: 400 } });
  });

  it('refuses a malformed policy ARN, an http:// OIDC URL and a reserved tag key with InvalidInput', async () => {
    const root = iam(rootKey);
    await root.send(new CreateUserCommand({ UserName: 'plain' }));
    const cases: [string, () => Promise<unknown>, string][] = [
      [
        'policy ARN',
        () =>
          root.send(
            new AttachUserPolicyCommand({
              UserName: 'plain',
              PolicyArn: 'arn:aws:iam::policy-without-account',
            }),
          ),
        'ARN arn:aws:iam::policy-without-account is not valid.',
      ],
      [
        'OIDC URL',
        () =>
          root.send(
            new CreateOpenIDConnectProviderCommand({
              Url: 'http://issuer.example.com',
              ClientIDList: ['app'],
            }),
          ),
        'The URL must begin with https:// and have no port, query or fragment.',
      ],
      [
        'tag key',
        () => root.send(new TagUserCommand({ UserName: 'plain', Tags: [{ Key: 'aws:team', Value: 'x' }] })),
        'Tag keys beginning with aws: are reserved for use by AWS.',
      ],
    ];
    for (const [what, sent, message] of cases) {
      const raised = await sent().then(
        () => ({ Code: `${what} accepted` }),
        (error: unknown) => error,
      );
      expect(raised, what).toMatchObject({
        Code: 'InvalidInput',
        message,
        $metadata: { httpStatusCode: 400 },
      });
    }
    expect(
      (await root.send(new ListAttachedUserPoliciesCommand({ UserName: 'plain' }))).AttachedPolicies,
    ).toEqual([]);
    expect((await root.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual(
      [],
    );
    expect((await root.send(new ListUserTagsCommand({ UserName: 'plain' }))).Tags).toEqual([]);
  });
});

describe.skipIf(boto3 === undefined)(
  `GetAccountSummary and the root's GetUser (boto3 ${boto3 ?? 'absent: skipped'})`,
  () => {
    it("reports all 34 keys with the account's true usage, and the root created with its account", async () => {
      const before = Math.floor(Date.now() / 1000) * 1000;
      const account = await running.createAccount('summary');
      const after = Date.now();
      const root = iam(account);
      await root.send(new CreateUserCommand({ UserName: 'u' }));
      await enrolVirtualMfaDevice(root, 'u', 'u-phone', Date.now());
      await root.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'spare' }));
      await running.asRoot(account.accountId, 'CreatePolicy', {
        PolicyName: 'p',
        PolicyDocument: policy({ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }),
      });
      await root.send(
        new AttachUserPolicyCommand({
          UserName: 'u',
          PolicyArn: `arn:aws:iam::${account.accountId}:policy/p`,
        }),
      );
      await root.send(
        new CreateOpenIDConnectProviderCommand({
          Url: 'https://issuer.example.com',
          ClientIDList: ['app'],
          ThumbprintList: ['0'.repeat(40)],
        }),
      );

      const [summary, self] = await runBoto3(running.url, account, [
        { service: 'iam', operation: 'get_account_summary' },
        { service: 'iam', operation: 'get_user' },
      ]);
      expect(summary?.ok).toBe(true);
      const map = (summary as unknown as { output: { SummaryMap: Record<string, number> } }).output
        .SummaryMap;
      expect(Object.keys(map).sort()).toEqual([...SUMMARY_KEYS].sort());
      expect(map).toMatchObject({
        Users: 1,
        Groups: 0,
        Roles: 0,
        Policies: 1,
        MFADevices: 2,
        MFADevicesInUse: 1,
        AccountMFAEnabled: 0,
        AccountAccessKeysPresent: 1,
        AccountPasswordPresent: 0,
        AccountSigningCertificatesPresent: 0,
        PolicyVersionsInUse: 1,
        Providers: 1,
        ServerCertificates: 0,
        InstanceProfiles: 0,
        VersionsPerPolicyQuota: 5,
        PolicyVersionsInUseQuota: 10000,
        UsersQuota: 5000,
      });
      expect(self?.ok).toBe(true);
      const user = (self as unknown as { output: { User: { Arn: string; CreateDate: string } } }).output.User;
      expect(user.Arn).toBe(`arn:aws:iam::${account.accountId}:root`);
      const created = new Date(user.CreateDate).getTime();
      expect(created).toBeGreaterThanOrEqual(before);
      expect(created).toBeLessThanOrEqual(after);
    });
  },
);

describe.skipIf(cli === undefined)(`the AWS CLI (${cli?.version ?? 'absent: skipped'})`, () => {
  it('updates a role (an empty UpdateRoleResult) and reads it back', async () => {
    if (!cli) return;
    await running.asRoot(accountId, 'CreateRole', { RoleName: 'cli-role', AssumeRolePolicyDocument: trust });
    const updated = await runAwsCli(cli, rootKey, running.url, [
      'iam',
      'update-role',
      '--role-name',
      'cli-role',
      '--max-session-duration',
      '10800',
    ]);
    expect(updated).toBeUndefined();
    const read = await runAwsCli(cli, rootKey, running.url, ['iam', 'get-role', '--role-name', 'cli-role']);
    expect(read).toMatchObject({ Role: { RoleName: 'cli-role', MaxSessionDuration: 10800 } });
  });
});
