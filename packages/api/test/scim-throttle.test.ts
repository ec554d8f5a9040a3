import { describe, expect, it } from 'vitest';
import { MAX_TRACKED_TOKENS, scimThrottle } from '../src/scim/scim-throttle.ts';

describe('scimThrottle', () => {
  it('admits a burst, then one request per earned token, and says how long to wait', () => {
    const take = scimThrottle({ ratePerSecond: 10, burst: 3 });
    expect([0, 0, 0].map((at) => take('a', at).admitted)).toEqual([true, true, true]);
    expect(take('a', 0)).toEqual({ admitted: false, retryAfterSeconds: 1 });
    expect(take('a', 100).admitted).toBe(true);
    expect(take('a', 100).admitted).toBe(false);
  });

  it('keeps at most MAX_TRACKED_TOKENS buckets, forgetting the least recently used', () => {
    const take = scimThrottle({ ratePerSecond: 1, burst: 1 });
    expect(take('first', 0).admitted).toBe(true);
    expect(take('first', 0).admitted).toBe(false);
    for (let i = 0; i < MAX_TRACKED_TOKENS; i++) take(`t${i}`, 0);
    // Forgotten, so it starts with a full bucket again: memory stays bounded.
    expect(take('first', 0).admitted).toBe(true);
  });
});
