/**
 * CloudTrail's LookupEvents over a trail: at most one lookup attribute, a time range, newest
 * first, MaxResults 1–50 (default 50) and an opaque NextToken bound to the query it continues.
 * Each page is one DynamoDB Query (keys.ts: the lookup copies serve each attribute).
 */
import { createHash } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';
import {
  type AuditLookupAttribute,
  type AuditScope,
  auditSortKey,
  getAuditEventById,
  isAuditEventId,
  queryAuditEvents,
  type StoreContext,
  type StoredAuditEvent,
} from '@palisade/store';
import { type CloudTrailRecord, lookupUsernameOf } from './cloudtrail-record.ts';
import { type AuditTrailId, auditScopeOf } from './trail.ts';

/** CloudTrail's lookup attribute keys Palisade serves. */
export type AuditLookupKey =
  | 'EventId'
  | 'EventName'
  | 'Username'
  | 'ReadOnly'
  | 'AccessKeyId'
  | 'ResourceName';

/** One LookupAttributes entry as CloudTrail's API takes it. */
export interface AuditLookupAttributeInput {
  readonly AttributeKey: string;
  readonly AttributeValue: string;
}

/** A lookup, as LookupEvents takes it (times as Dates: the wire's epoch seconds, parsed by the interface). */
export interface AuditLookupQuery {
  readonly lookupAttributes?: readonly AuditLookupAttributeInput[];
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly maxResults?: number;
  readonly nextToken?: string;
}

/** One event as LookupEvents lists it (the wire's `Events[]` entry, in camelCase). */
export interface AuditEventSummary {
  readonly eventId: string;
  readonly eventName: string;
  /** `"true"` or `"false"`: CloudTrail's ReadOnly is a string. */
  readonly readOnly: 'true' | 'false';
  readonly accessKeyId?: string;
  readonly eventTime: Date;
  readonly eventSource: string;
  readonly username?: string;
  readonly resources: readonly { readonly resourceName: string }[];
  /** The record's JSON, exactly as stored (what the chain's digest covers). */
  readonly cloudTrailEvent: string;
}

/** One page of a lookup. */
export interface AuditLookupPage {
  readonly events: readonly AuditEventSummary[];
  readonly nextToken?: string;
}

/** CloudTrail's MaxResults bounds. */
export const AUDIT_LOOKUP_MAX_RESULTS = 50;

const STORE_ATTRIBUTE: Readonly<Record<Exclude<AuditLookupKey, 'EventId'>, AuditLookupAttribute>> = {
  EventName: 'EVENT-NAME',
  Username: 'USERNAME',
  ReadOnly: 'READ-ONLY',
  AccessKeyId: 'ACCESS-KEY-ID',
  ResourceName: 'RESOURCE-NAME',
};
const MAX_ATTRIBUTE_VALUE = 2000;
// Bounds of what an ISO instant with milliseconds can say (toISOString of earlier or later years differs).
const EARLIEST_TIME = Date.parse('1970-01-01T00:00:00.000Z');
const LATEST_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/** The summary LookupEvents lists for a stored event. */
export function summarizeAuditEvent(stored: StoredAuditEvent): AuditEventSummary {
  const record = JSON.parse(stored.event) as CloudTrailRecord;
  const identity = record.userIdentity;
  const username = lookupUsernameOf(identity);
  return {
    eventId: stored.eventId,
    eventName: record.eventName,
    readOnly: record.readOnly ? 'true' : 'false',
    ...(identity.accessKeyId ? { accessKeyId: identity.accessKeyId } : {}),
    eventTime: new Date(stored.eventTime),
    eventSource: record.eventSource,
    ...(username ? { username } : {}),
    resources: stored.resources.map((resourceName) => ({ resourceName })),
    cloudTrailEvent: stored.event,
  };
}

interface CheckedLookup {
  readonly scope: AuditScope;
  readonly attribute?: { readonly key: AuditLookupKey; readonly value: string };
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly after?: string;
  readonly fingerprint: string;
}

function checkTime(time: Date | undefined, name: string): Result<string | undefined> {
  if (time === undefined) return ok(undefined);
  const at = time.getTime();
  if (!Number.isFinite(at) || at < EARLIEST_TIME || at > LATEST_TIME) {
    return fail('audit.invalid-time-range', `${name} is not a valid time.`);
  }
  return ok(time.toISOString());
}

function checkAttribute(
  attributes: readonly AuditLookupAttributeInput[] | undefined,
): Result<CheckedLookup['attribute']> {
  if (!attributes || attributes.length === 0) return ok(undefined);
  if (attributes.length > 1) {
    return fail('audit.invalid-lookup-attributes', 'You cannot specify more than one lookup attribute.');
  }
  const [{ AttributeKey: key, AttributeValue: value }] = attributes as [AuditLookupAttributeInput];
  if (key !== 'EventId' && !(key in STORE_ATTRIBUTE)) {
    return fail(
      'audit.invalid-lookup-attributes',
      `Lookup attribute key ${JSON.stringify(String(key).slice(0, 64))} is not supported.`,
    );
  }
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_ATTRIBUTE_VALUE) {
    return fail(
      'audit.invalid-lookup-attributes',
      `AttributeValue must be 1 to ${MAX_ATTRIBUTE_VALUE} characters.`,
    );
  }
  if (key === 'ReadOnly' && value !== 'true' && value !== 'false') {
    return fail('audit.invalid-lookup-attributes', 'ReadOnly must be true or false.');
  }
  return ok({ key: key as AuditLookupKey, value });
}

/** A NextToken: the last event's sort key, bound to the query it continues by a digest of it. */
function encodeNextToken(sk: string, fingerprint: string): string {
  return Buffer.from(`${fingerprint}|${sk}`, 'utf8').toString('base64url');
}

function decodeNextToken(token: string, fingerprint: string): string | undefined {
  if (token.length > 512) return undefined;
  const [bound, sk] = Buffer.from(token, 'base64url').toString('utf8').split('|');
  if (bound !== fingerprint || sk === undefined) return undefined;
  try {
    return auditSortKey(sk);
  } catch {
    return undefined;
  }
}

function checkLookup(trail: AuditTrailId, query: AuditLookupQuery): Result<CheckedLookup> {
  const attribute = checkAttribute(query.lookupAttributes);
  if (!attribute.ok) return attribute;
  const from = checkTime(query.startTime, 'StartTime');
  if (!from.ok) return from;
  const to = checkTime(query.endTime, 'EndTime');
  if (!to.ok) return to;
  if (from.value && to.value && from.value > to.value) {
    return fail('audit.invalid-time-range', 'StartTime must be before EndTime.');
  }
  const limit = query.maxResults ?? AUDIT_LOOKUP_MAX_RESULTS;
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LOOKUP_MAX_RESULTS) {
    return fail('audit.invalid-max-results', `MaxResults must be between 1 and ${AUDIT_LOOKUP_MAX_RESULTS}.`);
  }
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([trail, attribute.value?.key, attribute.value?.value, from.value, to.value]))
    .digest('base64url')
    .slice(0, 16);
  let after: string | undefined;
  if (query.nextToken !== undefined) {
    after = decodeNextToken(query.nextToken, fingerprint);
    if (after === undefined) {
      return fail('audit.invalid-next-token', 'NextToken is invalid or does not continue this lookup.');
    }
  }
  return ok({
    scope: auditScopeOf(trail),
    ...(attribute.value ? { attribute: attribute.value } : {}),
    ...(from.value ? { from: from.value } : {}),
    ...(to.value ? { to: to.value } : {}),
    limit,
    ...(after ? { after } : {}),
    fingerprint,
  });
}

/** One page of a trail's events matching the query, newest first (CloudTrail's LookupEvents). */
export async function lookupAuditEvents(
  store: StoreContext,
  trail: AuditTrailId,
  query: AuditLookupQuery,
): Promise<Result<AuditLookupPage>> {
  const checked = checkLookup(trail, query);
  if (!checked.ok) return checked;
  const lookup = checked.value;
  if (lookup.attribute?.key === 'EventId') {
    // An id is one event at most: no paging, but the time range still applies.
    const id = lookup.attribute.value;
    const found =
      isAuditEventId(id) && !lookup.after ? await getAuditEventById(store, lookup.scope, id) : undefined;
    const inRange =
      found &&
      (!lookup.from || found.eventTime >= lookup.from) &&
      (!lookup.to || found.eventTime <= lookup.to);
    return ok({ events: inRange && found ? [summarizeAuditEvent(found)] : [] });
  }
  const page = await queryAuditEvents(store, lookup.scope, {
    ...(lookup.attribute
      ? {
          lookup: {
            attribute: STORE_ATTRIBUTE[lookup.attribute.key as Exclude<AuditLookupKey, 'EventId'>],
            value: lookup.attribute.value,
          },
        }
      : {}),
    ...(lookup.from ? { from: lookup.from } : {}),
    ...(lookup.to ? { to: lookup.to } : {}),
    limit: lookup.limit,
    ...(lookup.after ? { after: lookup.after } : {}),
    order: 'newest-first',
  });
  return ok({
    events: page.events.map(summarizeAuditEvent),
    ...(page.next ? { nextToken: encodeNextToken(page.next, lookup.fingerprint) } : {}),
  });
}
