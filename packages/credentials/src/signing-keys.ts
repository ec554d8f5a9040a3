/**
 * Session signing keys: ES256 key pairs named by a `kid` (their RFC 7638 thumbprint). The private
 * half is stored sealed in the secret box; the public half is published in the JWKS.
 */
import { fail, ok, type Result } from '@palisade/failures';
import type { JWK } from 'jose';
import type { SecretBox } from './secret-box.ts';

/** The one JWS algorithm Palisade signs and accepts. */
export const SESSION_SIGNING_ALGORITHM = 'ES256';

/** A public signing key as published: EC P-256 coordinates plus kid, alg and use. */
export interface PublicSigningJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg: 'ES256';
  readonly use: 'sig';
}

/** A freshly generated signing key: the private JWK to seal and the public JWK to publish. */
export interface SessionSigningKey {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly publicJwk: PublicSigningJwk;
}

/** Generates an ES256 key pair whose kid is the public key's JWK thumbprint. */
export async function generateSessionSigningKey(): Promise<SessionSigningKey> {
  // Loaded on first use, not at start-up (see jose-library.ts).
  const { calculateJwkThumbprint, exportJWK, generateKeyPair } = await import('./jose-library.ts');
  const { privateKey, publicKey } = await generateKeyPair(SESSION_SIGNING_ALGORITHM, { extractable: true });
  const exportedPublic = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exportedPublic, 'sha256');
  const publicJwk = toPublicSigningJwk({ ...exportedPublic, kid });
  if (!publicJwk) throw new Error('generated key is not an EC P-256 key');
  const privateJwk: JWK = {
    ...(await exportJWK(privateKey)),
    kid,
    alg: SESSION_SIGNING_ALGORITHM,
    use: 'sig',
  };
  return { kid, privateJwk, publicJwk };
}

/**
 * Keeps only the public members of an EC P-256 JWK (so a private `d` can never leak into a
 * JWKS), or undefined when the key is not an ES256 public key with a kid.
 */
export function toPublicSigningJwk(jwk: JWK): PublicSigningJwk | undefined {
  const { kty, crv, x, y, kid } = jwk;
  if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string') return undefined;
  if (typeof kid !== 'string' || kid === '') return undefined;
  return { kty: 'EC', crv: 'P-256', x, y, kid, alg: SESSION_SIGNING_ALGORITHM, use: 'sig' };
}

const owner = (kid: string) => `session-signing-key:${kid}`;

/** Seals a private signing key for storage, bound to its kid. */
export function sealSigningKey(box: SecretBox, key: { kid: string; privateJwk: JWK }): string {
  return box.seal(JSON.stringify(key.privateJwk), owner(key.kid));
}

/** Opens a sealed private signing key; a failure if it cannot be opened or is not that key. */
export function openSigningKey(box: SecretBox, kid: string, sealed: string): Result<JWK> {
  const opened = box.open(sealed, owner(kid));
  if (!opened.ok) return opened;
  let jwk: JWK;
  try {
    jwk = JSON.parse(opened.value) as JWK;
  } catch {
    jwk = {};
  }
  if (jwk.kid !== kid || typeof jwk.d !== 'string') {
    return fail('platform.unavailable', 'A stored signing key is not the key it is filed under.');
  }
  return ok(jwk);
}
