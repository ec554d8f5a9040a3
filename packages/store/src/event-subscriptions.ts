/**
 * Outbound event subscriptions and their deliveries. A subscription is a change (transact(), with
 * its record and audit event); the deliveries are the delivery log of events that already have
 * their change record, so they are single-item writes (unrecordedWrites): one conditional put per
 * delivery (a stream batch delivered twice puts nothing twice), a lease per attempt, the attempt's
 * outcome on the item. Pending deliveries are filed in GSI1 by when they are due, which is what a
 * restarted worker reads: nothing pending lives only in memory.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import {
  EVENT_DELIVERIES_DUE,
  type EventSubscriberScope,
  eventDeliveryDueBound,
  eventDeliveryDueIndexKey,
  eventDeliveryKey,
  eventDeliveryPartition,
  eventSubscriptionCountKey,
  eventSubscriptionKey,
  eventSubscriptionPartition,
  eventSubscriptionPrefix,
  type ItemKey,
} from './keys.ts';
import { queryWholePartition } from './partition-queries.ts';
import { isConditionFailure, transact } from './transactions.ts';

/** A subscription's health: failing once a delivery gave up, disabled after more gave up. */
export type EventSubscriptionState = 'active' | 'failing' | 'disabled';

/** One stored subscription (the secret sealed: the store never sees it in clear). */
export interface EventSubscriptionRecord {
  readonly subscriptionId: string;
  readonly scope: EventSubscriberScope;
  readonly url: string;
  readonly types: readonly string[];
  /** The `whsec_` secret sealed by the secret box, bound to the subscription id. */
  readonly sealedSecret: string;
  readonly createdAt: string;
  readonly state: EventSubscriptionState;
  /** Deliveries that gave up since the last one that succeeded. */
  readonly exhaustedDeliveries: number;
  readonly failingSince?: string;
  readonly version: number;
}

/** What one attempt to deliver came to. */
export interface EventDeliveryAttempt {
  readonly at: string;
  readonly outcome: 'delivered' | 'failed' | 'timeout' | 'refused';
  /** The receiver's HTTP status, when it answered. */
  readonly statusCode?: number;
  /** Why it failed, in a few words (never the receiver's body). */
  readonly error?: string;
  readonly durationMs: number;
}

/** Where a delivery is in its life. */
export type EventDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event's delivery to one subscription. */
export interface EventDeliveryRecord {
  /** The `webhook-id`: the same on every attempt. */
  readonly deliveryId: string;
  readonly subscriptionId: string;
  readonly scope: EventSubscriberScope;
  readonly eventType: string;
  /** The signed body, exactly as sent. */
  readonly payload: string;
  readonly createdAt: string;
  readonly status: EventDeliveryStatus;
  readonly attempts: readonly EventDeliveryAttempt[];
  /** Attempts since the delivery was (re)queued: the position in the retry schedule. */
  readonly attemptsInRound: number;
  readonly nextAttemptAt?: string;
  /** Set while a worker holds the delivery for an attempt. */
  readonly leaseUntil?: string;
}

/** How long delivery records are kept (TTL). */
export const EVENT_DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;
/** Attempts kept on a delivery (the oldest go first). */
export const MAX_KEPT_ATTEMPTS = 25;

function scopeOf(item: Record<string, unknown>): EventSubscriberScope {
  return item.accountId === 'platform' ? 'platform' : { accountId: String(item.accountId) };
}

function scopeAttribute(scope: EventSubscriberScope): string {
  return scope === 'platform' ? 'platform' : scope.accountId;
}

function toSubscription(item: Record<string, unknown>): EventSubscriptionRecord {
  return {
    subscriptionId: String(item.subscriptionId),
    scope: scopeOf(item),
    url: String(item.url),
    types: (item.types as string[] | undefined) ?? [],
    sealedSecret: String(item.sealedSecret),
    createdAt: String(item.createdAt),
    state: (item.state as EventSubscriptionState | undefined) ?? 'active',
    exhaustedDeliveries: Number(item.exhaustedDeliveries ?? 0),
    ...(typeof item.failingSince === 'string' ? { failingSince: item.failingSince } : {}),
    version: Number(item.version ?? 1),
  };
}

function toDelivery(item: Record<string, unknown>): EventDeliveryRecord {
  return {
    deliveryId: String(item.deliveryId),
    subscriptionId: String(item.subscriptionId),
    scope: scopeOf(item),
    eventType: String(item.eventType),
    payload: String(item.payload),
    createdAt: String(item.createdAt),
    status: item.status as EventDeliveryStatus,
    attempts: (item.attempts as EventDeliveryAttempt[] | undefined) ?? [],
    attemptsInRound: Number(item.attemptsInRound ?? 0),
    ...(typeof item.nextAttemptAt === 'string' ? { nextAttemptAt: item.nextAttemptAt } : {}),
    ...(typeof item.leaseUntil === 'string' ? { leaseUntil: item.leaseUntil } : {}),
  };
}

/** Stores a new subscription unless its subscriber already has `maxPerScope`. */
export async function putNewEventSubscription(
  context: StoreContext,
  record: Omit<EventSubscriptionRecord, 'version' | 'state' | 'exhaustedDeliveries' | 'failingSince'>,
  maxPerScope: number,
): Promise<Result<EventSubscriptionRecord>> {
  const stored: EventSubscriptionRecord = { ...record, state: 'active', exhaustedDeliveries: 0, version: 1 };
  const { scope, ...fields } = stored;
  const written = await transact(context, [
    {
      write: {
        Update: {
          Key: eventSubscriptionCountKey(scope),
          UpdateExpression: 'ADD n :one',
          ConditionExpression: 'attribute_not_exists(n) OR n < :max',
          ExpressionAttributeValues: { ':one': 1, ':max': maxPerScope },
        },
      },
      onConditionFailed: fail(
        'quota.exceeded',
        `Cannot exceed quota for EventSubscriptionsPerAccount: ${maxPerScope}.`,
      ),
    },
    {
      write: {
        Put: {
          Item: {
            ...eventSubscriptionKey(scope, record.subscriptionId),
            entity: 'event-subscription',
            ...fields,
            accountId: scopeAttribute(scope),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.concurrent-modification', 'Subscription id collision; retry.'),
    },
  ]);
  return written.ok ? ok(stored) : written;
}

/** One subscription of a subscriber, or undefined. */
export async function getEventSubscription(
  context: StoreContext,
  scope: EventSubscriberScope,
  subscriptionId: string,
): Promise<EventSubscriptionRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: eventSubscriptionKey(scope, subscriptionId),
      ConsistentRead: true,
    }),
  );
  return result.Item ? toSubscription(result.Item) : undefined;
}

/** Every subscription of a subscriber (at most its quota's worth), oldest first. */
export async function listEventSubscriptions(
  context: StoreContext,
  scope: EventSubscriberScope,
): Promise<EventSubscriptionRecord[]> {
  const items = await queryWholePartition(
    context,
    eventSubscriptionPartition(scope),
    eventSubscriptionPrefix,
  );
  return items.map(toSubscription);
}

/** Deletes a subscription and gives its slot back; its deliveries expire by TTL. */
export async function deleteEventSubscription(
  context: StoreContext,
  scope: EventSubscriberScope,
  subscriptionId: string,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Delete: {
          Key: eventSubscriptionKey(scope, subscriptionId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.not-found', `Event subscription ${subscriptionId} does not exist.`),
    },
    {
      write: {
        Update: {
          Key: eventSubscriptionCountKey(scope),
          UpdateExpression: 'ADD n :minus',
          ExpressionAttributeValues: { ':minus': -1 },
        },
      },
    },
  ]);
}

/** Moves a subscription's health if it is still at `expectedVersion` (false: it changed meanwhile). */
export async function setEventSubscriptionHealth(
  context: StoreContext,
  subscription: EventSubscriptionRecord,
  health: { state: EventSubscriptionState; exhaustedDeliveries: number; failingSince?: string },
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Update: {
          Key: eventSubscriptionKey(subscription.scope, subscription.subscriptionId),
          UpdateExpression: `SET #state = :state, exhaustedDeliveries = :exhausted, version = version + :one${
            health.failingSince ? ', failingSince = :since' : ' REMOVE failingSince'
          }`,
          ConditionExpression: 'version = :expected',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':state': health.state,
            ':exhausted': health.exhaustedDeliveries,
            ':one': 1,
            ':expected': subscription.version,
            ...(health.failingSince ? { ':since': health.failingSince } : {}),
          },
        },
      },
      onConditionFailed: fail('entity.concurrent-modification', 'The subscription changed meanwhile.'),
    },
  ]);
}

/** A delivery to file: its event, signed body and when its first attempt is due. */
export type NewEventDelivery = Pick<
  EventDeliveryRecord,
  'deliveryId' | 'subscriptionId' | 'scope' | 'eventType' | 'payload' | 'createdAt'
>;

/**
 * Files each delivery as pending and due at once, unless it is already filed (the same change
 * record consumed twice). Unrecorded (unrecordedWrites.putEventDeliveries). Resolves the
 * deliveries this call filed.
 */
export async function putEventDeliveries(
  context: StoreContext,
  deliveries: readonly NewEventDelivery[],
): Promise<NewEventDelivery[]> {
  const filed = await Promise.all(
    deliveries.map(async (delivery) => {
      const { scope, ...fields } = delivery;
      try {
        await context.documents.send(
          new PutCommand({
            TableName: context.tableName,
            Item: {
              ...eventDeliveryKey(scope, delivery.subscriptionId, delivery.deliveryId),
              ...eventDeliveryDueIndexKey(delivery.createdAt, delivery.deliveryId),
              entity: 'event-delivery',
              ...fields,
              accountId: scopeAttribute(scope),
              status: 'pending',
              attempts: [],
              attemptsInRound: 0,
              nextAttemptAt: delivery.createdAt,
              expiresAt: Math.floor(Date.parse(delivery.createdAt) / 1000) + EVENT_DELIVERY_RETENTION_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return delivery;
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    }),
  );
  return filed.filter((delivery): delivery is NewEventDelivery => delivery !== undefined);
}

/** Where a delivery is: enough to find it again (what a queue message carries). */
export interface EventDeliveryRef {
  readonly scope: EventSubscriberScope;
  readonly subscriptionId: string;
  readonly deliveryId: string;
}

function deliveryKeyOf(ref: EventDeliveryRef): ItemKey {
  return eventDeliveryKey(ref.scope, ref.subscriptionId, ref.deliveryId);
}

/** One delivery, or undefined. */
export async function getEventDelivery(
  context: StoreContext,
  ref: EventDeliveryRef,
): Promise<EventDeliveryRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: deliveryKeyOf(ref), ConsistentRead: true }),
  );
  return result.Item ? toDelivery(result.Item) : undefined;
}

/** A subscription's deliveries, newest first, at most `limit`. */
export async function listEventDeliveries(
  context: StoreContext,
  scope: EventSubscriberScope,
  subscriptionId: string,
  limit: number,
): Promise<EventDeliveryRecord[]> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': eventDeliveryPartition(scope, subscriptionId) },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return (result.Items ?? []).map(toDelivery);
}

/** Pending deliveries due at or before `at`, earliest first (GSI1: eventually consistent). */
export async function queryDueEventDeliveries(
  context: StoreContext,
  at: Date,
  limit: number,
): Promise<EventDeliveryRef[]> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :due AND gsi1sk <= :bound',
      ExpressionAttributeValues: {
        ':due': EVENT_DELIVERIES_DUE,
        ':bound': eventDeliveryDueBound(at.toISOString()),
      },
      Limit: limit,
    }),
  );
  return (result.Items ?? []).map((item) => ({
    scope: scopeOf(item),
    subscriptionId: String(item.subscriptionId),
    deliveryId: String(item.deliveryId),
  }));
}

/**
 * Leases a pending delivery for one attempt until `until` (unrecordedWrites.claimEventDelivery):
 * the delivery, or undefined when it is not pending, not yet due, or another worker holds it.
 */
export async function claimEventDelivery(
  context: StoreContext,
  ref: EventDeliveryRef,
  now: Date,
  until: Date,
): Promise<EventDeliveryRecord | undefined> {
  try {
    const result = await context.documents.send(
      new UpdateCommand({
        TableName: context.tableName,
        Key: deliveryKeyOf(ref),
        UpdateExpression: 'SET leaseUntil = :until',
        ConditionExpression:
          '#status = :pending AND nextAttemptAt <= :now AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': 'pending',
          ':now': now.toISOString(),
          ':until': until.toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return result.Attributes ? toDelivery(result.Attributes) : undefined;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** What an attempt leaves the delivery at: delivered, failed for good, or pending again at `nextAttemptAt`. */
export type EventDeliveryOutcome =
  | { readonly status: 'delivered' | 'failed' }
  | { readonly status: 'pending'; readonly nextAttemptAt: string };

/**
 * Records an attempt made under the lease `claimed` holds (unrecordedWrites.recordEventDeliveryAttempt);
 * false when the lease was lost meanwhile (the attempt then counts for nothing).
 */
export async function recordEventDeliveryAttempt(
  context: StoreContext,
  claimed: EventDeliveryRecord,
  attempt: EventDeliveryAttempt,
  outcome: EventDeliveryOutcome,
): Promise<boolean> {
  const attempts = [...claimed.attempts, attempt].slice(-MAX_KEPT_ATTEMPTS);
  const pending = outcome.status === 'pending';
  try {
    await context.documents.send(
      new UpdateCommand({
        TableName: context.tableName,
        Key: deliveryKeyOf(claimed),
        UpdateExpression: pending
          ? 'SET attempts = :attempts, attemptsInRound = :round, nextAttemptAt = :next, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk REMOVE leaseUntil'
          : 'SET attempts = :attempts, attemptsInRound = :round, #status = :status REMOVE leaseUntil, nextAttemptAt, gsi1pk, gsi1sk',
        ConditionExpression: 'leaseUntil = :lease',
        ...(pending ? {} : { ExpressionAttributeNames: { '#status': 'status' } }),
        ExpressionAttributeValues: {
          ':attempts': attempts,
          ':round': claimed.attemptsInRound + 1,
          ':lease': claimed.leaseUntil,
          ...(pending
            ? {
                ':next': outcome.nextAttemptAt,
                ...prefixed(eventDeliveryDueIndexKey(outcome.nextAttemptAt, claimed.deliveryId)),
              }
            : { ':status': outcome.status }),
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

function prefixed(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value]));
}

/**
 * Queues a delivery that is not pending for a new round of attempts, due at `at` (a tenant's
 * redelivery: a change, so transact()). entity.not-found when it does not exist, request.invalid
 * when it is still pending.
 */
export async function requeueEventDelivery(
  context: StoreContext,
  ref: EventDeliveryRef,
  at: Date,
): Promise<Result<void>> {
  const due = at.toISOString();
  const exists = await getEventDelivery(context, ref);
  if (!exists) return fail('entity.not-found', `Delivery ${ref.deliveryId} does not exist.`);
  return transact(context, [
    {
      write: {
        Update: {
          Key: deliveryKeyOf(ref),
          UpdateExpression:
            'SET #status = :pending, attemptsInRound = :zero, nextAttemptAt = :due, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk REMOVE leaseUntil',
          ConditionExpression: 'attribute_exists(pk) AND #status <> :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':zero': 0,
            ':due': due,
            ...prefixed(eventDeliveryDueIndexKey(due, ref.deliveryId)),
          },
        },
      },
      onConditionFailed: fail('request.invalid', `Delivery ${ref.deliveryId} is still being delivered.`),
    },
  ]);
}
