/**
 * Customer-managed policies, their versions (at most five) and their attachments to principals.
 * A policy's partition (keyed by its id, ANPA…) holds its record, its versions, a reverse item
 * per attachment (naming the principal by id) and its use-count shards. Its name item holds a
 * complete copy of the record (GetPolicy and the documents a principal's policies need are one
 * read by name), changed in the same transaction as the record.
 *
 * Use counts (attachments, permissions-boundary uses) are spread like a group's member count
 * (counter-shards.ts): each use is counted in one of the policy's `USES#nn` shards, recorded on
 * what the use created (the reverse attachment item, the principal's `permissionsBoundaryShard`),
 * so attaching one policy to many principals at once writes no common item. The shards are created
 * with the policy and deleted with it only while every one is zero, so a use racing the deletion
 * either lands first (and the deletion is refused) or finds no policy.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { allShards, releaseCount, transactCounted, withShard } from './counter-shards.ts';
import {
  attachedPolicyKey,
  attachedPolicyPrefix,
  entityNameKey,
  entityPartition,
  platformPolicyAttachmentKey,
  platformPolicyBoundaryKey,
  platformPolicyBoundaryPrefix,
  platformPolicyUsePartition,
  policyAttachmentKey,
  policyAttachmentPrefix,
  policyUseShardKey,
  policyUseShardPrefix,
  policyVersionKey,
  policyVersionPrefix,
  principalListKey,
  principalListPartition,
} from './keys.ts';
import { currentPolicyArn, legacyPolicyArn } from './legacy-policy-arns.ts';
import { queryWholePartition } from './partition-queries.ts';
import { type PathPage, queryPathListing } from './path-listings.ts';
import {
  batchGetItems,
  capitalised,
  type NamedEntityRef,
  nameVersionBump,
  type PrincipalRef,
  principalKey,
  principalPartitionOf,
  recordCreationWrites,
  recordDeletionWrites,
  recordUpdateWrites,
  type Tag,
} from './principals.ts';
import { absentStamp, type RecordStamp, recordStamp } from './record-stamps.ts';
import { type GuardedWrite, transact } from './transactions.ts';

/** A customer-managed policy as stored. */
export interface ManagedPolicyRecord {
  readonly accountId: string;
  readonly name: string;
  readonly path: string;
  readonly id: string;
  readonly arn: string;
  readonly description?: string;
  readonly defaultVersionId: string;
  /** The default version's document, kept on the record so loading a principal's policies is one read. */
  readonly defaultDocument: string;
  readonly versionCount: number;
  /** The number the next version gets (v1, v2, …; never reused, as in IAM). */
  readonly nextVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly tags: readonly Tag[];
  /** Moves with every change of the tags (resource-tags.ts); absent until the first. */
  readonly tagRevision?: number;
  /** The shard of the account's policy counter this policy is counted in. */
  readonly quotaShard?: number;
}

/** How many principals use a customer policy: attached to them, or as their permissions boundary. */
export interface PolicyUses {
  readonly attachments: number;
  readonly boundaries: number;
}

/** One version of a managed policy. */
export interface PolicyVersionRecord {
  readonly versionId: string;
  readonly document: string;
  readonly createdAt: string;
}

/** An attachment of a managed policy (customer or platform) to a principal. */
export interface AttachmentRecord {
  readonly policyArn: string;
  readonly policyName: string;
}

const KIND_KEY = { user: 'USER', group: 'GROUP', role: 'ROLE' } as const;

/** A customer managed policy as writes name it: its id (the key) and name (its name item). */
export type StoredPolicyRef = Pick<ManagedPolicyRecord, 'accountId' | 'id' | 'name'>;

function entityOf(policy: StoredPolicyRef): NamedEntityRef {
  return { accountId: policy.accountId, kind: 'POLICY', id: policy.id, name: policy.name };
}

/** Creates a policy with its first (default) version, if the name is free and the quota allows. */
export async function putNewManagedPolicy(
  context: StoreContext,
  policy: Omit<
    ManagedPolicyRecord,
    'defaultDocument' | 'defaultVersionId' | 'versionCount' | 'nextVersion' | 'updatedAt'
  >,
  document: string,
  accountQuota: number,
): Promise<Result<ManagedPolicyRecord>> {
  const record: ManagedPolicyRecord = {
    ...policy,
    defaultVersionId: 'v1',
    defaultDocument: document,
    versionCount: 1,
    nextVersion: 2,
    updatedAt: policy.createdAt,
  };
  const counted = await transactCounted(
    context,
    policy.accountId,
    'policies',
    accountQuota,
    fail('quota.exceeded', `Cannot exceed quota for PoliciesPerAccount: ${accountQuota}.`),
    (quotaShard) => [
      ...recordCreationWrites(
        entityOf(policy),
        {
          ...principalListKey(policy.accountId, 'POLICY', policy.path, policy.name),
          entity: 'managed-policy',
          ...record,
          quotaShard,
          // Bumped whenever the default document changes: the stamp cached bundles revalidate against.
          version: 1,
        },
        fail(
          'entity.already-exists',
          `A policy called ${policy.name} already exists. Duplicate names are not allowed.`,
        ),
      ),
      {
        write: {
          Put: {
            Item: {
              ...policyVersionKey(policy.accountId, policy.id, 'v1'),
              entity: 'policy-version',
              versionId: 'v1',
              document,
              createdAt: policy.createdAt,
            },
          },
        },
      },
      ...allShards.map(
        (shard): GuardedWrite => ({
          write: {
            Put: {
              Item: {
                ...policyUseShardKey(policy.accountId, policy.id, shard),
                entity: USE_SHARD_ENTITY,
                attachments: 0,
                boundaries: 0,
              },
            },
          },
        }),
      ),
    ],
  );
  return counted.ok ? ok({ ...record, quotaShard: counted.value }) : counted;
}

const USE_SHARD_ENTITY = 'policy-use-count';

function sumUses(items: readonly Record<string, unknown>[]): PolicyUses {
  let attachments = 0;
  let boundaries = 0;
  for (const item of items) {
    attachments += Number(item.attachments ?? 0);
    boundaries += Number(item.boundaries ?? 0);
  }
  return { attachments, boundaries };
}

/** How many principals use a customer policy, summed over its use shards (one consistent Query). */
export async function readPolicyUses(
  context: StoreContext,
  policy: Pick<StoredPolicyRef, 'accountId' | 'id'>,
): Promise<PolicyUses> {
  return sumUses(
    await queryWholePartition(
      context,
      entityPartition(policy.accountId, 'POLICY', policy.id),
      policyUseShardPrefix,
    ),
  );
}

/**
 * The use counts of several policies of one account, in their order: every shard of each read by
 * consistent BatchGetItem (16 keys a policy, 100 a request), at most `width` requests at once (a
 * ListPolicies page of 100 is 16 requests, all at once: measured on DynamoDB Local, it beat one
 * Query per policy at 8–32 at once, and BatchGets one after another).
 */
export async function readPoliciesUses(
  context: StoreContext,
  policies: readonly Pick<StoredPolicyRef, 'accountId' | 'id'>[],
  width = 16,
): Promise<PolicyUses[]> {
  const keys = policies.flatMap((policy) =>
    allShards.map((shard) => policyUseShardKey(policy.accountId, policy.id, shard)),
  );
  const byPartition = new Map<string, Record<string, unknown>[]>();
  for (const item of await batchGetItems(context, keys, width)) {
    const pk = String(item.pk);
    byPartition.set(pk, [...(byPartition.get(pk) ?? []), item]);
  }
  return policies.map((policy) =>
    sumUses(byPartition.get(entityPartition(policy.accountId, 'POLICY', policy.id)) ?? []),
  );
}

/**
 * How many principals of an account each operator-managed policy is attached to: a COUNT Query of
 * its reverse items in the account (at most one per principal; a handful of policies).
 */
export async function readPlatformPoliciesUses(
  context: StoreContext,
  accountId: string,
  policies: readonly { readonly name: string }[],
): Promise<PolicyUses[]> {
  const count = async (pk: string, prefix: string) => {
    let counted = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const result = await context.documents.send(
        new QueryCommand({
          TableName: context.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
          Select: 'COUNT',
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      counted += result.Count ?? 0;
      start = result.LastEvaluatedKey;
    } while (start);
    return counted;
  };
  return Promise.all(
    policies.map(async (policy) => {
      const pk = platformPolicyUsePartition(accountId, policy.name);
      const [attachments, boundaries] = await Promise.all([
        count(pk, policyAttachmentPrefix),
        count(pk, platformPolicyBoundaryPrefix),
      ]);
      return { attachments, boundaries };
    }),
  );
}

/**
 * The write that records (or forgets) an operator-managed policy as a user's or role's permissions
 * boundary: its reverse item in the account, which PermissionsBoundaryUsageCount counts.
 */
export function platformBoundaryUseWrite(
  holder: { readonly accountId: string; readonly kind: 'user' | 'role'; readonly id: string },
  policyName: string,
  used: boolean,
): GuardedWrite {
  const key = platformPolicyBoundaryKey(
    holder.accountId,
    policyName,
    holder.kind === 'user' ? 'USER' : 'ROLE',
    holder.id,
  );
  return used
    ? {
        write: {
          Put: {
            Item: { ...key, entity: 'platform-policy-boundary', kind: holder.kind, principalId: holder.id },
          },
        },
      }
    : { write: { Delete: { Key: key } } };
}

/**
 * Runs `write` holding one of the policy's use shards that no other write of this process holds
 * (counter-shards.ts `withShard`): the shard a new attachment or boundary use is counted in. With
 * `held`, holds exactly that shard (a use given back), so this process's writers of it take turns.
 */
export function withPolicyUseShard<T>(
  policy: Pick<StoredPolicyRef, 'accountId' | 'id'>,
  write: (shard: number) => Promise<T>,
  held?: number,
): Promise<T> {
  const counter = `${entityPartition(policy.accountId, 'POLICY', policy.id)}|uses`;
  return held === undefined ? withShard(counter, write) : withShard(counter, write, [held]);
}

/** One more (or one fewer) use of a policy in `shard`; the shard exists exactly while the policy does. */
function useShardChange(
  policy: Pick<StoredPolicyRef, 'accountId' | 'id'>,
  field: keyof PolicyUses,
  delta: 1 | -1,
  shard: number,
  missing: Failure,
): GuardedWrite {
  return {
    write: {
      Update: {
        Key: policyUseShardKey(policy.accountId, policy.id, shard),
        UpdateExpression: 'ADD #field :delta',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#field': field },
        ExpressionAttributeValues: { ':delta': delta },
      },
    },
    onConditionFailed: missing,
  };
}

/** Reads a managed policy's record by name (one GetItem of its name item, a complete copy). */
export async function getManagedPolicy(
  context: StoreContext,
  accountId: string,
  name: string,
): Promise<ManagedPolicyRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: entityNameKey(accountId, 'POLICY', name),
      ConsistentRead: true,
    }),
  );
  return result.Item ? toManagedPolicy(result.Item) : undefined;
}

/** Reads one version of a managed policy. */
export async function getPolicyVersion(
  context: StoreContext,
  policy: Pick<StoredPolicyRef, 'accountId' | 'id'>,
  versionId: string,
): Promise<PolicyVersionRecord | undefined> {
  if (!/^v[1-9]\d{0,5}$/.test(versionId)) return undefined;
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: policyVersionKey(policy.accountId, policy.id, versionId),
      ConsistentRead: true,
    }),
  );
  return result.Item ? toVersion(result.Item) : undefined;
}

/** Lists a policy's versions, oldest first. */
export async function listPolicyVersions(
  context: StoreContext,
  policy: Pick<StoredPolicyRef, 'accountId' | 'id'>,
): Promise<PolicyVersionRecord[]> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
      ExpressionAttributeValues: {
        ':pk': entityPartition(policy.accountId, 'POLICY', policy.id),
        ':v': policyVersionPrefix,
      },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map(toVersion);
}

/** Lists managed policies whose path starts with `pathPrefix`. */
export async function listManagedPolicies(
  context: StoreContext,
  accountId: string,
  page: PathPage,
): Promise<{ items: ManagedPolicyRecord[]; next?: string; nextId?: string }> {
  const listed = await queryPolicyPage(context, accountId, page);
  return { ...listed, items: listed.items.map(toManagedPolicy) };
}

/**
 * A customer-managed policy as ListPolicies shows it: no document, description or tags (IAM's
 * listing leaves out the last two; GetPolicy and GetPolicyVersion have them).
 */
export type ManagedPolicyListing = Pick<
  ManagedPolicyRecord,
  'accountId' | 'name' | 'path' | 'id' | 'arn' | 'defaultVersionId' | 'createdAt' | 'updatedAt'
>;

// The account is the listing's own; the default version's document (up to 6,144 characters per
// policy) is what a page would otherwise carry for nothing.
const POLICY_LISTING_ATTRIBUTES = [
  'name',
  'path',
  'id',
  'arn',
  'defaultVersionId',
  'createdAt',
  'updatedAt',
] as const satisfies readonly Exclude<keyof ManagedPolicyListing, 'accountId'>[];

/** One page of an account's managed policies as ListPolicies shows them, reading only those attributes. */
export async function listManagedPolicyListings(
  context: StoreContext,
  accountId: string,
  page: PathPage,
): Promise<{ items: ManagedPolicyListing[]; next?: string; nextId?: string }> {
  const listed = await queryPolicyPage(context, accountId, page, POLICY_LISTING_ATTRIBUTES);
  return {
    ...listed,
    items: listed.items.map((item) => ({
      accountId,
      name: String(item.name),
      path: String(item.path),
      id: String(item.id),
      arn: String(item.arn),
      defaultVersionId: String(item.defaultVersionId),
      createdAt: String(item.createdAt),
      updatedAt: String(item.updatedAt),
    })),
  };
}

function queryPolicyPage(
  context: StoreContext,
  accountId: string,
  page: PathPage,
  attributes?: readonly string[],
) {
  const partition = principalListPartition(accountId, 'POLICY');
  return queryPathListing(context, partition, page, (item) => String(item.path), attributes);
}

/**
 * Adds a version (v<nextVersion>) unless five exist; optionally makes it the default. Conditions
 * on the policy record make concurrent creators take turns: at most five versions, ever.
 */
export async function putPolicyVersion(
  context: StoreContext,
  current: ManagedPolicyRecord,
  document: string,
  setAsDefault: boolean,
  createdAt: string,
  maxVersions = 5,
): Promise<Result<PolicyVersionRecord>> {
  if (current.versionCount >= maxVersions) {
    return fail(
      'quota.exceeded',
      `A managed policy can have up to ${maxVersions} versions. Before you create a new version, you must delete an existing version.`,
    );
  }
  const versionId = `v${current.nextVersion}`;
  const written = await transact(context, [
    ...recordUpdateWrites(
      entityOf(current),
      {
        set: [
          'nextVersion = :next',
          'versionCount = versionCount + :one',
          'updatedAt = :now',
          ...(setAsDefault
            ? [
                'defaultVersionId = :v',
                'defaultDocument = :doc',
                'version = if_not_exists(version, :zero) + :one',
              ]
            : []),
        ],
        condition: 'nextVersion = :current AND versionCount < :max',
        values: {
          ':next': current.nextVersion + 1,
          ':current': current.nextVersion,
          ':one': 1,
          ':max': maxVersions,
          ':now': createdAt,
          ...(setAsDefault ? { ':v': versionId, ':doc': document, ':zero': 0 } : {}),
        },
      },
      fail(
        'entity.concurrent-modification',
        'The policy changed meanwhile (another version was created or deleted); retry.',
      ),
    ),
    {
      write: {
        Put: {
          Item: {
            ...policyVersionKey(current.accountId, current.id, versionId),
            entity: 'policy-version',
            versionId,
            document,
            createdAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
  ]);
  return written.ok ? ok({ versionId, document, createdAt }) : written;
}

/** Makes an existing version the default. */
export async function setDefaultPolicyVersion(
  context: StoreContext,
  current: ManagedPolicyRecord,
  version: PolicyVersionRecord,
  now: string,
): Promise<Result<void>> {
  const versionId = version.versionId;
  return transact(context, [
    {
      write: {
        ConditionCheck: {
          Key: policyVersionKey(current.accountId, current.id, versionId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: fail(
        'entity.not-found',
        `Policy ${current.arn} version ${versionId} does not exist or is not attachable.`,
      ),
    },
    ...recordUpdateWrites(
      entityOf(current),
      {
        set: [
          'defaultVersionId = :v',
          'defaultDocument = :doc',
          'updatedAt = :now',
          'version = if_not_exists(version, :zero) + :one',
        ],
        condition: 'attribute_exists(pk)',
        // Versions are immutable, so the document read with the version is still its document.
        values: { ':v': versionId, ':doc': version.document, ':now': now, ':zero': 0, ':one': 1 },
      },
      fail('entity.not-found', `Policy ${current.arn} does not exist.`),
    ),
  ]);
}

/** Deletes a non-default version. */
export async function deletePolicyVersion(
  context: StoreContext,
  current: ManagedPolicyRecord,
  versionId: string,
): Promise<Result<void>> {
  if (versionId === current.defaultVersionId) {
    return fail('entity.delete-conflict', 'Cannot delete the default version of a policy.');
  }
  return transact(context, [
    {
      write: {
        Delete: {
          Key: policyVersionKey(current.accountId, current.id, versionId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: fail(
        'entity.not-found',
        `Policy ${current.arn} version ${versionId} does not exist.`,
      ),
    },
    ...recordUpdateWrites(
      entityOf(current),
      {
        set: ['versionCount = versionCount - :one'],
        condition: 'defaultVersionId <> :v',
        values: { ':one': 1, ':v': versionId },
      },
      fail('entity.delete-conflict', 'Cannot delete the default version of a policy.'),
    ),
  ]);
}

/**
 * Deletes a policy that is unattached, no principal's boundary, and down to its default version.
 * Its use shards go with it, each only while it is zero: a use counted meanwhile cancels the deletion.
 */
export async function deleteManagedPolicy(
  context: StoreContext,
  current: ManagedPolicyRecord,
): Promise<Result<void>> {
  const inUse = fail(
    'entity.delete-conflict',
    'Cannot delete a policy attached to entities or in use as a permissions boundary.',
  );
  const uses = await readPolicyUses(context, current);
  if (uses.attachments > 0 || uses.boundaries > 0) return inUse;
  if (current.versionCount > 1) {
    return fail(
      'entity.delete-conflict',
      "This policy has more than one version. Before you delete a policy, you must delete the policy's non-default versions.",
    );
  }
  return transact(context, [
    ...recordDeletionWrites(
      entityOf(current),
      {
        expression: 'versionCount = :one',
        values: { ':one': 1 },
      },
      fail(
        'entity.delete-conflict',
        'Cannot delete a policy attached to entities, in use as a permissions boundary, or with non-default versions.',
      ),
    ),
    {
      write: {
        Delete: { Key: policyVersionKey(current.accountId, current.id, current.defaultVersionId) },
      },
    },
    ...allShards.map(
      (shard): GuardedWrite => ({
        write: {
          Delete: {
            Key: policyUseShardKey(current.accountId, current.id, shard),
            ConditionExpression:
              '(attribute_not_exists(attachments) OR attachments = :zero) AND (attribute_not_exists(boundaries) OR boundaries = :zero)',
            ExpressionAttributeValues: { ':zero': 0 },
          },
        },
        onConditionFailed: inUse,
      }),
    ),
    ...releaseCount(current.accountId, 'policies', current.quotaShard),
  ]);
}

/**
 * Attaches a managed policy to a principal within the per-principal quota. `customer` is the
 * policy when it is customer-managed: its reverse item is written too, and the attachment is
 * counted in one of its use shards (recorded on the reverse item), never on its record; platform
 * policies have neither.
 */
export async function attachPolicy(
  context: StoreContext,
  target: PrincipalRef,
  attachment: AttachmentRecord,
  customer: StoredPolicyRef | undefined,
  maxAttached: number,
): Promise<Result<void>> {
  const writes = (useShard: number | undefined): GuardedWrite[] => [
    {
      write: {
        Update: {
          Key: principalKey(target.accountId, target.kind, target.id),
          UpdateExpression:
            'SET counters.attachedPolicies = counters.attachedPolicies + :one, version = version + :one',
          ConditionExpression: 'attribute_exists(pk) AND counters.attachedPolicies < :max',
          ExpressionAttributeValues: { ':one': 1, ':max': maxAttached },
        },
      },
      onConditionFailed: fail(
        'quota.exceeded',
        `Cannot exceed quota for PoliciesPerUser: ${maxAttached}`.replace('User', capitalised(target.kind)),
      ),
    },
    {
      write: {
        Put: {
          Item: {
            ...attachedPolicyKey(target.accountId, KIND_KEY[target.kind], target.id, attachment.policyArn),
            entity: 'attachment',
            ...attachment,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      // Attaching twice is a no-op in IAM; the caller treats this code as success.
      onConditionFailed: fail('entity.already-exists', 'The policy is already attached.'),
    },
    ...legacyAttachmentAbsent(target, attachment.policyArn),
    ...(customer
      ? []
      : [
          {
            write: {
              Put: {
                Item: {
                  ...platformPolicyAttachmentKey(
                    target.accountId,
                    attachment.policyName,
                    KIND_KEY[target.kind],
                    target.id,
                  ),
                  entity: 'platform-policy-attachment',
                  kind: target.kind,
                  principalId: target.id,
                },
              },
            },
          },
        ]),
    ...(customer && useShard !== undefined
      ? [
          {
            write: {
              Put: {
                Item: {
                  ...policyAttachmentKey(customer.accountId, customer.id, KIND_KEY[target.kind], target.id),
                  entity: 'policy-attachment',
                  kind: target.kind,
                  principalId: target.id,
                  useShard,
                },
              },
            },
          },
          useShardChange(
            customer,
            'attachments',
            1,
            useShard,
            fail('entity.not-found', `Policy ${attachment.policyArn} does not exist or is not attachable.`),
          ),
        ]
      : []),
    nameVersionBump(target),
  ];
  return customer
    ? withPolicyUseShard(customer, (useShard) => transact(context, writes(useShard)))
    : transact(context, writes(undefined));
}

/**
 * Detaches a managed policy from a principal. For a customer policy, its reverse item is read
 * first for the shard the attachment was counted in, and the count goes back there (an attachment
 * recording no shard was counted in none, and gives nothing back).
 */
export async function detachPolicy(
  context: StoreContext,
  target: PrincipalRef,
  policyArn: string,
  customer: StoredPolicyRef | undefined,
): Promise<Result<void>> {
  const reverseKey =
    customer && policyAttachmentKey(customer.accountId, customer.id, KIND_KEY[target.kind], target.id);
  const reverse = reverseKey
    ? (
        await context.documents.send(
          new GetCommand({ TableName: context.tableName, Key: reverseKey, ConsistentRead: true }),
        )
      ).Item
    : undefined;
  const useShard = typeof reverse?.useShard === 'number' ? reverse.useShard : undefined;
  const writes: GuardedWrite[] = [
    {
      write: {
        Delete: {
          Key: attachedPolicyKey(target.accountId, KIND_KEY[target.kind], target.id, policyArn),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.not-found', `Policy ${policyArn} was not found.`),
    },
    {
      write: {
        Update: {
          Key: principalKey(target.accountId, target.kind, target.id),
          UpdateExpression:
            'SET counters.attachedPolicies = counters.attachedPolicies - :one, version = version + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
    },
  ];
  if (!customer) {
    // An operator-managed policy's reverse item (absent for attachments made before it was kept).
    writes.push({
      write: {
        Delete: {
          Key: platformPolicyAttachmentKey(
            target.accountId,
            policyArn.slice(policyArn.lastIndexOf('/') + 1),
            KIND_KEY[target.kind],
            target.id,
          ),
        },
      },
    });
  }
  if (customer && reverseKey) {
    writes.push({
      write: {
        Delete: {
          Key: reverseKey,
          // INVARIANT: the shard given back is the one this attachment was counted in.
          ...(useShard === undefined
            ? {}
            : {
                ConditionExpression: 'useShard = :shard',
                ExpressionAttributeValues: { ':shard': useShard },
              }),
        },
      },
      onConditionFailed: fail(
        'entity.concurrent-modification',
        `The attachment of ${policyArn} to ${target.name} changed meanwhile; retry.`,
      ),
    });
    if (useShard !== undefined) {
      writes.push(
        useShardChange(
          customer,
          'attachments',
          -1,
          useShard,
          fail('entity.not-found', `Policy ${policyArn} does not exist.`),
        ),
      );
    }
  }
  const written = () => transact(context, [...writes, nameVersionBump(target)]);
  const detached = await (customer && useShard !== undefined
    ? withPolicyUseShard(customer, written, useShard)
    : written());
  const legacy = legacyPolicyArn(policyArn);
  if (detached.ok || detached.code !== 'entity.not-found' || customer || !legacy) return detached;
  // An operator policy attached before its ARN changed is keyed by its legacy ARN.
  const legacyDetached = await detachPolicy(context, target, legacy, undefined);
  return legacyDetached.ok ? legacyDetached : detached;
}

/** For an operator-managed policy: its attachment under the legacy ARN (items written before) is absent. */
function legacyAttachmentAbsent(target: PrincipalRef, policyArn: string): GuardedWrite[] {
  const legacy = legacyPolicyArn(policyArn);
  if (!legacy) return [];
  return [
    {
      write: {
        ConditionCheck: {
          Key: attachedPolicyKey(target.accountId, KIND_KEY[target.kind], target.id, legacy),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.already-exists', 'The policy is already attached.'),
    },
  ];
}

/** Lists the managed policies attached to a principal. */
export async function listAttachedPolicies(
  context: StoreContext,
  principal: Pick<PrincipalRef, 'accountId' | 'kind' | 'id'>,
): Promise<AttachmentRecord[]> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
      ExpressionAttributeValues: {
        ':pk': principalPartitionOf(principal),
        ':a': attachedPolicyPrefix,
      },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map((item) => ({
    policyArn: currentPolicyArn(String(item.policyArn)),
    policyName: String(item.policyName),
  }));
}

/**
 * Counts a customer policy's use as a permissions boundary up or down in `shard` (the one the
 * principal records as its `permissionsBoundaryShard`; absent: a use counted in no shard, nothing
 * to move). Deletion is refused while any shard counts a use.
 */
export function boundaryUsageChange(
  policy: StoredPolicyRef,
  delta: 1 | -1,
  shard: number | undefined,
): GuardedWrite[] {
  if (shard === undefined) return [];
  return [
    useShardChange(
      policy,
      'boundaries',
      delta,
      shard,
      fail('entity.not-found', `Policy ${policy.name} does not exist.`),
    ),
  ];
}

function toVersion(item: Record<string, unknown>): PolicyVersionRecord {
  return {
    versionId: String(item.versionId),
    document: String(item.document),
    createdAt: String(item.createdAt),
  };
}

/** Converts a stored item into a managed policy record. */
export function toManagedPolicy(item: Record<string, unknown>): ManagedPolicyRecord {
  return {
    accountId: String(item.accountId),
    name: String(item.name),
    path: String(item.path),
    id: String(item.id),
    arn: String(item.arn),
    ...(typeof item.description === 'string' ? { description: item.description } : {}),
    defaultVersionId: String(item.defaultVersionId),
    defaultDocument: String(item.defaultDocument),
    versionCount: Number(item.versionCount),
    nextVersion: Number(item.nextVersion),
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
    tags: (item.tags as Tag[] | undefined) ?? [],
    ...(typeof item.tagRevision === 'number' ? { tagRevision: item.tagRevision } : {}),
    ...(typeof item.quotaShard === 'number' ? { quotaShard: item.quotaShard } : {}),
  };
}

/** Reads several managed policy records of one account by name in one round trip (BatchGetItem of name items). */
export async function getManagedPolicies(
  context: StoreContext,
  accountId: string,
  names: readonly string[],
): Promise<ManagedPolicyRecord[]> {
  return (await getManagedPoliciesStamped(context, accountId, names)).records;
}

/** Like getManagedPolicies, with the stamp of each record read (absent ones included) for caches. */
export async function getManagedPoliciesStamped(
  context: StoreContext,
  accountId: string,
  names: readonly string[],
): Promise<{ records: ManagedPolicyRecord[]; stamps: RecordStamp[] }> {
  const unique = [...new Set(names.map((name) => name.toLowerCase()))];
  const keys = unique.map((name) => entityNameKey(accountId, 'POLICY', name));
  const items = await batchGetItems(context, keys);
  // The name items are exact copies of the records (version included), and their id tells a policy
  // deleted and created again apart: what a cached bundle naming the policy by ARN must follow.
  const stamps = keys.map((key) => {
    const item = items.find((found) => found.pk === key.pk && found.sk === key.sk);
    return item ? recordStamp(item) : absentStamp(key);
  });
  return { records: items.map(toManagedPolicy), stamps };
}
