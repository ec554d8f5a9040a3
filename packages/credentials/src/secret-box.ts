/**
 * Encryption at rest for secrets that must be recovered (access-key secrets, which SigV4 needs in
 * clear; TOTP seeds; private signing keys): AES-256-GCM under a master key from configuration.
 *
 * Sealed format: `sb1.<keyId>.<base64url(iv ‖ ciphertext ‖ tag)>`. The key id names the master
 * key that sealed the value, so the master key can rotate: new values are sealed under the first
 * configured key, and every configured key can still open older ones.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';

const FORMAT = 'sb1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A master key ready for use: its id (a fingerprint) and the AES key. */
export interface MasterKey {
  readonly id: string;
  readonly key: KeyObject;
}

/** Seals and opens secrets bound to an owner (the associated data, e.g. an access key id). */
export interface SecretBox {
  /** Encrypts `plaintext` so that only `open` with the same `owner` recovers it. */
  readonly seal: (plaintext: string, owner: string) => string;
  /** Decrypts a sealed value; a wrong owner, unknown key or tampering is a failure, never a throw. */
  readonly open: (sealed: string, owner: string) => Result<string>;
  /** True when `sealed` was made under a key other than the current one and should be resealed. */
  readonly needsReseal: (sealed: string) => boolean;
  /** The id of the key that `seal` uses. */
  readonly currentKeyId: string;
}

/**
 * Decodes one master key from configuration: 64 hex characters or base64/base64url of 32 bytes.
 * Throws on a malformed key: a misconfigured deployment must not start (the message never
 * contains key material).
 */
export function parseMasterKey(encoded: string): MasterKey {
  const text = encoded.trim();
  let bytes: Buffer;
  if (/^[0-9a-fA-F]{64}$/.test(text)) bytes = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) bytes = Buffer.from(text, 'base64');
  else throw new Error('master key must be 32 bytes in hex (64 characters) or base64');
  if (bytes.length !== KEY_BYTES) throw new Error('master key must be 32 bytes in hex or base64');
  // The id is a short fingerprint: stable for a key, so no separate naming scheme is needed.
  const id = createHash('sha256')
    .update('palisade secret-box key id')
    .update(bytes)
    .digest('hex')
    .slice(0, 8);
  return { id, key: createSecretKey(bytes) };
}

/**
 * Parses a comma-separated list of master keys, newest (current) first, and builds the box.
 * Throws on a malformed or duplicated key (configuration error, caught at startup).
 */
export function createSecretBoxFromConfig(config: string): SecretBox {
  return createSecretBox(config.split(',').map(parseMasterKey));
}

/** Builds a secret box: seals with `keys[0]`, opens with any of `keys`. */
export function createSecretBox(keys: readonly MasterKey[]): SecretBox {
  const current = keys[0];
  if (current === undefined) throw new Error('at least one master key is required');
  const byId = new Map<string, KeyObject>();
  for (const k of keys) {
    if (byId.has(k.id)) throw new Error(`master key ${k.id} is configured twice`);
    byId.set(k.id, k.key);
  }

  // INVARIANT: the associated data covers the format, the key id and the owner, so a sealed value
  // cannot be moved to another owner or relabelled with another key id.
  const associatedData = (keyId: string, owner: string): Buffer =>
    Buffer.from(`${FORMAT}\u0000${keyId}\u0000${owner}`, 'utf8');

  return {
    currentKeyId: current.id,

    seal(plaintext, owner) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(associatedData(current.id, owner));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const payload = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
      return `${FORMAT}.${current.id}.${payload}`;
    },

    open(sealed, owner) {
      const parts = sealed.split('.');
      const [format, keyId, payload] = parts;
      if (parts.length !== 3 || format !== FORMAT || keyId === undefined || payload === undefined) {
        return fail('platform.unavailable', 'A stored secret is not in a recognised format.');
      }
      const key = byId.get(keyId);
      if (key === undefined) {
        return fail(
          'platform.unavailable',
          'A stored secret was sealed under a master key that is not configured.',
        );
      }
      const bytes = Buffer.from(payload, 'base64url');
      if (bytes.length < IV_BYTES + TAG_BYTES) {
        return fail('platform.unavailable', 'A stored secret is truncated.');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), {
          authTagLength: TAG_BYTES,
        });
        decipher.setAAD(associatedData(keyId, owner));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        const clear = Buffer.concat([
          decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return ok(clear.toString('utf8'));
      } catch {
        // GCM authentication failed: tampered, wrong owner or wrong key. Say nothing more.
        return fail('platform.unavailable', 'A stored secret could not be opened.');
      }
    },

    needsReseal(sealed) {
      return sealed.split('.')[1] !== current.id;
    },
  };
}
