/**
 * The session signing keys as the platform uses them: the current key signs; it and superseded
 * keys whose tokens may still be alive are published and accepted (the signing-key cache reads
 * them and verifies against them). Rotation is lazy: the first signer to find the current key
 * older than the rotation age replaces it, and the store's condition lets exactly one instance win.
 */
import {
  type AccessTokenClaims,
  type AccessTokenSubject,
  buildJwks,
  createAccessTokenSigner,
  generateSessionSigningKey,
  type JsonWebKeySet,
  openSigningKey,
  type SignedAccessToken,
  sealSigningKey,
} from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import {
  rotateSigningKey,
  type SigningKeyRecord,
  systemChangeOrigin,
  withChangeOrigin,
} from '@palisade/store';
import type { SignInContext } from './sign-in-context.ts';
import { createSigningKeyCache } from './signing-key-cache.ts';

/** Signs and verifies access tokens with the deployment's keys. */
export interface SigningKeyring {
  sign(subject: AccessTokenSubject, now: Date): Promise<Result<SignedAccessToken>>;
  verify(token: string, now: Date): Promise<Result<AccessTokenClaims>>;
  jwks(now: Date): Promise<JsonWebKeySet>;
}

type Signer = (subject: AccessTokenSubject, now: Date) => Promise<SignedAccessToken>;

/** Builds the keyring over the table; nothing is read until the first use. */
export function createSigningKeyring(
  context: Pick<
    SignInContext,
    'store' | 'secrets' | 'issuer' | 'audience' | 'accessTokenTtlSeconds' | 'signingKeyRotationSeconds'
  >,
): SigningKeyring {
  const cache = createSigningKeyCache(context);
  const signers = new Map<string, Promise<Signer>>();

  async function current(now: Date): Promise<SigningKeyRecord> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { set } = await cache.keys(now, attempt > 0);
      const key = set.keys.find((k) => k.kid === set.currentKid);
      const age = key ? (now.getTime() - Date.parse(key.createdAt)) / 1000 : Number.POSITIVE_INFINITY;
      if (key && age < context.signingKeyRotationSeconds) return key;
      const next = await generateSessionSigningKey();
      // A deployment-wide act, whichever request happened to need the key: its own system origin.
      const rotated = await withChangeOrigin(systemChangeOrigin('RotateSigningKey'), () =>
        rotateSigningKey(
          context.store,
          {
            kid: next.kid,
            publicJwk: { ...next.publicJwk },
            sealedPrivateJwk: sealSigningKey(context.secrets, next),
            createdAt: now.toISOString(),
          },
          set.currentKid,
          // The replaced key is deleted by TTL a day after its last token could have expired.
          Math.floor(now.getTime() / 1000) + context.accessTokenTtlSeconds + 86_400,
        ),
      );
      // Lost the race: another instance rotated; read again and use its key.
      if (!rotated.ok && rotated.code !== 'entity.concurrent-modification') throw new Error(rotated.message);
      cache.forget();
    }
    throw new Error('could not establish a current signing key');
  }

  function signerFor(key: SigningKeyRecord): Promise<Signer> {
    let signer = signers.get(key.kid);
    if (!signer) {
      const opened = openSigningKey(context.secrets, key.kid, key.sealedPrivateJwk);
      signer = opened.ok
        ? createAccessTokenSigner({
            privateJwk: opened.value,
            issuer: context.issuer,
            audience: context.audience,
            ttlSeconds: context.accessTokenTtlSeconds,
          })
        : Promise.reject(new Error(opened.message));
      // A failed open is not cached: the next sign-in tries again (e.g. after a master key fix).
      signer.catch(() => signers.delete(key.kid));
      signers.set(key.kid, signer);
    }
    return signer;
  }

  return {
    async sign(subject, now) {
      try {
        const key = await current(now);
        const signer = await signerFor(key);
        return ok(await signer(subject, now));
      } catch {
        return fail('platform.unavailable', 'Sessions cannot be issued right now; retry.');
      }
    },

    verify: cache.verify,

    async jwks(now) {
      // Publishing needs a key: the first request for the JWKS creates it if sign-in has not.
      await current(now);
      const state = await cache.keys(now);
      return buildJwks(state.published);
    },
  };
}
