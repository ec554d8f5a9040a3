/**
 * The consumers of change records, wired once for the AWS stream subscriber and for `npm start`'s
 * local stream reader: the log, the audit trail's sealer, then the outbound events (their
 * deliveries filed, then announced to SQS or the local worker). Later consumers (cache
 * invalidation) join the list here.
 */
import type { LogSink } from '@palisade/api';
import { sealChangedTrails } from '@palisade/audit';
import { type DeliveryAnnouncer, fileEventDeliveries } from '@palisade/events';
import { type ChangeConsumer, type ChangeRecord, fanOut, type StoreContext } from '@palisade/store';

/** A one-line summary of a record: identifiers only, as the record itself holds no secret. */
export function changeSummary(record: ChangeRecord): Record<string, unknown> {
  const { origin } = record;
  return {
    level: 'info',
    msg: 'change',
    at: record.at,
    accountId: record.accountId,
    operation: record.operation,
    via: origin.via,
    by: origin.principal?.arn ?? origin.principal?.type ?? 'system',
    requestId: origin.requestId,
    items: record.items.length,
  };
}

/** Logs one summary line per change record. */
export function logChanges(log: LogSink): ChangeConsumer {
  return async function logChangeSummaries(records) {
    for (const record of records) log(changeSummary(record));
  };
}

/**
 * Every consumer of change records this deployment runs; with a store, the audit sealer among
 * them, and with an announcer too, the outbound events.
 */
export function changeConsumers(
  log: LogSink,
  store?: StoreContext,
  announce?: DeliveryAnnouncer,
): ChangeConsumer {
  return fanOut([
    logChanges(log),
    ...(store ? [sealChangedTrails(store)] : []),
    ...(store && announce ? [fileEventDeliveries(store, announce)] : []),
  ]);
}
