import { describe, expect, it } from 'vitest';
import {
  checkPasswordPolicy,
  DEFAULT_PASSWORD_POLICY,
  type PasswordPolicy,
  validatePasswordPolicy,
} from '../src/index.ts';

const STRICT: PasswordPolicy = {
  minimumPasswordLength: 12,
  requireSymbols: true,
  requireNumbers: true,
  requireUppercaseCharacters: true,
  requireLowercaseCharacters: true,
};

describe('checkPasswordPolicy', () => {
  it('accepts an 8-character password under the default policy', () => {
    expect(checkPasswordPolicy('abcdefgh', DEFAULT_PASSWORD_POLICY, 'alice').ok).toBe(true);
    expect(checkPasswordPolicy('abcdefg', DEFAULT_PASSWORD_POLICY, 'alice').ok).toBe(false);
  });

  it('accepts a password meeting every rule of a strict policy', () => {
    expect(checkPasswordPolicy("Correct-Horse-9'", STRICT, 'alice')).toEqual({ ok: true, value: undefined });
  });

  it('lists every unmet rule in one failure, without the password', () => {
    const result = checkPasswordPolicy('short', STRICT, 'alice');
    expect(result).toMatchObject({ ok: false, code: 'credentials.password-policy' });
    const message = result.ok ? '' : result.message;
    expect(message).toContain('at least 12 characters');
    expect(message).toContain('an uppercase letter');
    expect(message).toContain('a number');
    expect(message).toContain('a symbol');
    expect(message).not.toContain('a lowercase letter');
    expect(message).not.toContain('short');
  });

  it("counts only AWS's symbols as symbols", () => {
    const symbolsOnly = { ...DEFAULT_PASSWORD_POLICY, requireSymbols: true };
    for (const symbol of "!@#$%^&*()_+-=[]{}|'") {
      expect(checkPasswordPolicy(`abcdefgh${symbol}`, symbolsOnly, 'alice').ok).toBe(true);
    }
    for (const notSymbol of ['~', '"', '.', ' ', '?', '€']) {
      expect(checkPasswordPolicy(`abcdefgh${notSymbol}`, symbolsOnly, 'alice').ok).toBe(false);
    }
  });

  it('refuses the user name as the password, whatever the case', () => {
    const result = checkPasswordPolicy('AliceSmith', DEFAULT_PASSWORD_POLICY, 'alicesmith');
    expect(result.ok ? '' : result.message).toContain('differ from the user name');
  });

  it('refuses passwords longer than 128 characters', () => {
    expect(checkPasswordPolicy('a'.repeat(128), DEFAULT_PASSWORD_POLICY, 'alice').ok).toBe(true);
    expect(checkPasswordPolicy('a'.repeat(129), DEFAULT_PASSWORD_POLICY, 'alice').ok).toBe(false);
  });
});

describe('validatePasswordPolicy', () => {
  it('accepts minimum lengths from 6 to 128 only', () => {
    for (const length of [6, 8, 128]) {
      expect(validatePasswordPolicy({ ...DEFAULT_PASSWORD_POLICY, minimumPasswordLength: length }).ok).toBe(
        true,
      );
    }
    for (const length of [5, 129, 7.5, Number.NaN]) {
      expect(
        validatePasswordPolicy({ ...DEFAULT_PASSWORD_POLICY, minimumPasswordLength: length }),
      ).toMatchObject({
        ok: false,
        code: 'request.invalid',
      });
    }
  });
});
