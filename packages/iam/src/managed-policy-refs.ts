/**
 * Resolves a managed policy ARN named in a request (to attach, or to use as a boundary): a
 * customer policy of the caller's own account, or an operator-managed one. Other accounts'
 * policies do not exist as far as the caller can tell.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { findPlatformPolicy, type PlatformPolicy, parsePolicyArn } from '@palisade/principals';
import {
  boundaryUsageChange,
  type GuardedWrite,
  getManagedPolicy,
  type ManagedPolicyRecord,
} from '@palisade/store';
import type { IamContext } from './iam-context.ts';

/** A managed policy that a request named and that exists. */
export type ManagedPolicyRef =
  | { readonly scope: 'customer'; readonly arn: string; readonly record: ManagedPolicyRecord }
  | { readonly scope: 'platform'; readonly arn: string; readonly policy: PlatformPolicy };

/** Finds the policy an ARN names, within the caller's account or the operator's catalog. */
export async function resolveManagedPolicy(
  context: IamContext,
  accountId: string,
  arn: string,
): Promise<Result<ManagedPolicyRef>> {
  const parts = parsePolicyArn(context.partition, arn);
  const missing = fail('entity.not-found', `Policy ${arn} does not exist or is not attachable.`);
  if (!parts) return fail('request.invalid', `ARN ${arn} is not valid.`);
  if (parts.scope === 'platform') {
    const policy = findPlatformPolicy(parts.name);
    return policy && policy.path === parts.path ? ok({ scope: 'platform', arn, policy }) : missing;
  }
  // INVARIANT: only the caller's own account is ever read; another tenant's ARN is simply absent.
  if (parts.accountId !== accountId) return missing;
  const record = await getManagedPolicy(context.store, accountId, parts.name);
  if (!record || record.path !== parts.path) return missing;
  return ok({ scope: 'customer', arn: record.arn, record });
}

/** The counter writes that move boundary usage from `previous` to `next` (customer policies only). */
export function boundaryUsageWrites(
  previous: ManagedPolicyRef | undefined,
  next: ManagedPolicyRef | undefined,
): GuardedWrite[] {
  const writes: GuardedWrite[] = [];
  if (previous?.arn === next?.arn) return writes;
  if (next?.scope === 'customer') writes.push(...boundaryUsageChange(next.record, 1));
  if (previous?.scope === 'customer') writes.push(...boundaryUsageChange(previous.record, -1));
  return writes;
}
