import { describe, expect, it } from 'vitest';
import { fail, isFailure, ok } from '../src/index.ts';

describe('failures', () => {
  it('tells a failure from a success', () => {
    expect(isFailure(fail('entity.not-found', 'no such user'))).toBe(true);
    expect(isFailure(ok({ ok: false }))).toBe(false);
    expect(isFailure({ ok: false })).toBe(false);
  });
});
