/**
 * When users and roles last called each service (access advisor) and when roles were last assumed
 * (GetRole's RoleLastUsed). Telemetry, not changes: each is one conditional single-item update
 * (unrecordedWrites) that only moves a timestamp forward past the granularity, so however many
 * processes record the same use, the table takes at most one write per principal, service and hour.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { fail, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import {
  isServiceLastAccessedJobId,
  lastAccessPartition,
  passwordLastUsedKey,
  roleLastUsedKey,
  serviceLastAccessedJobKey,
  serviceLastAccessKey,
  serviceLastAccessPrefix,
  type TrackedPrincipalKind,
} from './keys.ts';
import { queryWholePartition } from './partition-queries.ts';
import { batchGetItems } from './principals.ts';
import { transact, updateIfCondition } from './transactions.ts';

/** How often one principal's use of one service (or one role's assumption) is written at most. */
export const LAST_ACCESS_GRANULARITY_MS = 3_600_000;

/** How long last-access items are kept: AWS's tracking period is 400 days. */
const RETENTION_SECONDS = 400 * 24 * 3600;

/** A user or role whose accesses are tracked, by immutable id. */
export interface TrackedPrincipal {
  readonly accountId: string;
  readonly kind: TrackedPrincipalKind;
  readonly id: string;
}

/** One use: when, in which region, and (for services) the action called. */
export interface AccessUse {
  readonly at: Date;
  readonly region: string;
  readonly action?: string;
}

/** A principal's last access to one service. */
export interface ServiceLastAccess {
  readonly service: string;
  readonly lastAccessedAt: string;
  readonly region: string;
  /** The action of the call that recorded this access (the hourly write's). */
  readonly lastAction?: string;
}

/** When and where a role was last assumed. */
export interface RoleLastUsed {
  readonly lastUsedAt: string;
  readonly region: string;
}

/**
 * Moves the item's `lastAccessedAt` to `use.at` only when the stored one is older than the
 * granularity (one conditional update); false when a recent enough access was already recorded.
 */
function recordForward(
  context: StoreContext,
  key: { pk: string; sk: string },
  use: AccessUse,
  extra: Record<string, string>,
  granularityMs: number,
): Promise<boolean> {
  const values: Record<string, string | number> = {
    ':at': use.at.toISOString(),
    ':region': use.region,
    ':threshold': new Date(use.at.getTime() - granularityMs).toISOString(),
    ':expires': Math.floor(use.at.getTime() / 1000) + RETENTION_SECONDS,
  };
  const sets = ['lastAccessedAt = :at', 'lastRegion = :region', 'expiresAt = :expires'];
  for (const [name, value] of Object.entries(extra)) {
    sets.push(`${name} = :${name}`);
    values[`:${name}`] = value;
  }
  return updateIfCondition(context, {
    Key: key,
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: 'attribute_not_exists(lastAccessedAt) OR lastAccessedAt < :threshold',
    ExpressionAttributeValues: values,
  });
}

/** Records a principal's call to `service`, at most once per granularity (unrecordedWrites.recordServiceLastAccess). */
export function recordServiceLastAccess(
  context: StoreContext,
  principal: TrackedPrincipal,
  service: string,
  use: AccessUse,
  granularityMs = LAST_ACCESS_GRANULARITY_MS,
): Promise<boolean> {
  const key = serviceLastAccessKey(principal.accountId, principal.kind, principal.id, service);
  return recordForward(
    context,
    key,
    use,
    { entity: 'service-last-access', service, ...(use.action ? { lastAction: use.action } : {}) },
    granularityMs,
  );
}

/** Records that a role was assumed, at most once per granularity (unrecordedWrites.recordRoleUse). */
export function recordRoleUse(
  context: StoreContext,
  accountId: string,
  roleId: string,
  use: AccessUse,
  granularityMs = LAST_ACCESS_GRANULARITY_MS,
): Promise<boolean> {
  return recordForward(
    context,
    roleLastUsedKey(accountId, roleId),
    use,
    { entity: 'role-last-used' },
    granularityMs,
  );
}

/** Records a user's password sign-in, at most once per granularity (unrecordedWrites.recordPasswordUse). */
export function recordPasswordUse(
  context: StoreContext,
  accountId: string,
  userId: string,
  use: AccessUse,
  granularityMs = LAST_ACCESS_GRANULARITY_MS,
): Promise<boolean> {
  return recordForward(
    context,
    passwordLastUsedKey(accountId, userId),
    use,
    { entity: 'password-last-used' },
    granularityMs,
  );
}

/** When each of the users last signed in with a password (absent: not within the tracking period). */
export async function getPasswordsLastUsed(
  context: StoreContext,
  accountId: string,
  userIds: readonly string[],
): Promise<Map<string, string>> {
  const idByPartition = new Map(userIds.map((id) => [passwordLastUsedKey(accountId, id).pk, id]));
  const items = await batchGetItems(
    context,
    userIds.map((id) => passwordLastUsedKey(accountId, id)),
    2,
  );
  const used = new Map<string, string>();
  for (const item of items) {
    const id = idByPartition.get(String(item.pk));
    if (id && typeof item.lastAccessedAt === 'string') used.set(id, item.lastAccessedAt);
  }
  return used;
}

/** Every service a principal called within the tracking period, with when and where it last did. */
export async function listServiceLastAccess(
  context: StoreContext,
  principal: TrackedPrincipal,
): Promise<ServiceLastAccess[]> {
  const items = await queryWholePartition(
    context,
    lastAccessPartition(principal.accountId, principal.kind, principal.id),
    serviceLastAccessPrefix,
  );
  return items.map((item) => ({
    service: String(item.service),
    lastAccessedAt: String(item.lastAccessedAt),
    region: String(item.lastRegion),
    ...(typeof item.lastAction === 'string' ? { lastAction: item.lastAction } : {}),
  }));
}

/** When and where a role was last assumed, if it was within the tracking period. */
export async function getRoleLastUsed(
  context: StoreContext,
  accountId: string,
  roleId: string,
): Promise<RoleLastUsed | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: roleLastUsedKey(accountId, roleId) }),
  );
  const item = result.Item;
  if (!item || typeof item.lastAccessedAt !== 'string') return undefined;
  return { lastUsedAt: item.lastAccessedAt, region: String(item.lastRegion) };
}

/** How long an access advisor job's results are kept (TTL). */
const JOB_RETENTION_SECONDS = 7 * 24 * 3600;

/** An access advisor job as stored: what was asked and the results computed for it. */
export interface ServiceLastAccessedJob {
  readonly jobId: string;
  readonly accountId: string;
  readonly arn: string;
  readonly granularity: 'SERVICE_LEVEL' | 'ACTION_LEVEL';
  readonly createdAt: string;
  readonly completedAt: string;
  /** The results as JSON (the IAM service owns their shape). */
  readonly results: string;
}

/** Stores a finished job (one transaction, so the call's change record and audit event ride with it). */
export function putServiceLastAccessedJob(
  context: StoreContext,
  job: ServiceLastAccessedJob,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Put: {
          Item: {
            ...serviceLastAccessedJobKey(job.accountId, job.jobId),
            entity: 'access-advisor-job',
            ...job,
            expiresAt: Math.floor(Date.parse(job.createdAt) / 1000) + JOB_RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.already-exists', 'The job already exists.'),
    },
  ]);
}

/** A job of the account by id; undefined when unknown, expired or not an id Palisade issues. */
export async function getServiceLastAccessedJob(
  context: StoreContext,
  accountId: string,
  jobId: string,
): Promise<ServiceLastAccessedJob | undefined> {
  if (!isServiceLastAccessedJobId(jobId)) return undefined;
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: serviceLastAccessedJobKey(accountId, jobId) }),
  );
  const item = result.Item;
  if (!item || (typeof item.expiresAt === 'number' && item.expiresAt * 1000 <= Date.now())) return undefined;
  return {
    jobId: String(item.jobId),
    accountId: String(item.accountId),
    arn: String(item.arn),
    granularity: item.granularity === 'ACTION_LEVEL' ? 'ACTION_LEVEL' : 'SERVICE_LEVEL',
    createdAt: String(item.createdAt),
    completedAt: String(item.completedAt),
    results: String(item.results),
  };
}
