/**
 * Access advisor: GenerateServiceLastAccessedDetails takes a snapshot, for a user, group or role,
 * of when each service was last called by it (a group: by its members), with the services its
 * identity policies name that it never called; GetServiceLastAccessedDetails and
 * …WithEntities page through that snapshot in AWS's shapes. Jobs complete within the Generate call.
 */
import { randomUUID } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';
import {
  decodeMarker,
  denialOf,
  encodeMarker,
  loadEffectivePolicies,
  type OperationTable,
  operation,
} from '@palisade/principals';
import {
  getServiceLastAccessedJob,
  listMembers,
  listServiceLastAccess,
  type PrincipalRecord,
  putServiceLastAccessedJob,
  type TrackedPrincipalKind,
} from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { paging } from './iam-inputs.ts';
import { loadAuthorized } from './principal-lifecycle.ts';

/** The entity types a report can be about (policies are not supported yet). */
const ENTITY_ARN =
  /^arn:[\w-]{1,20}:iam::(\d{12}):(user|group|role)((?:\/[\x21-\x7e]*)?\/)([\w+=,.@-]{1,128})$/;

/** The names AWS gives the services Palisade itself serves; other namespaces are named by themselves. */
const SERVICE_NAMES: Readonly<Record<string, string>> = {
  iam: 'AWS Identity and Access Management',
  sts: 'AWS Security Token Service',
};

/** The most entities one snapshot covers (a group's members). */
const MAX_ENTITIES = 1000;

/** One entity of a snapshot and when it last called one service. */
interface EntityAccess {
  readonly arn: string;
  readonly name: string;
  readonly type: 'USER' | 'ROLE';
  readonly id: string;
  readonly path: string;
  readonly lastAuthenticated: string;
  readonly region: string;
  readonly action?: string;
}

/** A snapshot's row for one service: who called it, newest first (none: allowed but never called). */
interface ServiceSnapshot {
  readonly namespace: string;
  readonly entities: readonly EntityAccess[];
}

/** The service namespaces an identity policy document allows actions of (`*` names none in particular). */
export function allowedNamespaces(document: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return [];
  }
  const statements = (parsed as { Statement?: unknown }).Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  const namespaces = new Set<string>();
  for (const statement of list) {
    if (typeof statement !== 'object' || statement === null) continue;
    const { Effect, Action } = statement as { Effect?: unknown; Action?: unknown };
    if (Effect !== 'Allow') continue;
    for (const action of Array.isArray(Action) ? Action : [Action]) {
      const prefix = typeof action === 'string' ? action.split(':')[0]?.toLowerCase() : undefined;
      if (prefix && /^[a-z0-9-]{1,64}$/.test(prefix)) namespaces.add(prefix);
    }
  }
  return [...namespaces];
}

const trackedKind = (record: PrincipalRecord): TrackedPrincipalKind =>
  record.kind === 'role' ? 'ROLE' : 'USER';

/** Builds the snapshot: each tracked entity's recorded accesses, plus the namespaces its policies name. */
async function snapshot(
  context: IamContext,
  entities: readonly PrincipalRecord[],
  allowed: readonly string[],
): Promise<ServiceSnapshot[]> {
  const byService = new Map<string, EntityAccess[]>(allowed.map((namespace) => [namespace, []]));
  const accesses = await Promise.all(
    entities.map((entity) =>
      listServiceLastAccess(context.store, {
        accountId: entity.accountId,
        kind: trackedKind(entity),
        id: entity.id,
      }),
    ),
  );
  entities.forEach((entity, n) => {
    for (const access of accesses[n] ?? []) {
      const list = byService.get(access.service) ?? [];
      list.push({
        arn: entity.arn,
        name: entity.name,
        type: trackedKind(entity),
        id: entity.id,
        path: entity.path,
        lastAuthenticated: access.lastAccessedAt,
        region: access.region,
        ...(access.lastAction ? { action: access.lastAction } : {}),
      });
      byService.set(access.service, list);
    }
  });
  return [...byService.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([namespace, list]) => ({
      namespace,
      entities: list.sort((a, b) => b.lastAuthenticated.localeCompare(a.lastAuthenticated)),
    }));
}

/** The entities a report covers and the namespaces their identity policies name. */
async function coveredEntities(
  context: IamContext,
  record: PrincipalRecord,
): Promise<{ entities: PrincipalRecord[]; allowed: string[] }> {
  if (record.kind === 'group') {
    const members = (await listMembers(context.store, record)).slice(0, MAX_ENTITIES);
    return { entities: members, allowed: [] };
  }
  const effective = await loadEffectivePolicies(
    context.store,
    context.partition,
    record.accountId,
    record.kind,
    record.name,
  );
  const allowed = [
    ...new Set((effective?.identityPolicies ?? []).flatMap((p) => allowedNamespaces(p.document))),
  ];
  return { entities: [record], allowed };
}

/** The page of `items` a Marker (an offset) and MaxItems select. */
function pageOf<T>(
  items: readonly T[],
  input: { Marker?: string | undefined; MaxItems?: number | undefined },
): Result<{ items: T[]; IsTruncated: boolean; Marker?: string }> {
  const decoded = decodeMarker(input.Marker);
  const start = decoded === undefined ? 0 : Number(decoded);
  if (!Number.isInteger(start) || start < 0 || start > items.length)
    return fail('request.invalid-input', 'Invalid Marker: it does not continue this listing.');
  const end = start + (input.MaxItems ?? 100);
  const next = end < items.length ? encodeMarker(String(end)) : undefined;
  return ok({
    items: items.slice(start, end),
    IsTruncated: next !== undefined,
    ...(next ? { Marker: next } : {}),
  });
}

const jobId = z.string().length(36);
const namespace = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w-]+$/);

/** The access advisor operations, by AWS action name. */
export function accessAdvisorOperations(context: IamContext) {
  const readJob = async (accountId: string, id: string) => {
    const job = await getServiceLastAccessedJob(context.store, accountId, id);
    return job ? ok(job) : fail('entity.not-found', `The job with id ${id} cannot be found.`);
  };
  const jobHeader = (job: { createdAt: string; completedAt: string }) => ({
    JobStatus: 'COMPLETED' as const,
    JobCreationDate: new Date(job.createdAt),
    JobCompletionDate: new Date(job.completedAt),
  });

  return {
    GenerateServiceLastAccessedDetails: operation(
      z.object({
        Arn: z.string().min(20).max(2048),
        Granularity: z.enum(['SERVICE_LEVEL', 'ACTION_LEVEL']).optional(),
      }),
      async (caller, input) => {
        const parts = ENTITY_ARN.exec(input.Arn);
        if (!parts) return fail('request.invalid-input', `ARN ${input.Arn} is not valid.`);
        const [, account, kind, path, name] = parts as unknown as [
          string,
          string,
          'user' | 'group' | 'role',
          string,
          string,
        ];
        const action = 'iam:GenerateServiceLastAccessedDetails';
        // INVARIANT: only the caller's own account is read; another account's entity is simply absent.
        if (account !== caller.accountId) {
          return (
            denialOf(caller, action, input.Arn) ??
            fail('entity.not-found', `The entity ${input.Arn} cannot be found.`)
          );
        }
        const record = await loadAuthorized(context, caller, kind, name, action);
        if (!record.ok) return record;
        if (record.value.path !== path)
          return fail('entity.not-found', `The entity ${input.Arn} cannot be found.`);
        const created = context.now();
        const { entities, allowed } = await coveredEntities(context, record.value);
        const services = await snapshot(context, entities, allowed);
        const id = randomUUID();
        const stored = await putServiceLastAccessedJob(context.store, {
          jobId: id,
          accountId: caller.accountId,
          arn: record.value.arn,
          granularity: input.Granularity ?? 'SERVICE_LEVEL',
          createdAt: created.toISOString(),
          completedAt: context.now().toISOString(),
          results: JSON.stringify(services),
        });
        return stored.ok ? ok({ JobId: id }) : stored;
      },
    ),

    GetServiceLastAccessedDetails: operation(z.object({ JobId: jobId, ...paging }), async (caller, input) => {
      const denied = denialOf(caller, 'iam:GetServiceLastAccessedDetails', '*');
      if (denied) return denied;
      const job = await readJob(caller.accountId, input.JobId);
      if (!job.ok) return job;
      const services = JSON.parse(job.value.results) as ServiceSnapshot[];
      const actionLevel = job.value.granularity === 'ACTION_LEVEL';
      const rows = services.map(({ namespace: ns, entities }) => {
        const last = entities[0];
        const actions = new Map<string, EntityAccess>();
        for (const entity of entities)
          if (entity.action && !actions.has(entity.action)) actions.set(entity.action, entity);
        return {
          ServiceName: SERVICE_NAMES[ns] ?? ns,
          ...(last ? { LastAuthenticated: new Date(last.lastAuthenticated) } : {}),
          ServiceNamespace: ns,
          ...(last ? { LastAuthenticatedEntity: last.arn, LastAuthenticatedRegion: last.region } : {}),
          TotalAuthenticatedEntities: entities.length,
          ...(actionLevel
            ? {
                TrackedActionsLastAccessed: [...actions.entries()].map(([name, entity]) => ({
                  ActionName: name.split(':')[1] ?? name,
                  LastAccessedEntity: entity.arn,
                  LastAccessedTime: new Date(entity.lastAuthenticated),
                  LastAccessedRegion: entity.region,
                })),
              }
            : {}),
        };
      });
      const page = pageOf(rows, input);
      if (!page.ok) return page;
      return ok({
        ...jobHeader(job.value),
        JobType: job.value.granularity,
        ServicesLastAccessed: page.value.items,
        IsTruncated: page.value.IsTruncated,
        ...(page.value.Marker ? { Marker: page.value.Marker } : {}),
      });
    }),

    GetServiceLastAccessedDetailsWithEntities: operation(
      z.object({ JobId: jobId, ServiceNamespace: namespace, ...paging }),
      async (caller, input) => {
        const denied = denialOf(caller, 'iam:GetServiceLastAccessedDetailsWithEntities', '*');
        if (denied) return denied;
        const job = await readJob(caller.accountId, input.JobId);
        if (!job.ok) return job;
        const services = JSON.parse(job.value.results) as ServiceSnapshot[];
        const service = services.find((s) => s.namespace === input.ServiceNamespace.toLowerCase());
        const rows = (service?.entities ?? []).map((entity) => ({
          EntityInfo: {
            Arn: entity.arn,
            Name: entity.name,
            Type: entity.type,
            Id: entity.id,
            Path: entity.path,
          },
          LastAuthenticated: new Date(entity.lastAuthenticated),
        }));
        const page = pageOf(rows, input);
        if (!page.ok) return page;
        return ok({
          ...jobHeader(job.value),
          EntityDetailsList: page.value.items,
          IsTruncated: page.value.IsTruncated,
          ...(page.value.Marker ? { Marker: page.value.Marker } : {}),
        });
      },
    ),
  } satisfies OperationTable;
}
