/**
 * The session signing keys as the platform uses them: the current key signs; it and superseded
 * keys whose tokens may still be alive are published and accepted. Keys are read from the table
 * at most once a minute (and again, rate-limited, when a token names a kid not yet seen, e.g. one
 * another instance just created). Rotation is lazy: the first signer to find the current key older
 * than the rotation age replaces it, and the store's condition lets exactly one instance win.
 */
import {
  type AccessTokenClaims,
  type AccessTokenSubject,
  buildJwks,
  createAccessTokenSigner,
  createAccessTokenVerifier,
  generateSessionSigningKey,
  type JsonWebKeySet,
  openSigningKey,
  type PublicSigningJwk,
  type SignedAccessToken,
  sealSigningKey,
  toPublicSigningJwk,
} from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import {
  readSigningKeys,
  rotateSigningKey,
  type SigningKeyRecord,
  type SigningKeySet,
  systemChangeOrigin,
  withChangeOrigin,
} from '@palisade/store';
import type { SignInContext } from './sign-in-context.ts';

/** Signs and verifies access tokens with the deployment's keys. */
export interface SigningKeyring {
  sign(subject: AccessTokenSubject, now: Date): Promise<Result<SignedAccessToken>>;
  verify(token: string, now: Date): Promise<Result<AccessTokenClaims>>;
  jwks(now: Date): Promise<JsonWebKeySet>;
}

const CACHE_MS = 60_000;
const UNKNOWN_KID_RELOAD_MS = 1_000;
/** Seconds a superseded key stays published beyond its last token's lifetime (clock skew, caches). */
const PUBLISH_MARGIN_SECONDS = 120;

type Signer = (subject: AccessTokenSubject, now: Date) => Promise<SignedAccessToken>;

interface Loaded {
  readonly set: SigningKeySet;
  readonly at: number;
  readonly verify: (token: string, now: Date) => Promise<Result<AccessTokenClaims>>;
  readonly published: readonly PublicSigningJwk[];
}

/** Builds the keyring over the table; nothing is read until the first use. */
export function createSigningKeyring(
  context: Pick<
    SignInContext,
    'store' | 'secrets' | 'issuer' | 'audience' | 'accessTokenTtlSeconds' | 'signingKeyRotationSeconds'
  >,
): SigningKeyring {
  let loaded: Loaded | undefined;
  let loading: Promise<Loaded> | undefined;
  const signers = new Map<string, Promise<Signer>>();

  const publishedAt = (keys: readonly SigningKeyRecord[], now: Date, currentKid: string | undefined) =>
    keys.filter((key) => {
      if (key.kid === currentKid) return true;
      if (!key.supersededAt) return false;
      const until =
        Date.parse(key.supersededAt) + (context.accessTokenTtlSeconds + PUBLISH_MARGIN_SECONDS) * 1000;
      return until > now.getTime();
    });

  async function load(now: Date): Promise<Loaded> {
    const set = await readSigningKeys(context.store);
    const published = publishedAt(set.keys, now, set.currentKid).flatMap(
      (key) => toPublicSigningJwk(key.publicJwk) ?? [],
    );
    const verify = createAccessTokenVerifier({
      issuer: context.issuer,
      audience: context.audience,
      publicKeys: published,
    });
    return { set, at: performance.now(), verify, published };
  }

  async function keys(now: Date, force = false): Promise<Loaded> {
    if (!force && loaded && performance.now() - loaded.at < CACHE_MS) return loaded;
    // One read at a time per instance, however many requests wait for it.
    loading ??= load(now).finally(() => {
      loading = undefined;
    });
    loaded = await loading;
    return loaded;
  }

  async function current(now: Date): Promise<SigningKeyRecord> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { set } = await keys(now, attempt > 0);
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
      loaded = undefined;
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

    async verify(token, now) {
      let state: Loaded;
      try {
        state = await keys(now);
      } catch {
        return fail('credentials.invalid-token', 'The session token is invalid.');
      }
      const first = await state.verify(token, now);
      if (first.ok || first.code === 'credentials.expired-token') return first;
      // Possibly a key created elsewhere since the last read: read again, at most once a second.
      if (performance.now() - state.at < UNKNOWN_KID_RELOAD_MS) return first;
      try {
        state = await keys(now, true);
      } catch {
        return first;
      }
      return state.verify(token, now);
    },

    async jwks(now) {
      // Publishing needs a key: the first request for the JWKS creates it if sign-in has not.
      await current(now);
      const state = await keys(now);
      return buildJwks(state.published);
    },
  };
}
