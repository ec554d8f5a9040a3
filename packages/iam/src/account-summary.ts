/**
 * GetAccountSummary's SummaryMap: all 34 of AWS's keys, usage counted from the account's own items
 * and quotas from the quota table. Entities Palisade does not have (server and signing
 * certificates, instance profiles) are truthfully counted as none.
 */
import {
  getAccountSummary,
  getLoginProfile,
  listAccessKeys,
  listManagedPolicyListings,
  listOidcProviders,
  listVirtualMfaDevices,
  readPoliciesUses,
  type StoreContext,
  type VirtualMfaDeviceRecord,
} from '@palisade/store';
import type { IamQuotas } from './iam-context.ts';

const PAGE = 1000;
/** The token version of GetAccountSummary: Palisade's session tokens are valid everywhere (AWS's 2). */
const GLOBAL_ENDPOINT_TOKEN_VERSION = 2;

/** Every key of AWS's SummaryMap for `accountId`, in the model's order. */
export async function accountSummaryMap(
  store: StoreContext,
  accountId: string,
  quotas: IamQuotas,
): Promise<Record<string, number>> {
  const root = { kind: 'root' } as const;
  const [counts, devices, rootKeys, rootPassword, providers, attachments] = await Promise.all([
    getAccountSummary(store, accountId),
    allMfaDevices(store, accountId),
    listAccessKeys(store, accountId, root),
    getLoginProfile(store, accountId, root),
    listOidcProviders(store, accountId),
    managedPolicyAttachments(store, accountId),
  ]);
  const assigned = devices.filter((device) => device.assignedTo !== undefined);
  const flag = (present: boolean) => (present ? 1 : 0);
  return {
    Users: counts.users ?? 0,
    UsersQuota: quotas.usersPerAccount,
    Groups: counts.groups ?? 0,
    GroupsQuota: quotas.groupsPerAccount,
    ServerCertificates: 0,
    ServerCertificatesQuota: quotas.serverCertificatesPerAccount,
    UserPolicySizeQuota: quotas.inlinePolicyBytesPerUser,
    GroupPolicySizeQuota: quotas.inlinePolicyBytesPerGroup,
    GroupsPerUserQuota: quotas.groupsPerUser,
    SigningCertificatesPerUserQuota: quotas.signingCertificatesPerUser,
    AccessKeysPerUserQuota: quotas.accessKeysPerUser,
    MFADevices: devices.length,
    MFADevicesInUse: assigned.length,
    AccountMFAEnabled: flag(assigned.some((device) => device.assignedTo?.kind === 'root')),
    AccountAccessKeysPresent: flag(rootKeys.length > 0),
    AccountPasswordPresent: flag(rootPassword !== undefined),
    AccountSigningCertificatesPresent: 0,
    AttachedPoliciesPerGroupQuota: quotas.attachedPoliciesPerGroup,
    AttachedPoliciesPerRoleQuota: quotas.attachedPoliciesPerRole,
    AttachedPoliciesPerUserQuota: quotas.attachedPoliciesPerUser,
    Policies: counts.policies ?? 0,
    PoliciesQuota: quotas.policiesPerAccount,
    PolicySizeQuota: quotas.managedPolicySize,
    PolicyVersionsInUse: attachments,
    PolicyVersionsInUseQuota: quotas.policyVersionsInUse,
    VersionsPerPolicyQuota: quotas.versionsPerPolicy,
    GlobalEndpointTokenVersion: GLOBAL_ENDPOINT_TOKEN_VERSION,
    AssumeRolePolicySizeQuota: quotas.trustPolicySize,
    InstanceProfiles: 0,
    InstanceProfilesQuota: quotas.instanceProfilesPerAccount,
    Providers: providers.length,
    RolePolicySizeQuota: quotas.inlinePolicyBytesPerRole,
    Roles: counts.roles ?? 0,
    RolesQuota: quotas.rolesPerAccount,
  };
}

/** The account's virtual MFA devices, assigned or not (a few pages at most). */
async function allMfaDevices(store: StoreContext, accountId: string): Promise<VirtualMfaDeviceRecord[]> {
  const devices: VirtualMfaDeviceRecord[] = [];
  let after: string | undefined;
  do {
    const page = await listVirtualMfaDevices(store, accountId, { limit: PAGE, ...(after ? { after } : {}) });
    devices.push(...page.items);
    after = page.next;
  } while (after !== undefined);
  return devices;
}

/**
 * Attachments of the account's customer managed policies to its users, groups and roles: what
 * AWS counts as policy versions in use (each attachment uses the policy's default version).
 */
async function managedPolicyAttachments(store: StoreContext, accountId: string): Promise<number> {
  let total = 0;
  let after: string | undefined;
  do {
    const page = await listManagedPolicyListings(store, accountId, {
      limit: PAGE,
      ...(after ? { after } : {}),
    });
    const uses = await readPoliciesUses(store, page.items);
    total += uses.reduce((sum, use) => sum + use.attachments, 0);
    after = page.next;
  } while (after !== undefined);
  return total;
}
