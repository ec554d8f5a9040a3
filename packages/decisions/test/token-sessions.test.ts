import { fail, ok } from '@palisade/failures';
import { describe, expect, it } from 'vitest';
import type { TokenSession } from '../src/decision-service.ts';
import { cachedTokenResolver } from '../src/token-sessions.ts';

const T0 = new Date('2026-11-28T12:00:00Z').getTime();
const session = (expiresAt: number): TokenSession => ({
  principalArn: 'arn:aws:iam::123456789012:user/erin',
  accountId: '123456789012',
  mfa: false,
  authTime: T0 / 1000,
  sessionId: 'session-1',
  expiresAt,
});

/** A resolver port that counts its calls and answers what the test says. */
function countingResolver(answer: () => ReturnType<typeof ok<TokenSession>> | ReturnType<typeof fail>) {
  const calls = { count: 0 };
  return {
    calls,
    resolve: async () => {
      calls.count++;
      return answer();
    },
  };
}

describe('remembered token sessions', () => {
  it('answers from memory within the window and verifies again after it', async () => {
    let clock = T0;
    const port = countingResolver(() => ok(session(T0 / 1000 + 900)));
    const resolve = cachedTokenResolver({
      resolve: port.resolve,
      revalidateAfterMs: 250,
      now: () => new Date(clock),
    });
    expect(await resolve('t')).toMatchObject({ ok: true });
    clock = T0 + 249;
    expect(await resolve('t')).toMatchObject({ ok: true });
    expect(port.calls.count).toBe(1);
    clock = T0 + 250;
    expect(await resolve('t')).toMatchObject({ ok: true });
    expect(port.calls.count).toBe(2);
  });

  it('never answers for a token past its expiry, whatever the window', async () => {
    let clock = T0;
    let valid = true;
    const port = countingResolver(() =>
      valid ? ok(session(T0 / 1000 + 1)) : fail('credentials.expired-token', 'expired'),
    );
    const resolve = cachedTokenResolver({
      resolve: port.resolve,
      revalidateAfterMs: 60_000,
      now: () => new Date(clock),
    });
    expect(await resolve('t')).toMatchObject({ ok: true });
    clock = T0 + 1000;
    valid = false;
    expect(await resolve('t')).toMatchObject({ ok: false, code: 'credentials.expired-token' });
    expect(port.calls.count).toBe(2);
  });

  it('does not remember failures, and a revocation shows at the next verification', async () => {
    let clock = T0;
    let revoked = false;
    const port = countingResolver(() =>
      revoked ? fail('credentials.invalid-token', 'revoked') : ok(session(T0 / 1000 + 900)),
    );
    const resolve = cachedTokenResolver({
      resolve: port.resolve,
      revalidateAfterMs: 250,
      now: () => new Date(clock),
    });
    expect((await resolve('t')).ok).toBe(true);
    revoked = true;
    clock = T0 + 300;
    expect((await resolve('t')).ok).toBe(false);
    expect((await resolve('t')).ok).toBe(false);
    expect(port.calls.count).toBe(3);
  });

  it('verifies a token once for concurrent questions about it', async () => {
    const port = countingResolver(() => ok(session(T0 / 1000 + 900)));
    const resolve = cachedTokenResolver({
      resolve: port.resolve,
      revalidateAfterMs: 250,
      now: () => new Date(T0),
    });
    const answers = await Promise.all(Array.from({ length: 20 }, () => resolve('t')));
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(port.calls.count).toBe(1);
  });
});
