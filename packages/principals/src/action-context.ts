// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the reference spells keys and ARNs with ${…} placeholders
/**
 * The request context of every IAM and STS action Palisade serves: the resource type each action
 * is authorized on and the condition keys AWS's Service Authorization Reference lists for it that
 * Palisade can know. Operations hand over what they know of a request (`RequestFacts`); this table
 * alone decides which of those facts become which keys, so a guardrail such as "Deny
 * iam:AttachUserPolicy when iam:PolicyARN is AdministratorAccess" sees the key it names. The same
 * table describes IAM and STS to policy validation and the simulator (`actionCatalog`).
 *
 * Keys AWS lists that Palisade cannot know, and why (kept beside the table so a test can check the
 * table against the reference): `iam:RoleTemplateARN` (no role templates), `iam:FIDO-*` and
 * `iam:RegisterSecurityKey` (no security keys), `iam:AssociatedResourceArn` / `iam:PassedToService`
 * (no service is ever passed a role: Palisade serves no operation that takes one), `saml:*` (no SAML
 * providers), the tags of instance profiles, SAML providers and server certificates and
 * `iam:ServiceSpecificCredential*` (Palisade has none of those entities: their operations answer
 * empty lists, NoSuchEntity or `feature.unavailable`) and the web identity keys of providers by
 * name (`accounts.google.com:aud`…), which AssumeRoleWithWebIdentity adds under the registered
 * provider's own name (`<provider>:aud`, `:sub`, `:amr`).
 */
import { conditionKeyMatches, type ServiceDefinition } from '@palisade/policy';
import type { Tag } from '@palisade/store';

/** The condition keys an action can carry, spelled as the Service Authorization Reference does. */
export type ActionKey =
  | 'iam:PolicyARN'
  | 'iam:PermissionsBoundary'
  | 'aws:RequestTag/${TagKey}'
  | 'aws:TagKeys'
  | 'sts:ExternalId'
  | 'sts:RoleSessionName'
  | 'sts:SourceIdentity'
  | 'sts:TransitiveTagKeys';

/** The resource types IAM and STS actions are authorized on (`none`: the resource is `*`). */
export type ActionResourceType =
  | 'user'
  | 'group'
  | 'role'
  | 'policy'
  | 'oidc-provider'
  | 'mfa'
  | 'federated-user'
  | 'instance-profile'
  | 'saml-provider'
  | 'server-certificate'
  | 'none';

/** One action's row: its resource type and the action's own condition keys. */
export interface ActionContextSpec {
  readonly resource: ActionResourceType;
  readonly keys: readonly ActionKey[];
  /** The action creates its resource, which has no tags of its own yet. */
  readonly creates?: boolean;
}

/**
 * The resource keys each resource type adds, as the reference lists them. Groups carry no tags;
 * instance profiles, SAML providers and server certificates do not exist in Palisade, so no
 * request about one can carry its tags (see the module comment).
 */
export const RESOURCE_TYPE_KEYS: Readonly<Record<ActionResourceType, readonly string[]>> = {
  user: ['aws:ResourceTag/${TagKey}', 'iam:ResourceTag/${TagKey}'],
  role: ['aws:ResourceTag/${TagKey}', 'iam:ResourceTag/${TagKey}'],
  policy: ['aws:ResourceTag/${TagKey}'],
  'oidc-provider': ['aws:ResourceTag/${TagKey}'],
  mfa: ['aws:ResourceTag/${TagKey}'],
  'instance-profile': [],
  'saml-provider': [],
  'server-certificate': [],
  group: [],
  'federated-user': [],
  none: [],
};

/** The ARN pattern of each resource type (`*` for actions on no particular resource). */
export const RESOURCE_TYPE_ARNS: Readonly<Record<ActionResourceType, string>> = {
  user: 'arn:${Partition}:iam::${Account}:user/${UserNameWithPath}',
  group: 'arn:${Partition}:iam::${Account}:group/${GroupNameWithPath}',
  role: 'arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}',
  policy: 'arn:${Partition}:iam::${Account}:policy/${PolicyNameWithPath}',
  'oidc-provider': 'arn:${Partition}:iam::${Account}:oidc-provider/${OidcProviderName}',
  mfa: 'arn:${Partition}:iam::${Account}:mfa/${MfaTokenIdWithPath}',
  'federated-user': 'arn:${Partition}:sts::${Account}:federated-user/${UserName}',
  'instance-profile': 'arn:${Partition}:iam::${Account}:instance-profile/${InstanceProfileNameWithPath}',
  'saml-provider': 'arn:${Partition}:iam::${Account}:saml-provider/${SamlProviderName}',
  'server-certificate': 'arn:${Partition}:iam::${Account}:server-certificate/${CertificateNameWithPath}',
  none: '*',
};

const TAGGING: readonly ActionKey[] = ['aws:RequestTag/${TagKey}', 'aws:TagKeys'];
const BOUNDARY: readonly ActionKey[] = ['iam:PermissionsBoundary'];
const ATTACH: readonly ActionKey[] = ['iam:PermissionsBoundary', 'iam:PolicyARN'];
const SESSION: readonly ActionKey[] = [
  'aws:RequestTag/${TagKey}',
  'aws:TagKeys',
  'sts:ExternalId',
  'sts:RoleSessionName',
  'sts:SourceIdentity',
  'sts:TransitiveTagKeys',
];

const row = (resource: ActionResourceType, keys: readonly ActionKey[] = []): ActionContextSpec => ({
  resource,
  keys,
});
const creating = (resource: ActionResourceType, keys: readonly ActionKey[] = []): ActionContextSpec => ({
  resource,
  keys,
  creates: true,
});

/** Every key an action's request can carry: its own, and its resource's tags unless it creates it. */
export function actionKeys(spec: ActionContextSpec): readonly string[] {
  return spec.creates ? spec.keys : [...spec.keys, ...RESOURCE_TYPE_KEYS[spec.resource]];
}

let table: Readonly<Record<string, ActionContextSpec>> | undefined;

/**
 * Every IAM and STS action Palisade serves or checks, by its full name. Built on first use, not at
 * import: the authorize function, which asks it only when a caller is denied, starts without it.
 */
export function actionContextTable(): Readonly<Record<string, ActionContextSpec>> {
  table ??= buildActionContextTable();
  return table;
}

function buildActionContextTable(): Readonly<Record<string, ActionContextSpec>> {
  return {
    'iam:AddClientIDToOpenIDConnectProvider': row('oidc-provider'),
    'iam:AddUserToGroup': row('group'),
    'iam:AttachGroupPolicy': row('group', ['iam:PolicyARN']),
    'iam:AttachRolePolicy': row('role', ATTACH),
    'iam:AttachUserPolicy': row('user', ATTACH),
    'iam:ChangePassword': row('user'),
    'iam:CreateAccessKey': row('user'),
    'iam:CreateAccountAlias': row('none'),
    'iam:CreateGroup': creating('group'),
    'iam:CreateLoginProfile': row('user'),
    'iam:CreateOpenIDConnectProvider': creating('oidc-provider', TAGGING),
    'iam:CreatePolicy': creating('policy', TAGGING),
    'iam:CreatePolicyVersion': row('policy'),
    'iam:CreateRole': creating('role', [...TAGGING, ...BOUNDARY]),
    'iam:CreateUser': creating('user', [...TAGGING, ...BOUNDARY]),
    'iam:CreateVirtualMFADevice': creating('mfa', TAGGING),
    'iam:DeactivateMFADevice': row('user'),
    'iam:DeleteAccessKey': row('user'),
    'iam:DeleteAccountAlias': row('none'),
    'iam:DeleteAccountPasswordPolicy': row('none'),
    'iam:DeleteGroup': row('group'),
    'iam:DeleteGroupPolicy': row('group'),
    'iam:DeleteLoginProfile': row('user'),
    'iam:DeleteOpenIDConnectProvider': row('oidc-provider'),
    'iam:DeletePolicy': row('policy'),
    'iam:DeletePolicyVersion': row('policy'),
    'iam:DeleteRole': row('role', BOUNDARY),
    'iam:DeleteRolePermissionsBoundary': row('role', BOUNDARY),
    'iam:DeleteRolePolicy': row('role', BOUNDARY),
    'iam:DeleteUser': row('user'),
    'iam:DeleteUserPermissionsBoundary': row('user', BOUNDARY),
    'iam:DeleteUserPolicy': row('user', BOUNDARY),
    'iam:DeleteVirtualMFADevice': row('mfa'),
    'iam:DetachGroupPolicy': row('group', ['iam:PolicyARN']),
    'iam:DetachRolePolicy': row('role', ATTACH),
    'iam:DetachUserPolicy': row('user', ATTACH),
    'iam:EnableMFADevice': row('user'),
    'iam:GetAccessKeyLastUsed': row('user'),
    'iam:GetAccountAuthorizationDetails': row('none'),
    'iam:GetAccountPasswordPolicy': row('none'),
    'iam:GetAccountSummary': row('none'),
    'iam:GetGroup': row('group'),
    'iam:GetGroupPolicy': row('group'),
    'iam:GetLoginProfile': row('user'),
    'iam:GetOpenIDConnectProvider': row('oidc-provider'),
    'iam:GetPolicy': row('policy'),
    'iam:GetPolicyVersion': row('policy'),
    'iam:GetRole': row('role', BOUNDARY),
    'iam:GetRolePolicy': row('role'),
    'iam:GetUser': row('user'),
    'iam:GetUserPolicy': row('user'),
    'iam:ListAccessKeys': row('user'),
    'iam:ListAccountAliases': row('none'),
    'iam:ListAttachedGroupPolicies': row('group'),
    'iam:ListAttachedRolePolicies': row('role'),
    'iam:ListAttachedUserPolicies': row('user'),
    'iam:ListGroupPolicies': row('group'),
    'iam:ListGroups': row('none'),
    'iam:ListGroupsForUser': row('user'),
    'iam:ListMFADevices': row('user'),
    'iam:ListOpenIDConnectProviders': row('none'),
    'iam:ListPolicies': row('none'),
    'iam:ListPolicyVersions': row('policy'),
    'iam:ListRolePolicies': row('role'),
    'iam:ListRoleTags': row('role'),
    'iam:ListRoles': row('none'),
    'iam:ListUserPolicies': row('user'),
    'iam:ListUserTags': row('user'),
    'iam:ListUsers': row('none'),
    'iam:ListVirtualMFADevices': row('none'),
    'iam:PutGroupPolicy': row('group'),
    'iam:PutRolePermissionsBoundary': row('role', BOUNDARY),
    'iam:PutRolePolicy': row('role', BOUNDARY),
    'iam:PutUserPermissionsBoundary': row('user', BOUNDARY),
    'iam:PutUserPolicy': row('user', BOUNDARY),
    'iam:RemoveClientIDFromOpenIDConnectProvider': row('oidc-provider'),
    'iam:RemoveUserFromGroup': row('group'),
    'iam:SetDefaultPolicyVersion': row('policy'),
    'iam:SimulateCustomPolicy': row('none'),
    'iam:SimulatePrincipalPolicy': row('user'),
    'iam:TagRole': row('role', TAGGING),
    'iam:TagUser': row('user', TAGGING),
    'iam:UntagRole': row('role', ['aws:TagKeys']),
    'iam:UntagUser': row('user', ['aws:TagKeys']),
    'iam:UpdateAccessKey': row('user'),
    'iam:UpdateAccountPasswordPolicy': row('none'),
    'iam:UpdateAssumeRolePolicy': row('role', BOUNDARY),
    'iam:UpdateGroup': row('group'),
    'iam:UpdateLoginProfile': row('user'),
    'iam:UpdateOpenIDConnectProviderThumbprint': row('oidc-provider'),
    'iam:UpdateRole': row('role', BOUNDARY),
    'iam:UpdateUser': row('user'),
    'sts:AssumeRole': row('role', SESSION),
    'sts:AssumeRoleWithWebIdentity': row('role', [
      'aws:RequestTag/${TagKey}',
      'aws:TagKeys',
      'sts:RoleSessionName',
      'sts:SourceIdentity',
      'sts:TransitiveTagKeys',
    ]),
    'sts:GetCallerIdentity': row('none'),
    'sts:GetSessionToken': row('none'),
    'sts:SetSourceIdentity': row('role', ['sts:SourceIdentity']),
    'sts:TagSession': row('role', ['aws:RequestTag/${TagKey}', 'aws:TagKeys', 'sts:TransitiveTagKeys']),
    // ---- STS operations (issue #15) ----
    'sts:DecodeAuthorizationMessage': row('none'),
    'sts:GetAccessKeyInfo': row('none'),
    'sts:GetFederationToken': row('federated-user', ['aws:RequestTag/${TagKey}', 'aws:TagKeys']),
    // ---- compliance (issue #15) ----
    'iam:GenerateCredentialReport': row('none'),
    'iam:GetCredentialReport': row('none'),
    // The resource is the user, group or role the Arn names (the reference requires all four types).
    'iam:GenerateServiceLastAccessedDetails': row('user'),
    'iam:GetServiceLastAccessedDetails': row('none'),
    'iam:GetServiceLastAccessedDetailsWithEntities': row('none'),
    // ---- tf-operations (issue #15): entity families Palisade lacks, tags, MFA, introspection ----
    'iam:AddRoleToInstanceProfile': row('instance-profile'),
    'iam:CreateInstanceProfile': creating('instance-profile', TAGGING),
    'iam:DeleteInstanceProfile': row('instance-profile'),
    'iam:GetInstanceProfile': row('instance-profile'),
    'iam:ListInstanceProfileTags': row('instance-profile'),
    'iam:ListInstanceProfiles': row('none'),
    'iam:ListInstanceProfilesForRole': row('role'),
    'iam:RemoveRoleFromInstanceProfile': row('instance-profile'),
    'iam:TagInstanceProfile': row('instance-profile', TAGGING),
    'iam:UntagInstanceProfile': row('instance-profile', ['aws:TagKeys']),
    'iam:DeleteSSHPublicKey': row('user'),
    'iam:GetSSHPublicKey': row('user'),
    'iam:ListSSHPublicKeys': row('user'),
    'iam:UpdateSSHPublicKey': row('user'),
    'iam:UploadSSHPublicKey': row('user'),
    'iam:DeleteSigningCertificate': row('user'),
    'iam:ListSigningCertificates': row('user'),
    'iam:UpdateSigningCertificate': row('user'),
    'iam:UploadSigningCertificate': row('user'),
    'iam:CreateServiceSpecificCredential': row('user'),
    'iam:DeleteServiceSpecificCredential': row('user'),
    'iam:ListServiceSpecificCredentials': row('user'),
    'iam:ResetServiceSpecificCredential': row('user'),
    'iam:UpdateServiceSpecificCredential': row('user'),
    'iam:CreateSAMLProvider': creating('saml-provider', TAGGING),
    'iam:DeleteSAMLProvider': row('saml-provider'),
    'iam:GetSAMLProvider': row('saml-provider'),
    'iam:ListSAMLProviderTags': row('saml-provider'),
    'iam:ListSAMLProviders': row('none'),
    'iam:TagSAMLProvider': row('saml-provider', TAGGING),
    'iam:UntagSAMLProvider': row('saml-provider', ['aws:TagKeys']),
    'iam:UpdateSAMLProvider': row('saml-provider'),
    'iam:DeleteServerCertificate': row('server-certificate'),
    'iam:GetServerCertificate': row('server-certificate'),
    'iam:ListServerCertificateTags': row('server-certificate'),
    'iam:ListServerCertificates': row('none'),
    'iam:TagServerCertificate': row('server-certificate', TAGGING),
    'iam:UntagServerCertificate': row('server-certificate', ['aws:TagKeys']),
    'iam:UpdateServerCertificate': row('server-certificate'),
    'iam:UploadServerCertificate': creating('server-certificate', TAGGING),
    'iam:ListMFADeviceTags': row('mfa'),
    'iam:ListOpenIDConnectProviderTags': row('oidc-provider'),
    'iam:ListPolicyTags': row('policy'),
    'iam:TagMFADevice': row('mfa', TAGGING),
    'iam:TagOpenIDConnectProvider': row('oidc-provider', TAGGING),
    'iam:TagPolicy': row('policy', TAGGING),
    'iam:UntagMFADevice': row('mfa', ['aws:TagKeys']),
    'iam:UntagOpenIDConnectProvider': row('oidc-provider', ['aws:TagKeys']),
    'iam:UntagPolicy': row('policy', ['aws:TagKeys']),
    'iam:GetMFADevice': row('user'),
    'iam:ResyncMFADevice': row('user'),
    'iam:UpdateRoleDescription': row('role', BOUNDARY),
    'iam:GetContextKeysForCustomPolicy': row('none'),
    'iam:GetContextKeysForPrincipalPolicy': row('user'),
    'iam:ListEntitiesForPolicy': row('policy'),
    'iam:ListPoliciesGrantingServiceAccess': row('user'),
  };
}

const ACTION_SCOPED_GLOBAL = /^aws:(requesttag\/|resourcetag\/|tagkeys$)/i;

/**
 * Whether a request for `action` can ever carry `key`: false for an IAM or STS key, or a tag key,
 * the table does not list for the action; true otherwise (global keys, keys of other namespaces
 * and actions the table does not describe are not the table's to judge).
 */
export function actionCanCarry(action: string, key: string): boolean {
  const spec = actionContextSpec(action);
  if (spec === undefined) return true;
  if (!/^(iam|sts):/i.test(key) && !ACTION_SCOPED_GLOBAL.test(key)) return true;
  return actionKeys(spec).some((name) => conditionKeyMatches(name, key));
}

/** Says whether a service prefix is one the table describes (`iam`, `sts`), case-insensitively. */
export function isBuiltInService(prefix: string): boolean {
  const wanted = `${prefix.toLowerCase()}:`;
  return Object.keys(actionContextTable()).some((action) => action.toLowerCase().startsWith(wanted));
}

/** What an operation knows of its request; the table picks the keys its action carries. */
export interface RequestFacts {
  /** Tags the request sets (Create…, Tag…, session tags): `aws:RequestTag/<key>`, `aws:TagKeys`. */
  readonly requestTags?: readonly Tag[];
  /** Tag keys the request removes (Untag…): `aws:TagKeys`. */
  readonly removedTagKeys?: readonly string[];
  /** The managed policy attached or detached: `iam:PolicyARN`. */
  readonly policyArn?: string;
  /**
   * `iam:PermissionsBoundary`: the boundary the request sets (Create…, Put…PermissionsBoundary),
   * else the one the target user or role has.
   */
  readonly permissionsBoundary?: string;
  /** The target's tags: `aws:ResourceTag/<key>` (and `iam:ResourceTag/<key>` for users and roles). */
  readonly resourceTags?: readonly Tag[];
  readonly externalId?: string;
  readonly roleSessionName?: string;
  readonly sourceIdentity?: string;
  readonly transitiveTagKeys?: readonly string[];
}

/** A request context: condition key → value(s). */
export type ActionContext = Record<string, string | string[]>;

/** Says whether an action is in the table (compared case-insensitively, as IAM compares actions). */
export function actionContextSpec(action: string): ActionContextSpec | undefined {
  specsByLowerName ??= new Map(
    Object.entries(actionContextTable()).map(([name, spec]) => [name.toLowerCase(), spec] as const),
  );
  return specsByLowerName.get(action.toLowerCase());
}

let specsByLowerName: ReadonlyMap<string, ActionContextSpec> | undefined;

/**
 * The condition keys an action's request carries, built from what the operation knows. Only the
 * keys the table lists for the action are set; a fact the action does not carry is left out.
 */
export function actionContext(action: string, facts: RequestFacts): ActionContext {
  const spec = actionContextSpec(action);
  const context: ActionContext = {};
  if (spec === undefined) return context;
  const keys = new Set<string>(actionKeys(spec));
  if (keys.has('iam:PolicyARN') && facts.policyArn !== undefined) context['iam:PolicyARN'] = facts.policyArn;
  if (keys.has('iam:PermissionsBoundary') && facts.permissionsBoundary !== undefined)
    context['iam:PermissionsBoundary'] = facts.permissionsBoundary;
  if (keys.has('aws:RequestTag/${TagKey}'))
    for (const tag of facts.requestTags ?? []) context[`aws:RequestTag/${tag.Key}`] = tag.Value;
  if (keys.has('aws:TagKeys')) {
    const tagKeys = [...(facts.requestTags ?? []).map((tag) => tag.Key), ...(facts.removedTagKeys ?? [])];
    if (tagKeys.length > 0) context['aws:TagKeys'] = tagKeys;
  }
  for (const prefix of ['aws', 'iam'] as const) {
    if (!keys.has(`${prefix}:ResourceTag/\${TagKey}`)) continue;
    for (const tag of facts.resourceTags ?? []) context[`${prefix}:ResourceTag/${tag.Key}`] = tag.Value;
  }
  if (keys.has('sts:ExternalId') && facts.externalId !== undefined)
    context['sts:ExternalId'] = facts.externalId;
  if (keys.has('sts:RoleSessionName') && facts.roleSessionName !== undefined)
    context['sts:RoleSessionName'] = facts.roleSessionName;
  if (keys.has('sts:SourceIdentity') && facts.sourceIdentity !== undefined)
    context['sts:SourceIdentity'] = facts.sourceIdentity;
  if (keys.has('sts:TransitiveTagKeys') && facts.transitiveTagKeys?.length)
    context['sts:TransitiveTagKeys'] = [...facts.transitiveTagKeys];
  return context;
}

type KeyType = NonNullable<ServiceDefinition['conditionKeys']>[number]['type'];

const SERVICE_KEY_TYPES: Readonly<Record<string, KeyType>> = {
  'iam:PolicyARN': 'ARN',
  'iam:PermissionsBoundary': 'ARN',
  'iam:ResourceTag/${TagKey}': 'String',
  'sts:ExternalId': 'String',
  'sts:RoleSessionName': 'String',
  'sts:SourceIdentity': 'String',
  'sts:TransitiveTagKeys': 'ArrayOfString',
};

/**
 * IAM and STS as service catalog entries, derived from the table: validation and the simulator
 * know their actions, their keys, and which keys each action carries.
 */
export function actionCatalog(): readonly ServiceDefinition[] {
  const byService = new Map<string, { actions: string[]; actionKeys: Record<string, string[]> }>();
  for (const [name, spec] of Object.entries(actionContextTable())) {
    const [prefix = '', action = ''] = name.split(':');
    const service = byService.get(prefix) ?? { actions: [], actionKeys: {} };
    service.actions.push(action);
    service.actionKeys[action] = [...actionKeys(spec)];
    byService.set(prefix, service);
  }
  const services: ServiceDefinition[] = [...byService].map(([prefix, service]) => ({
    prefix,
    actions: service.actions,
    actionConditionKeys: service.actionKeys,
    conditionKeys: Object.entries(SERVICE_KEY_TYPES)
      .filter(([key]) => key.startsWith(`${prefix}:`))
      .map(([key, type]) => ({ name: key, type })),
  }));
  return services;
}
