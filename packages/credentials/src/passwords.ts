/**
 * Password hashing with scrypt (memory-hard) at OWASP's recommended cost, in a self-describing
 * encoding so the cost can be raised later: `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` (unpadded
 * base64, as in the PHC string format).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';

/** scrypt cost parameters: N = 2^ln, block size r, parallelism p. */
export interface ScryptParameters {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/**
 * OWASP Password Storage Cheat Sheet: N=2^17, r=8, p=1 (128 MiB per hash). What production hashes
 * with; services take the parameters as a dependency so tests can inject a cheaper cost.
 */
export const CURRENT_SCRYPT_PARAMETERS: ScryptParameters = { ln: 17, r: 8, p: 1 };

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const ENCODED =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{22,88})\$([A-Za-z0-9+/]{22,88})$/;

interface ParsedHash {
  readonly parameters: ScryptParameters;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function derive(
  password: string,
  salt: Buffer,
  { ln, r, p }: ScryptParameters,
  length: number,
): Promise<Buffer> {
  const N = 2 ** ln;
  // scrypt needs 128·N·r bytes (plus a little); Node's default 32 MiB cap is below OWASP's cost.
  const maxmem = 128 * N * r * p + 32 * 1024 * 1024;
  return new Promise((resolvePromise, reject) => {
    // NFC so that the same password typed on different keyboards/OSes hashes the same.
    scrypt(password.normalize('NFC'), salt, length, { N, r, p, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolvePromise(key);
    });
  });
}

/** Bounds keep a corrupted or hostile stored value from demanding unbounded memory or time. */
function withinBounds({ ln, r, p }: ScryptParameters): boolean {
  return ln >= 10 && ln <= 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16;
}

function parse(encoded: string): ParsedHash | undefined {
  const m = ENCODED.exec(encoded);
  if (!m) return undefined;
  const parameters = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (!withinBounds(parameters)) return undefined;
  const salt = Buffer.from(m[4] ?? '', 'base64');
  const hash = Buffer.from(m[5] ?? '', 'base64');
  if (salt.length < 16 || hash.length < 16) return undefined;
  return { parameters, salt, hash };
}

function encode({ ln, r, p }: ScryptParameters, salt: Buffer, hash: Buffer): string {
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${ln},r=${r},p=${p}$${b64(salt)}$${b64(hash)}`;
}

/** Hashes a password with a fresh random salt at the given (current) parameters (async: ~100 ms of CPU at OWASP cost). */
export async function hashPassword(
  password: string,
  parameters = CURRENT_SCRYPT_PARAMETERS,
): Promise<string> {
  // A hash outside the bounds could never be verified: a wiring error, refused before it is stored.
  if (!withinBounds(parameters))
    throw new RangeError(`scrypt parameters outside the verifiable bounds: ${JSON.stringify(parameters)}`);
  const salt = randomBytes(SALT_BYTES);
  return encode(parameters, salt, await derive(password, salt, parameters, KEY_BYTES));
}

/** What a successful password check tells the caller. */
export interface PasswordMatch {
  /** The stored hash uses weaker parameters than current: rehash the password now that it is known. */
  readonly needsRehash: boolean;
}

/**
 * Checks a password against a stored hash in constant time, at the parameters stored with it.
 * `credentials.invalid-password` when it does not match or the stored value is not a hash this
 * module wrote; `current` is what a rehash is judged against.
 */
export async function verifyPassword(
  password: string,
  encoded: string,
  current = CURRENT_SCRYPT_PARAMETERS,
): Promise<Result<PasswordMatch>> {
  const parsed = parse(encoded);
  if (!parsed) {
    // Still spend the time, so a corrupt record is not distinguishable by timing either.
    await dummyVerifyPassword(password, current);
    return fail('credentials.invalid-password', 'The password is incorrect.');
  }
  const candidate = await derive(password, parsed.salt, parsed.parameters, parsed.hash.length);
  if (!timingSafeEqual(candidate, parsed.hash))
    return fail('credentials.invalid-password', 'The password is incorrect.');
  return ok({ needsRehash: passwordNeedsRehash(encoded, current) });
}

/** True when a stored hash is unreadable or uses parameters other than `current`. */
export function passwordNeedsRehash(encoded: string, current = CURRENT_SCRYPT_PARAMETERS): boolean {
  const parsed = parse(encoded);
  if (!parsed) return true;
  const { ln, r, p } = parsed.parameters;
  return (
    ln !== current.ln ||
    r !== current.r ||
    p !== current.p ||
    parsed.hash.length !== KEY_BYTES ||
    parsed.salt.length < SALT_BYTES
  );
}

/**
 * Spends the same time as `verifyPassword` (at `current`, the parameters new hashes get) and always reports no match: call it when the user
 * does not exist, so response time does not reveal which user names are real.
 */
export async function dummyVerifyPassword(
  password: string,
  current = CURRENT_SCRYPT_PARAMETERS,
): Promise<false> {
  // The same work as a real check (one scrypt at current cost, one compare) against a hash that
  // nothing can match, with no stored dummy record to precompute.
  const candidate = await derive(password, randomBytes(SALT_BYTES), current, KEY_BYTES);
  timingSafeEqual(candidate, randomBytes(KEY_BYTES));
  return false;
}
