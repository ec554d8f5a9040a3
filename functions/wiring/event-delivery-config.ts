/** The outbound webhooks' settings, read from the environment (a malformed value stops start-up). */
import { parseRetrySchedule } from '@palisade/events';

/** How outbound events are delivered. */
export interface EventDeliveryConfig {
  /**
   * Webhooks may go to plain http and to loopback, private and link-local addresses
   * (PALISADE_WEBHOOK_ALLOW_PRIVATE=1): development and tests only; no other setting implies it.
   */
  readonly allowPrivate: boolean;
  /** Delays before each retry (PALISADE_EVENT_RETRY_SCHEDULE, `1s,2s,4s`); the default's day-long backoff when absent. */
  readonly retrySchedule?: readonly number[];
}

/** Reads PALISADE_WEBHOOK_ALLOW_PRIVATE (the value `1` only) and PALISADE_EVENT_RETRY_SCHEDULE. */
export function readEventDeliveryConfig(env: NodeJS.ProcessEnv = process.env): EventDeliveryConfig {
  const schedule = env.PALISADE_EVENT_RETRY_SCHEDULE?.trim();
  return {
    allowPrivate: env.PALISADE_WEBHOOK_ALLOW_PRIVATE === '1',
    ...(schedule ? { retrySchedule: parseRetrySchedule(schedule) } : {}),
  };
}
