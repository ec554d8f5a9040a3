import { describe, expect, it } from 'vitest';
import {
  accessKeyKind,
  generateAccessKeyId,
  generateSecretAccessKey,
  generateUniqueId,
  isAccessKeyId,
  isSecretAccessKey,
  isUniqueId,
  UNIQUE_ID_PREFIXES,
  type UniqueIdKind,
} from '../src/index.ts';

describe('access key ids', () => {
  it('starts long-term keys with AKIA and temporary keys with ASIA, 20 characters of base32', () => {
    for (let i = 0; i < 200; i += 1) {
      expect(generateAccessKeyId('long-term')).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(generateAccessKeyId('temporary')).toMatch(/^ASIA[A-Z2-7]{16}$/);
    }
  });

  it('uses every character of the base32 alphabet', () => {
    const seen = new Set(
      Array.from({ length: 400 }, () => generateAccessKeyId('long-term').slice(4)).join(''),
    );
    expect(seen.size).toBe(32);
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => generateAccessKeyId('long-term')));
    expect(ids.size).toBe(10_000);
  });

  it('validates the format and tells the kind', () => {
    expect(isAccessKeyId('AKIAIOSFODNN7EXAMPLE')).toBe(true);
    expect(accessKeyKind('AKIAIOSFODNN7EXAMPLE')).toBe('long-term');
    expect(accessKeyKind(generateAccessKeyId('temporary'))).toBe('temporary');
    for (const bad of [
      'AKIAIOSFODNN7EXAMPL',
      'AKIAIOSFODNN7EXAMPLE1',
      'AKIDIOSFODNN7EXAMPLE',
      'AKIAIOSFODNN1EXAMPLE',
      'akiaiosfodnn7example',
      'AKIDEXAMPLE',
    ]) {
      expect(isAccessKeyId(bad)).toBe(false);
      expect(accessKeyKind(bad)).toBeUndefined();
    }
  });
});

describe('secret access keys', () => {
  it('are 40 characters of base64 and validate', () => {
    for (let i = 0; i < 200; i += 1) {
      const secret = generateSecretAccessKey();
      expect(secret).toMatch(/^[A-Za-z0-9/+]{40}$/);
      expect(isSecretAccessKey(secret)).toBe(true);
    }
    expect(isSecretAccessKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe(true);
    expect(isSecretAccessKey('short')).toBe(false);
    expect(isSecretAccessKey(`${'a'.repeat(39)}=`)).toBe(false);
  });
});

describe('unique ids', () => {
  it('carries AWS prefixes and 17 base32 characters, 21 in all', () => {
    const expected: Record<string, string> = {
      user: 'AIDA',
      role: 'AROA',
      group: 'AGPA',
      'managed-policy': 'ANPA',
    };
    for (const [kind, prefix] of Object.entries(expected)) {
      const id = generateUniqueId(kind as UniqueIdKind);
      expect(id).toMatch(new RegExp(`^${prefix}[A-Z2-7]{17}$`));
      expect(isUniqueId(id, kind as UniqueIdKind)).toBe(true);
      expect(isUniqueId(id)).toBe(true);
    }
    for (const kind of Object.keys(UNIQUE_ID_PREFIXES) as UniqueIdKind[]) {
      expect(generateUniqueId(kind)).toHaveLength(21);
    }
  });

  it('rejects the wrong kind, length or alphabet', () => {
    const userId = generateUniqueId('user');
    expect(isUniqueId(userId, 'role')).toBe(false);
    expect(isUniqueId(`${userId}A`)).toBe(false);
    expect(isUniqueId(userId.slice(0, 20))).toBe(false);
    expect(isUniqueId('AIDA0123456789ABCDEFG')).toBe(false);
    expect(isUniqueId('AZZAJQABLZS4A3QDU576Q')).toBe(false);
    expect(isUniqueId('AIDAJQABLZS4A3QDU576Q', 'user')).toBe(true);
  });
});
