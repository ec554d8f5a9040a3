/**
 * The IAM entity families Palisade does not have: instance profiles, SSH public keys, signing
 * certificates, service-specific credentials, SAML providers and server certificates. Clients
 * (Terraform's destroy of a role or of a user with force_destroy) read them before deleting what
 * Palisade does have, so their reads answer truthfully: empty lists with IAM's paging members, and
 * NoSuchEntity for a named one (after the user or role it belongs to is found). Every write is
 * refused with `feature.unavailable`. Each operation is authorized first, like any other.
 */
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import {
  type Caller,
  denialOf,
  type OperationTable,
  operation,
  type RequestFacts,
} from '@palisade/principals';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { iamName, paging, path, pathPrefix, roleName, tagKeys, tags, userName } from './iam-inputs.ts';
import { loadAuthorized, resolveCredentialOwner } from './principal-lifecycle.ts';

const instanceProfileName = iamName(128);
const serverCertificateName = iamName(128);
const arnInput = z.string().min(20).max(2048);
const word = (min: number) =>
  z
    .string()
    .min(min, `Member must have length greater than or equal to ${min}`)
    .max(128, 'Member must have length less than or equal to 128')
    .regex(/^\w+$/, 'Member must satisfy regular expression pattern: [\\w]+');
const body = z
  .string()
  .min(1, 'Member must have length greater than or equal to 1')
  .max(16384, 'Member must have length less than or equal to 16384');
const status = z.enum(['Active', 'Inactive', 'Expired']);
const serviceName = z.string().min(1).max(256);

/** What Palisade says instead of creating or changing an entity of a family it lacks. */
function unavailable(family: string): Failure {
  return fail(
    'feature.unavailable',
    `Palisade has no ${family}: this IAM feature does not exist in Palisade, so nothing was created or changed.`,
  );
}

/** IAM's empty listing: no items, not truncated. */
function none<K extends string>(member: K): { [P in K]: never[] } & { IsTruncated: false } {
  return { [member]: [], IsTruncated: false } as unknown as { [P in K]: never[] } & { IsTruncated: false };
}

/** The absent-entity operations, by AWS action name. */
export function absentEntityOperations(context: IamContext) {
  const arnOf = (caller: Caller, type: string, name: string, entityPath = '/') =>
    `arn:${context.partition}:iam::${caller.accountId}:${type}${entityPath}${name}`;
  const samlArnOf = (caller: Caller, name: string) =>
    `arn:${context.partition}:iam::${caller.accountId}:saml-provider/${name}`;
  /** Authorizes `action` on `resource`, then answers `outcome` (a refusal or NoSuchEntity). */
  const authorizedThen = <T = undefined>(
    caller: Caller,
    action: string,
    resource: string,
    outcome: Result<T>,
    facts: RequestFacts = {},
  ): Promise<Result<T>> => Promise.resolve(denialOf(caller, `iam:${action}`, resource, facts) ?? outcome);
  /** Authorizes `action` on the named user (NoSuchEntity when there is none), then answers `outcome`. */
  const onUser = async <T = undefined>(
    caller: Caller,
    name: string,
    action: string,
    outcome: () => Result<T>,
  ): Promise<Result<T>> => {
    const user = await loadAuthorized(context, caller, 'user', name, `iam:${action}`);
    return user.ok ? outcome() : user;
  };
  /** Authorizes `action` on the named user, else the caller itself (root included), then answers `outcome`. */
  const onOwner = async <T = undefined>(
    caller: Caller,
    name: string | undefined,
    action: string,
    outcome: () => Result<T>,
  ): Promise<Result<T>> => {
    const owner = await resolveCredentialOwner(context, caller, name, `iam:${action}`);
    return owner.ok ? outcome() : owner;
  };
  const profiles = 'instance profiles';
  const sshKeys = 'SSH public keys';
  const certificates = 'signing certificates';
  const serviceCredentials = 'service-specific credentials';
  const samlProviders = 'SAML providers';
  const serverCertificates = 'server certificates';
  const noProfile = (name: string) => fail('entity.not-found', `Instance Profile ${name} cannot be found.`);
  const noSaml = (arn: string) => fail('entity.not-found', `SAMLProvider ${arn} does not exist.`);
  const noServerCertificate = (name: string) =>
    fail('entity.not-found', `The Server Certificate with name ${name} cannot be found.`);

  return {
    // ---- instance profiles ----
    ListInstanceProfiles: operation(
      z.object({ PathPrefix: pathPrefix.optional(), ...paging }),
      async (caller) => authorizedThen(caller, 'ListInstanceProfiles', '*', ok(none('InstanceProfiles'))),
    ),
    ListInstanceProfilesForRole: operation(
      z.object({ RoleName: roleName, ...paging }),
      async (caller, input) => {
        const role = await loadAuthorized(
          context,
          caller,
          'role',
          input.RoleName,
          'iam:ListInstanceProfilesForRole',
        );
        return role.ok ? ok(none('InstanceProfiles')) : role;
      },
    ),
    GetInstanceProfile: operation(z.object({ InstanceProfileName: instanceProfileName }), (caller, input) =>
      authorizedThen(
        caller,
        'GetInstanceProfile',
        arnOf(caller, 'instance-profile', input.InstanceProfileName),
        noProfile(input.InstanceProfileName),
      ),
    ),
    ListInstanceProfileTags: operation(
      z.object({ InstanceProfileName: instanceProfileName, ...paging }),
      (caller, input) =>
        authorizedThen(
          caller,
          'ListInstanceProfileTags',
          arnOf(caller, 'instance-profile', input.InstanceProfileName),
          noProfile(input.InstanceProfileName),
        ),
    ),
    CreateInstanceProfile: operation(
      z.object({ InstanceProfileName: instanceProfileName, Path: path.optional(), Tags: tags.optional() }),
      (caller, input) =>
        authorizedThen(
          caller,
          'CreateInstanceProfile',
          arnOf(caller, 'instance-profile', input.InstanceProfileName, input.Path),
          unavailable(profiles),
          input.Tags ? { requestTags: input.Tags } : {},
        ),
    ),
    DeleteInstanceProfile: operation(
      z.object({ InstanceProfileName: instanceProfileName }),
      (caller, input) =>
        authorizedThen(
          caller,
          'DeleteInstanceProfile',
          arnOf(caller, 'instance-profile', input.InstanceProfileName),
          unavailable(profiles),
        ),
    ),
    AddRoleToInstanceProfile: operation(
      z.object({ InstanceProfileName: instanceProfileName, RoleName: roleName }),
      (caller, input) =>
        authorizedThen(
          caller,
          'AddRoleToInstanceProfile',
          arnOf(caller, 'instance-profile', input.InstanceProfileName),
          unavailable(profiles),
        ),
    ),
    RemoveRoleFromInstanceProfile: operation(
      z.object({ InstanceProfileName: instanceProfileName, RoleName: roleName }),
      (caller, input) =>
        authorizedThen(
          caller,
          'RemoveRoleFromInstanceProfile',
          arnOf(caller, 'instance-profile', input.InstanceProfileName),
          unavailable(profiles),
        ),
    ),
    TagInstanceProfile: operation(
      z.object({ InstanceProfileName: instanceProfileName, Tags: tags }),
      (caller, input) =>
        authorizedThen(
          caller,
          'TagInstanceProfile',
          arnOf(caller, 'instance-profile', input.InstanceProfileName),
          unavailable(profiles),
          { requestTags: input.Tags },
        ),
    ),
    UntagInstanceProfile: operation(
      z.object({ InstanceProfileName: instanceProfileName, TagKeys: tagKeys }),
      (caller, input) =>
        authorizedThen(
          caller,
          'UntagInstanceProfile',
          arnOf(caller, 'instance-profile', input.InstanceProfileName),
          unavailable(profiles),
          { removedTagKeys: input.TagKeys },
        ),
    ),

    // ---- SSH public keys ----
    ListSSHPublicKeys: operation(z.object({ UserName: userName.optional(), ...paging }), (caller, input) =>
      onOwner(caller, input.UserName, 'ListSSHPublicKeys', () => ok(none('SSHPublicKeys'))),
    ),
    GetSSHPublicKey: operation(
      z.object({ UserName: userName, SSHPublicKeyId: word(20), Encoding: z.enum(['SSH', 'PEM']) }),
      (caller, input) =>
        onUser(caller, input.UserName, 'GetSSHPublicKey', () =>
          fail('entity.not-found', `The Public Key with id ${input.SSHPublicKeyId} cannot be found.`),
        ),
    ),
    UploadSSHPublicKey: operation(z.object({ UserName: userName, SSHPublicKeyBody: body }), (caller, input) =>
      onUser(caller, input.UserName, 'UploadSSHPublicKey', () => unavailable(sshKeys)),
    ),
    UpdateSSHPublicKey: operation(
      z.object({ UserName: userName, SSHPublicKeyId: word(20), Status: status }),
      (caller, input) => onUser(caller, input.UserName, 'UpdateSSHPublicKey', () => unavailable(sshKeys)),
    ),
    DeleteSSHPublicKey: operation(
      z.object({ UserName: userName, SSHPublicKeyId: word(20) }),
      (caller, input) => onUser(caller, input.UserName, 'DeleteSSHPublicKey', () => unavailable(sshKeys)),
    ),

    // ---- signing certificates ----
    ListSigningCertificates: operation(
      z.object({ UserName: userName.optional(), ...paging }),
      (caller, input) =>
        onOwner(caller, input.UserName, 'ListSigningCertificates', () => ok(none('Certificates'))),
    ),
    UploadSigningCertificate: operation(
      z.object({ UserName: userName.optional(), CertificateBody: body }),
      (caller, input) =>
        onOwner(caller, input.UserName, 'UploadSigningCertificate', () => unavailable(certificates)),
    ),
    UpdateSigningCertificate: operation(
      z.object({ UserName: userName.optional(), CertificateId: word(24), Status: status }),
      (caller, input) =>
        onOwner(caller, input.UserName, 'UpdateSigningCertificate', () => unavailable(certificates)),
    ),
    DeleteSigningCertificate: operation(
      z.object({ UserName: userName.optional(), CertificateId: word(24) }),
      (caller, input) =>
        onOwner(caller, input.UserName, 'DeleteSigningCertificate', () => unavailable(certificates)),
    ),

    // ---- service-specific credentials ----
    ListServiceSpecificCredentials: operation(
      z.object({
        UserName: userName.optional(),
        ServiceName: serviceName.optional(),
        AllUsers: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
        ...paging,
      }),
      (caller, input) =>
        onOwner(caller, input.UserName, 'ListServiceSpecificCredentials', () =>
          ok(none('ServiceSpecificCredentials')),
        ),
    ),
    CreateServiceSpecificCredential: operation(
      z.object({ UserName: userName, ServiceName: serviceName, CredentialAgeDays: z.unknown().optional() }),
      (caller, input) =>
        onUser(caller, input.UserName, 'CreateServiceSpecificCredential', () =>
          unavailable(serviceCredentials),
        ),
    ),
    ResetServiceSpecificCredential: operation(
      z.object({ UserName: userName.optional(), ServiceSpecificCredentialId: word(20) }),
      (caller, input) =>
        onOwner(caller, input.UserName, 'ResetServiceSpecificCredential', () =>
          unavailable(serviceCredentials),
        ),
    ),
    UpdateServiceSpecificCredential: operation(
      z.object({ UserName: userName.optional(), ServiceSpecificCredentialId: word(20), Status: status }),
      (caller, input) =>
        onOwner(caller, input.UserName, 'UpdateServiceSpecificCredential', () =>
          unavailable(serviceCredentials),
        ),
    ),
    DeleteServiceSpecificCredential: operation(
      z.object({ UserName: userName.optional(), ServiceSpecificCredentialId: word(20) }),
      (caller, input) =>
        onOwner(caller, input.UserName, 'DeleteServiceSpecificCredential', () =>
          unavailable(serviceCredentials),
        ),
    ),

    // ---- SAML providers ----
    ListSAMLProviders: operation(z.object({}), (caller) =>
      authorizedThen(caller, 'ListSAMLProviders', '*', ok({ SAMLProviderList: [] as never[] })),
    ),
    GetSAMLProvider: operation(z.object({ SAMLProviderArn: arnInput }), (caller, input) =>
      authorizedThen(caller, 'GetSAMLProvider', input.SAMLProviderArn, noSaml(input.SAMLProviderArn)),
    ),
    ListSAMLProviderTags: operation(z.object({ SAMLProviderArn: arnInput, ...paging }), (caller, input) =>
      authorizedThen(caller, 'ListSAMLProviderTags', input.SAMLProviderArn, noSaml(input.SAMLProviderArn)),
    ),
    CreateSAMLProvider: operation(
      z.object({
        Name: iamName(128),
        SAMLMetadataDocument: z.string().min(1000).max(10_000_000),
        Tags: tags.optional(),
      }),
      (caller, input) =>
        authorizedThen(
          caller,
          'CreateSAMLProvider',
          samlArnOf(caller, input.Name),
          unavailable(samlProviders),
          input.Tags ? { requestTags: input.Tags } : {},
        ),
    ),
    UpdateSAMLProvider: operation(z.object({ SAMLProviderArn: arnInput }), (caller, input) =>
      authorizedThen(caller, 'UpdateSAMLProvider', input.SAMLProviderArn, unavailable(samlProviders)),
    ),
    DeleteSAMLProvider: operation(z.object({ SAMLProviderArn: arnInput }), (caller, input) =>
      authorizedThen(caller, 'DeleteSAMLProvider', input.SAMLProviderArn, unavailable(samlProviders)),
    ),
    TagSAMLProvider: operation(z.object({ SAMLProviderArn: arnInput, Tags: tags }), (caller, input) =>
      authorizedThen(caller, 'TagSAMLProvider', input.SAMLProviderArn, unavailable(samlProviders), {
        requestTags: input.Tags,
      }),
    ),
    UntagSAMLProvider: operation(z.object({ SAMLProviderArn: arnInput, TagKeys: tagKeys }), (caller, input) =>
      authorizedThen(caller, 'UntagSAMLProvider', input.SAMLProviderArn, unavailable(samlProviders), {
        removedTagKeys: input.TagKeys,
      }),
    ),

    // ---- server certificates ----
    ListServerCertificates: operation(
      z.object({ PathPrefix: pathPrefix.optional(), ...paging }),
      async (caller) =>
        authorizedThen(caller, 'ListServerCertificates', '*', ok(none('ServerCertificateMetadataList'))),
    ),
    GetServerCertificate: operation(
      z.object({ ServerCertificateName: serverCertificateName }),
      (caller, input) =>
        authorizedThen(
          caller,
          'GetServerCertificate',
          arnOf(caller, 'server-certificate', input.ServerCertificateName),
          noServerCertificate(input.ServerCertificateName),
        ),
    ),
    ListServerCertificateTags: operation(
      z.object({ ServerCertificateName: serverCertificateName, ...paging }),
      (caller, input) =>
        authorizedThen(
          caller,
          'ListServerCertificateTags',
          arnOf(caller, 'server-certificate', input.ServerCertificateName),
          noServerCertificate(input.ServerCertificateName),
        ),
    ),
    UploadServerCertificate: operation(
      z.object({
        ServerCertificateName: serverCertificateName,
        Path: path.optional(),
        CertificateBody: body,
        PrivateKey: body,
        CertificateChain: z.string().max(2_097_152).optional(),
        Tags: tags.optional(),
      }),
      (caller, input) =>
        authorizedThen(
          caller,
          'UploadServerCertificate',
          arnOf(caller, 'server-certificate', input.ServerCertificateName, input.Path),
          unavailable(serverCertificates),
          input.Tags ? { requestTags: input.Tags } : {},
        ),
    ),
    UpdateServerCertificate: operation(
      z.object({
        ServerCertificateName: serverCertificateName,
        NewPath: path.optional(),
        NewServerCertificateName: serverCertificateName.optional(),
      }),
      (caller, input) =>
        authorizedThen(
          caller,
          'UpdateServerCertificate',
          arnOf(caller, 'server-certificate', input.ServerCertificateName),
          unavailable(serverCertificates),
        ),
    ),
    DeleteServerCertificate: operation(
      z.object({ ServerCertificateName: serverCertificateName }),
      (caller, input) =>
        authorizedThen(
          caller,
          'DeleteServerCertificate',
          arnOf(caller, 'server-certificate', input.ServerCertificateName),
          unavailable(serverCertificates),
        ),
    ),
    TagServerCertificate: operation(
      z.object({ ServerCertificateName: serverCertificateName, Tags: tags }),
      (caller, input) =>
        authorizedThen(
          caller,
          'TagServerCertificate',
          arnOf(caller, 'server-certificate', input.ServerCertificateName),
          unavailable(serverCertificates),
          { requestTags: input.Tags },
        ),
    ),
    UntagServerCertificate: operation(
      z.object({ ServerCertificateName: serverCertificateName, TagKeys: tagKeys }),
      (caller, input) =>
        authorizedThen(
          caller,
          'UntagServerCertificate',
          arnOf(caller, 'server-certificate', input.ServerCertificateName),
          unavailable(serverCertificates),
          { removedTagKeys: input.TagKeys },
        ),
    ),
  } satisfies OperationTable;
}
