// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${...} inside plain strings.
/**
 * The operations issue #15 adds for Terraform, boto3 and the AWS CLI, with the unchanged AWS SDK v3
 * (IAM client) against a running platform at a pinned clock: the entity families Palisade lacks,
 * the tags of policies, OIDC providers and MFA devices, UpdateRoleDescription, GetMFADevice,
 * ResyncMFADevice, ListEntitiesForPolicy, the GetContextKeys operations and
 * ListPoliciesGrantingServiceAccess, each in AWS's exact wire shape and error codes.
 */
import {
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteRoleCommand,
  EnableMFADeviceCommand,
  GetContextKeysForCustomPolicyCommand,
  GetContextKeysForPrincipalPolicyCommand,
  GetInstanceProfileCommand,
  GetMFADeviceCommand,
  GetSSHPublicKeyCommand,
  type IAMClient,
  ListEntitiesForPolicyCommand,
  ListInstanceProfilesCommand,
  ListInstanceProfilesForRoleCommand,
  ListMFADeviceTagsCommand,
  ListOpenIDConnectProviderTagsCommand,
  ListPoliciesGrantingServiceAccessCommand,
  ListPolicyTagsCommand,
  ListSAMLProvidersCommand,
  ListServerCertificatesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ResyncMFADeviceCommand,
  TagMFADeviceCommand,
  TagOpenIDConnectProviderCommand,
  TagPolicyCommand,
  UntagPolicyCommand,
  UpdateRoleDescriptionCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { generateTotpCode } from '@palisade/credentials';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iamClientAt } from './fixtures/pinned-clock-clients.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

const START = Date.parse('2026-12-07T12:00:10Z');
let clock = START;
let running: RunningPlatform;
let accountId: string;
let root: IAMClient;
const trust = () =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: accountId }, Action: 'sts:AssumeRole' }],
  });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => ({ name: 'none', status: 0, message: '' }),
    (error: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => ({
      name: error.name,
      status: error.$metadata?.httpStatusCode ?? 0,
      message: error.message,
    }),
  );

beforeAll(async () => {
  running = await startPlatform({ now: () => new Date(clock) });
  const account = await running.createAccount('tf-ops-e2e');
  accountId = account.accountId;
  root = iamClientAt(running.url, account, () => clock);
  await root.send(new CreateUserCommand({ UserName: 'ann' }));
  await root.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust() }));
});
afterAll(() => running?.close());

describe('the entity families Palisade lacks, over the Query API', () => {
  it('answers empty lists, NoSuchEntity and InvalidInput as AWS models them', async () => {
    const forRole = await root.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'app' }));
    expect([forRole.InstanceProfiles, forRole.IsTruncated]).toEqual([[], false]);
    expect((await root.send(new ListInstanceProfilesCommand({}))).InstanceProfiles).toEqual([]);
    expect((await root.send(new ListSSHPublicKeysCommand({ UserName: 'ann' }))).SSHPublicKeys).toEqual([]);
    expect((await root.send(new ListSigningCertificatesCommand({ UserName: 'ann' }))).Certificates).toEqual(
      [],
    );
    expect(
      (await root.send(new ListServiceSpecificCredentialsCommand({ UserName: 'ann' })))
        .ServiceSpecificCredentials,
    ).toEqual([]);
    expect((await root.send(new ListSAMLProvidersCommand({}))).SAMLProviderList).toEqual([]);
    expect((await root.send(new ListServerCertificatesCommand({}))).ServerCertificateMetadataList).toEqual(
      [],
    );

    expect(
      await failure(root.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'ghost' }))),
    ).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
    });
    expect(
      await failure(root.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' }))),
    ).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
    });
    expect(
      await failure(
        root.send(
          new GetSSHPublicKeyCommand({
            UserName: 'ann',
            SSHPublicKeyId: 'APKAAAAAAAAAAAAAAAAA',
            Encoding: 'SSH',
          }),
        ),
      ),
    ).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
    const refused = await failure(
      root.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web' })),
    );
    expect(refused).toMatchObject({ name: 'InvalidInputException', status: 400 });
    expect(refused.message).toContain('Palisade has no instance profiles');
    expect(
      await failure(
        root.send(new UploadSSHPublicKeyCommand({ UserName: 'ann', SSHPublicKeyBody: 'ssh-ed25519 AAAA' })),
      ),
    ).toMatchObject({ name: 'InvalidInputException', status: 400 });
  });

  it('lets a role be deleted the way Terraform destroys one (instance profiles listed first)', async () => {
    await root.send(new CreateRoleCommand({ RoleName: 'doomed', AssumeRolePolicyDocument: trust() }));
    const profiles = await root.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'doomed' }));
    expect(profiles.InstanceProfiles).toEqual([]);
    await root.send(new DeleteRoleCommand({ RoleName: 'doomed' }));
    expect(
      await failure(root.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'doomed' }))),
    ).toMatchObject({
      name: 'NoSuchEntityException',
    });
  });
});

describe('tags of policies, OIDC providers and MFA devices', () => {
  it('round-trips tags through the SDK for each resource', async () => {
    const policy = await root.send(
      new CreatePolicyCommand({
        PolicyName: 'reader',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }],
        }),
      }),
    );
    const policyArn = policy.Policy?.Arn ?? '';
    await root.send(
      new TagPolicyCommand({
        PolicyArn: policyArn,
        Tags: [
          { Key: 'team', Value: 'red' },
          { Key: 'cost', Value: '1' },
        ],
      }),
    );
    await root.send(new UntagPolicyCommand({ PolicyArn: policyArn, TagKeys: ['cost'] }));
    const policyTags = await root.send(new ListPolicyTagsCommand({ PolicyArn: policyArn }));
    expect([policyTags.Tags, policyTags.IsTruncated]).toEqual([[{ Key: 'team', Value: 'red' }], false]);
    const reserved = await failure(
      root.send(new TagPolicyCommand({ PolicyArn: policyArn, Tags: [{ Key: 'aws:x', Value: '' }] })),
    );
    expect(reserved.status).toBe(400);

    const provider = await root.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://idp.example.com',
        ThumbprintList: ['a'.repeat(40)],
      }),
    );
    const providerArn = provider.OpenIDConnectProviderArn ?? '';
    await root.send(
      new TagOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: providerArn,
        Tags: [{ Key: 'env', Value: 'prod' }],
      }),
    );
    expect(
      (await root.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: providerArn })))
        .Tags,
    ).toEqual([{ Key: 'env', Value: 'prod' }]);

    const device = await root.send(
      new CreateVirtualMFADeviceCommand({
        VirtualMFADeviceName: 'tagged',
        Tags: [{ Key: 'kind', Value: 'phone' }],
      }),
    );
    const serial = device.VirtualMFADevice?.SerialNumber ?? '';
    expect(device.VirtualMFADevice?.Tags).toEqual([{ Key: 'kind', Value: 'phone' }]);
    await root.send(
      new TagMFADeviceCommand({ SerialNumber: serial, Tags: [{ Key: 'owner', Value: 'ann' }] }),
    );
    expect((await root.send(new ListMFADeviceTagsCommand({ SerialNumber: serial }))).Tags).toEqual([
      { Key: 'kind', Value: 'phone' },
      { Key: 'owner', Value: 'ann' },
    ]);
  });
});

describe('roles and MFA devices', () => {
  it('answers UpdateRoleDescription with the role', async () => {
    const updated = await root.send(
      new UpdateRoleDescriptionCommand({ RoleName: 'app', Description: 'the app' }),
    );
    expect(updated.Role).toMatchObject({
      RoleName: 'app',
      Description: 'the app',
      Arn: `arn:aws:iam::${accountId}:role/app`,
    });
  });

  it('reads an enabled device with GetMFADevice and resyncs it with two fresh consecutive codes', async () => {
    const device = await root.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'ann-phone' }));
    const serial = device.VirtualMFADevice?.SerialNumber ?? '';
    const seed = Buffer.from(device.VirtualMFADevice?.Base32StringSeed ?? new Uint8Array()).toString('ascii');
    const code = (at: number) => generateTotpCode(seed, new Date(at));
    await root.send(
      new EnableMFADeviceCommand({
        UserName: 'ann',
        SerialNumber: serial,
        AuthenticationCode1: code(clock - 30_000),
        AuthenticationCode2: code(clock),
      }),
    );
    const read = await root.send(new GetMFADeviceCommand({ UserName: 'ann', SerialNumber: serial }));
    expect(read).toMatchObject({ UserName: 'ann', SerialNumber: serial, EnableDate: new Date(clock) });

    const spent = await failure(
      root.send(
        new ResyncMFADeviceCommand({
          UserName: 'ann',
          SerialNumber: serial,
          AuthenticationCode1: code(clock - 30_000),
          AuthenticationCode2: code(clock),
        }),
      ),
    );
    expect(spent).toMatchObject({ name: 'InvalidAuthenticationCodeException', status: 403 });
    clock += 90_000;
    const synced = await root.send(
      new ResyncMFADeviceCommand({
        UserName: 'ann',
        SerialNumber: serial,
        AuthenticationCode1: code(clock - 30_000),
        AuthenticationCode2: code(clock),
      }),
    );
    expect(synced.$metadata.httpStatusCode).toBe(200);
  });
});

describe('policy introspection', () => {
  it('lists a policy’s entities, the policies granting a service and the context keys', async () => {
    const created = await root.send(
      new CreatePolicyCommand({
        PolicyName: 'scoped',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Resource: '*',
              Condition: { StringEquals: { 'aws:PrincipalTag/team': '${aws:username}' } },
            },
          ],
        }),
      }),
    );
    const policyArn = created.Policy?.Arn ?? '';
    await root.send(new AttachRolePolicyCommand({ RoleName: 'app', PolicyArn: policyArn }));
    const entities = await root.send(new ListEntitiesForPolicyCommand({ PolicyArn: policyArn }));
    expect(entities).toMatchObject({ PolicyGroups: [], PolicyUsers: [], IsTruncated: false });
    expect(entities.PolicyRoles?.map((r) => r.RoleName)).toEqual(['app']);

    const granting = await root.send(
      new ListPoliciesGrantingServiceAccessCommand({
        Arn: `arn:aws:iam::${accountId}:role/app`,
        ServiceNamespaces: ['sts', 'iam'],
      }),
    );
    expect(granting.PoliciesGrantingServiceAccess).toEqual([
      {
        ServiceNamespace: 'sts',
        Policies: [{ PolicyName: 'scoped', PolicyType: 'MANAGED', PolicyArn: policyArn }],
      },
      { ServiceNamespace: 'iam', Policies: [] },
    ]);

    const principalKeys = await root.send(
      new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${accountId}:role/app` }),
    );
    expect(principalKeys.ContextKeyNames).toEqual(['aws:PrincipalTag/team', 'aws:username']);
    const customKeys = await root.send(
      new GetContextKeysForCustomPolicyCommand({
        PolicyInputList: [
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Deny',
                Action: '*',
                Resource: '*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          }),
        ],
      }),
    );
    expect(customKeys.ContextKeyNames).toEqual(['aws:SecureTransport']);
  });
});
