import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, createSecretBoxFromConfig, parseMasterKey } from '../src/index.ts';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('hex');
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const OWNER = 'AKIAIOSFODNN7EXAMPLE';

describe('secret box', () => {
  it('opens what it sealed for the same owner', () => {
    const box = createSecretBoxFromConfig(keyA);
    const sealed = box.seal(SECRET, OWNER);
    expect(sealed).toMatch(/^sb1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(box.open(sealed, OWNER)).toEqual({ ok: true, value: SECRET });
  });

  it('uses a fresh IV every time', () => {
    const box = createSecretBoxFromConfig(keyA);
    expect(box.seal(SECRET, OWNER)).not.toBe(box.seal(SECRET, OWNER));
  });

  it('refuses to open a value for another owner', () => {
    const box = createSecretBoxFromConfig(keyA);
    const result = box.open(box.seal(SECRET, OWNER), 'AKIAOTHEROWNER000000');
    expect(result).toMatchObject({ ok: false, code: 'platform.unavailable' });
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('refuses tampered ciphertext, IV, tag and key id without throwing', () => {
    const box = createSecretBoxFromConfig(keyA);
    const sealed = box.seal(SECRET, OWNER);
    const [format, keyId, payload = ''] = sealed.split('.');
    const bytes = Buffer.from(payload, 'base64url');
    for (const index of [0, 12, bytes.length - 1]) {
      const flipped = Buffer.from(bytes);
      flipped[index] = (flipped[index] ?? 0) ^ 1;
      expect(box.open(`${format}.${keyId}.${flipped.toString('base64url')}`, OWNER).ok).toBe(false);
    }
    for (const bad of [
      '',
      'garbage',
      `sb1.${keyId}`,
      `sb2.${keyId}.${payload}`,
      `sb1.ffffffff.${payload}`,
      `sb1.${keyId}.AAAA`,
    ]) {
      expect(box.open(bad, OWNER).ok).toBe(false);
    }
  });

  it('opens values sealed under an older key after rotation and flags them for resealing', () => {
    const old = createSecretBoxFromConfig(keyA);
    const sealed = old.seal(SECRET, OWNER);
    const rotated = createSecretBoxFromConfig(`${keyB},${keyA}`);
    expect(rotated.open(sealed, OWNER)).toEqual({ ok: true, value: SECRET });
    expect(rotated.needsReseal(sealed)).toBe(true);
    expect(rotated.needsReseal(rotated.seal(SECRET, OWNER))).toBe(false);
    expect(old.open(rotated.seal(SECRET, OWNER), OWNER).ok).toBe(false);
  });

  it('accepts a master key as base64, base64url or hex of 32 bytes and derives a stable id', () => {
    const raw = randomBytes(32);
    const ids = [raw.toString('base64'), raw.toString('base64url'), raw.toString('hex')].map(
      (k) => parseMasterKey(k).id,
    );
    expect(new Set(ids).size).toBe(1);
  });

  it('refuses master keys of the wrong size or encoding, without echoing them', () => {
    for (const bad of [
      randomBytes(16).toString('base64'),
      randomBytes(31).toString('hex'),
      'not a key at all',
    ]) {
      expect(() => parseMasterKey(bad)).toThrow(/^master key must be 32 bytes/);
    }
    expect(() => createSecretBox([])).toThrow();
    expect(() => createSecretBoxFromConfig(`${keyA},${keyA}`)).toThrow(/configured twice/);
  });
});
