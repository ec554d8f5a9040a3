/**
 * When a failed delivery is tried again: exponential backoff with jitter over about a day, or the
 * schedule PALISADE_EVENT_RETRY_SCHEDULE gives (`1s,2s,4s`). After the last retry the delivery
 * gives up and its subscription is marked failing.
 */

/** The default delays before each retry, in milliseconds: 5 s doubling-ish to 8 h, 23.7 h in all. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000,
];

/** The most retries a schedule may hold, and the longest delay of one. */
export const MAX_RETRIES = 20;
const MAX_DELAY_MS = 24 * 3_600_000;
const UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** Parses `1s,2s,4s` (units ms, s, m, h); throws on anything else, so a typo stops start-up. */
export function parseRetrySchedule(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.length > MAX_RETRIES) {
    throw new Error(`PALISADE_EVENT_RETRY_SCHEDULE must list 1 to ${MAX_RETRIES} delays.`);
  }
  return parts.map((part) => {
    const match = /^(\d{1,9})(ms|s|m|h)$/.exec(part);
    const delay = match ? Number(match[1]) * UNITS[match[2] as keyof typeof UNITS] : Number.NaN;
    if (!(delay > 0 && delay <= MAX_DELAY_MS)) {
      throw new Error(
        `PALISADE_EVENT_RETRY_SCHEDULE: "${part.slice(0, 20)}" is not a delay such as 500ms, 10s, 5m or 2h (at most 24h).`,
      );
    }
    return delay;
  });
}

/**
 * The delay before retry `retry` (1-based), with up to ±20% jitter so that deliveries failing
 * together do not retry together; undefined once the schedule is spent.
 */
export function retryDelayMs(
  schedule: readonly number[],
  retry: number,
  random: () => number = Math.random,
): number | undefined {
  const base = schedule[retry - 1];
  if (base === undefined) return undefined;
  return Math.max(1, Math.round(base * (0.8 + 0.4 * random())));
}
