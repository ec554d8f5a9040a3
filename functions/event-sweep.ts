/** Lambda entry point run every few minutes: announces pending deliveries whose queue message was lost. */
import { readEventQueueUrl, readStoreConfig } from './wiring/config.ts';
import { announceOverdueDeliveries, sqsAnnouncer } from './wiring/event-delivery.ts';
import { storeFor } from './wiring/store.ts';

let sweep: (() => Promise<number>) | undefined;

/** The scheduled handler; a throw is retried at the next run. */
export const handler = async (): Promise<{ announced: number }> => {
  if (!sweep) {
    const store = storeFor(readStoreConfig());
    const announce = sqsAnnouncer(readEventQueueUrl());
    sweep = () => announceOverdueDeliveries(store, announce);
  }
  return { announced: await sweep() };
};
