/**
 * What a warm decision costs in DynamoDB requests on either side of the cache's revalidation
 * window, for tests that pin the cache's clock and count the store's requests.
 */

/** The cache's clock, in milliseconds since the test began, which the test moves. */
export interface WindowClock {
  elapsedMs: number;
}

/** The requests made over 50 warm repeats, at the window's last millisecond, and at its end. */
export interface RequestsAcrossWindow {
  readonly warm: number;
  readonly lastMillisecond: number;
  readonly atWindow: number;
}

/**
 * Asks `decide` 50 times, then once with the cache's `clock` moved to `windowMs - 1` and once at
 * `windowMs`, counting in each stage the requests `requestsSent` reports.
 */
export async function requestsAcrossWindow(
  decide: () => Promise<unknown>,
  clock: WindowClock,
  requestsSent: () => number,
  windowMs: number,
): Promise<RequestsAcrossWindow> {
  const countedDuring = async (stage: () => Promise<void>) => {
    const before = requestsSent();
    await stage();
    return requestsSent() - before;
  };
  const warm = await countedDuring(async () => {
    for (let i = 0; i < 50; i++) await decide();
  });
  const lastMillisecond = await countedDuring(async () => {
    clock.elapsedMs = windowMs - 1;
    await decide();
  });
  const atWindow = await countedDuring(async () => {
    clock.elapsedMs = windowMs;
    await decide();
  });
  return { warm, lastMillisecond, atWindow };
}
