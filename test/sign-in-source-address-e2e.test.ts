/**
 * The client address sign-in throttles per source: the socket's, unless the deployment configures
 * the header its own proxies set (PALISADE_TRUSTED_PROXY_HEADER) and how many proxies there are
 * (PALISADE_TRUSTED_PROXY_HOPS). Against running platforms, one with and one without the setting.
 */
import { listSignInAttempts } from '@palisade/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../functions/wiring/config.ts';
import { clientAddressOf } from '../packages/api/src/client-address.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

const START = new Date('2026-11-28T12:00:00Z');
const clock = () => START;
/** Failed sign-ins from one source within the window that lock it (defaultSignInSettings). */
const FAILURES_PER_SOURCE = 50;

let proxied: RunningPlatform;
let direct: RunningPlatform;

beforeAll(async () => {
  [proxied, direct] = await Promise.all([
    startPlatform({ now: clock, trustedProxy: { header: 'x-forwarded-for', hops: 1 } }),
    startPlatform({ now: clock }),
  ]);
  await Promise.all([proxied.createAccount('proxied-co'), direct.createAccount('direct-co')]);
}, 60_000);
afterAll(() => Promise.all([proxied?.close(), direct?.close()]));

/** A failing sign-in (unknown user) as if sent through a proxy that set X-Forwarded-For. */
async function failedSignIn(running: RunningPlatform, account: string, user: string, forwardedFor: string) {
  const response = await fetch(`${running.url}/v1/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ account, userName: user, password: 'wrong-password-1' }),
  });
  return ((await response.json()) as { error?: { code: string } }).error?.code;
}

const recordedSources = async (running: RunningPlatform, accountName: string) =>
  (await listSignInAttempts(running.platform.store, undefined, START.toISOString().slice(0, 10)))
    .filter((attempt) => attempt.accountName === accountName)
    .map((attempt) => attempt.sourceIp);

describe('the source address of a sign-in', () => {
  it('comes from the trusted proxy header, so clients behind the proxy have buckets of their own', {
    timeout: 120_000,
  }, async () => {
    for (let i = 0; i < FAILURES_PER_SOURCE; i += 10) {
      const batch = Array.from({ length: 10 }, (_, j) =>
        failedSignIn(proxied, 'proxied-co', `u${i + j}`, '198.51.100.9, 203.0.113.7'),
      );
      expect(new Set(await Promise.all(batch))).toEqual(new Set(['credentials.invalid-password']));
    }
    expect(await failedSignIn(proxied, 'proxied-co', 'next', '203.0.113.7')).toBe('credentials.throttled');
    // Another client behind the same proxy is not locked out by the first.
    expect(await failedSignIn(proxied, 'proxied-co', 'other', '203.0.113.8')).toBe(
      'credentials.invalid-password',
    );
  });

  it('is the socket address when no trusted header is configured, whatever headers say', {
    timeout: 60_000,
  }, async () => {
    await failedSignIn(direct, 'unresolved-direct', 'x', '203.0.113.7');
    const unresolved = (
      await listSignInAttempts(direct.platform.store, undefined, START.toISOString().slice(0, 10))
    ).filter((attempt) => attempt.accountName === 'unresolved-direct');
    expect(unresolved.map((attempt) => attempt.sourceIp)).toEqual(['127.0.0.1']);
    await failedSignIn(proxied, 'unresolved-proxied', 'x', '198.51.100.9, 203.0.113.7');
    expect(await recordedSources(proxied, 'unresolved-proxied')).toEqual(['203.0.113.7']);
  });
});

describe('clientAddressOf', () => {
  const cases: [
    string,
    string | undefined,
    { header: string; hops: number } | undefined,
    string | undefined,
  ][] = [
    ['no trusted header: the peer', '203.0.113.7', undefined, '10.0.0.1'],
    [
      'one hop: the last entry',
      '198.51.100.9, 203.0.113.7',
      { header: 'x-forwarded-for', hops: 1 },
      '203.0.113.7',
    ],
    [
      'two hops: the one before',
      '198.51.100.9, 203.0.113.7',
      { header: 'x-forwarded-for', hops: 2 },
      '198.51.100.9',
    ],
    ['fewer entries than hops: the peer', '203.0.113.7', { header: 'x-forwarded-for', hops: 2 }, '10.0.0.1'],
    ['not an address: the peer', 'evil, not-an-ip', { header: 'x-forwarded-for', hops: 1 }, '10.0.0.1'],
    // Leading zeros read as octal in some parsers (010 = 8): an ambiguous address never stands for the client.
    ['leading zeros: the peer', '010.0.0.1', { header: 'x-forwarded-for', hops: 1 }, '10.0.0.1'],
    ['header absent: the peer', undefined, { header: 'x-forwarded-for', hops: 1 }, '10.0.0.1'],
    ['IPv6 entry', '2001:db8::1', { header: 'x-forwarded-for', hops: 1 }, '2001:db8::1'],
  ];
  it.each(cases)('%s', (_name, header, trusted, expected) => {
    expect(clientAddressOf('10.0.0.1', header, trusted)).toBe(expected);
  });
});

describe('readConfig', () => {
  const base = {
    TABLE_NAME: 't',
    PALISADE_OPERATOR_ACCESS_KEY_ID: 'AKIAEXAMPLE000000000',
    PALISADE_OPERATOR_SECRET_ACCESS_KEY: 's',
    PALISADE_MASTER_KEY: 'k',
  };
  it('trusts no header unless one is configured, and one hop by default', () => {
    expect(readConfig(base).trustedProxy).toBeUndefined();
    expect(readConfig({ ...base, PALISADE_TRUSTED_PROXY_HEADER: 'X-Forwarded-For' }).trustedProxy).toEqual({
      header: 'x-forwarded-for',
      hops: 1,
    });
    expect(
      readConfig({ ...base, PALISADE_TRUSTED_PROXY_HEADER: 'x-real-ip', PALISADE_TRUSTED_PROXY_HOPS: '2' })
        .trustedProxy,
    ).toEqual({ header: 'x-real-ip', hops: 2 });
  });

  it('refuses malformed settings at start-up', () => {
    expect(() => readConfig({ ...base, PALISADE_TRUSTED_PROXY_HOPS: '2' })).toThrow(/without/);
    expect(() =>
      readConfig({
        ...base,
        PALISADE_TRUSTED_PROXY_HEADER: 'x-forwarded-for',
        PALISADE_TRUSTED_PROXY_HOPS: '0',
      }),
    ).toThrow(/1 to 10/);
    expect(() => readConfig({ ...base, PALISADE_TRUSTED_PROXY_HEADER: 'bad header' })).toThrow(/header name/);
  });
});
