/** IAM: accounts, identities, policies and access keys, each operation authorized by the engine. */
import { accessKeyOperations } from './access-keys.ts';
import { accountSettingsOperations } from './account-settings.ts';
import { authorizationDetailsOperations } from './authorization-details.ts';
import { groupOperations } from './groups.ts';
import type { IamContext } from './iam-context.ts';
import { loginProfileOperations } from './login-profiles.ts';
import { managedPolicyOperations } from './managed-policies.ts';
import { mfaDeviceOperations } from './mfa-devices.ts';
import { tenantOperations } from './operation.ts';
import { principalPolicyOperations } from './principal-policies.ts';
import { roleOperations } from './roles.ts';
import { userOperations } from './users.ts';

export * from './access-keys.ts';
export * from './iam-context.ts';
export * from './login-profiles.ts';
export * from './mfa-devices.ts';
export * from './mfa-throttle.ts';
export * from './oidc-providers.ts';
export * from './operation.ts';
export * from './tenant-accounts.ts';

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
  });
}

/** The IAM operations by action name, each with its input and output types. */
export type IamOperations = ReturnType<typeof iamOperations>;
export { boolean, integer, list, parseInput, tag } from './iam-inputs.ts';
export * from './policy-checks.ts';
export { validationFailure } from './validation-failure.ts';
