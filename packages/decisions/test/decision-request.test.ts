import { afterEach, describe, expect, it, vi } from 'vitest';

describe('the decision request schema', () => {
  afterEach(() => {
    vi.doUnmock('zod/mini');
    vi.resetModules();
  });

  it('is built on first use, once, not when its module loads (the authorize cold start)', async () => {
    vi.resetModules();
    const built = vi.fn();
    vi.doMock('zod/mini', async (original) => {
      const z = await original<typeof import('zod/mini')>();
      return {
        ...z,
        strictObject: (...args: Parameters<typeof z.strictObject>) => {
          built();
          return z.strictObject(...args);
        },
      };
    });
    const { decisionRequestSchema } = await import('../src/decision-request.ts');
    expect(built).not.toHaveBeenCalled();

    const schema = decisionRequestSchema();
    expect(decisionRequestSchema()).toBe(schema);
    expect(built).toHaveBeenCalledTimes(1);
    expect(schema.safeParse({ action: 'docs:Read', resource: '*', context: { 'docs:Tier': 'a' } })).toEqual({
      success: true,
      data: { action: 'docs:Read', resource: '*', context: { 'docs:Tier': 'a' } },
    });
    expect(schema.safeParse({ action: 'docs:*', resource: '*' }).success).toBe(false);
  });
});
