/** Lambda entry point fed by the event delivery queue: attempts each queued webhook delivery. */
import { createSecretBoxFromConfig } from '@palisade/credentials';
import { readEventQueueUrl, readMasterKey, readStoreConfig } from './wiring/config.ts';
import {
  deliverQueuedEvents,
  deliveryOptionsOf,
  type QueueMessage,
  sqsAnnouncer,
} from './wiring/event-delivery.ts';
import { readEventDeliveryConfig } from './wiring/event-delivery-config.ts';
import { storeFor } from './wiring/store.ts';

// Built on the first batch, so a missing configuration fails that batch (retried), not the import.
let deliver: ReturnType<typeof deliverQueuedEvents> | undefined;

/** The SQS handler; failed items are retried by SQS and dead-lettered after a few receives. */
export const handler = async (event: { readonly Records: readonly QueueMessage[] }) => {
  deliver ??= deliverQueuedEvents(
    deliveryOptionsOf(
      storeFor(readStoreConfig()),
      createSecretBoxFromConfig(readMasterKey()),
      readEventDeliveryConfig(),
    ),
    sqsAnnouncer(readEventQueueUrl()),
  );
  return deliver(event);
};
