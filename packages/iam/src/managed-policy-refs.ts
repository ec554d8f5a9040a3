/**
 * Resolves a managed policy ARN named in a request (to attach, or to use as a boundary): a
 * customer policy of the caller's own account, or an operator-managed one. Other accounts'
 * policies do not exist as far as the caller can tell.
 */
import { fail, ok, type Result } from '@palisade/failures';
import {
  type Caller,
  denialOf,
  findPlatformPolicy,
  type PlatformPolicy,
  parsePolicyArn,
  platformPolicyArn,
} from '@palisade/principals';
import {
  boundaryUsageChange,
  type GuardedWrite,
  getManagedPolicy,
  type ManagedPolicyRecord,
  type PrincipalKind,
  platformBoundaryUseWrite,
  withPolicyUseShard,
} from '@palisade/store';
import type { IamContext } from './iam-context.ts';

/** A managed policy that a request named and that exists. */
export type ManagedPolicyRef =
  | { readonly scope: 'customer'; readonly arn: string; readonly record: ManagedPolicyRecord }
  | { readonly scope: 'platform'; readonly arn: string; readonly policy: PlatformPolicy };

/**
 * The policy an ARN names, once the caller may take `action` on it. Resolved before authorizing so
 * a customer policy's tags are context; a denial still comes first.
 */
export async function loadAuthorizedPolicy(
  context: IamContext,
  caller: Caller,
  arn: string,
  action: string,
): Promise<Result<ManagedPolicyRef>> {
  const ref = await resolveManagedPolicy(context, caller.accountId, arn);
  const tags = ref.ok && ref.value.scope === 'customer' ? ref.value.record.tags : undefined;
  const denied = denialOf(caller, action, arn, tags ? { resourceTags: tags } : {});
  return denied ?? ref;
}

/** Finds the policy an ARN names, within the caller's account or the operator's catalog. */
export async function resolveManagedPolicy(
  context: IamContext,
  accountId: string,
  arn: string,
): Promise<Result<ManagedPolicyRef>> {
  const parts = parsePolicyArn(context.partition, arn);
  const missing = fail('entity.not-found', `Policy ${arn} does not exist or is not attachable.`);
  if (!parts) return fail('request.invalid-input', `ARN ${arn} is not valid.`);
  if (parts.scope === 'platform') {
    const policy = findPlatformPolicy(parts.name);
    // Named by its current ARN whichever form the request (or a stored item) used.
    return policy && policy.path === parts.path
      ? ok({ scope: 'platform', arn: platformPolicyArn(context.partition, policy), policy })
      : missing;
  }
  // INVARIANT: only the caller's own account is ever read; another tenant's ARN is simply absent.
  if (parts.accountId !== accountId) return missing;
  const record = await getManagedPolicy(context.store, accountId, parts.name);
  if (!record || record.path !== parts.path) return missing;
  return ok({ scope: 'customer', arn: record.arn, record });
}

/** A policy in use as a principal's boundary, with the use shard it is counted in (customer policies). */
export interface BoundaryUse {
  readonly ref: ManagedPolicyRef;
  readonly shard: number | undefined;
}

/**
 * Runs `write` with the use shard a new boundary use of `next` is counted in: one of the customer
 * policy's shards that no other write of this process holds (none for an operator policy or none).
 * The shard `previous`'s use is given back to is held too, so this process's writers of each shard
 * take turns rather than collide.
 */
export function withBoundaryShard<T>(
  previous: BoundaryUse | undefined,
  next: ManagedPolicyRef | undefined,
  write: (shard: number | undefined) => Promise<T>,
): Promise<T> {
  const given = previous?.ref.scope === 'customer' ? previous.ref.record : undefined;
  const givenShard = previous?.shard;
  const holdingGiven = <U>(inner: () => Promise<U>): Promise<U> =>
    given && givenShard !== undefined ? withPolicyUseShard(given, inner, givenShard) : inner();
  if (next?.scope !== 'customer') return holdingGiven(() => write(undefined));
  const taken = next.record;
  // INVARIANT: two policies' shards are taken in id order, so moves between them never wait on each other.
  if (given && given.id < taken.id) return holdingGiven(() => withPolicyUseShard(taken, write));
  return withPolicyUseShard(taken, (shard) => holdingGiven(() => write(shard)));
}

/**
 * The writes that move boundary usage of `holder` from `previous` to `next`: a customer policy's
 * counter shard, an operator-managed policy's reverse item in the account.
 */
export function boundaryUsageWrites(
  previous: BoundaryUse | undefined,
  next: BoundaryUse | undefined,
  holder: { readonly accountId: string; readonly kind: PrincipalKind; readonly id: string },
): GuardedWrite[] {
  const writes: GuardedWrite[] = [];
  if (previous?.ref.arn === next?.ref.arn) return writes;
  const platformUse = (ref: ManagedPolicyRef, used: boolean) =>
    ref.scope === 'platform' && holder.kind !== 'group'
      ? [platformBoundaryUseWrite({ ...holder, kind: holder.kind }, ref.policy.name, used)]
      : [];
  if (next?.ref.scope === 'customer') writes.push(...boundaryUsageChange(next.ref.record, 1, next.shard));
  if (next) writes.push(...platformUse(next.ref, true));
  if (previous?.ref.scope === 'customer') {
    writes.push(...boundaryUsageChange(previous.ref.record, -1, previous.shard));
  }
  if (previous) writes.push(...platformUse(previous.ref, false));
  return writes;
}
