/** Lambda entry point subscribed to the table's stream: change records to their consumers. */
import { stdoutLog } from '@palisade/api';
import { type ChangeStreamRecord, decodeChangeStream } from '@palisade/store';
import { changeConsumers } from './wiring/change-consumers.ts';

const consume = changeConsumers(stdoutLog);

/** The DynamoDB stream handler; a throw makes Lambda deliver the batch again. */
export const handler = async (event: { readonly Records: readonly ChangeStreamRecord[] }): Promise<void> =>
  consume(decodeChangeStream(event.Records));
