/** GetAccountAuthorizationDetails: everything in an account, in IAM's export shape. */
import { fail, ok, type Result } from '@palisade/failures';
import {
  denialOf,
  encodeListingMarker,
  list,
  listPlatformPolicies,
  type OperationTable,
  operation,
  type PlatformPolicy,
  readMarker,
} from '@palisade/principals';
import {
  getPrincipalsByIds,
  listManagedPolicies,
  listPolicyVersions,
  listPrincipals,
  type ManagedPolicyRecord,
  type PrincipalKind,
  type PrincipalRecord,
  pathListingCursor,
  readPlatformPoliciesUses,
  readPoliciesUses,
  readPrincipalPartition,
  type StoreContext,
} from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { paging } from './iam-inputs.ts';
import { customerPolicyShape, platformPolicyShape } from './managed-policies.ts';
import { boundaryShape } from './principal-shapes.ts';

const FILTERS = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;

/** Every principal of a kind in an account, all pages. */
export async function everyPrincipal(
  store: StoreContext,
  accountId: string,
  kind: PrincipalKind,
): Promise<PrincipalRecord[]> {
  const all: PrincipalRecord[] = [];
  let after: string | undefined;
  do {
    const page = await listPrincipals(store, accountId, kind, { limit: 1000, ...(after ? { after } : {}) });
    all.push(...page.items);
    after = page.next;
  } while (after);
  return all;
}

async function principalDetails(store: StoreContext, record: PrincipalRecord) {
  const items = await readPrincipalPartition(store, record);
  const inline = items
    .filter((item) => item.entity === 'inline-policy')
    .map((item) => ({ PolicyName: String(item.name), PolicyDocument: String(item.document) }));
  const attached = items
    .filter((item) => item.entity === 'attachment')
    .map((item) => ({ PolicyName: String(item.policyName), PolicyArn: String(item.policyArn) }));
  // Memberships name groups by id: one BatchGet of the group records gives their names.
  const groupIds = items.filter((item) => item.entity === 'membership').map((item) => String(item.groupId));
  const groups = groupIds.length
    ? (await getPrincipalsByIds(store, record.accountId, 'group', groupIds)).map((group) => group.name)
    : [];
  const boundary = boundaryShape(record);
  const common = {
    Path: record.path,
    Arn: record.arn,
    CreateDate: new Date(record.createdAt),
    AttachedManagedPolicies: attached,
  };
  switch (record.kind) {
    case 'user':
      return {
        UserName: record.name,
        UserId: record.id,
        ...common,
        UserPolicyList: inline,
        GroupList: groups,
        Tags: record.tags,
        ...boundary,
      };
    case 'group':
      return { GroupName: record.name, GroupId: record.id, ...common, GroupPolicyList: inline };
    case 'role':
      return {
        RoleName: record.name,
        RoleId: record.id,
        ...common,
        AssumeRolePolicyDocument: record.assumeRolePolicyDocument ?? '',
        RolePolicyList: inline,
        InstanceProfileList: [],
        Tags: record.tags,
        ...boundary,
      };
  }
}

/**
 * The export is one listing of five segments in order (users, groups, roles, customer policies,
 * operator-managed policies), each read a page at a time from its own listing: a marker names the
 * segment (one letter) and the cursor within it, so MaxItems counts entities across segments.
 */
const SEGMENTS = [
  { filter: 'User', letter: 'U', kind: 'USER' },
  { filter: 'Group', letter: 'G', kind: 'GROUP' },
  { filter: 'Role', letter: 'R', kind: 'ROLE' },
  { filter: 'LocalManagedPolicy', letter: 'L', kind: 'POLICY' },
  { filter: 'AWSManagedPolicy', letter: 'A', kind: undefined },
] as const;

type Segment = (typeof SEGMENTS)[number];
const PRINCIPAL_KIND = { USER: 'user', GROUP: 'group', ROLE: 'role' } as const;

interface SegmentPage {
  readonly principals: PrincipalRecord[];
  readonly policies: ManagedPolicyRecord[];
  readonly platform: PlatformPolicy[];
  readonly next?: string;
  readonly nextId?: string;
}

async function readSegment(
  context: IamContext,
  accountId: string,
  segment: Segment,
  limit: number,
  after: string | undefined,
): Promise<SegmentPage> {
  const page = { limit, ...(after ? { after } : {}) };
  if (segment.kind === undefined) {
    const all = listPlatformPolicies().filter((p) => after === undefined || p.name.toLowerCase() > after);
    const platform = all.slice(0, limit);
    const last = platform.at(-1);
    return {
      principals: [],
      policies: [],
      platform,
      ...(all.length > limit && last ? { next: last.name.toLowerCase() } : {}),
    };
  }
  if (segment.kind === 'POLICY') {
    const read = await listManagedPolicies(context.store, accountId, page);
    return { principals: [], platform: [], ...read, policies: read.items };
  }
  const read = await listPrincipals(context.store, accountId, PRINCIPAL_KIND[segment.kind], page);
  return { policies: [], platform: [], ...read, principals: read.items };
}

/** Where a marker continues the export: the segment and the cursor within it. */
async function exportPosition(
  context: IamContext,
  accountId: string,
  marker: string | undefined,
): Promise<Result<{ index: number; after: string | undefined }>> {
  const position = readMarker(marker, '');
  if (!position.ok) return position;
  if (!position.value) return ok({ index: 0, after: undefined });
  const { after, exact, resumeId } = position.value;
  const index = SEGMENTS.findIndex((segment) => segment.letter === after.charAt(0));
  const segment = SEGMENTS[index];
  if (!segment) return fail('request.invalid', 'Invalid Marker.');
  const near = after.slice(1);
  if (exact || segment.kind === undefined) return ok({ index, after: near || undefined });
  return ok({
    index,
    after: await pathListingCursor(context.store, accountId, segment.kind, resumeId, near),
  });
}

/** The export operation, by AWS action name. */
export function authorizationDetailsOperations(context: IamContext) {
  return {
    GetAccountAuthorizationDetails: operation(
      z.object({ Filter: list(z.enum(FILTERS), 5).optional(), ...paging }),
      async (caller, input) => {
        const denied = denialOf(caller, 'iam:GetAccountAuthorizationDetails', '*');
        if (denied) return denied;
        const wanted = new Set(input.Filter?.length ? input.Filter : FILTERS);
        const start = await exportPosition(context, caller.accountId, input.Marker);
        if (!start.ok) return start;
        const { store } = context;
        let remaining = input.MaxItems ?? 100;
        let after = start.value.after;
        const principals: PrincipalRecord[] = [];
        const policies: ManagedPolicyRecord[] = [];
        const platform: PlatformPolicy[] = [];
        let next: { cursor: string; id?: string } | undefined;
        for (const segment of SEGMENTS.slice(start.value.index)) {
          if (!wanted.has(segment.filter)) {
            after = undefined;
            continue;
          }
          if (remaining === 0) {
            // Whether anything follows: one item of the next wanted segment.
            const probe = await readSegment(context, caller.accountId, segment, 1, undefined);
            const found = probe.principals.length + probe.policies.length + probe.platform.length;
            if (found > 0 || probe.next) next = { cursor: segment.letter };
            if (next) break;
            continue;
          }
          const page = await readSegment(context, caller.accountId, segment, remaining, after);
          principals.push(...page.principals);
          policies.push(...page.policies);
          platform.push(...page.platform);
          remaining -= page.principals.length + page.policies.length + page.platform.length;
          after = undefined;
          if (page.next) {
            next = { cursor: `${segment.letter}${page.next}`, ...(page.nextId ? { id: page.nextId } : {}) };
            break;
          }
        }
        const ofKind = (kind: PrincipalKind) => principals.filter((p) => p.kind === kind);
        const [uses, platformUses] = await Promise.all([
          readPoliciesUses(store, policies),
          readPlatformPoliciesUses(store, caller.accountId, platform),
        ]);
        const marker = encodeListingMarker(next?.cursor, next?.id);
        return ok({
          UserDetailList: await Promise.all(ofKind('user').map((u) => principalDetails(store, u))),
          GroupDetailList: await Promise.all(ofKind('group').map((g) => principalDetails(store, g))),
          RoleDetailList: await Promise.all(ofKind('role').map((r) => principalDetails(store, r))),
          Policies: [
            ...(await Promise.all(
              policies.map(async (policy, index) => ({
                ...customerPolicyShape(policy, uses[index] ?? { attachments: 0, boundaries: 0 }),
                PolicyVersionList: (
                  await listPolicyVersions(store, policy)
                ).map((v) => ({
                  Document: v.document,
                  VersionId: v.versionId,
                  IsDefaultVersion: v.versionId === policy.defaultVersionId,
                  CreateDate: new Date(v.createdAt),
                })),
              })),
            )),
            ...platform.map((policy, index) => ({
              ...platformPolicyShape(context.partition, policy, platformUses[index]),
              PolicyVersionList: [
                {
                  Document: policy.document,
                  VersionId: policy.versionId,
                  IsDefaultVersion: true,
                  CreateDate: new Date(policy.createdAt),
                },
              ],
            })),
          ],
          IsTruncated: marker !== undefined,
          ...(marker ? { Marker: marker } : {}),
        });
      },
    ),
  } satisfies OperationTable;
}
