/**
 * The audit trail over REST: `GET /v1/audit-events` (LookupEvents' filters as query parameters,
 * cursor paging, newest first), `/export` (a time range as JSON Lines, streamed page by page) and
 * `/verify` (the integrity chain's report for a range). Each is authorized as
 * `cloudtrail:LookupEvents`; a tenant reads its own account's trail, the operator names any
 * account's (`accountId`) or reads the platform's own.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import {
  type AuditEventSummary,
  type AuditLookupAttributeInput,
  type AuditLookupKey,
  type AuditReads,
  type CloudTrailRecord,
  redact,
} from '@palisade/audit';
import type { Caller } from '@palisade/principals';
import type { Context } from 'hono';
import { z } from 'zod';
import { auditResourcesOf } from '../aws-json-app.ts';
import { runAsChange } from '../change-origin.ts';
import { failureResponse } from '../error-responses.ts';
import { errorResponses, jsonSchemaOf } from './openapi-document.ts';
import { type Method, once, operationId, type RouteSpec } from './route-spec.ts';

/** What the audit routes need. */
export interface AuditRouteDependencies {
  readonly audit: AuditReads;
}

const TAG = 'Audit trail';
const ACTION = 'cloudtrail:LookupEvents';
const WHO =
  "Needs `cloudtrail:LookupEvents` on `*`. A tenant reads its own account's trail; the operator names an account with `accountId`, or reads the platform's own trail (account creation, suspension, …) without it.";

const trailParameter = z
  .string()
  .regex(/^(?:\d{12}|platform)$/, 'Member must be a 12-digit account id or "platform"')
  .describe(
    "The operator only: the account whose trail to read, or `platform` (the default) for the operator's own.",
  );
const instant = z.iso.datetime({ offset: true });

// LookupEvents' attribute keys by their REST query parameter.
const FILTERS = {
  eventId: 'EventId',
  eventName: 'EventName',
  username: 'Username',
  readOnly: 'ReadOnly',
  accessKeyId: 'AccessKeyId',
  resourceName: 'ResourceName',
} as const satisfies Record<string, AuditLookupKey>;
const filterValue = z.string().min(1).max(2000);

/** Query parameters of `GET /v1/audit-events`. */
export const auditLookupQuerySchema = z.strictObject({
  accountId: trailParameter.optional(),
  eventId: filterValue.optional().describe('Only the event with this id.'),
  eventName: filterValue.optional().describe('Only events of this name (`CreateUser`, `ConsoleLogin`, …).'),
  username: filterValue.optional().describe('Only events by this user name (`root`, a role session name).'),
  readOnly: z
    .enum(['true', 'false'])
    .optional()
    .describe('Only read-only (`true`) or changing (`false`) calls.'),
  accessKeyId: filterValue.optional().describe('Only events signed with this access key.'),
  resourceName: filterValue.optional().describe('Only events about this name or ARN.'),
  startTime: instant.optional().describe('Only events at or after this instant (ISO 8601).'),
  endTime: instant.optional().describe('Only events at or before this instant (ISO 8601).'),
  limit: z.coerce.number().int().min(1).max(50).optional().describe('Events per page (1–50, default 50).'),
  cursor: z.string().min(1).max(1024).optional().describe('The `nextCursor` of the previous page.'),
});

/** Query parameters of the export and the verify: a trail and a range. */
export const auditRangeQuerySchema = z.strictObject({
  accountId: trailParameter.optional(),
  from: instant.describe('The range starts at this instant (ISO 8601, inclusive).'),
  to: instant.describe('The range ends at this instant (ISO 8601, inclusive).'),
});

const auditEventSchema = z.object({
  eventId: z.string(),
  eventName: z.string(),
  eventSource: z
    .string()
    .describe('`iam.amazonaws.com`, `sts.amazonaws.com`, `signin.amazonaws.com`, `palisade`, …'),
  eventTime: z.string().describe('ISO 8601, milliseconds'),
  readOnly: z.boolean(),
  accessKeyId: z.string().optional(),
  username: z.string().optional(),
  resources: z.array(z.object({ resourceType: z.string().optional(), resourceName: z.string() })),
  event: z
    .record(z.string(), z.unknown())
    .describe("CloudTrail's record of the call (LookupEvents' CloudTrailEvent)"),
});

const auditEventPageSchema = z.object({
  items: z.array(auditEventSchema),
  nextCursor: z.string().optional().describe('Present when there may be another page.'),
});

const findingSchema = z.object({
  kind: z.enum([
    'event-altered',
    'event-missing',
    'event-unsealed',
    'link-missing',
    'link-altered',
    'chain-broken',
    'head-mismatch',
  ]),
  seq: z.number().int().optional(),
  eventId: z.string().optional(),
  detail: z.string(),
});

const verifyReportSchema = z.object({
  trail: z.string(),
  from: z.string(),
  to: z.string(),
  valid: z.boolean().describe('True when nothing was found wrong'),
  eventsChecked: z.number().int(),
  linksChecked: z.number().int(),
  firstSeq: z.number().int().optional(),
  lastSeq: z.number().int().optional(),
  headSeq: z.number().int(),
  findings: z.array(findingSchema),
});

/** An event as REST lists it. */
function auditEventJson(event: AuditEventSummary) {
  return {
    eventId: event.eventId,
    eventName: event.eventName,
    eventSource: event.eventSource,
    eventTime: event.eventTime.toISOString(),
    readOnly: event.readOnly === 'true',
    ...(event.accessKeyId ? { accessKeyId: event.accessKeyId } : {}),
    ...(event.username ? { username: event.username } : {}),
    resources: auditResourcesOf(event),
    event: JSON.parse(event.cloudTrailEvent) as CloudTrailRecord,
  };
}

/** The lookup attributes the query names (the service refuses more than one). */
function lookupAttributesOf(query: Record<string, unknown>): AuditLookupAttributeInput[] {
  return Object.entries(FILTERS).flatMap(([parameter, key]) =>
    typeof query[parameter] === 'string' ? [{ AttributeKey: key, AttributeValue: query[parameter] }] : [],
  );
}

function auditRoute(
  path: string,
  summary: string,
  description: string,
  rest: Pick<RouteConfig, 'request' | 'responses'>,
): RouteConfig {
  return {
    method: 'get',
    path,
    operationId: operationId('get', path),
    summary,
    description: `${description} ${WHO}`,
    tags: [TAG],
    'x-iam-action': ACTION,
    ...rest,
  };
}

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema: jsonSchemaOf(schema, 'input') } },
});

/** Streams an iterator's lines as JSON Lines, reading the next only when the client takes the last. */
function jsonLines(first: IteratorResult<string>, lines: AsyncIterator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let pending: IteratorResult<string> | undefined = first;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = pending ?? (await lines.next());
      pending = undefined;
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(`${next.value}\n`));
    },
    async cancel() {
      await lines.return?.();
    },
  });
}

function rangeOf(query: Record<string, unknown>): { from: Date; to: Date } {
  return { from: new Date(String(query.from)), to: new Date(String(query.to)) };
}

/**
 * Runs a read of the trail as a call: it commits nothing, so only a refused one files an event
 * (after its answer); the lookup is CloudTrail's LookupEvents, export and verify are Palisade's own.
 */
function readAs<T>(
  c: Context,
  operation: 'LookupEvents' | 'ExportAuditEvents' | 'VerifyAuditEvents',
  caller: Caller | undefined,
  query: Record<string, unknown>,
  read: () => Promise<T>,
): Promise<T> {
  return runAsChange(c, 'rest', operation, caller, read, {
    eventSource: operation === 'LookupEvents' ? 'cloudtrail.amazonaws.com' : 'palisade',
    readOnly: true,
    requestParameters: () => redact({ ...query }),
  });
}

/** The audit routes as specs. */
export function auditRoutes(deps: AuditRouteDependencies): RouteSpec[] {
  const routes: (Omit<RouteSpec, 'method' | 'path' | 'route'> & { route: RouteConfig })[] = [
    {
      route: auditRoute(
        '/v1/audit-events',
        'Look up audit events, newest first',
        "CloudTrail's LookupEvents over REST: at most one filter (`eventId`, `eventName`, `username`, `readOnly`, `accessKeyId`, `resourceName`), a time range, cursor paging.",
        {
          request: { query: auditLookupQuerySchema },
          responses: {
            200: json(auditEventPageSchema, 'One page of events.'),
            ...errorResponses([400, 401, 403]),
          },
        },
      ),
      async handle(c, { caller, query }) {
        const attributes = lookupAttributesOf(query);
        const page = await readAs(c, 'LookupEvents', caller, query, () =>
          deps.audit.lookup(
            caller as Caller,
            {
              ...(attributes.length ? { lookupAttributes: attributes } : {}),
              ...(typeof query.startTime === 'string' ? { startTime: new Date(query.startTime) } : {}),
              ...(typeof query.endTime === 'string' ? { endTime: new Date(query.endTime) } : {}),
              ...(typeof query.limit === 'number' ? { maxResults: query.limit } : {}),
              ...(typeof query.cursor === 'string' ? { nextToken: query.cursor } : {}),
            },
            query.accountId as string | undefined,
          ),
        );
        if (!page.ok) return failureResponse(c, page, 'rest');
        return c.json({
          items: page.value.events.map(auditEventJson),
          ...(page.value.nextToken ? { nextCursor: page.value.nextToken } : {}),
        });
      },
    },
    {
      route: auditRoute(
        '/v1/audit-events/export',
        'Export a time range of audit events as JSON Lines',
        'Every CloudTrail record between `from` and `to`, oldest first, one JSON object a line (`application/x-ndjson`), streamed as it is read: the answer starts before the range is read to its end. A range covers at most 400 days; an error after the first line ends the stream early (the last line is then incomplete).',
        {
          request: { query: auditRangeQuerySchema },
          responses: {
            200: {
              description: 'The records, one a line.',
              content: { 'application/x-ndjson': { schema: { type: 'string' } } },
            },
            ...errorResponses([400, 401, 403]),
          },
        },
      ),
      noStore: true,
      async handle(c, { caller, query }) {
        const lines = await readAs(c, 'ExportAuditEvents', caller, query, async () =>
          deps.audit.export(caller as Caller, rangeOf(query), query.accountId as string | undefined),
        );
        if (!lines.ok) return failureResponse(c, lines, 'rest');
        const iterator = lines.value[Symbol.asyncIterator]();
        // The first page is read before answering: a store that cannot answer is a 503, not an empty 200.
        const first = await iterator.next();
        return c.body(jsonLines(first, iterator), 200, { 'content-type': 'application/x-ndjson' });
      },
    },
    {
      route: auditRoute(
        '/v1/audit-events/verify',
        "Verify a time range of audit events against the trail's integrity chain",
        'Seals what is not yet sealed, then checks that every event of the range is the one its chain link recorded, that the links chain without a gap, and that the head names the last link: tampering with, or deleting, a stored event is a finding.',
        {
          request: { query: auditRangeQuerySchema },
          responses: { 200: json(verifyReportSchema, 'The report.'), ...errorResponses([400, 401, 403]) },
        },
      ),
      noStore: true,
      async handle(c, { caller, query }) {
        const report = await readAs(c, 'VerifyAuditEvents', caller, query, () =>
          deps.audit.verify(caller as Caller, rangeOf(query), query.accountId as string | undefined),
        );
        if (!report.ok) return failureResponse(c, report, 'rest');
        return c.json(report.value);
      },
    },
  ];
  return routes.map(({ route, ...spec }) => ({
    ...spec,
    method: route.method as Method,
    path: route.path,
    route: once(() => route),
    refusesBody: true,
  }));
}
