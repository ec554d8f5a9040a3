/**
 * What each aws_iam_* resource and data source of the hashicorp/aws provider (5.100.0) calls, read
 * from the provider's debug log (`TF_LOG=debug`) while test/terraform-e2e.test.ts applied, changed
 * and destroyed them, plus the calls its code makes on paths that run rarely (force_destroy, an
 * emptied tag map). A resource is supported when Palisade serves every one of its calls, so the
 * README's list follows the operation tables; resources that need entities Palisade does not have
 * say so instead.
 */

/** One Terraform resource or data source and the IAM/STS actions the provider calls for it. */
export interface TerraformType {
  readonly kind: 'resource' | 'data';
  readonly name: string;
  readonly calls: readonly string[];
  /** Why Palisade cannot support it, when the entity it manages does not exist in Palisade. */
  readonly absent?: string;
}

const resource = (name: string, calls: readonly string[]): TerraformType => ({
  kind: 'resource',
  name,
  calls,
});
const data = (name: string, calls: readonly string[]): TerraformType => ({ kind: 'data', name, calls });
const absent = (name: string, reason: string): TerraformType => ({
  kind: 'resource',
  name,
  calls: [],
  absent: reason,
});

/** Every aws_iam_* resource and data source of the provider (and the account ones IAM answers). */
export const TERRAFORM_TYPES: readonly TerraformType[] = [
  resource('aws_iam_access_key', ['CreateAccessKey', 'ListAccessKeys', 'UpdateAccessKey', 'DeleteAccessKey']),
  resource('aws_iam_account_alias', ['CreateAccountAlias', 'ListAccountAliases', 'DeleteAccountAlias']),
  resource('aws_iam_account_password_policy', [
    'UpdateAccountPasswordPolicy',
    'GetAccountPasswordPolicy',
    'DeleteAccountPasswordPolicy',
  ]),
  resource('aws_iam_group', ['CreateGroup', 'GetGroup', 'UpdateGroup', 'DeleteGroup']),
  resource('aws_iam_group_membership', ['GetGroup', 'AddUserToGroup', 'RemoveUserFromGroup']),
  resource('aws_iam_group_policies_exclusive', ['ListGroupPolicies', 'DeleteGroupPolicy']),
  resource('aws_iam_group_policy', ['PutGroupPolicy', 'GetGroupPolicy', 'DeleteGroupPolicy']),
  resource('aws_iam_group_policy_attachment', [
    'AttachGroupPolicy',
    'ListAttachedGroupPolicies',
    'DetachGroupPolicy',
  ]),
  resource('aws_iam_group_policy_attachments_exclusive', ['ListAttachedGroupPolicies', 'DetachGroupPolicy']),
  absent('aws_iam_instance_profile', 'Palisade has no EC2 instance profiles'),
  resource('aws_iam_openid_connect_provider', [
    'CreateOpenIDConnectProvider',
    'GetOpenIDConnectProvider',
    'AddClientIDToOpenIDConnectProvider',
    'RemoveClientIDFromOpenIDConnectProvider',
    'UpdateOpenIDConnectProviderThumbprint',
    'TagOpenIDConnectProvider',
    'UntagOpenIDConnectProvider',
    'DeleteOpenIDConnectProvider',
  ]),
  absent('aws_iam_organizations_features', 'Palisade has no AWS Organizations'),
  resource('aws_iam_policy', [
    'CreatePolicy',
    'GetPolicy',
    'GetPolicyVersion',
    'ListPolicyVersions',
    'CreatePolicyVersion',
    'DeletePolicyVersion',
    'TagPolicy',
    'UntagPolicy',
    'DeletePolicy',
  ]),
  resource('aws_iam_policy_attachment', [
    'ListEntitiesForPolicy',
    'AttachUserPolicy',
    'AttachGroupPolicy',
    'AttachRolePolicy',
    'DetachUserPolicy',
    'DetachGroupPolicy',
    'DetachRolePolicy',
  ]),
  resource('aws_iam_role', [
    'CreateRole',
    'GetRole',
    'ListRolePolicies',
    'GetRolePolicy',
    'ListAttachedRolePolicies',
    'UpdateAssumeRolePolicy',
    'UpdateRoleDescription',
    'UpdateRole',
    'PutRolePermissionsBoundary',
    'DeleteRolePermissionsBoundary',
    'TagRole',
    'UntagRole',
    // Deleting: instance profiles first, and with force_detach_policies every policy.
    'ListInstanceProfilesForRole',
    'DeleteRolePolicy',
    'DetachRolePolicy',
    'DeleteRole',
  ]),
  resource('aws_iam_role_policies_exclusive', ['ListRolePolicies', 'DeleteRolePolicy']),
  resource('aws_iam_role_policy', ['PutRolePolicy', 'GetRolePolicy', 'DeleteRolePolicy']),
  resource('aws_iam_role_policy_attachment', [
    'AttachRolePolicy',
    'ListAttachedRolePolicies',
    'DetachRolePolicy',
  ]),
  resource('aws_iam_role_policy_attachments_exclusive', ['ListAttachedRolePolicies', 'DetachRolePolicy']),
  absent('aws_iam_saml_provider', 'Palisade has no SAML identity providers'),
  absent('aws_iam_security_token_service_preferences', 'Palisade has one STS endpoint and no token versions'),
  absent('aws_iam_server_certificate', 'Palisade has no server certificates'),
  absent('aws_iam_service_linked_role', 'Palisade has no AWS services to link roles to'),
  absent('aws_iam_service_specific_credential', 'Palisade has no service-specific credentials'),
  absent('aws_iam_signing_certificate', 'Palisade has no signing certificates'),
  resource('aws_iam_user', [
    'CreateUser',
    'GetUser',
    'UpdateUser',
    'PutUserPermissionsBoundary',
    'DeleteUserPermissionsBoundary',
    'TagUser',
    'UntagUser',
    // Deleting: group memberships, and with force_destroy everything attached to the user.
    'ListAccessKeys',
    'DeleteAccessKey',
    'ListSSHPublicKeys',
    'ListSigningCertificates',
    'ListServiceSpecificCredentials',
    'ListVirtualMFADevices',
    'DeleteVirtualMFADevice',
    'ListMFADevices',
    'DeactivateMFADevice',
    'DeleteLoginProfile',
    'ListUserPolicies',
    'DeleteUserPolicy',
    'ListAttachedUserPolicies',
    'DetachUserPolicy',
    'ListGroupsForUser',
    'RemoveUserFromGroup',
    'DeleteUser',
  ]),
  resource('aws_iam_user_group_membership', ['ListGroupsForUser', 'AddUserToGroup', 'RemoveUserFromGroup']),
  resource('aws_iam_user_login_profile', ['CreateLoginProfile', 'GetLoginProfile', 'DeleteLoginProfile']),
  resource('aws_iam_user_policies_exclusive', ['ListUserPolicies', 'DeleteUserPolicy']),
  resource('aws_iam_user_policy', ['PutUserPolicy', 'GetUserPolicy', 'DeleteUserPolicy']),
  resource('aws_iam_user_policy_attachment', [
    'AttachUserPolicy',
    'ListAttachedUserPolicies',
    'DetachUserPolicy',
  ]),
  resource('aws_iam_user_policy_attachments_exclusive', ['ListAttachedUserPolicies', 'DetachUserPolicy']),
  absent('aws_iam_user_ssh_key', 'Palisade has no SSH public keys'),
  resource('aws_iam_virtual_mfa_device', [
    'CreateVirtualMFADevice',
    'ListVirtualMFADevices',
    'ListMFADeviceTags',
    'TagMFADevice',
    'UntagMFADevice',
    'DeleteVirtualMFADevice',
  ]),
  data('aws_caller_identity', ['GetCallerIdentity']),
  data('aws_iam_access_keys', ['ListAccessKeys']),
  data('aws_iam_account_alias', ['ListAccountAliases']),
  data('aws_iam_group', ['GetGroup']),
  data('aws_iam_openid_connect_provider', ['GetOpenIDConnectProvider', 'ListOpenIDConnectProviders']),
  data('aws_iam_policy', ['GetPolicy', 'GetPolicyVersion', 'ListPolicies']),
  data('aws_iam_policy_document', []),
  data('aws_iam_principal_policy_simulation', ['SimulatePrincipalPolicy']),
  data('aws_iam_role', ['GetRole']),
  data('aws_iam_roles', ['ListRoles']),
  data('aws_iam_session_context', ['GetRole']),
  data('aws_iam_user', ['GetUser']),
  data('aws_iam_users', ['ListUsers']),
  data('aws_partition', []),
];
