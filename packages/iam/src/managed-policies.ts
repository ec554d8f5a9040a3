/**
 * Customer-managed policies and their versions: CreatePolicy, GetPolicy, ListPolicies,
 * DeletePolicy, Create/Get/List/DeletePolicyVersion, SetDefaultPolicyVersion. Operator-managed
 * policies appear in GetPolicy and ListPolicies (Scope AWS) but cannot be changed.
 */
import { generateUniqueId } from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import {
  boolean,
  type Caller,
  denialOf,
  entityArn,
  listing,
  listPlatformPolicies,
  type OperationTable,
  operation,
  type PlatformPolicy,
  pageInMemory,
  platformPolicyArn,
} from '@palisade/principals';
import {
  deleteManagedPolicy,
  deletePolicyVersion,
  getPolicyVersion,
  listManagedPolicyListings,
  listPolicyVersions,
  type ManagedPolicyListing,
  type ManagedPolicyRecord,
  type PolicyUses,
  principalListKey,
  putNewManagedPolicy,
  putPolicyVersion,
  readPlatformPoliciesUses,
  readPoliciesUses,
  readPolicyUses,
  setDefaultPolicyVersion,
} from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import {
  description,
  paging,
  path,
  pathPrefix,
  policyArn,
  policyDocument,
  policyName,
  tags,
  versionId,
} from './iam-inputs.ts';
import { entityListingCursor } from './listing-markers.ts';
import { loadAuthorizedPolicy, type ManagedPolicyRef } from './managed-policy-refs.ts';
import { checkSizedPolicy } from './policy-checks.ts';

/**
 * IAM's `Policy` structure for a customer-managed policy, with its use counts (read from its shards);
 * from a listing (ListPolicies), without the description and tags IAM's listing leaves out.
 */
export function customerPolicyShape(
  record: ManagedPolicyListing & Partial<Pick<ManagedPolicyRecord, 'description' | 'tags'>>,
  uses: PolicyUses,
  withTags = false,
) {
  return {
    PolicyName: record.name,
    PolicyId: record.id,
    Arn: record.arn,
    Path: record.path,
    DefaultVersionId: record.defaultVersionId,
    AttachmentCount: uses.attachments,
    PermissionsBoundaryUsageCount: uses.boundaries,
    IsAttachable: true,
    ...(record.description ? { Description: record.description } : {}),
    CreateDate: new Date(record.createdAt),
    UpdateDate: new Date(record.updatedAt),
    ...(withTags && record.tags?.length ? { Tags: record.tags } : {}),
  };
}

const NO_USES: PolicyUses = { attachments: 0, boundaries: 0 };

/** A policy as ListPolicies shows it: IAM's listing leaves out the description (GetPolicy has it). */
function listedPolicy<T extends { readonly Description?: string }>(policy: T): Omit<T, 'Description'> {
  const { Description: _description, ...listed } = policy;
  return listed;
}

/** IAM's `Policy` structure for an operator-managed policy, with its uses in the caller's account. */
export function platformPolicyShape(partition: string, policy: PlatformPolicy, uses: PolicyUses = NO_USES) {
  return {
    PolicyName: policy.name,
    PolicyId: policy.id,
    Arn: platformPolicyArn(partition, policy),
    Path: policy.path,
    DefaultVersionId: policy.versionId,
    AttachmentCount: uses.attachments,
    PermissionsBoundaryUsageCount: uses.boundaries,
    IsAttachable: true,
    Description: policy.description,
    CreateDate: new Date(policy.createdAt),
    UpdateDate: new Date(policy.createdAt),
  };
}

/** The managed policy operations, by AWS action name. */
export function managedPolicyOperations(context: IamContext) {
  const checkDocument = (document: string): Result<void> =>
    checkSizedPolicy(
      context.checkPolicy,
      document,
      'identity',
      context.quotas.managedPolicySize,
      'PolicySize',
    );

  /** Resolves a policy the caller may act on with `action`. */
  const authorized = (caller: Caller, arn: string, action: string): Promise<Result<ManagedPolicyRef>> =>
    loadAuthorizedPolicy(context, caller, arn, action);
  const customerOnly = (ref: ManagedPolicyRef): Result<ManagedPolicyRecord> =>
    ref.scope === 'customer'
      ? ok(ref.record)
      : fail('access.denied', `Policy ${ref.arn} is managed by the operator and cannot be changed.`);

  return {
    CreatePolicy: operation(
      z.object({
        PolicyName: policyName,
        Path: path.optional(),
        PolicyDocument: policyDocument,
        Description: description.optional(),
        Tags: tags.optional(),
      }),
      async (caller, input) => {
        const policyPath = input.Path ?? '/';
        const arn = entityArn(context.partition, caller.accountId, 'policy', policyPath, input.PolicyName);
        const denied = denialOf(
          caller,
          'iam:CreatePolicy',
          arn,
          input.Tags ? { requestTags: input.Tags } : {},
        );
        if (denied) return denied;
        const checked = checkDocument(input.PolicyDocument);
        if (!checked.ok) return checked;
        const created = await putNewManagedPolicy(
          context.store,
          {
            accountId: caller.accountId,
            name: input.PolicyName,
            path: policyPath,
            id: generateUniqueId('managed-policy'),
            arn,
            createdAt: context.now().toISOString(),
            tags: input.Tags ?? [],
            ...(input.Description ? { description: input.Description } : {}),
          },
          input.PolicyDocument,
          context.quotas.policiesPerAccount,
        );
        return created.ok
          ? ok({ Policy: customerPolicyShape(created.value, { attachments: 0, boundaries: 0 }, true) })
          : created;
      },
    ),

    GetPolicy: operation(z.object({ PolicyArn: policyArn }), async (caller, input) => {
      const ref = await authorized(caller, input.PolicyArn, 'iam:GetPolicy');
      if (!ref.ok) return ref;
      return ok({
        Policy:
          ref.value.scope === 'customer'
            ? customerPolicyShape(
                ref.value.record,
                await readPolicyUses(context.store, ref.value.record),
                true,
              )
            : platformPolicyShape(
                context.partition,
                ref.value.policy,
                (await readPlatformPoliciesUses(context.store, caller.accountId, [ref.value.policy]))[0],
              ),
      });
    }),

    ListPolicies: operation(
      z.object({
        Scope: z.enum(['All', 'AWS', 'Local']).optional(),
        OnlyAttached: boolean.optional(),
        PathPrefix: pathPrefix.optional(),
        PolicyUsageFilter: z.enum(['PermissionsPolicy', 'PermissionsBoundary']).optional(),
        ...paging,
      }),
      async (caller, input) => {
        const denied = denialOf(caller, 'iam:ListPolicies', '*');
        if (denied) return denied;
        const scope = input.Scope ?? 'All';
        const prefix = input.PathPrefix ?? '/';
        const limit = input.MaxItems ?? 100;
        const after = await entityListingCursor(context, caller.accountId, 'POLICY', input.Marker, prefix);
        if (!after.ok) return after;
        // One listing in the order of the account's policy listing key: operator-managed policies
        // take their place among the customer ones, inside MaxItems like any other.
        const keyOf = (policy: { path: string; name: string }) =>
          principalListKey(caller.accountId, 'POLICY', policy.path, policy.name).gsi1sk;
        const page =
          scope === 'AWS'
            ? { items: [] }
            : await listManagedPolicyListings(context.store, caller.accountId, {
                limit,
                pathPrefix: prefix,
                ...(after.value ? { after: after.value } : {}),
              });
        const platform =
          scope === 'Local'
            ? []
            : listPlatformPolicies().filter((policy) => {
                const key = keyOf(policy);
                return (
                  policy.path.startsWith(prefix) &&
                  (after.value === undefined || key > after.value) &&
                  (page.next === undefined || key <= page.next)
                );
              });
        const [customerUses, platformUses] = await Promise.all([
          readPoliciesUses(context.store, page.items),
          readPlatformPoliciesUses(context.store, caller.accountId, platform),
        ]);
        const merged = [
          ...page.items.map((record, index) => ({
            key: keyOf(record),
            id: record.id,
            uses: customerUses[index] ?? NO_USES,
            shape: (uses: PolicyUses) => customerPolicyShape(record, uses),
          })),
          ...platform.map((policy, index) => ({
            key: keyOf(policy),
            id: undefined,
            uses: platformUses[index] ?? NO_USES,
            shape: (uses: PolicyUses) => platformPolicyShape(context.partition, policy, uses),
          })),
        ].sort((a, b) => (a.key < b.key ? -1 : 1));
        const emitted = merged.slice(0, limit);
        const last = emitted.at(-1);
        const next = merged.length > limit ? last : undefined;
        const wanted = ({ uses }: { uses: PolicyUses }) =>
          (!input.OnlyAttached || uses.attachments > 0 || uses.boundaries > 0) &&
          (input.PolicyUsageFilter === 'PermissionsPolicy'
            ? uses.attachments > 0
            : input.PolicyUsageFilter === 'PermissionsBoundary'
              ? uses.boundaries > 0
              : true);
        return ok(
          listing(
            'Policies',
            emitted.filter(wanted).map((entry) => listedPolicy(entry.shape(entry.uses))),
            next ? next.key : page.next,
            next ? next.id : page.nextId,
          ),
        );
      },
    ),

    DeletePolicy: operation(z.object({ PolicyArn: policyArn }), async (caller, input) => {
      const ref = await authorized(caller, input.PolicyArn, 'iam:DeletePolicy');
      if (!ref.ok) return ref;
      const record = customerOnly(ref.value);
      if (!record.ok) return record;
      const deleted = await deleteManagedPolicy(context.store, record.value);
      return deleted.ok ? ok(undefined) : deleted;
    }),

    CreatePolicyVersion: operation(
      z.object({ PolicyArn: policyArn, PolicyDocument: policyDocument, SetAsDefault: boolean.optional() }),
      async (caller, input) => {
        const ref = await authorized(caller, input.PolicyArn, 'iam:CreatePolicyVersion');
        if (!ref.ok) return ref;
        const record = customerOnly(ref.value);
        if (!record.ok) return record;
        const checked = checkDocument(input.PolicyDocument);
        if (!checked.ok) return checked;
        const setAsDefault = input.SetAsDefault ?? false;
        const created = await putPolicyVersion(
          context.store,
          record.value,
          input.PolicyDocument,
          setAsDefault,
          context.now().toISOString(),
          context.quotas.versionsPerPolicy,
        );
        if (!created.ok) return created;
        return ok({
          PolicyVersion: {
            VersionId: created.value.versionId,
            IsDefaultVersion: setAsDefault,
            CreateDate: new Date(created.value.createdAt),
          },
        });
      },
    ),

    GetPolicyVersion: operation(
      z.object({ PolicyArn: policyArn, VersionId: versionId }),
      async (caller, input) => {
        const ref = await authorized(caller, input.PolicyArn, 'iam:GetPolicyVersion');
        if (!ref.ok) return ref;
        if (ref.value.scope === 'platform') {
          const policy = ref.value.policy;
          if (input.VersionId !== policy.versionId)
            return fail(
              'entity.not-found',
              `Policy ${ref.value.arn} version ${input.VersionId} does not exist.`,
            );
          return ok({
            PolicyVersion: {
              Document: policy.document,
              VersionId: policy.versionId,
              IsDefaultVersion: true,
              CreateDate: new Date(policy.createdAt),
            },
          });
        }
        const record = ref.value.record;
        const version = await getPolicyVersion(context.store, record, input.VersionId);
        if (!version)
          return fail(
            'entity.not-found',
            `Policy ${record.arn} version ${input.VersionId} does not exist or is not attachable.`,
          );
        return ok({
          PolicyVersion: {
            Document: version.document,
            VersionId: version.versionId,
            IsDefaultVersion: version.versionId === record.defaultVersionId,
            CreateDate: new Date(version.createdAt),
          },
        });
      },
    ),

    ListPolicyVersions: operation(z.object({ PolicyArn: policyArn, ...paging }), async (caller, input) => {
      const ref = await authorized(caller, input.PolicyArn, 'iam:ListPolicyVersions');
      if (!ref.ok) return ref;
      const defaultVersionId =
        ref.value.scope === 'platform' ? ref.value.policy.versionId : ref.value.record.defaultVersionId;
      const versions =
        ref.value.scope === 'platform'
          ? [{ versionId: ref.value.policy.versionId, createdAt: ref.value.policy.createdAt }]
          : await listPolicyVersions(context.store, ref.value.record);
      // At most versionsPerPolicy: paged in memory, newest first as IAM lists them.
      const page = pageInMemory(
        versions,
        (v) => String(1e6 - Number(v.versionId.slice(1))).padStart(7, '0'),
        input.Marker,
        input.MaxItems,
      );
      if (!page.ok) return page;
      return ok(
        listing(
          'Versions',
          page.value.items.map((v) => ({
            VersionId: v.versionId,
            IsDefaultVersion: v.versionId === defaultVersionId,
            CreateDate: new Date(v.createdAt),
          })),
          page.value.next,
        ),
      );
    }),

    SetDefaultPolicyVersion: operation(
      z.object({ PolicyArn: policyArn, VersionId: versionId }),
      async (caller, input) => {
        const ref = await authorized(caller, input.PolicyArn, 'iam:SetDefaultPolicyVersion');
        if (!ref.ok) return ref;
        const record = customerOnly(ref.value);
        if (!record.ok) return record;
        const version = await getPolicyVersion(context.store, record.value, input.VersionId);
        if (!version)
          return fail(
            'entity.not-found',
            `Policy ${record.value.arn} version ${input.VersionId} does not exist.`,
          );
        const set = await setDefaultPolicyVersion(
          context.store,
          record.value,
          version,
          context.now().toISOString(),
        );
        return set.ok ? ok(undefined) : set;
      },
    ),

    DeletePolicyVersion: operation(
      z.object({ PolicyArn: policyArn, VersionId: versionId }),
      async (caller, input) => {
        const ref = await authorized(caller, input.PolicyArn, 'iam:DeletePolicyVersion');
        if (!ref.ok) return ref;
        const record = customerOnly(ref.value);
        if (!record.ok) return record;
        const deleted = await deletePolicyVersion(context.store, record.value, input.VersionId);
        return deleted.ok ? ok(undefined) : deleted;
      },
    ),
  } satisfies OperationTable;
}
