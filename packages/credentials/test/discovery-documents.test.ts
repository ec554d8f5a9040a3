import { describe, expect, it } from 'vitest';
import { buildJwks, buildOpenIdConfiguration, generateSessionSigningKey } from '../src/index.ts';

describe('buildJwks', () => {
  it('publishes the public members of each key, even if handed a private one', async () => {
    const a = await generateSessionSigningKey();
    const b = await generateSessionSigningKey();
    const jwks = buildJwks([a.publicJwk, { ...b.publicJwk, ...({ d: b.privateJwk.d } as object) }]);
    expect(jwks.keys.map((k) => k.kid)).toEqual([a.kid, b.kid]);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
  });
});

describe('buildOpenIdConfiguration', () => {
  it('derives endpoints from the issuer and advertises ES256 only', () => {
    const doc = buildOpenIdConfiguration({ issuer: 'https://id.palisade.test/' });
    expect(doc).toMatchObject({
      issuer: 'https://id.palisade.test/',
      jwks_uri: 'https://id.palisade.test/.well-known/jwks.json',
      id_token_signing_alg_values_supported: ['ES256'],
      subject_types_supported: ['public'],
      response_types_supported: [],
      grant_types_supported: ['refresh_token'],
    });
    // No authorization-code flow is served, so none is advertised.
    expect(doc).not.toHaveProperty('authorization_endpoint');
  });

  it('uses endpoints given explicitly', () => {
    const doc = buildOpenIdConfiguration({
      issuer: 'https://id.palisade.test',
      jwksUri: 'https://cdn.test/jwks',
    });
    expect(doc.jwks_uri).toBe('https://cdn.test/jwks');
  });
});
