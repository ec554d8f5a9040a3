import { afterEach, describe, expect, it, vi } from 'vitest';

describe('the session-token library (jose)', () => {
  afterEach(() => {
    vi.doUnmock('jose');
    vi.resetModules();
  });

  it('is loaded by the first token signed or verified, not when the credentials package loads (the authorize cold start)', async () => {
    vi.resetModules();
    const loaded = vi.fn();
    vi.doMock('jose', async (original) => {
      loaded();
      return await original<typeof import('jose')>();
    });
    const credentials = await import('../src/index.ts');
    const verify = credentials.createAccessTokenVerifier({
      issuer: 'https://palisade.test',
      audience: 'palisade-console',
      publicKeys: [],
    });
    expect(loaded).not.toHaveBeenCalled();

    expect(await verify('not-a-token', new Date('2026-03-14T09:26:53Z'))).toMatchObject({
      ok: false,
      code: 'credentials.invalid-token',
    });
    expect(loaded).toHaveBeenCalledTimes(1);
    const key = await credentials.generateSessionSigningKey();
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: key.kid, alg: 'ES256' });
    expect(loaded).toHaveBeenCalledTimes(1);
  });
});
