/**
 * The resource-oriented routes over the caller's account, each served by exactly one IAM operation.
 * Users, groups and roles share their policy, tag and boundary sub-resources, built per kind the way
 * the operations themselves are (`Attach${Label}Policy`, …).
 */

import { fail, ok } from '@palisade/failures';
import { complianceRoutes } from './compliance-routes.ts';
import { introspectionRoutes } from './introspection-routes.ts';
import type { SchemaName } from './response-schemas.ts';
import type {
  BodyField,
  IdentityRoute,
  OutputOf,
  PathParams,
  QueryField,
  Representation,
  ResponseShape,
} from './route-model.ts';

const paging: Readonly<Record<string, QueryField>> = {
  limit: { member: 'MaxItems', description: 'Largest number of items to return (1–1000).' },
  cursor: { member: 'Marker', description: 'The `nextCursor` of the previous page.' },
};
const pathPrefix: QueryField = {
  member: 'PathPrefix',
  description: 'Only items whose path starts with this.',
};

/**
 * Renders a member of the output as the whole response (`{ User: {…} }` → the user); a route can
 * only name a member its operation answers.
 */
function entity<M extends string>(member: M, schema: SchemaName) {
  return {
    render: (output: Readonly<Record<M, unknown>>) => output[member],
    response: { schema } satisfies ResponseShape,
  };
}

/** Renders a list member as `{ items, nextCursor? }`. */
function listOf<M extends string>(member: M, schema: SchemaName | 'string', paged = false) {
  return {
    render: (output: Readonly<Record<M, unknown>> & { readonly Marker?: string }) => ({
      items: output[member] ?? [],
      ...(paged && output.Marker !== undefined ? { nextCursor: output.Marker } : {}),
    }),
    response: { schema, list: true, paged } satisfies ResponseShape,
  };
}

function required(member: string, description?: string): BodyField {
  return { member, required: true, ...(description ? { description } : {}) };
}

function optional(member: string, description?: string): BodyField {
  return { member, ...(description ? { description } : {}) };
}

const documentField = required('PolicyDocument', 'A policy document, as a JSON object or as JSON text.');
const tagsField = optional('Tags', 'Tags as `[{"key": "…", "value": "…"}]`.');

/** A path segment, encoded (policy ARNs contain `/` and `:`). */
const segment = (value: string) => encodeURIComponent(value);

/** A principal kind with the names its operations and routes use. */
interface PrincipalKind<L extends 'User' | 'Group' | 'Role' = 'User' | 'Group' | 'Role'> {
  readonly label: L;
  readonly collection: string;
  readonly param: string;
  readonly tag: string;
  readonly representation: Representation;
}

const user: PrincipalKind<'User'> = {
  label: 'User',
  collection: '/v1/users',
  param: 'userName',
  tag: 'Users',
  representation: {
    operation: 'GetUser',
    input: (params) => ({ UserName: params.userName }),
    render: (output) => output.User,
  },
};
const group: PrincipalKind = {
  label: 'Group',
  collection: '/v1/groups',
  param: 'groupName',
  tag: 'Groups',
  representation: {
    operation: 'GetGroup',
    input: (params) => ({ GroupName: params.groupName }),
    render: (output) => output.Group,
  },
};
const role: PrincipalKind<'Role'> = {
  label: 'Role',
  collection: '/v1/roles',
  param: 'roleName',
  tag: 'Roles',
  representation: {
    operation: 'GetRole',
    input: (params) => ({ RoleName: params.roleName }),
    render: (output) => output.Role,
  },
};
const policy: Representation = {
  operation: 'GetPolicy',
  input: (params) => ({ PolicyArn: params.policyArn }),
  render: (output) => output.Policy,
};

/** Inline and attached policies of a user, group or role. */
function principalPolicyRoutes(kind: PrincipalKind): IdentityRoute[] {
  const { label, tag } = kind;
  const base = `${kind.collection}/{${kind.param}}`;
  const noun = label.toLowerCase();
  return [
    {
      method: 'get',
      path: `${base}/inline-policies`,
      operation: `List${label}Policies`,
      summary: `List the names of a ${noun}'s inline policies`,
      tag,
      query: { ...paging },
      status: 200,
      ...listOf('PolicyNames', 'string', true),
    },
    {
      method: 'get',
      path: `${base}/inline-policies/{policyName}`,
      operation: `Get${label}Policy`,
      summary: `Read a ${noun}'s inline policy`,
      tag,
      status: 200,
      render: (output: object) => output,
      response: { schema: 'InlinePolicy' },
    },
    {
      method: 'put',
      path: `${base}/inline-policies/{policyName}`,
      operation: `Put${label}Policy`,
      summary: `Create or replace a ${noun}'s inline policy`,
      tag,
      body: { document: documentField },
      status: 204,
    },
    {
      method: 'delete',
      path: `${base}/inline-policies/{policyName}`,
      operation: `Delete${label}Policy`,
      summary: `Delete a ${noun}'s inline policy`,
      tag,
      status: 204,
    },
    {
      method: 'get',
      path: `${base}/attached-policies`,
      operation: `ListAttached${label}Policies`,
      summary: `List the managed policies attached to a ${noun}`,
      tag,
      query: { pathPrefix, ...paging },
      status: 200,
      ...listOf('AttachedPolicies', 'AttachedPolicy', true),
    },
    {
      method: 'post',
      path: `${base}/attached-policies`,
      operation: `Attach${label}Policy`,
      summary: `Attach a managed policy to a ${noun}`,
      description: 'Attaching a policy that is already attached changes nothing.',
      tag,
      body: { policyArn: required('PolicyArn') },
      status: 204,
    },
    {
      method: 'delete',
      path: `${base}/attached-policies/{policyArn}`,
      operation: `Detach${label}Policy`,
      summary: `Detach a managed policy from a ${noun}`,
      description: 'The policy ARN is URL-encoded in the path.',
      tag,
      status: 204,
    },
  ];
}

/** Tags and permissions boundary of a user or role; changes honour If-Match on the principal. */
function tagAndBoundaryRoutes(kind: PrincipalKind<'User' | 'Role'>): IdentityRoute[] {
  const { label, tag, representation } = kind;
  const base = `${kind.collection}/{${kind.param}}`;
  const noun = label.toLowerCase();
  const tagBody = { tags: required('Tags', 'Tags as `[{"key": "…", "value": "…"}]`.') };
  return [
    {
      method: 'get',
      path: `${base}/tags`,
      operation: `List${label}Tags`,
      summary: `List a ${noun}'s tags`,
      tag,
      query: { ...paging },
      status: 200,
      ...listOf('Tags', 'Tag', true),
    },
    {
      method: 'put',
      path: `${base}/tags`,
      operation: `Tag${label}`,
      summary: `Add or overwrite tags on a ${noun}`,
      tag,
      body: tagBody,
      status: 204,
      representation,
    },
    {
      method: 'post',
      path: `${base}/tags`,
      operation: `Tag${label}`,
      summary: `Add or overwrite tags on a ${noun} (same as PUT)`,
      tag,
      body: tagBody,
      status: 204,
      representation,
    },
    {
      method: 'delete',
      path: `${base}/tags`,
      operation: `Untag${label}`,
      summary: `Remove tags from a ${noun}`,
      tag,
      query: { keys: { member: 'TagKeys', repeated: true, description: 'A tag key; repeat for several.' } },
      status: 204,
      representation,
    },
    {
      method: 'put',
      path: `${base}/permissions-boundary`,
      operation: `Put${label}PermissionsBoundary`,
      summary: `Set a ${noun}'s permissions boundary`,
      tag,
      body: { policyArn: required('PermissionsBoundary', 'The ARN of the managed policy to use.') },
      status: 204,
      representation,
    },
    {
      method: 'delete',
      path: `${base}/permissions-boundary`,
      operation: `Delete${label}PermissionsBoundary`,
      summary: `Remove a ${noun}'s permissions boundary`,
      tag,
      status: 204,
      representation,
    },
  ];
}

/** Access keys of a named user (`base` = `/v1/users/{userName}`) or of the caller itself. */
function accessKeyRoutes(base: string, forUser: boolean): IdentityRoute[] {
  const whose = forUser ? "a user's" : "the caller's own";
  const tag = 'Access keys';
  const location = (params: PathParams, { AccessKey: key }: OutputOf<'CreateAccessKey'>) =>
    forUser
      ? `/v1/users/${segment(params.userName ?? '')}/access-keys/${key.AccessKeyId}`
      : `/v1/access-keys/${key.AccessKeyId}`;
  return [
    {
      method: 'get',
      path: `${base}/access-keys`,
      operation: 'ListAccessKeys',
      summary: `List ${whose} access keys`,
      tag,
      query: { ...paging },
      status: 200,
      ...listOf('AccessKeyMetadata', 'AccessKeyMetadata', true),
    },
    {
      method: 'post',
      path: `${base}/access-keys`,
      operation: 'CreateAccessKey',
      summary: forUser ? 'Create an access key for a user' : 'Create an access key for the caller itself',
      description: 'The secret access key is in this response only; it cannot be read again.',
      tag,
      status: 201,
      ...entity('AccessKey', 'AccessKey'),
      location,
    },
    {
      method: 'patch',
      path: `${base}/access-keys/{accessKeyId}`,
      operation: 'UpdateAccessKey',
      summary: `Activate or deactivate one of ${whose} access keys`,
      tag,
      body: { status: required('Status', '`Active` or `Inactive`.') },
      status: 204,
    },
    {
      method: 'delete',
      path: `${base}/access-keys/{accessKeyId}`,
      operation: 'DeleteAccessKey',
      summary: `Delete one of ${whose} access keys`,
      tag,
      status: 204,
    },
    {
      method: 'get',
      path: `${base}/access-keys/{accessKeyId}/last-used`,
      operation: 'GetAccessKeyLastUsed',
      summary: `When and where one of ${whose} access keys was last used`,
      tag,
      status: 200,
      render: (output, params) => {
        const owner = output.UserName;
        // INVARIANT: under /users/{userName}, another principal's key is as absent as a missing one.
        if (forUser && owner.toLowerCase() !== (params.userName ?? '').toLowerCase()) {
          return fail('entity.not-found', `The Access Key with id ${params.accessKeyId} cannot be found.`);
        }
        return { UserName: owner, ...output.AccessKeyLastUsed };
      },
      response: { schema: 'AccessKeyLastUsed' },
    },
  ];
}

function userRoutes(): IdentityRoute[] {
  const tag = 'Users';
  return [
    {
      method: 'get',
      path: '/v1/users',
      operation: 'ListUsers',
      summary: 'List users',
      tag,
      query: { pathPrefix, ...paging },
      status: 200,
      ...listOf('Users', 'User', true),
    },
    {
      method: 'post',
      path: '/v1/users',
      operation: 'CreateUser',
      summary: 'Create a user',
      tag,
      body: {
        userName: required('UserName'),
        path: optional('Path'),
        permissionsBoundary: optional('PermissionsBoundary', 'The ARN of a managed policy.'),
        tags: tagsField,
      },
      status: 201,
      ...entity('User', 'User'),
      location: (_params, output) => `/v1/users/${segment(output.User.UserName)}`,
    },
    {
      method: 'get',
      path: '/v1/users/{userName}',
      operation: 'GetUser',
      summary: 'Read a user',
      tag,
      status: 200,
      ...entity('User', 'User'),
      representation: user.representation,
    },
    {
      method: 'patch',
      path: '/v1/users/{userName}',
      operation: 'UpdateUser',
      summary: "Change a user's path or name",
      tag,
      body: { path: optional('NewPath'), newUserName: optional('NewUserName') },
      status: 204,
      representation: user.representation,
    },
    {
      method: 'delete',
      path: '/v1/users/{userName}',
      operation: 'DeleteUser',
      summary: 'Delete a user',
      description: 'Refused with 409 while the user still has access keys, policies or group memberships.',
      tag,
      status: 204,
      representation: user.representation,
    },
    ...tagAndBoundaryRoutes(user),
    ...principalPolicyRoutes(user),
    {
      method: 'get',
      path: '/v1/users/{userName}/groups',
      operation: 'ListGroupsForUser',
      summary: 'List the groups a user belongs to',
      tag,
      query: { ...paging },
      status: 200,
      ...listOf('Groups', 'Group', true),
    },
    ...accessKeyRoutes('/v1/users/{userName}', true),
  ];
}

function groupRoutes(): IdentityRoute[] {
  const tag = 'Groups';
  return [
    {
      method: 'get',
      path: '/v1/groups',
      operation: 'ListGroups',
      summary: 'List groups',
      tag,
      query: { pathPrefix, ...paging },
      status: 200,
      ...listOf('Groups', 'Group', true),
    },
    {
      method: 'post',
      path: '/v1/groups',
      operation: 'CreateGroup',
      summary: 'Create a group',
      tag,
      body: { groupName: required('GroupName'), path: optional('Path') },
      status: 201,
      ...entity('Group', 'Group'),
      location: (_params, output) => `/v1/groups/${segment(output.Group.GroupName)}`,
    },
    {
      method: 'get',
      path: '/v1/groups/{groupName}',
      operation: 'GetGroup',
      summary: 'Read a group',
      tag,
      status: 200,
      ...entity('Group', 'Group'),
      representation: group.representation,
    },
    {
      method: 'patch',
      path: '/v1/groups/{groupName}',
      operation: 'UpdateGroup',
      summary: "Change a group's path or name",
      tag,
      body: { path: optional('NewPath'), newGroupName: optional('NewGroupName') },
      status: 204,
      representation: group.representation,
    },
    {
      method: 'delete',
      path: '/v1/groups/{groupName}',
      operation: 'DeleteGroup',
      summary: 'Delete a group',
      tag,
      status: 204,
      representation: group.representation,
    },
    {
      method: 'get',
      path: '/v1/groups/{groupName}/members',
      operation: 'GetGroup',
      summary: "List a group's members",
      tag,
      query: { ...paging },
      status: 200,
      ...listOf('Users', 'User', true),
    },
    {
      method: 'post',
      path: '/v1/groups/{groupName}/members',
      operation: 'AddUserToGroup',
      summary: 'Add a user to a group',
      tag,
      body: { userName: required('UserName') },
      status: 204,
    },
    {
      method: 'delete',
      path: '/v1/groups/{groupName}/members/{userName}',
      operation: 'RemoveUserFromGroup',
      summary: 'Remove a user from a group',
      tag,
      status: 204,
    },
    ...principalPolicyRoutes(group),
  ];
}

function roleRoutes(): IdentityRoute[] {
  const tag = 'Roles';
  return [
    {
      method: 'get',
      path: '/v1/roles',
      operation: 'ListRoles',
      summary: 'List roles',
      tag,
      query: { pathPrefix, ...paging },
      status: 200,
      ...listOf('Roles', 'Role', true),
    },
    {
      method: 'post',
      path: '/v1/roles',
      operation: 'CreateRole',
      summary: 'Create a role',
      tag,
      body: {
        roleName: required('RoleName'),
        path: optional('Path'),
        assumeRolePolicyDocument: required(
          'AssumeRolePolicyDocument',
          'The trust policy, as a JSON object or as JSON text.',
        ),
        description: optional('Description'),
        maxSessionDuration: optional('MaxSessionDuration', 'Seconds, 3600–43200.'),
        permissionsBoundary: optional('PermissionsBoundary', 'The ARN of a managed policy.'),
        tags: tagsField,
      },
      status: 201,
      ...entity('Role', 'Role'),
      location: (_params, output) => `/v1/roles/${segment(output.Role.RoleName)}`,
    },
    {
      method: 'get',
      path: '/v1/roles/{roleName}',
      operation: 'GetRole',
      summary: 'Read a role',
      tag,
      status: 200,
      ...entity('Role', 'Role'),
      representation: role.representation,
    },
    {
      method: 'patch',
      path: '/v1/roles/{roleName}',
      operation: 'UpdateRole',
      summary: "Change a role's description or maximum session duration",
      tag,
      body: {
        description: optional('Description'),
        maxSessionDuration: optional('MaxSessionDuration', 'Seconds, 3600–43200.'),
      },
      status: 204,
      representation: role.representation,
    },
    {
      method: 'delete',
      path: '/v1/roles/{roleName}',
      operation: 'DeleteRole',
      summary: 'Delete a role',
      tag,
      status: 204,
      representation: role.representation,
    },
    {
      method: 'put',
      path: '/v1/roles/{roleName}/trust-policy',
      operation: 'UpdateAssumeRolePolicy',
      summary: "Replace a role's trust policy",
      tag,
      body: { document: documentField },
      status: 204,
      representation: role.representation,
    },
    ...tagAndBoundaryRoutes(role),
    ...principalPolicyRoutes(role),
  ];
}

function policyRoutes(): IdentityRoute[] {
  const tag = 'Managed policies';
  const base = '/v1/policies/{policyArn}';
  return [
    {
      method: 'get',
      path: '/v1/policies',
      operation: 'ListPolicies',
      summary: 'List managed policies',
      description:
        'Operator-managed policies (scope `AWS`, ARNs `arn:aws:iam::aws:policy/…`) come first, paged with the rest.',
      tag,
      query: {
        scope: { member: 'Scope', description: '`All` (default), `AWS` (operator-managed) or `Local`.' },
        onlyAttached: { member: 'OnlyAttached', description: '`true` for attached policies only.' },
        policyUsageFilter: { member: 'PolicyUsageFilter' },
        pathPrefix,
        ...paging,
      },
      status: 200,
      ...listOf('Policies', 'Policy', true),
    },
    {
      method: 'post',
      path: '/v1/policies',
      operation: 'CreatePolicy',
      summary: 'Create a customer-managed policy',
      tag,
      body: {
        policyName: required('PolicyName'),
        path: optional('Path'),
        document: documentField,
        description: optional('Description'),
        tags: tagsField,
      },
      status: 201,
      ...entity('Policy', 'Policy'),
      location: (_params, output) => `/v1/policies/${segment(output.Policy.Arn)}`,
    },
    {
      method: 'get',
      path: base,
      operation: 'GetPolicy',
      summary: 'Read a managed policy',
      description: 'The policy ARN is URL-encoded in the path.',
      tag,
      status: 200,
      ...entity('Policy', 'Policy'),
      representation: policy,
    },
    {
      method: 'delete',
      path: base,
      operation: 'DeletePolicy',
      summary: 'Delete a customer-managed policy',
      description: 'Refused with 409 while the policy is attached anywhere.',
      tag,
      status: 204,
      representation: policy,
    },
    {
      method: 'get',
      path: `${base}/versions`,
      operation: 'ListPolicyVersions',
      summary: "List a managed policy's versions, newest first",
      tag,
      query: { ...paging },
      status: 200,
      ...listOf('Versions', 'PolicyVersion', true),
    },
    {
      method: 'post',
      path: `${base}/versions`,
      operation: 'CreatePolicyVersion',
      summary: 'Create a new version of a customer-managed policy',
      tag,
      body: {
        document: documentField,
        setAsDefault: optional('SetAsDefault', 'Make the new version the default one.'),
      },
      status: 201,
      ...entity('PolicyVersion', 'PolicyVersion'),
      location: (params, output) =>
        `/v1/policies/${segment(params.policyArn ?? '')}/versions/${output.PolicyVersion.VersionId}`,
      representation: policy,
    },
    {
      method: 'get',
      path: `${base}/versions/{versionId}`,
      operation: 'GetPolicyVersion',
      summary: 'Read one version of a managed policy, with its document',
      tag,
      status: 200,
      ...entity('PolicyVersion', 'PolicyVersion'),
    },
    {
      method: 'delete',
      path: `${base}/versions/{versionId}`,
      operation: 'DeletePolicyVersion',
      summary: 'Delete a version that is not the default',
      tag,
      status: 204,
      representation: policy,
    },
    {
      method: 'put',
      path: `${base}/default-version`,
      operation: 'SetDefaultPolicyVersion',
      summary: 'Choose the default version',
      tag,
      body: { versionId: required('VersionId') },
      status: 204,
      representation: policy,
    },
  ];
}

const passwordPolicyFields = [
  'MinimumPasswordLength',
  'RequireSymbols',
  'RequireNumbers',
  'RequireUppercaseCharacters',
  'RequireLowercaseCharacters',
  'AllowUsersToChangePassword',
  'MaxPasswordAge',
  'PasswordReusePrevention',
  'HardExpiry',
] as const;

function accountRoutes(): IdentityRoute[] {
  const tag = 'Account settings';
  return [
    {
      method: 'get',
      path: '/v1/account/alias',
      operation: 'ListAccountAliases',
      summary: "Read the account's alias",
      tag,
      status: 200,
      render: (output) => {
        const alias = output.AccountAliases[0];
        return alias === undefined ? fail('entity.not-found', 'The account has no alias.') : { Alias: alias };
      },
      response: { schema: 'AccountAlias' },
    },
    {
      method: 'put',
      path: '/v1/account/alias',
      operation: 'CreateAccountAlias',
      summary: "Set or change the account's alias",
      tag,
      body: { alias: required('AccountAlias') },
      status: 204,
    },
    {
      method: 'delete',
      path: '/v1/account/alias',
      operation: 'DeleteAccountAlias',
      summary: "Remove the account's alias",
      tag,
      status: 204,
      // DeleteAccountAlias names the alias it removes; REST deletes whatever is set.
      prepare: async ({ caller, operations }) => {
        const current = await operations.ListAccountAliases(caller, {});
        if (!current.ok) return current;
        const alias = current.value.AccountAliases[0];
        return alias === undefined
          ? fail('entity.not-found', 'The account has no alias.')
          : ok({ AccountAlias: alias });
      },
    },
    {
      method: 'get',
      path: '/v1/account/summary',
      operation: 'GetAccountSummary',
      summary: "Counts of the account's entities and its quotas",
      tag,
      status: 200,
      render: (output) => output.SummaryMap,
      response: { schema: 'AccountSummary' },
    },
    {
      method: 'get',
      path: '/v1/account/password-policy',
      operation: 'GetAccountPasswordPolicy',
      summary: "Read the account's password policy",
      tag,
      status: 200,
      ...entity('PasswordPolicy', 'PasswordPolicy'),
    },
    {
      method: 'put',
      path: '/v1/account/password-policy',
      operation: 'UpdateAccountPasswordPolicy',
      summary: "Replace the account's password policy",
      description: 'Fields left out take IAM’s defaults.',
      tag,
      body: Object.fromEntries(
        passwordPolicyFields.map((member) => [
          member.charAt(0).toLowerCase() + member.slice(1),
          optional(member),
        ]),
      ),
      status: 204,
    },
    {
      method: 'delete',
      path: '/v1/account/password-policy',
      operation: 'DeleteAccountPasswordPolicy',
      summary: "Delete the account's password policy",
      tag,
      status: 204,
    },
    {
      method: 'get',
      path: '/v1/account/authorization-details',
      operation: 'GetAccountAuthorizationDetails',
      summary: 'Export every user, group, role and managed policy of the account',
      tag,
      query: {
        filter: {
          member: 'Filter',
          repeated: true,
          description:
            '`User`, `Role`, `Group`, `LocalManagedPolicy` or `AWSManagedPolicy`; repeat for several.',
        },
        ...paging,
      },
      status: 200,
      // Users, groups, roles, then policies: `limit` counts them all, `nextCursor` continues.
      render: ({ IsTruncated: _truncated, Marker, ...details }) => ({
        ...details,
        ...(Marker ? { nextCursor: Marker } : {}),
      }),
      response: { schema: 'AuthorizationDetails' },
    },
  ];
}

/** Every identity route, in the order the OpenAPI document lists them. */
export function identityRoutes(): IdentityRoute[] {
  return [
    ...userRoutes(),
    ...groupRoutes(),
    ...roleRoutes(),
    ...policyRoutes(),
    ...accessKeyRoutes('/v1', false),
    ...accountRoutes(),
    ...complianceRoutes(),
    ...policyTagAndEntityRoutes(),
    ...introspectionRoutes(),
  ];
}

// ---- tf-operations (issue #15): tags of managed policies, OIDC providers and MFA devices ----

/** List/Tag/Untag routes of an entity that one path parameter names (`base`), without If-Match unless `representation`. */
function resourceTagRoutes(spec: {
  readonly label: 'Policy' | 'OpenIDConnectProvider' | 'MFADevice';
  readonly base: string;
  readonly tag: string;
  readonly noun: string;
  readonly representation?: Representation;
}): IdentityRoute[] {
  const { label, base, tag, noun } = spec;
  const representation = spec.representation ? { representation: spec.representation } : {};
  return [
    {
      method: 'get',
      path: `${base}/tags`,
      operation: `List${label}Tags`,
      summary: `List ${noun}'s tags`,
      tag,
      query: paging,
      status: 200,
      ...listOf('Tags', 'Tag', true),
    },
    {
      method: 'put',
      path: `${base}/tags`,
      operation: `Tag${label}`,
      summary: `Add or overwrite tags on ${noun}`,
      tag,
      body: { tags: required('Tags', 'Tags as `[{"key": "…", "value": "…"}]`.') },
      status: 204,
      ...representation,
    },
    {
      method: 'delete',
      path: `${base}/tags`,
      operation: `Untag${label}`,
      summary: `Remove tags from ${noun}`,
      tag,
      query: { keys: { member: 'TagKeys', repeated: true, description: 'A tag key; repeat for several.' } },
      status: 204,
      ...representation,
    },
  ];
}

function policyTagAndEntityRoutes(): IdentityRoute[] {
  const tag = 'Managed policies';
  const base = '/v1/policies/{policyArn}';
  return [
    ...resourceTagRoutes({
      label: 'Policy',
      base,
      tag,
      noun: 'a customer-managed policy',
      representation: policy,
    }),
    ...resourceTagRoutes({
      label: 'OpenIDConnectProvider',
      base: '/v1/oidc-providers/{openIDConnectProviderArn}',
      tag: 'OIDC identity providers',
      noun: 'an OIDC identity provider (its ARN URL-encoded)',
    }),
    ...resourceTagRoutes({
      label: 'MFADevice',
      base: '/v1/mfa-devices/{serialNumber}',
      tag: 'MFA devices',
      noun: 'a virtual MFA device (its serial number, an ARN, URL-encoded)',
    }),
    {
      method: 'get',
      path: `${base}/entities`,
      operation: 'ListEntitiesForPolicy',
      summary: 'List the groups, users and roles that use a managed policy',
      description: 'Attached to them, or as their permissions boundary (`policyUsageFilter` narrows it).',
      tag,
      query: {
        entityFilter: {
          member: 'EntityFilter',
          description: '`User`, `Group`, `Role`, `LocalManagedPolicy` or `AWSManagedPolicy`.',
        },
        policyUsageFilter: {
          member: 'PolicyUsageFilter',
          description: '`PermissionsPolicy` or `PermissionsBoundary`.',
        },
        pathPrefix,
        ...paging,
      },
      status: 200,
      render: ({ IsTruncated: _truncated, Marker, ...entities }) => ({
        ...entities,
        ...(Marker !== undefined ? { nextCursor: Marker } : {}),
      }),
      response: { schema: 'PolicyEntities' },
    },
  ];
}
