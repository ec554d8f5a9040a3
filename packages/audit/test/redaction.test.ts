import { describe, expect, it } from 'vitest';
import { HIDDEN, MAX_AUDIT_ELEMENTS_CHARS, queryRequestParameters, redact } from '../src/index.ts';

describe('redact', () => {
  it('hides secret members at any depth and in any case', () => {
    const redacted = redact({
      userName: 'alice',
      Password: 'Correct-Horse-9',
      credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's3cr3t', sessionToken: 'tok' },
      devices: [{ serialNumber: 'arn:aws:iam::111122223333:mfa/m1', authenticationCode1: '123456' }],
      deep: { a: { b: { c: { clientSecret: 'x', refreshToken: 'y', webhookSigningSecret: 'z' } } } },
    });
    expect(redacted).toEqual({
      userName: 'alice',
      Password: HIDDEN,
      credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: HIDDEN, sessionToken: HIDDEN },
      devices: [{ serialNumber: 'arn:aws:iam::111122223333:mfa/m1', authenticationCode1: HIDDEN }],
      deep: { a: { b: { c: { clientSecret: HIDDEN, refreshToken: HIDDEN, webhookSigningSecret: HIDDEN } } } },
    });
  });

  it('keeps flags and lengths whose names mention a password', () => {
    expect(
      redact({
        passwordResetRequired: 'true',
        allowUsersToChangePassword: true,
        minimumPasswordLength: '12',
      }),
    ).toEqual({
      passwordResetRequired: 'true',
      allowUsersToChangePassword: true,
      minimumPasswordLength: '12',
    });
  });

  it('replaces an object larger than the bound by its size', () => {
    const big = { policyDocument: 'x'.repeat(MAX_AUDIT_ELEMENTS_CHARS) };
    expect(redact(big)).toEqual({ truncated: true, size: JSON.stringify(big).length });
  });

  it('bounds the depth it keeps', () => {
    let nested: Record<string, unknown> = { leaf: 'v' };
    for (let i = 0; i < 20; i++) nested = { n: nested };
    expect(JSON.stringify(redact(nested))).toContain('"TRUNCATED"');
  });

  it('keeps null as null', () => {
    expect(redact(null)).toBeNull();
  });
});

describe('queryRequestParameters', () => {
  it('names Query members as CloudTrail shows them and hides secrets', () => {
    expect(
      queryRequestParameters({
        UserName: 'alice',
        Password: 'Correct-Horse-9',
        PasswordResetRequired: 'true',
        Tags: [{ Key: 'team', Value: 'blue' }],
        ClientIDList: ['app'],
      }),
    ).toEqual({
      userName: 'alice',
      password: HIDDEN,
      passwordResetRequired: 'true',
      tags: [{ key: 'team', value: 'blue' }],
      clientIDList: ['app'],
    });
  });

  it('is null for an action without parameters', () => {
    expect(queryRequestParameters({})).toBeNull();
  });
});
