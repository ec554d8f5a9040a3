/** IAM: accounts, identities, policies and access keys, each operation authorized by the engine. */

import { accessAdvisorOperations } from './access-advisor.ts';
import { accessKeyOperations } from './access-keys.ts';
import { accountSettingsOperations } from './account-settings.ts';
import { authorizationDetailsOperations } from './authorization-details.ts';
import { credentialReportOperations } from './credential-reports.ts';
import { groupOperations } from './groups.ts';
import type { IamContext } from './iam-context.ts';
import { loginProfileOperations } from './login-profiles.ts';
import { managedPolicyOperations } from './managed-policies.ts';
import { mfaDeviceOperations } from './mfa-devices.ts';
import { principalPolicyOperations } from './principal-policies.ts';
import { roleOperations } from './roles.ts';
import { tenantOperations } from './tenant-operations.ts';
import { userOperations } from './users.ts';

export * from './absent-entities.ts';
export * from './access-keys.ts';
export { CREDENTIAL_REPORT_COLUMNS, credentialReportRow } from './credential-reports.ts';
export * from './deprovisioning.ts';
export * from './iam-context.ts';
export * from './login-profiles.ts';
export * from './mfa-devices.ts';
export * from './mfa-throttle.ts';
export * from './oidc-providers.ts';
export * from './resource-tagging.ts';
export * from './tenant-accounts.ts';
export { tenantOperations } from './tenant-operations.ts';

import { absentEntityOperations } from './absent-entities.ts';
import { mfaDeviceSyncOperations } from './mfa-device-sync.ts';
import { policyIntrospectionOperations } from './policy-introspection.ts';
import { resourceTaggingOperations } from './resource-tagging.ts';
import { roleDescriptionOperations } from './role-description.ts';

/** Every IAM Query API operation this deployment serves, by AWS action name. */
export function iamOperations(context: IamContext) {
  return tenantOperations({
    ...userOperations(context),
    ...groupOperations(context),
    ...roleOperations(context),
    ...managedPolicyOperations(context),
    ...principalPolicyOperations(context),
    ...accessKeyOperations(context),
    ...accountSettingsOperations(context),
    ...authorizationDetailsOperations(context),
    ...loginProfileOperations(context),
    ...mfaDeviceOperations(context),
    ...credentialReportOperations(context),
    ...accessAdvisorOperations(context),
    ...absentEntityOperations(context),
    ...resourceTaggingOperations(context),
    ...roleDescriptionOperations(context),
    ...mfaDeviceSyncOperations(context),
    ...policyIntrospectionOperations(context),
  });
}

/** The IAM operations by action name, each with its input and output types. */
export type IamOperations = ReturnType<typeof iamOperations>;
export * from './policy-checks.ts';
