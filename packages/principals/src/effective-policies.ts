/**
 * The policies that apply to a principal: its inline and attached policies, its groups' (for
 * users), and its permissions boundary. This is what authentication hands the policy engine for
 * every decision about the principal.
 */
import { fail, ok, type Result } from '@palisade/failures';
import {
  getManagedPoliciesStamped,
  getPrincipal,
  type PrincipalKind,
  type PrincipalRecord,
  principalRecordStamp,
  type RecordStamp,
  readPrincipalPartition,
  toPrincipal,
} from '@palisade/store';
import { inlinePolicyId, parsePolicyArn } from './arns.ts';
import { type Caller, denialOf } from './caller.ts';
import { findPlatformPolicy } from './platform-policies.ts';

/** A policy document with the id explanations cite (`<principal ARN>/inline/<name>` or the policy ARN). */
export interface PolicySource {
  readonly id: string;
  readonly document: string;
}

/** Everything the engine needs about a principal's own permissions. */
export interface EffectivePolicies {
  readonly principal: PrincipalRecord;
  readonly identityPolicies: readonly PolicySource[];
  /** Absent when the principal has no boundary. */
  readonly boundary?: PolicySource;
  /** Group names, for users (resolved from the group records: memberships hold ids). */
  readonly groups: readonly string[];
  /**
   * The records these policies were read from, with their versions (the principal's, each group's,
   * each customer-managed policy's incl. the boundary): a cache keeps them while all still hold.
   */
  readonly stamps: readonly RecordStamp[];
}

interface PartitionPolicies {
  readonly inline: PolicySource[];
  readonly attachedArns: string[];
}

function policiesOf(ownerArn: string, items: readonly Record<string, unknown>[]): PartitionPolicies {
  const inline: PolicySource[] = [];
  const attachedArns: string[] = [];
  for (const item of items) {
    if (item.entity === 'inline-policy')
      inline.push({ id: inlinePolicyId(ownerArn, String(item.name)), document: String(item.document) });
    if (item.entity === 'attachment') attachedArns.push(String(item.policyArn));
  }
  return { inline, attachedArns };
}

/**
 * Loads a principal's effective policies by name: its name item (the id), then as
 * `loadEffectivePoliciesById`. Undefined when the principal does not exist.
 */
export async function loadEffectivePolicies(
  store: Parameters<typeof readPrincipalPartition>[0],
  partition: string,
  accountId: string,
  kind: PrincipalKind,
  name: string,
): Promise<EffectivePolicies | undefined> {
  const named = await getPrincipal(store, accountId, kind, name);
  return named ? loadEffectivePoliciesById(store, partition, accountId, kind, named.id) : undefined;
}

/**
 * The effective policies of the user, group or role `arn` names, once `caller` may take `action` on
 * it. Only the caller's own account is read (another account's entity does not exist here); the
 * entity is loaded before authorizing so its tags are context, and a denial still comes first.
 */
export async function loadAuthorizedEntityPolicies(
  store: Parameters<typeof readPrincipalPartition>[0],
  partition: string,
  caller: Caller,
  entity: { readonly accountId: string; readonly kind: PrincipalKind; readonly name: string },
  arn: string,
  action: string,
): Promise<Result<EffectivePolicies>> {
  const loaded =
    entity.accountId === caller.accountId
      ? await loadEffectivePolicies(store, partition, caller.accountId, entity.kind, entity.name)
      : undefined;
  const effective = loaded?.principal.arn === arn ? loaded : undefined;
  const denied = denialOf(caller, action, arn, effective ? { resourceTags: effective.principal.tags } : {});
  if (denied) return denied;
  return effective
    ? ok(effective)
    : fail('entity.not-found', `The ${entity.kind} with ARN ${arn} cannot be found.`);
}

/**
 * Loads a principal's effective policies by id: its partition, then its groups' partitions (by
 * the group ids its memberships hold), then the customer-managed documents in one batch.
 * Undefined when the principal does not exist.
 */
export async function loadEffectivePoliciesById(
  store: Parameters<typeof readPrincipalPartition>[0],
  partition: string,
  accountId: string,
  kind: PrincipalKind,
  id: string,
): Promise<EffectivePolicies | undefined> {
  const items = await readPrincipalPartition(store, { accountId, kind, id });
  const recordItem = items.find((item) => item.entity === kind);
  if (!recordItem) return undefined;
  const principal = toPrincipal(recordItem);
  const own = policiesOf(principal.arn, items);
  const groupIds = items.filter((item) => item.entity === 'membership').map((item) => String(item.groupId));

  // INVARIANT: each stamp is read with (never after) what it stands for, so a change racing this
  // load leaves an older version in the stamps and the next revalidation reloads.
  const stamps: RecordStamp[] = [principalRecordStamp(items, { accountId, kind, id })];
  const groupPartitions = await Promise.all(
    groupIds.map(async (groupId) => {
      const groupItems = await readPrincipalPartition(store, { accountId, kind: 'group', id: groupId });
      stamps.push(principalRecordStamp(groupItems, { accountId, kind: 'group', id: groupId }));
      const groupItem = groupItems.find((item) => item.entity === 'group');
      return groupItem
        ? { name: String(groupItem.name), ...policiesOf(String(groupItem.arn), groupItems) }
        : undefined;
    }),
  );
  const groupPolicies = groupPartitions.flatMap((group) => (group ? [group] : []));
  const groups = groupPolicies.map((group) => group.name);

  const attached = [...new Set([...own.attachedArns, ...groupPolicies.flatMap((g) => g.attachedArns)])];
  const managedArns = principal.permissionsBoundary ? [...attached, principal.permissionsBoundary] : attached;
  const documents = await managedDocuments(store, partition, accountId, managedArns, stamps);

  const identityPolicies: PolicySource[] = [
    ...own.inline,
    ...groupPolicies.flatMap((g) => g.inline),
    ...attached.flatMap((arn) => {
      const document = documents.get(arn);
      return document === undefined ? [] : [{ id: arn, document }];
    }),
  ];
  const boundaryDocument = principal.permissionsBoundary
    ? documents.get(principal.permissionsBoundary)
    : undefined;
  return {
    principal,
    identityPolicies,
    // INVARIANT: a boundary whose document cannot be found is an empty boundary (deny all), never none.
    ...(principal.permissionsBoundary
      ? {
          boundary: {
            id: principal.permissionsBoundary,
            document: boundaryDocument ?? '{"Version":"2012-10-17","Statement":[]}',
          },
        }
      : {}),
    groups,
    stamps,
  };
}

/**
 * Default-version documents of managed policies by ARN (operator-managed from code, customer from
 * the table); the customer records' stamps are added to `stamps` when given.
 */
export async function managedDocuments(
  store: Parameters<typeof readPrincipalPartition>[0],
  partition: string,
  accountId: string,
  arns: readonly string[],
  stamps?: RecordStamp[],
): Promise<Map<string, string>> {
  const documents = new Map<string, string>();
  const customerNames: string[] = [];
  for (const arn of arns) {
    const parts = parsePolicyArn(partition, arn);
    if (parts?.scope === 'platform') {
      const policy = findPlatformPolicy(parts.name);
      if (policy) documents.set(arn, policy.document);
    } else if (parts?.scope === 'customer' && parts.accountId === accountId) {
      customerNames.push(parts.name);
    }
  }
  if (customerNames.length > 0) {
    const read = await getManagedPoliciesStamped(store, accountId, customerNames);
    for (const record of read.records) documents.set(record.arn, record.defaultDocument);
    stamps?.push(...read.stamps);
  }
  return documents;
}
