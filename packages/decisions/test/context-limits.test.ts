import { describe, expect, it, vi } from 'vitest';

describe('the context limits', () => {
  it('tell the totals with grouped digits', async () => {
    const { CONTEXT_TOTALS_MESSAGE } = await import('../src/context-limits.ts');
    expect(CONTEXT_TOTALS_MESSAGE).toBe('context holds at most 1,000 values and 65,536 characters in all');
  });

  it('format no number by locale when loaded (loading ICU data took 38 ms of the authorize cold start)', async () => {
    vi.resetModules();
    const byLocale = vi.spyOn(Number.prototype, 'toLocaleString');
    try {
      await import('../src/context-limits.ts');
      expect(byLocale).not.toHaveBeenCalled();
    } finally {
      byLocale.mockRestore();
    }
  });
});
