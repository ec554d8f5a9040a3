/**
 * What the IAM services need from the outside: the store, the deployment's ARN partition, a clock,
 * quotas, the policy engine's document check and the password hashing cost.
 */
import type { ScryptParameters, SecretBox } from '@palisade/credentials';
import type { Result } from '@palisade/failures';
import type { StoreContext } from '@palisade/store';

/** The policy types IAM stores, each validated by the engine's rules for that type. */
export type StoredPolicyType = 'identity' | 'trust' | 'boundary';

/** Validates a policy document for a type; on success returns its size as IAM counts it. */
export type PolicyChecker = (document: string, type: StoredPolicyType) => Result<{ size: number }>;

/** IAM's default quotas (adjustable per deployment). */
export interface IamQuotas {
  readonly usersPerAccount: number;
  readonly groupsPerAccount: number;
  readonly rolesPerAccount: number;
  readonly policiesPerAccount: number;
  readonly groupsPerUser: number;
  readonly attachedPoliciesPerUser: number;
  readonly attachedPoliciesPerGroup: number;
  readonly attachedPoliciesPerRole: number;
  readonly accessKeysPerUser: number;
  readonly versionsPerPolicy: number;
  readonly managedPolicySize: number;
  readonly inlinePolicyBytesPerUser: number;
  readonly inlinePolicyBytesPerGroup: number;
  readonly inlinePolicyBytesPerRole: number;
  readonly trustPolicySize: number;
  /** Managed policy attachments across the account (GetAccountSummary's PolicyVersionsInUseQuota). */
  readonly policyVersionsInUse: number;
  // Quotas of entities Palisade does not have, reported by GetAccountSummary as AWS sets them.
  readonly serverCertificatesPerAccount: number;
  readonly signingCertificatesPerUser: number;
  readonly instanceProfilesPerAccount: number;
}

/** AWS IAM's documented defaults. */
export const defaultQuotas: IamQuotas = {
  usersPerAccount: 5000,
  groupsPerAccount: 300,
  rolesPerAccount: 1000,
  policiesPerAccount: 1500,
  groupsPerUser: 10,
  attachedPoliciesPerUser: 10,
  attachedPoliciesPerGroup: 10,
  attachedPoliciesPerRole: 10,
  accessKeysPerUser: 2,
  versionsPerPolicy: 5,
  managedPolicySize: 6144,
  inlinePolicyBytesPerUser: 2048,
  inlinePolicyBytesPerGroup: 5120,
  inlinePolicyBytesPerRole: 10240,
  trustPolicySize: 2048,
  policyVersionsInUse: 10000,
  serverCertificatesPerAccount: 20,
  signingCertificatesPerUser: 2,
  instanceProfilesPerAccount: 1000,
};

/** Dependencies of every IAM operation. */
export interface IamContext {
  readonly store: StoreContext;
  readonly partition: string;
  readonly now: () => Date;
  readonly quotas: IamQuotas;
  readonly checkPolicy: PolicyChecker;
  /** Seals access-key secrets at rest under the master key. */
  readonly secrets: SecretBox;
  /** The scrypt cost new password hashes get (production: CURRENT_SCRYPT_PARAMETERS). */
  readonly passwordHashing: ScryptParameters;
}
