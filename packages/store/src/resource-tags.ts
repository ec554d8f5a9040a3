/**
 * The tags of managed policies, OIDC providers and virtual MFA devices (users' and roles' tags live
 * on their records in principals.ts). Each write replaces the whole tag list, conditioned on the
 * list being the one the caller read (a revision number on the item), so two concurrent
 * TagPolicy calls cannot lose one another's tags: the later one is refused and may retry.
 */
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { oidcProviderKey, virtualMfaDeviceKey } from './keys.ts';
import type { ManagedPolicyRecord } from './managed-policies.ts';
import type { VirtualMfaDeviceRecord } from './mfa-devices.ts';
import type { OidcProviderRecord } from './oidc-providers.ts';
import { recordUpdateWrites, type Tag } from './principals.ts';
import { transact } from './transactions.ts';

/** The condition "the tags are still revision `seen`" (an item never tagged has no revision). */
function atRevision(seen: number | undefined): { condition: string; values: Record<string, unknown> } {
  return seen === undefined
    ? { condition: 'attribute_exists(pk) AND attribute_not_exists(tagRevision)', values: {} }
    : { condition: 'attribute_exists(pk) AND tagRevision = :seen', values: { ':seen': seen } };
}

const changedMeanwhile = (what: string) =>
  fail('entity.concurrent-modification', `The tags of ${what} changed meanwhile (or it is gone); retry.`);

/** Replaces a customer managed policy's tags (on its record and its name item's copy). */
export async function setManagedPolicyTags(
  context: StoreContext,
  current: ManagedPolicyRecord,
  tags: readonly Tag[],
): Promise<Result<ManagedPolicyRecord>> {
  const next = (current.tagRevision ?? 0) + 1;
  const guard = atRevision(current.tagRevision);
  const written = await transact(
    context,
    recordUpdateWrites(
      { accountId: current.accountId, kind: 'POLICY', id: current.id, name: current.name },
      {
        set: ['tags = :tags', 'tagRevision = :next'],
        condition: guard.condition,
        values: { ':tags': tags, ':next': next, ...guard.values },
      },
      changedMeanwhile(current.arn),
    ),
  );
  return written.ok ? ok({ ...current, tags, tagRevision: next }) : written;
}

/** Replaces an OIDC provider's tags. */
export async function setOidcProviderTags(
  context: StoreContext,
  current: OidcProviderRecord,
  tags: readonly Tag[],
): Promise<Result<OidcProviderRecord>> {
  const written = await transact(context, [
    {
      write: {
        Update: {
          Key: oidcProviderKey(current.accountId, current.providerId),
          UpdateExpression: 'SET tags = :tags, version = :next',
          ConditionExpression: 'attribute_exists(pk) AND version = :version',
          ExpressionAttributeValues: {
            ':tags': tags,
            ':next': current.version + 1,
            ':version': current.version,
          },
        },
      },
      onConditionFailed: changedMeanwhile(current.arn),
    },
  ]);
  return written.ok ? ok({ ...current, tags, version: current.version + 1 }) : written;
}

/** Replaces a virtual MFA device's tags. */
export async function setVirtualMfaDeviceTags(
  context: StoreContext,
  current: VirtualMfaDeviceRecord,
  tags: readonly Tag[],
): Promise<Result<VirtualMfaDeviceRecord>> {
  const next = (current.tagRevision ?? 0) + 1;
  const guard = atRevision(current.tagRevision);
  const written = await transact(context, [
    {
      write: {
        Update: {
          Key: virtualMfaDeviceKey(current.accountId, current.name),
          UpdateExpression: 'SET tags = :tags, tagRevision = :next',
          // INVARIANT: only the device read (never a namesake created since) gets the tags.
          ConditionExpression: `${guard.condition} AND serialNumber = :serial`,
          ExpressionAttributeValues: {
            ':tags': tags,
            ':next': next,
            ':serial': current.serialNumber,
            ...guard.values,
          },
        },
      },
      onConditionFailed: changedMeanwhile(current.serialNumber),
    },
  ]);
  return written.ok ? ok({ ...current, tags, tagRevision: next }) : written;
}
