/**
 * The IAM entity families Palisade lacks (instance profiles, SSH public keys, signing
 * certificates, service-specific credentials, SAML providers, server certificates), on DynamoDB
 * Local: reads answer empty lists and NoSuchEntity truthfully, writes are refused with
 * `feature.unavailable`, and every operation is authorized first.
 */
import { type Caller, rootCaller } from '@palisade/principals';
import { putNewAccount } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext, loadUserCaller } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import { type IamContext, iamOperations } from '../src/index.ts';

const NOW = new Date('2026-12-07T12:00:00Z');
const A = '100000000151';
const root = rootCaller('aws', A);
let iam: IamContext;
const ops = () => iamOperations(iam);
const call = (caller: Caller, action: string, input: object) => runOperation(ops(), caller, action, input);
const must = (action: string, input: object) => mustRunOperation(ops(), root, action, input);
const allow = (action: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

beforeAll(async () => {
  iam = await createIamTestContext('absent-entities', () => NOW);
  await putNewAccount(iam.store, { accountId: A, alias: 'absent-a', createdAt: NOW.toISOString() });
  await must('CreateUser', { UserName: 'alice' });
  await must('CreateRole', {
    RoleName: 'app',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: A }, Action: 'sts:AssumeRole' }],
    }),
  });
});

describe('the entity families Palisade lacks', () => {
  it.each([
    ['ListInstanceProfiles', {}, 'InstanceProfiles'],
    ['ListInstanceProfilesForRole', { RoleName: 'app' }, 'InstanceProfiles'],
    ['ListSSHPublicKeys', { UserName: 'alice' }, 'SSHPublicKeys'],
    ['ListSigningCertificates', { UserName: 'alice' }, 'Certificates'],
    ['ListSigningCertificates', {}, 'Certificates'],
    ['ListServiceSpecificCredentials', { UserName: 'alice' }, 'ServiceSpecificCredentials'],
    ['ListServerCertificates', { PathPrefix: '/', MaxItems: 5 }, 'ServerCertificateMetadataList'],
  ])('%s %j answers an empty, complete list', async (action, input, member) => {
    expect(await call(root, action, input)).toEqual({
      ok: true,
      value: { [member]: [], IsTruncated: false },
    });
  });

  it('answers ListSAMLProviders with an empty provider list', async () => {
    expect(await call(root, 'ListSAMLProviders', {})).toEqual({ ok: true, value: { SAMLProviderList: [] } });
  });

  it.each([
    ['ListInstanceProfilesForRole', { RoleName: 'ghost' }, 'The role with name ghost cannot be found.'],
    ['ListSSHPublicKeys', { UserName: 'ghost' }, 'The user with name ghost cannot be found.'],
    ['ListSigningCertificates', { UserName: 'ghost' }, 'The user with name ghost cannot be found.'],
    [
      'GetSSHPublicKey',
      { UserName: 'ghost', SSHPublicKeyId: 'APKAAAAAAAAAAAAAAAAA', Encoding: 'SSH' },
      'The user with name ghost cannot be found.',
    ],
    [
      'GetSSHPublicKey',
      { UserName: 'alice', SSHPublicKeyId: 'APKAAAAAAAAAAAAAAAAA', Encoding: 'SSH' },
      'The Public Key with id APKAAAAAAAAAAAAAAAAA cannot be found.',
    ],
    ['GetInstanceProfile', { InstanceProfileName: 'web' }, 'Instance Profile web cannot be found.'],
    [
      'GetSAMLProvider',
      { SAMLProviderArn: `arn:aws:iam::${A}:saml-provider/okta` },
      `SAMLProvider arn:aws:iam::${A}:saml-provider/okta does not exist.`,
    ],
    [
      'GetServerCertificate',
      { ServerCertificateName: 'www' },
      'The Server Certificate with name www cannot be found.',
    ],
  ])('%s %j is NoSuchEntity', async (action, input, message) => {
    expect(await call(root, action, input)).toEqual({ ok: false, code: 'entity.not-found', message });
  });

  it.each([
    ['CreateInstanceProfile', { InstanceProfileName: 'web' }, 'instance profiles'],
    ['AddRoleToInstanceProfile', { InstanceProfileName: 'web', RoleName: 'app' }, 'instance profiles'],
    ['UploadSSHPublicKey', { UserName: 'alice', SSHPublicKeyBody: 'ssh-ed25519 AAAA' }, 'SSH public keys'],
    ['UploadSigningCertificate', { CertificateBody: '-----BEGIN CERTIFICATE-----' }, 'signing certificates'],
    [
      'CreateServiceSpecificCredential',
      { UserName: 'alice', ServiceName: 'codecommit.amazonaws.com' },
      'service-specific credentials',
    ],
    ['CreateSAMLProvider', { Name: 'okta', SAMLMetadataDocument: 'm'.repeat(1000) }, 'SAML providers'],
    [
      'UploadServerCertificate',
      { ServerCertificateName: 'www', CertificateBody: 'c', PrivateKey: 'k' },
      'server certificates',
    ],
    ['DeleteServerCertificate', { ServerCertificateName: 'www' }, 'server certificates'],
  ])('refuses %s as a feature Palisade does not have', async (action, input, family) => {
    const refused = await call(root, action, input);
    expect(refused).toMatchObject({ ok: false, code: 'feature.unavailable' });
    expect(refused.ok ? '' : refused.message).toContain(`Palisade has no ${family}`);
  });

  it('refuses a write for a user that does not exist as NoSuchEntity, not as a missing feature', async () => {
    expect(
      await call(root, 'UploadSSHPublicKey', { UserName: 'ghost', SSHPublicKeyBody: 'k' }),
    ).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
  });

  it('authorizes each operation: AccessDenied without a policy, the answer with one', async () => {
    await must('CreateUser', { UserName: 'reader' });
    const before = await loadUserCaller(iam.store, A, 'reader', () => NOW);
    const denied = await call(before, 'ListInstanceProfilesForRole', { RoleName: 'app' });
    expect(denied).toMatchObject({ ok: false, code: 'access.denied' });
    expect(denied.ok ? '' : denied.message).toContain(
      `iam:ListInstanceProfilesForRole on resource: arn:aws:iam::${A}:role/app`,
    );
    expect(await call(before, 'CreateInstanceProfile', { InstanceProfileName: 'web' })).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
    await must('PutUserPolicy', {
      UserName: 'reader',
      PolicyName: 'profiles',
      PolicyDocument: allow('iam:ListInstanceProfilesForRole'),
    });
    const after = await loadUserCaller(iam.store, A, 'reader', () => NOW);
    expect(await call(after, 'ListInstanceProfilesForRole', { RoleName: 'app' })).toEqual({
      ok: true,
      value: { InstanceProfiles: [], IsTruncated: false },
    });
  });

  it('refuses malformed input with a validation error', async () => {
    for (const [action, input] of [
      ['GetInstanceProfile', { InstanceProfileName: 'bad name' }],
      ['GetSSHPublicKey', { UserName: 'alice', SSHPublicKeyId: 'short', Encoding: 'SSH' }],
      ['GetSSHPublicKey', { UserName: 'alice', SSHPublicKeyId: 'APKAAAAAAAAAAAAAAAAA', Encoding: 'DER' }],
      ['ListServerCertificates', { MaxItems: 0 }],
    ] as const) {
      expect(await call(root, action, input)).toMatchObject({ ok: false, code: 'request.invalid' });
    }
  });
});
