/**
 * The published signing keys as verification needs them: read from the table at most once a
 * minute (and again, rate-limited, when a token names a kid not yet seen, e.g. one another
 * instance just created), and access tokens checked against them. The keyring signs and rotates on
 * top of it; the authorize function, which only verifies, builds this alone, so its bundle holds
 * none of signing, rotation or the transactions rotation writes with.
 */
import {
  type AccessTokenClaims,
  createAccessTokenVerifier,
  type PublicSigningJwk,
  toPublicSigningJwk,
} from '@palisade/credentials';
import { fail, type Result } from '@palisade/failures';
import { readSigningKeys, type SigningKeyRecord, type SigningKeySet } from '@palisade/store';
import type { SignInContext } from './sign-in-context.ts';

/** One read of the signing keys: the set, when it was read, and its verifier and published keys. */
export interface LoadedSigningKeys {
  readonly set: SigningKeySet;
  readonly at: number;
  readonly verify: (token: string, now: Date) => Promise<Result<AccessTokenClaims>>;
  readonly published: readonly PublicSigningJwk[];
}

/** The signing keys as last read, and access-token verification against them. */
export interface SigningKeyCache {
  /** The keys read within the last minute, else read now (`force`: read now regardless). */
  keys(now: Date, force?: boolean): Promise<LoadedSigningKeys>;
  /** Drops the keys read, so the next use reads again (after this instance rotated them). */
  forget(): void;
  /** Checks an access token's signature and claims (not its session: bearer authentication does). */
  verify(token: string, now: Date): Promise<Result<AccessTokenClaims>>;
}

const CACHE_MS = 60_000;
const UNKNOWN_KID_RELOAD_MS = 1_000;
/** Seconds a superseded key stays published beyond its last token's lifetime (clock skew, caches). */
const PUBLISH_MARGIN_SECONDS = 120;

/** Builds the cache over the table; nothing is read until the first use. */
export function createSigningKeyCache(
  context: Pick<SignInContext, 'store' | 'issuer' | 'audience' | 'accessTokenTtlSeconds'>,
): SigningKeyCache {
  let loaded: LoadedSigningKeys | undefined;
  let loading: Promise<LoadedSigningKeys> | undefined;

  const publishedAt = (keys: readonly SigningKeyRecord[], now: Date, currentKid: string | undefined) =>
    keys.filter((key) => {
      if (key.kid === currentKid) return true;
      if (!key.supersededAt) return false;
      const until =
        Date.parse(key.supersededAt) + (context.accessTokenTtlSeconds + PUBLISH_MARGIN_SECONDS) * 1000;
      return until > now.getTime();
    });

  async function load(now: Date): Promise<LoadedSigningKeys> {
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

  async function keys(now: Date, force = false): Promise<LoadedSigningKeys> {
    if (!force && loaded && performance.now() - loaded.at < CACHE_MS) return loaded;
    // One read at a time per instance, however many requests wait for it.
    loading ??= load(now).finally(() => {
      loading = undefined;
    });
    loaded = await loading;
    return loaded;
  }

  return {
    keys,
    forget() {
      loaded = undefined;
    },
    async verify(token, now) {
      let state: LoadedSigningKeys;
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
  };
}
