import { describe, expect, it } from 'vitest';
import { readConfig } from '../functions/wiring/config.ts';

const base = {
  TABLE_NAME: 'palisade',
  PALISADE_OPERATOR_ACCESS_KEY_ID: 'AKIAOPERATOR0000TEST',
  PALISADE_OPERATOR_SECRET_ACCESS_KEY: 'secret',
  PALISADE_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
};

describe('readConfig', () => {
  it('admits loopback OIDC issuers only when PALISADE_DEV_ALLOW_LOOPBACK_OIDC is 1', () => {
    expect(readConfig({ ...base, PALISADE_DEV_ALLOW_LOOPBACK_OIDC: '1' }).devAllowLoopbackOidc).toBe(true);
    for (const value of [undefined, '', '0', 'true', 'yes']) {
      expect(
        readConfig({ ...base, PALISADE_DEV_ALLOW_LOOPBACK_OIDC: value }).devAllowLoopbackOidc,
        value,
      ).toBe(false);
    }
  });

  it('never infers the flag from running locally or from a loopback issuer of its own', () => {
    const local = readConfig({
      ...base,
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      PALISADE_ISSUER: 'http://127.0.0.1:4000',
    });
    expect(local.devAllowLoopbackOidc).toBe(false);
  });
});
