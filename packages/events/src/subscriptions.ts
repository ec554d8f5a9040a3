/**
 * Event subscriptions as callers manage them. A tenant subscribes to its own account's identity
 * events (its root, or a principal allowed `palisade:CreateEventSubscription` and friends on
 * `arn:<partition>:palisade::<account>:event-subscription/<id>`); the operator subscribes to
 * account events of every account. The `whsec_` secret is shown once, at creation, and stored
 * sealed by the secret box (signing needs it back). The account is always the caller's own.
 */
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import { type Caller, denialOf, palisadeArn } from '@palisade/principals';
import {
  deleteEventSubscription,
  type EventDeliveryAttempt,
  type EventDeliveryRecord,
  type EventSubscriberScope,
  type EventSubscriptionRecord,
  type EventSubscriptionState,
  getEventSubscription,
  isEventDeliveryId,
  isEventSubscriptionId,
  listEventDeliveries,
  listEventSubscriptions,
  putNewEventSubscription,
  requeueEventDelivery,
  type StoreContext,
} from '@palisade/store';
import { secretOwnerOf } from './delivery.ts';
import { checkSubscriptionUrl } from './destinations.ts';
import { ACCOUNT_EVENT_TYPES, IAM_EVENT_TYPES, isAccountEventType } from './event-types.ts';

/** Subscriptions one account (or the operator) may hold. */
export const DEFAULT_SUBSCRIPTIONS_PER_ACCOUNT = 10;
/** The most types one subscription may list. */
export const MAX_TYPES_PER_SUBSCRIPTION = 32;
/** Deliveries one listing shows at most. */
export const MAX_LISTED_DELIVERIES = 100;

/** The actions a tenant's policies must allow (the root needs none). */
export const EVENT_SUBSCRIPTION_ACTIONS = {
  create: 'palisade:CreateEventSubscription',
  list: 'palisade:ListEventSubscriptions',
  delete: 'palisade:DeleteEventSubscription',
  deliveries: 'palisade:ListEventDeliveries',
  redeliver: 'palisade:RedeliverEvent',
} as const;

/** A subscription as callers see it (never its secret). */
export interface EventSubscriptionView {
  readonly id: string;
  readonly url: string;
  readonly types: readonly string[];
  readonly state: EventSubscriptionState;
  /** Deliveries that gave up since the last success. */
  readonly failedDeliveries: number;
  readonly failingSince?: string;
  readonly createdAt: string;
}

/** A delivery as callers see it. */
export interface EventDeliveryView {
  readonly id: string;
  readonly type: string;
  readonly status: EventDeliveryRecord['status'];
  readonly createdAt: string;
  readonly nextAttemptAt?: string;
  readonly attempts: readonly EventDeliveryAttempt[];
}

/** What the service needs. */
export interface EventSubscriptionOptions {
  readonly store: StoreContext;
  readonly secrets: SecretBox;
  readonly partition: string;
  readonly now: () => Date;
  readonly allowPrivate?: boolean;
  readonly subscriptionsPerAccount?: number;
}

function viewOf(record: EventSubscriptionRecord): EventSubscriptionView {
  return {
    id: record.subscriptionId,
    url: record.url,
    types: record.types,
    state: record.state,
    failedDeliveries: record.exhaustedDeliveries,
    ...(record.failingSince ? { failingSince: record.failingSince } : {}),
    createdAt: record.createdAt,
  };
}

function deliveryViewOf(record: EventDeliveryRecord): EventDeliveryView {
  return {
    id: record.deliveryId,
    type: record.eventType,
    status: record.status,
    createdAt: record.createdAt,
    ...(record.nextAttemptAt && record.status === 'pending' ? { nextAttemptAt: record.nextAttemptAt } : {}),
    attempts: record.attempts,
  };
}

/** The event subscription operations. */
export function eventSubscriptionService(options: EventSubscriptionOptions) {
  const { store } = options;

  /** The subscriber the caller acts for, if its policies allow `action` on the subscription (or `*`). */
  const subscriberOf = (
    caller: Caller,
    action: string,
    subscriptionId = '*',
  ): Result<EventSubscriberScope> => {
    if (caller.kind === 'operator') return ok('platform');
    if (caller.kind === 'root') return ok({ accountId: caller.accountId });
    const arn = palisadeArn(options.partition, caller.accountId, `event-subscription/${subscriptionId}`);
    return denialOf(caller, action, arn) ?? ok({ accountId: caller.accountId });
  };

  /** The caller's subscription `id`: not-found for another subscriber's (nothing is said of it). */
  const ownSubscription = async (
    caller: Caller,
    action: string,
    id: string,
  ): Promise<Result<EventSubscriptionRecord>> => {
    if (!isEventSubscriptionId(id))
      return fail('entity.not-found', `Event subscription ${id.slice(0, 64)} does not exist.`);
    const scope = subscriberOf(caller, action, id);
    if (!scope.ok) return scope;
    const found = await getEventSubscription(store, scope.value, id);
    return found ? ok(found) : fail('entity.not-found', `Event subscription ${id} does not exist.`);
  };

  return {
    /** Subscribes `url` to `types` (`*`: every type the caller may receive); the secret is in this answer only. */
    async create(
      caller: Caller,
      input: { readonly url: string; readonly types: readonly string[] },
    ): Promise<Result<{ subscription: EventSubscriptionView; secret: string }>> {
      const scope = subscriberOf(caller, EVENT_SUBSCRIPTION_ACTIONS.create);
      if (!scope.ok) return scope;
      const url = checkSubscriptionUrl(input.url, options.allowPrivate === true);
      if (!url.ok) return url;
      const types = checkTypes(input.types, scope.value);
      if (!types.ok) return types;
      const subscriptionId = `sub_${randomBytes(12).toString('hex')}`;
      const secret = `whsec_${randomBytes(24).toString('base64')}`;
      const created = await putNewEventSubscription(
        store,
        {
          subscriptionId,
          scope: scope.value,
          url: url.value.href,
          types: types.value,
          sealedSecret: options.secrets.seal(secret, secretOwnerOf(subscriptionId)),
          createdAt: options.now().toISOString(),
        },
        options.subscriptionsPerAccount ?? DEFAULT_SUBSCRIPTIONS_PER_ACCOUNT,
      );
      if (!created.ok) return created;
      return ok({ subscription: viewOf(created.value), secret });
    },

    /** The caller's subscriptions, with their health. */
    async list(caller: Caller): Promise<Result<EventSubscriptionView[]>> {
      const scope = subscriberOf(caller, EVENT_SUBSCRIPTION_ACTIONS.list);
      if (!scope.ok) return scope;
      return ok((await listEventSubscriptions(store, scope.value)).map(viewOf));
    },

    /** Deletes one of the caller's subscriptions; its pending deliveries are given up. */
    async delete(caller: Caller, id: string): Promise<Result<void>> {
      const found = await ownSubscription(caller, EVENT_SUBSCRIPTION_ACTIONS.delete, id);
      if (!found.ok) return found;
      return deleteEventSubscription(store, found.value.scope, id);
    },

    /** A subscription's latest deliveries, newest first, with their attempts. */
    async deliveries(caller: Caller, id: string, limit: number): Promise<Result<EventDeliveryView[]>> {
      const found = await ownSubscription(caller, EVENT_SUBSCRIPTION_ACTIONS.deliveries, id);
      if (!found.ok) return found;
      const bounded = Math.min(Math.max(1, Math.floor(limit)), MAX_LISTED_DELIVERIES);
      return ok((await listEventDeliveries(store, found.value.scope, id, bounded)).map(deliveryViewOf));
    },

    /** Queues a delivered or given-up delivery again, with the same `webhook-id`, due now. */
    async redeliver(caller: Caller, id: string, deliveryId: string): Promise<Result<void>> {
      const found = await ownSubscription(caller, EVENT_SUBSCRIPTION_ACTIONS.redeliver, id);
      if (!found.ok) return found;
      if (found.value.state === 'disabled') {
        return fail('request.invalid', `Event subscription ${id} is disabled; create a new one.`);
      }
      if (!isEventDeliveryId(deliveryId)) {
        return fail('entity.not-found', `Delivery ${deliveryId.slice(0, 64)} does not exist.`);
      }
      return requeueEventDelivery(
        store,
        { scope: found.value.scope, subscriptionId: id, deliveryId },
        options.now(),
      );
    },
  };
}

/** The event subscription operations' type. */
export type EventSubscriptions = ReturnType<typeof eventSubscriptionService>;

/** The types a subscriber may list: a tenant its identities' events, the operator account events. */
function checkTypes(types: readonly string[], scope: EventSubscriberScope): Result<string[]> {
  const operator = scope === 'platform';
  const allowed: readonly string[] = operator ? ACCOUNT_EVENT_TYPES : IAM_EVENT_TYPES;
  if (types.length === 0 || types.length > MAX_TYPES_PER_SUBSCRIPTION) {
    return fail(
      'request.invalid',
      `types must list 1 to ${MAX_TYPES_PER_SUBSCRIPTION} event types, or ["*"].`,
    );
  }
  const unique = [...new Set(types)];
  if (unique.includes('*')) {
    return unique.length === 1 ? ok(['*']) : fail('request.invalid', '"*" stands alone in types.');
  }
  const refused = unique.find((type) => !allowed.includes(type));
  if (refused !== undefined) {
    const why =
      isAccountEventType(refused) || (operator && refused.startsWith('iam.'))
        ? operator
          ? "the operator subscribes to account events; an account's identity events go to its own subscriptions"
          : 'account events go to the operator only'
        : 'it is not an event type';
    return fail('request.invalid', `types: ${JSON.stringify(refused.slice(0, 64))} is refused: ${why}.`);
  }
  return ok(unique);
}
