/**
 * CloudTrail's LookupEvents over a trail: at most one lookup attribute, a time range, newest
 * first, MaxResults 1–50 (default 50) and an opaque NextToken bound to the query it continues.
 * A trail-wide page is one DynamoDB Query. An attribute (or EventId) lookup reads the copies the
 * sealer made of sealed events and, at the same time, the trail's unsealed events (bounded), and
 * merges them by sort key, so an event is found from the moment its change commits (keys.ts).
 */
import { createHash } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';
import {
  type AuditLookupAttribute,
  type AuditScope,
  auditLookupKey,
  auditSortKey,
  getAuditEventById,
  isAuditEventId,
  queryAuditEvents,
  queryUnsealedAuditEvents,
  type StoreContext,
  type StoredAuditEvent,
} from '@palisade/store';
import { sealAuditTrail } from './chain.ts';
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

/**
 * The most unsealed events an attribute lookup reads; a bigger backlog (the sealer behind) is
 * sealed by the lookup first, so a lookup's cost stays bounded and its answer complete.
 */
export const AUDIT_LOOKUP_MAX_UNSEALED = 1000;

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

/** How far an attribute lookup reads the trail's unsealed events before it seals the trail first. */
export interface AuditLookupLimits {
  /** Unsealed events read at most (default AUDIT_LOOKUP_MAX_UNSEALED). */
  readonly maxUnsealed?: number;
}

/** One page of a trail's events matching the query, newest first (CloudTrail's LookupEvents). */
export async function lookupAuditEvents(
  store: StoreContext,
  trail: AuditTrailId,
  query: AuditLookupQuery,
  limits: AuditLookupLimits = {},
): Promise<Result<AuditLookupPage>> {
  const maxUnsealed = limits.maxUnsealed ?? AUDIT_LOOKUP_MAX_UNSEALED;
  const checked = checkLookup(trail, query);
  if (!checked.ok) return checked;
  const lookup = checked.value;
  if (!lookup.attribute) {
    // Every event, sealed or not, is in the trail's own partition: one Query.
    const page = await queryAuditEvents(store, lookup.scope, { ...rangeOf(lookup), order: 'newest-first' });
    return ok(pageOf(page.events, page.next, lookup));
  }
  const { key, value } = lookup.attribute;
  if (key === 'EventId' && (!isAuditEventId(value) || lookup.after)) return ok({ events: [] });
  let merged = await mergedLookup(store, lookup, key, value, maxUnsealed);
  if (merged === 'backlog') {
    await sealAuditTrail(store, trail);
    merged = await mergedLookup(store, lookup, key, value, maxUnsealed);
  }
  if (merged === 'backlog') {
    return fail('platform.throttled', 'The trail is being sealed; retry the lookup shortly.');
  }
  return ok(pageOf(merged.events, merged.next, lookup));
}

function rangeOf(lookup: CheckedLookup) {
  return {
    ...(lookup.from ? { from: lookup.from } : {}),
    ...(lookup.to ? { to: lookup.to } : {}),
    limit: lookup.limit,
    ...(lookup.after ? { after: lookup.after } : {}),
  };
}

function pageOf(events: readonly StoredAuditEvent[], next: string | undefined, lookup: CheckedLookup) {
  return {
    events: events.map(summarizeAuditEvent),
    ...(next ? { nextToken: encodeNextToken(next, lookup.fingerprint) } : {}),
  };
}

/**
 * One page of an attribute (or EventId) lookup: the sealed events' copies and the unsealed events
 * that match, read at once, merged newest first. `backlog` when the unsealed events in the range
 * are more than the bound. The page ends at the last event both sources have read up to, so the
 * next page (after its sort key) misses none and repeats none, however events are sealed between.
 */
async function mergedLookup(
  store: StoreContext,
  lookup: CheckedLookup,
  key: AuditLookupKey,
  value: string,
  maxUnsealed: number,
): Promise<{ events: StoredAuditEvent[]; next?: string } | 'backlog'> {
  const unsealedRead = queryUnsealedAuditEvents(store, lookup.scope, {
    ...(lookup.from ? { from: lookup.from } : {}),
    ...(lookup.to ? { to: lookup.to } : {}),
    ...(lookup.after ? { before: lookup.after } : {}),
    limit: maxUnsealed,
  });
  if (key === 'EventId') {
    const [byId, unsealed] = await Promise.all([getAuditEventById(store, lookup.scope, value), unsealedRead]);
    if (unsealed.more) return 'backlog';
    const found = byId ?? unsealed.events.find((event) => event.eventId === value);
    const inRange =
      found &&
      (!lookup.from || found.eventTime >= lookup.from) &&
      (!lookup.to || found.eventTime <= lookup.to);
    return { events: inRange ? [found] : [] };
  }
  const attribute = STORE_ATTRIBUTE[key];
  const [copies, unsealed] = await Promise.all([
    queryAuditEvents(store, lookup.scope, {
      ...rangeOf(lookup),
      lookup: { attribute, value },
      order: 'newest-first',
    }),
    unsealedRead,
  ]);
  if (unsealed.more) return 'backlog';
  const wanted = auditLookupKey(attribute, value);
  // Copies past the last one read are unknown: unsealed events older than it wait for the next page.
  const readDownTo = copies.next;
  const bySk = new Map<string, StoredAuditEvent>();
  for (const event of [...copies.events, ...unsealed.events.filter((e) => e.lookupKeys.includes(wanted))]) {
    // An event just sealed can still show on the (eventually consistent) index: keep it once.
    if (readDownTo === undefined || event.sk >= readDownTo) bySk.set(event.sk, event);
  }
  const merged = [...bySk.values()].sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0));
  const events = merged.slice(0, lookup.limit);
  const last = events.at(-1);
  const more = merged.length > lookup.limit || readDownTo !== undefined;
  return more && last ? { events, next: last.sk } : { events };
}
