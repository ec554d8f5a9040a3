/**
 * The audit trail's items: each event (CloudTrail's record JSON, built by @palisade/audit), the one
 * audit item written in the transaction of the change it records, on the sparse index of events
 * not yet sealed; and what the sealer derives from it when it links it into the chain: a copy per
 * lookup value and one by id, the chain links and head. No item here is written by every change of
 * an account (see keys.ts).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client.ts';
import {
  type AuditLookupAttribute,
  type AuditScope,
  auditChainHeadKey,
  auditChainLinkKey,
  auditChainLinkSortKey,
  auditChainPartition,
  auditEventIdKey,
  auditEventKey,
  auditLinkTimeIndexKey,
  auditLinkTimePartition,
  auditLookupPartition,
  auditPartition,
  auditSortKey,
  auditUnsealedIndexKey,
  auditUnsealedPartition,
} from './keys.ts';
import { queryAllPages } from './partition-queries.ts';
import type { TransactItem } from './transactions.ts';

/** The entity value of an audit event item (and of its copies). */
export const AUDIT_EVENT_ENTITY = 'audit-event';

/** How long audit events stay when the deployment sets no retention (PALISADE_AUDIT_RETENTION_DAYS). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

/** How many resource names one event is looked up by at most (its seal is one transaction). */
export const MAX_AUDIT_RESOURCE_COPIES = 3;

/** The values an event can be looked up by. */
export interface AuditLookups {
  readonly eventName: string;
  readonly username?: string;
  readonly accessKeyId?: string;
  readonly readOnly: boolean;
  readonly resourceNames: readonly string[];
}

/** One audit event as the store files it: the record JSON (what the chain's digest covers) and its lookups. */
export interface AuditEventEntry {
  readonly eventId: string;
  /** ISO instant with milliseconds: orders the trail (the record's own eventTime has seconds). */
  readonly eventTime: string;
  /** The canonical CloudTrail record JSON. */
  readonly event: string;
  readonly lookups: AuditLookups;
}

/** An audit event as read back. */
export interface StoredAuditEvent {
  readonly eventId: string;
  readonly eventTime: string;
  readonly event: string;
  /** Its sort key in the trail (`<eventTime>#<eventId>`). */
  readonly sk: string;
  /** Its place in the trail's chain, once sealed. */
  readonly seq?: number;
  /** True until the sealer has linked it into the chain. */
  readonly unsealed: boolean;
  /** The names and ARNs the event is about (the ResourceName lookup's values). */
  readonly resources: readonly string[];
  /** The lookup values it is found by, as `<ATTR>#<value>` (auditLookupKey). */
  readonly lookupKeys: readonly string[];
  /** Epoch seconds at which it expires (its copies expire with it). */
  readonly expiresAt?: number;
}

/** Epoch seconds at which an event written at `eventTime` expires. */
export function auditExpiresAt(eventTime: string, retentionDays: number): number {
  return Math.floor(Date.parse(eventTime) / 1000) + Math.round(retentionDays * 86_400);
}

/** How an event's lookup value is listed on the event (`<ATTR>#<value>`), to match unsealed events by. */
export function auditLookupKey(attribute: AuditLookupAttribute, value: string): string {
  return `${attribute}#${value}`;
}

function lookupPairs(lookups: AuditLookups, resourceCopies: number): [AuditLookupAttribute, string][] {
  const pairs: [AuditLookupAttribute, string][] = [
    ['EVENT-NAME', lookups.eventName],
    ['READ-ONLY', String(lookups.readOnly)],
  ];
  if (lookups.username) pairs.push(['USERNAME', lookups.username]);
  if (lookups.accessKeyId) pairs.push(['ACCESS-KEY-ID', lookups.accessKeyId]);
  for (const name of [...new Set(lookups.resourceNames)].slice(0, resourceCopies))
    pairs.push(['RESOURCE-NAME', name]);
  return pairs;
}

/**
 * The put that files one event in a trail, marked unsealed, with the lookup values the sealer will
 * copy it under (at most `MAX_AUDIT_RESOURCE_COPIES` resource names).
 */
export function auditEventWrite(
  scope: AuditScope,
  entry: AuditEventEntry,
  retentionDays: number,
): TransactItem {
  const key = auditEventKey(scope, entry.eventTime, entry.eventId);
  return {
    Put: {
      Item: {
        ...key,
        entity: AUDIT_EVENT_ENTITY,
        eventId: entry.eventId,
        eventTime: entry.eventTime,
        event: entry.event,
        resources: [...new Set(entry.lookups.resourceNames)],
        lookupKeys: lookupPairs(entry.lookups, MAX_AUDIT_RESOURCE_COPIES).map(([attribute, value]) =>
          auditLookupKey(attribute, value),
        ),
        expiresAt: auditExpiresAt(entry.eventTime, retentionDays),
        ...auditUnsealedIndexKey(scope, key.sk),
      },
    },
  };
}

/** The copies of a sealed event a lookup reads: one per lookup value, one by id (same TTL). */
export function auditLookupCopyWrites(scope: AuditScope, event: StoredAuditEvent): TransactItem[] {
  const body = {
    entity: AUDIT_EVENT_ENTITY,
    eventId: event.eventId,
    eventTime: event.eventTime,
    event: event.event,
    resources: event.resources,
    lookupKeys: event.lookupKeys,
    ...(event.expiresAt === undefined ? {} : { expiresAt: event.expiresAt }),
  };
  return [
    ...event.lookupKeys.map((lookupKey): TransactItem => {
      const split = lookupKey.indexOf('#');
      const attribute = lookupKey.slice(0, split) as AuditLookupAttribute;
      return {
        Put: {
          Item: {
            pk: auditLookupPartition(scope, attribute, lookupKey.slice(split + 1)),
            sk: event.sk,
            ...body,
          },
        },
      };
    }),
    { Put: { Item: { ...auditEventIdKey(scope, event.eventId), eventSk: event.sk, ...body } } },
  ];
}

/**
 * Files events that record no change (a refused call, a failed sign-in), best-effort: in one
 * transaction of their own, with no change record, as nothing else changed.
 */
export async function recordAuditEvents(
  context: StoreContext,
  events: readonly { readonly scope: AuditScope; readonly entry: AuditEventEntry }[],
): Promise<void> {
  const writes = events.map(({ scope, entry }) =>
    auditEventWrite(scope, entry, context.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS),
  );
  if (writes.length === 0) return;
  await context.documents.send(
    new TransactWriteCommand({
      TransactItems: writes.map((write) => ({
        Put: { ...(write.Put as NonNullable<TransactItem['Put']>), TableName: context.tableName },
      })),
    }),
  );
}

/** An audit event item (or a copy of one) as read back. */
export function toStoredAuditEvent(item: Record<string, unknown>): StoredAuditEvent {
  return {
    eventId: String(item.eventId),
    eventTime: String(item.eventTime),
    event: String(item.event),
    sk: String(item.eventSk ?? item.sk),
    ...(typeof item.seq === 'number' ? { seq: item.seq } : {}),
    unsealed: typeof item.gsi2pk === 'string',
    resources: Array.isArray(item.resources) ? item.resources.map(String) : [],
    lookupKeys: Array.isArray(item.lookupKeys) ? item.lookupKeys.map(String) : [],
    ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {}),
  };
}

/** What one page of a trail to read: an optional lookup, a time range, the size, order and where to go on. */
export interface AuditEventQuery {
  readonly lookup?: { readonly attribute: AuditLookupAttribute; readonly value: string };
  /** Inclusive ISO instants (ms). */
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  /** The sort key of the last event of the previous page. */
  readonly after?: string;
  readonly order: 'newest-first' | 'oldest-first';
}

const EARLIEST = '0000-01-01T00:00:00.000Z';
const LATEST = '9999-12-31T23:59:59.999Z';

/**
 * One page of a trail (or of one lookup's copies): one Query with a key range, so a page costs
 * one request (DynamoDB's 1 MB page aside) however many events the account holds.
 */
export async function queryAuditEvents(
  context: StoreContext,
  scope: AuditScope,
  query: AuditEventQuery,
): Promise<{ events: StoredAuditEvent[]; next?: string }> {
  const newestFirst = query.order === 'newest-first';
  const pk = query.lookup
    ? auditLookupPartition(scope, query.lookup.attribute, query.lookup.value)
    : auditPartition(scope);
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
      ExpressionAttributeValues: {
        ':pk': pk,
        ':lower': auditSortKey(query.from ?? EARLIEST),
        // `~` sorts after every sort key suffix, so `to` includes that instant's events.
        ':upper': `${auditSortKey(query.to ?? LATEST)}~`,
      },
      ScanIndexForward: !newestFirst,
      Limit: query.limit,
      // The page goes on after the previous one's last event, in whichever direction it reads.
      ...(query.after === undefined ? {} : { ExclusiveStartKey: { pk, sk: auditSortKey(query.after) } }),
    }),
  );
  const events = (result.Items ?? []).map(toStoredAuditEvent);
  const last = events.at(-1);
  return result.LastEvaluatedKey && last ? { events, next: last.sk } : { events };
}

/** A sealed event of a trail by its id (its by-id copy), or undefined. */
export async function getAuditEventById(
  context: StoreContext,
  scope: AuditScope,
  eventId: string,
): Promise<StoredAuditEvent | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: auditEventIdKey(scope, eventId) }),
  );
  return result.Item ? toStoredAuditEvent(result.Item) : undefined;
}

/** Up to `limit` events of a trail not yet sealed, oldest first (the sparse GSI2; eventually consistent). */
export async function listUnsealedAuditEvents(
  context: StoreContext,
  scope: AuditScope,
  limit: number,
): Promise<StoredAuditEvent[]> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': auditUnsealedPartition(scope) },
      ScanIndexForward: true,
      Limit: limit,
    }),
  );
  return (result.Items ?? []).map(toStoredAuditEvent);
}

/** What to read of a trail's unsealed events: a time range, newest first, before an event (exclusive). */
export interface UnsealedAuditEventQuery {
  /** Inclusive ISO instants (ms). */
  readonly from?: string;
  readonly to?: string;
  /** The sort key the previous page ended at: only older events. */
  readonly before?: string;
  /** The most events to read; more is said by `more`. */
  readonly limit: number;
}

/**
 * A trail's unsealed events in a range, newest first, at most `limit` (the sparse GSI2, so the
 * read is bounded by the backlog the sealer has not reached yet, not by the trail's size).
 */
export async function queryUnsealedAuditEvents(
  context: StoreContext,
  scope: AuditScope,
  query: UnsealedAuditEventQuery,
): Promise<{ events: StoredAuditEvent[]; more: boolean }> {
  const events: StoredAuditEvent[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const result = await context.documents.send(
      new QueryCommand({
        TableName: context.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :lower AND :upper',
        ExpressionAttributeValues: {
          ':pk': auditUnsealedPartition(scope),
          ':lower': auditSortKey(query.from ?? EARLIEST),
          // `before` is a whole sort key, so it is below `to`'s `~`; the event itself is dropped below.
          ':upper':
            query.before === undefined ? `${auditSortKey(query.to ?? LATEST)}~` : auditSortKey(query.before),
        },
        ScanIndexForward: false,
        Limit: query.limit + 2 - events.length,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    events.push(...(result.Items ?? []).map(toStoredAuditEvent).filter((event) => event.sk !== query.before));
    start = result.LastEvaluatedKey;
  } while (start && events.length <= query.limit);
  return { events: events.slice(0, query.limit), more: events.length > query.limit };
}

/** One link of a trail's chain: the event it seals and the digests that chain it to its predecessor. */
export interface AuditChainLink {
  readonly seq: number;
  readonly eventSk: string;
  readonly eventDigest: string;
  readonly previousDigest: string;
  readonly digest: string;
}

/** The head of a trail's chain: its last link's sequence and digest. */
export interface AuditChainHead {
  readonly seq: number;
  readonly digest: string;
}

/** The head of a trail's chain (strongly consistent), or undefined before the first seal. */
export async function getAuditChainHead(
  context: StoreContext,
  scope: AuditScope,
): Promise<AuditChainHead | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: auditChainHeadKey(scope), ConsistentRead: true }),
  );
  return result.Item ? { seq: Number(result.Item.seq), digest: String(result.Item.digest) } : undefined;
}

/** What appending a link came to: done, another sealer moved the head, or the event is sealed or gone. */
export type AuditSealOutcome = 'appended' | 'head-moved' | 'event-gone';

/**
 * Seals one event in one transaction: puts link `link.seq`, moves the head from `link.seq - 1`
 * (conditionally, so racing sealers never fork the chain), takes the event off the unsealed index
 * and puts its lookup copies. Together, so an event is always either unsealed or copied: a lookup
 * that reads both never misses it, even when a sealer stops half-way.
 */
export async function appendAuditChainLink(
  context: StoreContext,
  scope: AuditScope,
  link: AuditChainLink,
  expiresAt: number,
  event: StoredAuditEvent,
): Promise<AuditSealOutcome> {
  const headKey = auditChainHeadKey(scope);
  const [eventTime, eventId] = link.eventSk.split('#') as [string, string];
  const first = link.seq === 1;
  try {
    await context.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: context.tableName,
              Item: {
                ...auditChainLinkKey(scope, link.seq),
                ...auditLinkTimeIndexKey(scope, link.eventSk),
                entity: 'audit-chain-link',
                ...link,
                expiresAt,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: context.tableName,
              Item: { ...headKey, entity: 'audit-chain-head', seq: link.seq, digest: link.digest },
              ConditionExpression: first ? 'attribute_not_exists(pk)' : 'seq = :previous',
              ...(first ? {} : { ExpressionAttributeValues: { ':previous': link.seq - 1 } }),
            },
          },
          {
            Update: {
              TableName: context.tableName,
              Key: auditEventKey(scope, eventTime, eventId),
              UpdateExpression: 'REMOVE gsi2pk, gsi2sk SET seq = :seq',
              ConditionExpression: 'attribute_exists(gsi2pk)',
              ExpressionAttributeValues: { ':seq': link.seq },
            },
          },
          ...auditLookupCopyWrites(scope, event).map((copy) => ({
            Put: { ...(copy.Put as NonNullable<TransactItem['Put']>), TableName: context.tableName },
          })),
        ],
      }),
    );
    return 'appended';
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    if (reasons[2]?.Code === 'ConditionalCheckFailed') return 'event-gone';
    if (
      reasons.some(
        (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
      )
    ) {
      return 'head-moved';
    }
    throw error;
  }
}

function toChainLink(item: Record<string, unknown>): AuditChainLink {
  return {
    seq: Number(item.seq),
    eventSk: String(item.eventSk),
    eventDigest: String(item.eventDigest),
    previousDigest: String(item.previousDigest),
    digest: String(item.digest),
  };
}

/** The links `fromSeq`..`toSeq` of a trail's chain, in sequence order (strongly consistent, paged to the end). */
export async function queryAuditChainLinks(
  context: StoreContext,
  scope: AuditScope,
  fromSeq: number,
  toSeq: number,
): Promise<AuditChainLink[]> {
  const items = await queryAllPages(context, {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': auditChainPartition(scope),
      ':from': auditChainLinkSortKey(fromSeq),
      ':to': auditChainLinkSortKey(toSeq),
    },
    ConsistentRead: true,
  });
  return items.map(toChainLink);
}

/** The sequences of the links whose events fall between two instants (GSI1; eventually consistent). */
export async function queryAuditLinkSeqsByTime(
  context: StoreContext,
  scope: AuditScope,
  from: string,
  to: string,
): Promise<number[]> {
  const items = await queryAllPages(context, {
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': auditLinkTimePartition(scope),
      ':from': auditSortKey(from),
      ':to': `${auditSortKey(to)}~`,
    },
    ProjectionExpression: 'seq',
  });
  return items.map((item) => Number(item.seq));
}
