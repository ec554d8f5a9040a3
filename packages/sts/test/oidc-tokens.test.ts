import type { OidcProviderRecord } from '@palisade/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebIdentityVerifier } from '../src/index.ts';
import { startTestIssuer, type TestIssuer } from './oidc-test-issuer.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
const epoch = Math.floor(NOW.getTime() / 1000);

/** The provider record of an issuer URL, registered with one client id. */
function providerOf(issuer: string): OidcProviderRecord {
  const providerId = issuer.replace(/^https?:\/\//, '');
  return {
    accountId: '200000000002',
    providerId,
    issuer,
    arn: `arn:aws:iam::200000000002:oidc-provider/${providerId}`,
    clientIds: ['app-1'],
    thumbprints: [],
    tags: [],
    createdAt: NOW.toISOString(),
    version: 1,
  };
}

let idp: TestIssuer;
beforeEach(async () => {
  idp = await startTestIssuer();
});
afterEach(() => idp.close());

describe('web identity verifier', () => {
  it('accepts a token signed by the issuer for a registered audience', async () => {
    const verify = createWebIdentityVerifier({ allowLoopbackIssuers: true });
    const token = await idp.sign({ sub: 'user-1', aud: 'app-1', iat: epoch, exp: epoch + 300 });
    expect(await verify(token, providerOf(idp.url), NOW)).toMatchObject({
      ok: true,
      value: { subject: 'user-1', audience: 'app-1', issuer: idp.url },
    });
  });

  it('refuses a token without an expiration as an invalid identity token', async () => {
    const verify = createWebIdentityVerifier({ allowLoopbackIssuers: true });
    const token = await idp.sign({ sub: 'user-1', aud: 'app-1', iat: epoch });
    expect(await verify(token, providerOf(idp.url), NOW)).toMatchObject({
      ok: false,
      code: 'credentials.invalid-identity-token',
    });
  });
});
