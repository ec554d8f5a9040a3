/** Lambda entry point subscribed to the table's stream: change records to their consumers. */
import { stdoutLog } from '@palisade/api';
import { type ChangeConsumer, type ChangeStreamRecord, decodeChangeStream } from '@palisade/store';
import { changeConsumers } from './wiring/change-consumers.ts';
import { readEventQueueUrl, readStoreConfig } from './wiring/config.ts';
import { sqsAnnouncer } from './wiring/event-delivery.ts';
import { storeFor } from './wiring/store.ts';

// Built on the first delivery, so a missing configuration fails that delivery (delivered again), not the import.
let consume: ChangeConsumer | undefined;

/** The DynamoDB stream handler; a throw makes Lambda deliver the batch again. */
export const handler = async (event: { readonly Records: readonly ChangeStreamRecord[] }): Promise<void> => {
  consume ??= changeConsumers(stdoutLog, storeFor(readStoreConfig()), sqsAnnouncer(readEventQueueUrl()));
  await consume(decodeChangeStream(event.Records));
};
