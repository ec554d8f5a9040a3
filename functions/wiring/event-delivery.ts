/**
 * Where outbound event deliveries run. In AWS the change-stream function files deliveries and
 * announces each as an SQS message (delayed until due); the event-delivery function attempts them
 * and announces retries the same way; SQS retries a batch item the function failed on and moves
 * it to the dead-letter queue after a few. Under `npm start` the in-process worker polls the due
 * index and the consumer wakes it: the same attempt code either way.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SecretBox } from '@palisade/credentials';
import {
  type AttemptResult,
  attemptDelivery,
  type DeliveryAnnouncer,
  type DeliveryOptions,
  type DeliveryWorker,
  startDeliveryWorker,
} from '@palisade/events';
import {
  type EventDeliveryRef,
  isAccountId,
  isEventDeliveryId,
  isEventSubscriptionId,
  queryDueEventDeliveries,
  type StoreContext,
} from '@palisade/store';
import type { EventDeliveryConfig } from './event-delivery-config.ts';

/** SQS's longest message delay: a later retry is announced again when its message comes early. */
const MAX_SQS_DELAY_SECONDS = 900;
const SQS_BATCH = 10;

/** The delivery options of a deployment. */
export function deliveryOptionsOf(
  store: StoreContext,
  secrets: SecretBox,
  config: EventDeliveryConfig | undefined,
): DeliveryOptions {
  return {
    store,
    secrets,
    allowPrivate: config?.allowPrivate === true,
    ...(config?.retrySchedule ? { retrySchedule: config.retrySchedule } : {}),
  };
}

/** Announces deliveries as SQS messages, each delayed until it is due (at most 15 minutes). */
export function sqsAnnouncer(queueUrl: string, client: SQSClient = new SQSClient({})): DeliveryAnnouncer {
  return async function announceToQueue(deliveries) {
    for (let start = 0; start < deliveries.length; start += SQS_BATCH) {
      const entries = deliveries.slice(start, start + SQS_BATCH).map(({ ref, dueAt }, index) => ({
        Id: String(index),
        MessageBody: JSON.stringify(ref),
        DelaySeconds: Math.min(
          MAX_SQS_DELAY_SECONDS,
          Math.max(0, Math.ceil((Date.parse(dueAt) - Date.now()) / 1000)),
        ),
      }));
      const sent = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      // A delivery not announced stays pending in the table; throwing makes the caller try again.
      if (sent.Failed && sent.Failed.length > 0)
        throw new Error(`SQS refused ${sent.Failed.length} messages`);
    }
  };
}

/** A queue message's delivery, or undefined for a body this code did not send. */
export function deliveryRefOf(body: string): EventDeliveryRef | undefined {
  try {
    const parsed = JSON.parse(body) as { scope?: unknown; subscriptionId?: unknown; deliveryId?: unknown };
    const { scope, subscriptionId, deliveryId } = parsed;
    const validScope =
      scope === 'platform' ||
      (typeof scope === 'object' &&
        scope !== null &&
        typeof (scope as { accountId?: unknown }).accountId === 'string' &&
        isAccountId((scope as { accountId: string }).accountId));
    if (!validScope || typeof subscriptionId !== 'string' || typeof deliveryId !== 'string') return undefined;
    if (!isEventSubscriptionId(subscriptionId) || !isEventDeliveryId(deliveryId)) return undefined;
    return { scope: scope as EventDeliveryRef['scope'], subscriptionId, deliveryId };
  } catch {
    return undefined;
  }
}

/** One SQS message as Lambda hands it over (the fields used). */
export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
}

/**
 * The delivery function's work: each message's delivery attempted once, a retry or an early
 * message announced again; a message whose attempt threw is reported failed (SQS retries it, then
 * dead-letters it), the others succeed.
 */
export function deliverQueuedEvents(
  options: DeliveryOptions,
  announce: DeliveryAnnouncer,
): (event: {
  readonly Records: readonly QueueMessage[];
}) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  return async function deliverQueued(event) {
    const failures: { itemIdentifier: string }[] = [];
    await Promise.all(
      event.Records.map(async (message) => {
        const ref = deliveryRefOf(message.body);
        if (!ref) return;
        try {
          const result: AttemptResult = await attemptDelivery(options, ref);
          const dueAt =
            result.kind === 'retry'
              ? result.nextAttemptAt
              : result.kind === 'not-due'
                ? result.dueAt
                : undefined;
          if (dueAt) await announce([{ ref, dueAt }]);
        } catch {
          failures.push({ itemIdentifier: message.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  };
}

/** How far past due a pending delivery must be before the sweep announces it again. */
export const OVERDUE_AFTER_MS = 20 * 60_000;

/**
 * Announces again the pending deliveries overdue by OVERDUE_AFTER_MS: their queue message was
 * dead-lettered or lost (a delivery waiting its turn is due later, or announced within minutes).
 * A second announcement of a live one is harmless (the lease). Resolves how many it announced.
 */
export async function announceOverdueDeliveries(
  store: StoreContext,
  announce: DeliveryAnnouncer,
  now: Date = new Date(),
  limit = 500,
): Promise<number> {
  const overdue = await queryDueEventDeliveries(store, new Date(now.getTime() - OVERDUE_AFTER_MS), limit);
  if (overdue.length > 0) await announce(overdue.map((ref) => ({ ref, dueAt: now.toISOString() })));
  return overdue.length;
}

/** `npm start`'s delivery: the in-process worker, and the announcer that wakes it. */
export function startLocalEventDelivery(
  options: DeliveryOptions,
  onError: (error: unknown) => void,
): { readonly worker: DeliveryWorker; readonly announce: DeliveryAnnouncer } {
  const worker = startDeliveryWorker({ ...options, pollMs: 500, onError });
  return {
    worker,
    async announce() {
      worker.wake();
    },
  };
}
