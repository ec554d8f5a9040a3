/**
 * Delivery of outbound events. The change-stream consumer turns change records into events and
 * files one pending delivery per matching subscription (durable items, so nothing pending is lost
 * when a process stops), then announces them to whatever runs attempts: SQS and the delivery
 * function in AWS, the in-process worker under `npm start`. An attempt leases its delivery, signs
 * the body with the subscription's secret (Standard Webhooks, the `standardwebhooks` package; the
 * `webhook-id` is the delivery's id, the same on every attempt), sends it through the guarded
 * request (10 s, no redirects, capped answer), and files the outcome: delivered on a 2xx, else
 * retried on the schedule; a delivery that gives up marks its subscription failing, and enough of
 * them in a row disable it. Nothing here runs on the API call's path.
 */
import { createHash } from 'node:crypto';
import type { SecretBox } from '@palisade/credentials';
import {
  type ChangeConsumer,
  type ChangeRecord,
  claimEventDelivery,
  type EventDeliveryAttempt,
  type EventDeliveryRecord,
  type EventDeliveryRef,
  type EventSubscriberScope,
  type EventSubscriptionRecord,
  eventDeliveryOfKey,
  getEventDelivery,
  getEventSubscription,
  listEventSubscriptions,
  type NewEventDelivery,
  putEventDeliveries,
  queryDueEventDeliveries,
  recordEventDeliveryAttempt,
  type StoreContext,
  setEventSubscriptionHealth,
  systemChangeOrigin,
  withChangeOrigin,
} from '@palisade/store';
import { type HostResolver, sendGuardedRequest, systemResolver } from '@palisade/sts';
import { Webhook } from 'standardwebhooks';
import { webhookDestinations } from './destinations.ts';
import { eventsOf, isAccountEventType, type PlatformEvent } from './event-types.ts';
import { DEFAULT_RETRY_SCHEDULE_MS, retryDelayMs } from './retry-schedule.ts';

/** How long a receiver has to answer an attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** The most of a receiver's answer read (the rest is refused, not buffered). */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** Deliveries that give up in a row before their subscription is disabled. */
export const DEFAULT_DISABLE_AFTER = 5;

/** What runs attempts is told of new or rescheduled deliveries (SQS in AWS, the local worker's wake-up). */
export type DeliveryAnnouncer = (
  deliveries: readonly { readonly ref: EventDeliveryRef; readonly dueAt: string }[],
) => Promise<void>;

/** What delivering needs. */
export interface DeliveryOptions {
  readonly store: StoreContext;
  /** Opens the subscriptions' sealed secrets. */
  readonly secrets: SecretBox;
  readonly now?: () => Date;
  /** Delays before each retry (ms); DEFAULT_RETRY_SCHEDULE_MS when absent. */
  readonly retrySchedule?: readonly number[];
  /** PALISADE_WEBHOOK_ALLOW_PRIVATE: http and non-public addresses (development and tests only). */
  readonly allowPrivate?: boolean;
  readonly resolveHost?: HostResolver;
  readonly timeoutMs?: number;
  readonly disableAfter?: number;
  readonly random?: () => number;
}

/** The `secret` a subscription's sealed secret is bound to (the secret box's associated data). */
export function secretOwnerOf(subscriptionId: string): string {
  return `event-subscription:${subscriptionId}`;
}

/** True when the subscription takes `event`: its type, and committed once the subscription existed. */
function subscribes(subscription: EventSubscriptionRecord, event: PlatformEvent): boolean {
  // The stream may carry a change made before the subscription to a consumer after it.
  if (subscription.state === 'disabled' || event.timestamp < subscription.createdAt) return false;
  return subscription.types.includes('*') || subscription.types.includes(event.type);
}

/** The delivery id (the `webhook-id`) of an event for a subscription: derived, so a record consumed twice files it once. */
export function deliveryIdOf(record: ChangeRecord, index: number, subscriptionId: string): string {
  const time = Date.parse(record.at).toString(36).padStart(11, '0');
  const digest = createHash('sha256').update(`${record.recordId}|${index}|${subscriptionId}`).digest('hex');
  return `msg_${time}${digest.slice(0, 20)}`;
}

/**
 * The change-stream consumer: files the deliveries of the records' events (an account's own
 * events to its subscriptions, account events to the operator's) and announces those it filed.
 */
export function fileEventDeliveries(store: StoreContext, announce: DeliveryAnnouncer): ChangeConsumer {
  return async function outboundEvents(records) {
    const subscribers = new Map<string, Promise<EventSubscriptionRecord[]>>();
    const subscriptionsOf = (scope: EventSubscriberScope) => {
      const id = scope === 'platform' ? 'platform' : scope.accountId;
      let listed = subscribers.get(id);
      if (!listed) {
        listed = listEventSubscriptions(store, scope);
        subscribers.set(id, listed);
      }
      return listed;
    };
    const deliveries: NewEventDelivery[] = [];
    // Redeliveries (requeued through the API) are announced like new deliveries.
    const requeued = records.flatMap((record) =>
      record.items.flatMap((item) => {
        const ref =
          item.change === 'update' && item.subject?.status === 'pending' && eventDeliveryOfKey(item.key);
        return ref ? [{ ref, dueAt: record.at }] : [];
      }),
    );
    for (const record of records) {
      const events = eventsOf(record);
      for (const [index, event] of events.entries()) {
        // INVARIANT: an account's events reach only that account's subscriptions; account events only the operator's.
        const scope: EventSubscriberScope = isAccountEventType(event.type)
          ? 'platform'
          : { accountId: event.data.accountId };
        for (const subscription of await subscriptionsOf(scope)) {
          if (!subscribes(subscription, event)) continue;
          deliveries.push(newDelivery(record, index, event, subscription));
        }
      }
    }
    if (requeued.length > 0) await announce(requeued);
    if (deliveries.length === 0) return;
    await putEventDeliveries(store, deliveries);
    // Every delivery is announced, also one an earlier try of this batch filed: that try may have
    // failed before announcing it. A second announcement of one delivery is harmless (the lease).
    await announce(
      deliveries.map((delivery) => ({
        ref: {
          scope: delivery.scope,
          subscriptionId: delivery.subscriptionId,
          deliveryId: delivery.deliveryId,
        },
        dueAt: delivery.createdAt,
      })),
    );
  };
}

function newDelivery(
  record: ChangeRecord,
  index: number,
  event: PlatformEvent,
  subscription: EventSubscriptionRecord,
): NewEventDelivery {
  return {
    deliveryId: deliveryIdOf(record, index, subscription.subscriptionId),
    subscriptionId: subscription.subscriptionId,
    scope: subscription.scope,
    eventType: event.type,
    payload: JSON.stringify(event),
    createdAt: record.at,
  };
}

/** What one call to attempt a delivery came to. */
export type AttemptResult =
  | { readonly kind: 'delivered' | 'failed' }
  | { readonly kind: 'retry'; readonly nextAttemptAt: string }
  /** Not attempted: not due before `dueAt` (a queue message that came early), or leased by another worker. */
  | { readonly kind: 'not-due'; readonly dueAt: string }
  /** Not attempted: nothing pending (delivered, given up, or gone). */
  | { readonly kind: 'done' };

/** Reads a subscription for an attempt (a worker memoizes it over one pass of due deliveries). */
export type SubscriptionLookup = (
  scope: EventSubscriberScope,
  subscriptionId: string,
) => Promise<EventSubscriptionRecord | undefined>;

/** Attempts a delivery once, if it is pending and due, and files the outcome. */
export async function attemptDelivery(
  options: DeliveryOptions,
  ref: EventDeliveryRef,
  lookup: SubscriptionLookup = (scope, id) => getEventSubscription(options.store, scope, id),
): Promise<AttemptResult> {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const started = now();
  // The lease outlasts the attempt's deadline, so no other worker starts the same attempt meanwhile.
  const claimed = await claimEventDelivery(
    options.store,
    ref,
    started,
    new Date(started.getTime() + timeoutMs + 30_000),
  );
  if (!claimed) {
    const current = await getEventDelivery(options.store, ref);
    if (current?.status !== 'pending') return { kind: 'done' };
    const dueAt = [current.nextAttemptAt, current.leaseUntil]
      .filter((at): at is string => !!at)
      .sort()
      .at(-1);
    return { kind: 'not-due', dueAt: dueAt ?? started.toISOString() };
  }
  const subscription = await lookup(ref.scope, ref.subscriptionId);
  const attempt =
    subscription?.state === 'disabled' || !subscription
      ? refusedAttempt(
          started,
          subscription ? 'the subscription is disabled' : 'the subscription was deleted',
        )
      : await send(options, subscription, claimed, started);
  const retry = retryDelayMs(
    options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE_MS,
    claimed.attemptsInRound + 1,
    options.random,
  );
  const delivered = attempt.outcome === 'delivered';
  const gone = !subscription || subscription.state === 'disabled';
  const result: AttemptResult = delivered
    ? { kind: 'delivered' }
    : retry === undefined || gone
      ? { kind: 'failed' }
      : { kind: 'retry', nextAttemptAt: new Date(now().getTime() + retry).toISOString() };
  const recorded = await recordEventDeliveryAttempt(
    options.store,
    claimed,
    attempt,
    result.kind === 'retry'
      ? { status: 'pending', nextAttemptAt: result.nextAttemptAt }
      : { status: result.kind },
  );
  if (!recorded) return { kind: 'done' };
  if (subscription && !gone) await updateHealth(options, subscription, result.kind, now());
  return result;
}

function refusedAttempt(at: Date, error: string): EventDeliveryAttempt {
  return { at: at.toISOString(), outcome: 'refused', error, durationMs: 0 };
}

/** Signs and sends one attempt; never throws (a failure to open the secret fails closed: nothing is sent). */
async function send(
  options: DeliveryOptions,
  subscription: EventSubscriptionRecord,
  delivery: EventDeliveryRecord,
  started: Date,
): Promise<EventDeliveryAttempt> {
  const secret = options.secrets.open(subscription.sealedSecret, secretOwnerOf(subscription.subscriptionId));
  if (!secret.ok) return refusedAttempt(started, 'the signing secret could not be opened');
  const signature = new Webhook(secret.value).sign(delivery.deliveryId, started, delivery.payload);
  const clock = performance.now();
  const answer = await sendGuardedRequest(
    new URL(subscription.url),
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Palisade-Webhooks/1',
        'webhook-id': delivery.deliveryId,
        'webhook-timestamp': String(Math.floor(started.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body: delivery.payload,
    },
    {
      destinations: webhookDestinations(options.allowPrivate === true),
      resolveHost: options.resolveHost ?? systemResolver,
      timeoutMs: options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
      maxBytes: MAX_RESPONSE_BYTES,
    },
  );
  const base = { at: started.toISOString(), durationMs: Math.round(performance.now() - clock) };
  if (answer.kind === 'answered') {
    return answer.status >= 200 && answer.status < 300
      ? { ...base, outcome: 'delivered', statusCode: answer.status }
      : {
          ...base,
          outcome: 'failed',
          statusCode: answer.status,
          error: `the receiver answered ${answer.status}`,
        };
  }
  if (answer.kind === 'unreachable') {
    return answer.reason === 'timeout'
      ? {
          ...base,
          outcome: 'timeout',
          error: `no answer within ${options.timeoutMs ?? DELIVERY_TIMEOUT_MS} ms`,
        }
      : { ...base, outcome: 'failed', error: 'the connection failed' };
  }
  return { ...base, outcome: 'refused', error: answer.reason };
}

/**
 * A delivered attempt makes a failing subscription active again; a delivery that gave up marks it
 * failing, or disabled once `disableAfter` gave up in a row. A race with another worker's update
 * loses quietly: the next outcome corrects it.
 */
async function updateHealth(
  options: DeliveryOptions,
  subscription: EventSubscriptionRecord,
  outcome: AttemptResult['kind'],
  at: Date,
): Promise<void> {
  let health: Parameters<typeof setEventSubscriptionHealth>[2] | undefined;
  if (outcome === 'delivered' && (subscription.state !== 'active' || subscription.exhaustedDeliveries > 0)) {
    health = { state: 'active', exhaustedDeliveries: 0 };
  } else if (outcome === 'failed') {
    const exhausted = subscription.exhaustedDeliveries + 1;
    health = {
      state: exhausted >= (options.disableAfter ?? DEFAULT_DISABLE_AFTER) ? 'disabled' : 'failing',
      exhaustedDeliveries: exhausted,
      failingSince: subscription.failingSince ?? at.toISOString(),
    };
  }
  if (!health) return;
  const change = health;
  await withChangeOrigin(systemChangeOrigin(`MarkEventSubscription${capitalised(change.state)}`), () =>
    setEventSubscriptionHealth(options.store, subscription, change),
  );
}

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** A running in-process delivery worker (`npm start`, tests). */
export interface DeliveryWorker {
  /** Looks for due deliveries now instead of at the next poll. */
  wake(): void;
  /** Stops polling and resolves once the attempts in flight have finished. */
  stop(): Promise<void>;
}

/**
 * Attempts due deliveries found in the store's due index, `concurrency` at a time, polling every
 * `pollMs` (and whenever woken). A restarted worker finds whatever an earlier one left pending.
 */
export function startDeliveryWorker(
  options: DeliveryOptions & {
    readonly pollMs?: number;
    readonly concurrency?: number;
    readonly onError?: (error: unknown) => void;
  },
): DeliveryWorker {
  const pollMs = options.pollMs ?? 1_000;
  const concurrency = options.concurrency ?? 16;
  const now = options.now ?? (() => new Date());
  let stopped = false;
  let woken = false;
  let wake: (() => void) | undefined;
  const running = (async () => {
    while (!stopped) {
      woken = false;
      let attempted = 0;
      let full = false;
      try {
        const due = await queryDueEventDeliveries(options.store, now(), concurrency * 4);
        // One read of each subscription per pass: its state and URL as the pass began.
        const read = new Map<string, ReturnType<SubscriptionLookup>>();
        const lookup: SubscriptionLookup = (scope, id) => {
          let found = read.get(id);
          if (!found) {
            found = getEventSubscription(options.store, scope, id);
            read.set(id, found);
          }
          return found;
        };
        full = due.length === concurrency * 4;
        for (let start = 0; start < due.length && !stopped; start += concurrency) {
          const results = await Promise.all(
            due.slice(start, start + concurrency).map((ref) =>
              attemptDelivery(options, ref, lookup).catch((error: unknown) => {
                options.onError?.(error);
                return { kind: 'done' } as const;
              }),
            ),
          );
          attempted += results.filter((result) => result.kind !== 'done' && result.kind !== 'not-due').length;
        }
      } catch (error) {
        options.onError?.(error);
      }
      // A full page that made progress may mean more are due: look again at once.
      if (stopped || woken || (full && attempted > 0)) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();
  return {
    wake() {
      woken = true;
      wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await running;
    },
  };
}
