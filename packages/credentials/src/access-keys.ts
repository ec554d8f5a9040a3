/**
 * AWS-format identifiers: access key ids (`AKIA…` long-term, `ASIA…` temporary), secret access
 * keys, and the IAM unique ids of users, roles, groups and policies (`AIDA…`, `AROA…`, …).
 * Formats follow AWS's "Understanding unique ID prefixes" so AWS tooling recognises them.
 */
import { randomBytes } from 'node:crypto';

/** AWS's base32 alphabet (RFC 4648): the characters after an id's four-letter prefix. */
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Whether an access key is long-term (an IAM user's) or temporary (minted by STS). */
export type AccessKeyKind = 'long-term' | 'temporary';

/** The entity kinds that carry an IAM unique id, each with AWS's documented prefix. */
export const UNIQUE_ID_PREFIXES = {
  user: 'AIDA',
  role: 'AROA',
  group: 'AGPA',
  'managed-policy': 'ANPA',
  'managed-policy-version': 'ANVA',
  'instance-profile': 'AIPA',
  'public-key': 'APKA',
  'server-certificate': 'ASCA',
  'context-specific-credential': 'ACCA',
  'bearer-token': 'ABIA',
} as const;

/** An entity kind that has an IAM unique id. */
export type UniqueIdKind = keyof typeof UNIQUE_ID_PREFIXES;

const ACCESS_KEY_PREFIXES: Readonly<Record<AccessKeyKind, string>> = {
  'long-term': 'AKIA',
  temporary: 'ASIA',
};

const ACCESS_KEY_ID_PATTERN = /^(AKIA|ASIA)[A-Z2-7]{16}$/;
const SECRET_ACCESS_KEY_PATTERN = /^[A-Za-z0-9/+]{40}$/;
const UNIQUE_ID_PATTERN = /^[A-Z]{4}[A-Z2-7]{17}$/;

/** `length` characters of base32 from crypto randomness, 5 bits each with no modulo bias. */
function randomBase32(length: number): string {
  const bytes = randomBytes(Math.ceil((length * 5) / 8));
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/** A new access key id: `AKIA` (long-term) or `ASIA` (temporary) plus 16 base32 characters. */
export function generateAccessKeyId(kind: AccessKeyKind): string {
  return `${ACCESS_KEY_PREFIXES[kind]}${randomBase32(16)}`;
}

/** A new 40-character secret access key (240 random bits in AWS's base64 alphabet). */
export function generateSecretAccessKey(): string {
  // 30 bytes encode to exactly 40 base64 characters, so there is no padding to strip.
  return randomBytes(30).toString('base64');
}

/** A new IAM unique id for an entity: its four-letter prefix plus 17 base32 characters. */
export function generateUniqueId(kind: UniqueIdKind): string {
  return `${UNIQUE_ID_PREFIXES[kind]}${randomBase32(17)}`;
}

/** True when `value` is a well-formed Palisade access key id (long-term or temporary). */
export function isAccessKeyId(value: string): boolean {
  return ACCESS_KEY_ID_PATTERN.test(value);
}

/** The kind of a well-formed access key id, or undefined when `value` is not one. */
export function accessKeyKind(value: string): AccessKeyKind | undefined {
  if (!ACCESS_KEY_ID_PATTERN.test(value)) return undefined;
  return value.startsWith('ASIA') ? 'temporary' : 'long-term';
}

/** True when `value` has the shape of a secret access key (40 base64 characters). */
export function isSecretAccessKey(value: string): boolean {
  return SECRET_ACCESS_KEY_PATTERN.test(value);
}

/** True when `value` is a well-formed unique id, of the given kind when one is named. */
export function isUniqueId(value: string, kind?: UniqueIdKind): boolean {
  if (!UNIQUE_ID_PATTERN.test(value)) return false;
  if (kind === undefined) return Object.values(UNIQUE_ID_PREFIXES).some((p) => value.startsWith(p));
  return value.startsWith(UNIQUE_ID_PREFIXES[kind]);
}
