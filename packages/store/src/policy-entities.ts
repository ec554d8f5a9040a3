/**
 * The principals a customer managed policy is attached to, read from the policy's reverse
 * attachment items (written with each attachment: managed-policies.ts), for ListEntitiesForPolicy.
 */
import type { StoreContext } from './client.ts';
import {
  entityPartition,
  platformPolicyBoundaryPrefix,
  platformPolicyUsePartition,
  policyAttachmentPrefix,
} from './keys.ts';
import type { StoredPolicyRef } from './managed-policies.ts';
import { queryWholePartition } from './partition-queries.ts';
import type { PrincipalKind } from './principals.ts';

/** One principal a policy is attached to, by kind and immutable id. */
export interface PolicyAttachmentTarget {
  readonly kind: PrincipalKind;
  readonly principalId: string;
}

/** Every principal a customer managed policy is attached to (IAM's 10-per-principal quota keeps this small per principal). */
export async function listPolicyAttachmentTargets(
  context: StoreContext,
  policy: Pick<StoredPolicyRef, 'accountId' | 'id'>,
): Promise<PolicyAttachmentTarget[]> {
  const items = await queryWholePartition(
    context,
    entityPartition(policy.accountId, 'POLICY', policy.id),
    policyAttachmentPrefix,
  );
  return items.map((item) => ({ kind: item.kind as PrincipalKind, principalId: String(item.principalId) }));
}

/**
 * The principals of an account using an operator-managed policy, read from the reverse items each
 * attachment and each boundary use writes in the account (managed-policies.ts), one Query.
 */
export async function listPlatformPolicyUseTargets(
  context: StoreContext,
  accountId: string,
  policyName: string,
  use: 'attachment' | 'boundary',
): Promise<PolicyAttachmentTarget[]> {
  const items = await queryWholePartition(
    context,
    platformPolicyUsePartition(accountId, policyName),
    use === 'attachment' ? policyAttachmentPrefix : platformPolicyBoundaryPrefix,
  );
  return items.map((item) => ({ kind: item.kind as PrincipalKind, principalId: String(item.principalId) }));
}
