import { describe, expect, it } from 'vitest';
import {
  CURRENT_SCRYPT_PARAMETERS,
  dummyVerifyPassword,
  hashPassword,
  passwordNeedsRehash,
  verifyPassword,
} from '../src/index.ts';

// Low-cost parameters where the test is about the encoding, not the cost.
const CHEAP = { ln: 10, r: 8, p: 1 };

describe('hashPassword', () => {
  it('encodes the scrypt parameters, a 16-byte salt and a 32-byte hash at OWASP cost', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    expect(encoded).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(CURRENT_SCRYPT_PARAMETERS).toEqual({ ln: 17, r: 8, p: 1 });
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same', CHEAP)).not.toBe(await hashPassword('same', CHEAP));
  });

  it('does not block the event loop while hashing', async () => {
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 1);
    await hashPassword('event loop stays free');
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('verifyPassword', () => {
  it('accepts the right password and reports no rehash at current parameters', async () => {
    const encoded = await hashPassword('Tr0ub4dor&3');
    expect(await verifyPassword('Tr0ub4dor&3', encoded)).toEqual({ ok: true, value: { needsRehash: false } });
  });

  it('refuses a wrong password with credentials.invalid-password', async () => {
    const encoded = await hashPassword('Tr0ub4dor&3', CHEAP);
    const result = await verifyPassword('Tr0ub4dor&4', encoded);
    expect(result).toMatchObject({ ok: false, code: 'credentials.invalid-password' });
  });

  it('treats the same password in composed and decomposed Unicode as equal', async () => {
    const encoded = await hashPassword('caf\u00e9-passw0rd', CHEAP);
    expect((await verifyPassword('cafe\u0301-passw0rd', encoded)).ok).toBe(true);
  });

  it('accepts a hash made at older parameters and asks for a rehash', async () => {
    const encoded = await hashPassword('legacy', CHEAP);
    expect(await verifyPassword('legacy', encoded)).toEqual({ ok: true, value: { needsRehash: true } });
  });

  it('verifies at the parameters stored with the hash, whatever the verifier currently hashes with', async () => {
    const older = { ln: 11, r: 8, p: 1 };
    const encoded = await hashPassword('stored-cost', older);
    expect(encoded).toMatch(/^\$scrypt\$ln=11,r=8,p=1\$/);
    expect(await verifyPassword('stored-cost', encoded, CHEAP)).toEqual({
      ok: true,
      value: { needsRehash: true },
    });
    expect(await verifyPassword('stored-cost', encoded, older)).toEqual({
      ok: true,
      value: { needsRehash: false },
    });
    expect(await verifyPassword('stored-cost', encoded)).toEqual({ ok: true, value: { needsRehash: true } });
    expect((await verifyPassword('other', encoded, older)).ok).toBe(false);
  });

  it('refuses malformed or hostile stored values without throwing', async () => {
    for (const stored of [
      '',
      'plaintext',
      '$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
    ]) {
      expect(await verifyPassword('anything', stored)).toMatchObject({
        ok: false,
        code: 'credentials.invalid-password',
      });
    }
  });
});

describe('passwordNeedsRehash', () => {
  it('is false at current parameters and true for weaker or unreadable ones', async () => {
    expect(passwordNeedsRehash(await hashPassword('x'))).toBe(false);
    expect(passwordNeedsRehash(await hashPassword('x', CHEAP))).toBe(true);
    expect(passwordNeedsRehash('not a hash')).toBe(true);
  });

  it('judges against the parameters it is given', async () => {
    expect(passwordNeedsRehash(await hashPassword('x', CHEAP), CHEAP)).toBe(false);
    expect(passwordNeedsRehash(await hashPassword('x', CHEAP), { ...CHEAP, ln: 11 })).toBe(true);
    expect(passwordNeedsRehash('not a hash', CHEAP)).toBe(true);
  });
});

describe('dummyVerifyPassword', () => {
  it('always answers no and takes about as long as a real verification', async () => {
    const encoded = await hashPassword('real user password');
    const t0 = performance.now();
    await verifyPassword('guess', encoded);
    const real = performance.now() - t0;
    const t1 = performance.now();
    expect(await dummyVerifyPassword('guess')).toBe(false);
    const dummy = performance.now() - t1;
    expect(dummy).toBeGreaterThan(real * 0.4);
    expect(dummy).toBeLessThan(real * 2.5);
  });
});

describe('hashPassword bounds', () => {
  it.each([
    { ln: 9, r: 8, p: 1 },
    { ln: 21, r: 8, p: 1 },
    { ln: 10, r: 0, p: 1 },
    { ln: 10, r: 8, p: 17 },
  ])('refuses parameters no stored hash may carry: %o', async (parameters) => {
    await expect(hashPassword('a password', parameters)).rejects.toThrow(RangeError);
  });
});
