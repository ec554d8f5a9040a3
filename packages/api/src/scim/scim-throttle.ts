/**
 * Per-token throttling of SCIM requests: a token bucket per token id (rate and burst), in process
 * memory bounded to MAX_TRACKED_TOKENS buckets (the least recently used go first). An empty bucket
 * answers how long until the next request would be admitted (the 429's Retry-After).
 */

/** How fast one token may call. */
export interface ScimThrottleSettings {
  /** Requests per second a token earns. */
  readonly ratePerSecond: number;
  /** How many requests a token may make at once after being idle. */
  readonly burst: number;
}

/** The default: room for an IdP's initial sync at 20 concurrent requests, not for a flood. */
export const DEFAULT_SCIM_THROTTLE: ScimThrottleSettings = { ratePerSecond: 100, burst: 200 };

/** Buckets kept at most (a bucket is a few dozen bytes). */
export const MAX_TRACKED_TOKENS = 10_000;

/** Takes one request from a token's bucket: admitted, or the seconds to wait. */
export type ScimThrottle = (
  tokenId: string,
  nowMs: number,
) => { admitted: true } | { admitted: false; retryAfterSeconds: number };

/** Builds a throttle with its own buckets. */
export function scimThrottle(settings: ScimThrottleSettings = DEFAULT_SCIM_THROTTLE): ScimThrottle {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return function takeRequest(tokenId, nowMs) {
    const bucket = buckets.get(tokenId) ?? { tokens: settings.burst, at: nowMs };
    buckets.delete(tokenId);
    const elapsed = Math.max(0, nowMs - bucket.at) / 1000;
    const tokens = Math.min(settings.burst, bucket.tokens + elapsed * settings.ratePerSecond);
    const admitted = tokens >= 1;
    // Re-inserted last: the Map's order is least recently used first.
    buckets.set(tokenId, { tokens: admitted ? tokens - 1 : tokens, at: nowMs });
    if (buckets.size > MAX_TRACKED_TOKENS) buckets.delete(buckets.keys().next().value as string);
    if (admitted) return { admitted: true };
    return {
      admitted: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / settings.ratePerSecond)),
    };
  };
}
