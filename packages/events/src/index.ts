/** Outbound events: subscriptions, the events of change records, and their signed, retried delivery. */
export * from './delivery.ts';
export * from './destinations.ts';
export * from './event-types.ts';
export * from './retry-schedule.ts';
export * from './subscriptions.ts';
