import { HOTP, Secret } from 'otpauth';
import { describe, expect, it } from 'vitest';
import {
  generateTotpCode,
  generateTotpSeed,
  totpQrCodePng,
  totpStep,
  totpUri,
  verifyTotp,
  verifyTwoConsecutiveCodes,
} from '../src/index.ts';

const NOW = new Date('2026-03-14T09:26:45Z');
const step = totpStep(NOW);
const seed = generateTotpSeed();
const codeAt = (s: number) => HOTP.generate({ secret: Secret.fromBase32(seed), counter: s });

describe('TOTP seeds and enrolment', () => {
  it('generates a 20-byte base32 seed', () => {
    expect(seed).toMatch(/^[A-Z2-7]{32}$/);
    expect(Secret.fromBase32(seed).bytes).toHaveLength(20);
  });

  it('builds an otpauth URI with issuer Palisade and label alias:user, SHA1, 6 digits, 30 s', () => {
    const uri = new URL(totpUri({ seed, accountAlias: 'acme', userName: 'alice' }));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/acme:alice');
    expect(uri.searchParams.get('issuer')).toBe('Palisade');
    expect(uri.searchParams.get('secret')).toBe(seed);
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
  });

  it('renders the URI as a base64 PNG', async () => {
    const png = Buffer.from(
      await totpQrCodePng(totpUri({ seed, accountAlias: 'acme', userName: 'alice' })),
      'base64',
    );
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  });

  it('matches RFC 6238 test vector time steps', () => {
    expect(totpStep(new Date(59_000))).toBe(1);
    expect(totpStep(new Date(1_111_111_109_000))).toBe(37_037_036);
    // RFC 6238 Appendix B, SHA1, T=59 s: 94287082 (8 digits); AWS uses the last 6.
    const rfcSeed = Secret.fromLatin1('12345678901234567890').base32;
    expect(generateTotpCode(rfcSeed, new Date(59_000))).toBe('287082');
  });
});

describe('verifyTotp', () => {
  it('accepts the current code and returns its step', () => {
    expect(verifyTotp({ seed, code: generateTotpCode(seed, NOW), now: NOW })).toEqual({
      ok: true,
      value: { step },
    });
  });

  it('accepts one step of drift either way and no more', () => {
    expect(verifyTotp({ seed, code: codeAt(step - 1), now: NOW })).toEqual({
      ok: true,
      value: { step: step - 1 },
    });
    expect(verifyTotp({ seed, code: codeAt(step + 1), now: NOW })).toEqual({
      ok: true,
      value: { step: step + 1 },
    });
    expect(verifyTotp({ seed, code: codeAt(step - 2), now: NOW }).ok).toBe(false);
    expect(verifyTotp({ seed, code: codeAt(step + 2), now: NOW }).ok).toBe(false);
  });

  it('refuses a replayed code (step at or before the last used step)', () => {
    const code = codeAt(step);
    expect(verifyTotp({ seed, code, now: NOW, lastUsedStep: step })).toMatchObject({
      ok: false,
      code: 'credentials.invalid-mfa',
    });
    expect(verifyTotp({ seed, code: codeAt(step - 1), now: NOW, lastUsedStep: step - 1 }).ok).toBe(false);
    expect(verifyTotp({ seed, code, now: NOW, lastUsedStep: step - 1 }).ok).toBe(true);
  });

  it('refuses malformed codes and seeds without throwing', () => {
    for (const code of ['', '12345', '1234567', 'abcdef', '12345é', ' 123456']) {
      expect(verifyTotp({ seed, code, now: NOW }).ok).toBe(false);
    }
    expect(verifyTotp({ seed: 'not base32!', code: '123456', now: NOW }).ok).toBe(false);
  });
});

describe('verifyTwoConsecutiveCodes', () => {
  it('accepts codes at consecutive steps ending now and returns the later step', () => {
    expect(
      verifyTwoConsecutiveCodes({ seed, code1: codeAt(step - 1), code2: codeAt(step), now: NOW }),
    ).toEqual({
      ok: true,
      value: { step },
    });
  });

  it('refuses codes out of order, repeated or not consecutive', () => {
    expect(
      verifyTwoConsecutiveCodes({ seed, code1: codeAt(step), code2: codeAt(step - 1), now: NOW }).ok,
    ).toBe(false);
    expect(verifyTwoConsecutiveCodes({ seed, code1: codeAt(step), code2: codeAt(step), now: NOW }).ok).toBe(
      false,
    );
    expect(
      verifyTwoConsecutiveCodes({ seed, code1: codeAt(step - 2), code2: codeAt(step), now: NOW }).ok,
    ).toBe(false);
  });

  it('refuses a consecutive pair from long ago', () => {
    expect(
      verifyTwoConsecutiveCodes({ seed, code1: codeAt(step - 11), code2: codeAt(step - 10), now: NOW }).ok,
    ).toBe(false);
  });
});
