/**
 * Input schemas in IAM's own member names and constraints. The same schema validates a REST JSON
 * body and a Query API form (where every scalar arrives as a string), so both interfaces refuse
 * the same inputs with the same ValidationError.
 */
import { integer, list, tag } from '@palisade/principals';
import { z } from 'zod';

const NAME_CHARS = /^[\w+=,.@-]+$/;

/** An IAM entity name of at most `max` characters. */
export function iamName(max: number) {
  return z
    .string()
    .min(1, 'Member must have length greater than or equal to 1')
    .max(max, `Member must have length less than or equal to ${max}`)
    .regex(NAME_CHARS, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
}

/** User and role names: 1–64 characters. */
export const userName = iamName(64);
/** Role names: 1–64 characters. */
export const roleName = iamName(64);
/** Group names: 1–128 characters. */
export const groupName = iamName(128);
/** Managed and inline policy names: 1–128 characters. */
export const policyName = iamName(128);

/** A path: `/` or `/segments/` of printable ASCII, at most 512 characters. */
export const path = z
  .string()
  .max(512, 'Member must have length less than or equal to 512')
  .regex(
    /^(\/|\/[\x21-\x7e]+\/)$/,
    'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
  );

/** A path prefix for listings. */
export const pathPrefix = z
  .string()
  .max(512, 'Member must have length less than or equal to 512')
  .regex(/^\/[\x21-\x7e]*$/, 'Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007E]*');

/** At most 50 tags, keys unique case-insensitively. */
export const tags = list(tag, 50).refine(
  (items) => new Set(items.map((t) => t.Key.toLowerCase())).size === items.length,
  'Duplicate tag keys found',
);

/** Tag keys to remove. */
export const tagKeys = list(z.string().min(1).max(128), 50);

/** A description: at most 1,000 characters of IAM's allowed set. */
export const description = z
  .string()
  .max(1000, 'Member must have length less than or equal to 1000')
  .regex(
    /^[\t\n\r\x20-\x7e\xa1-\xff]*$/,
    'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
  );

/** A policy document as submitted (JSON text), before the engine parses it. */
export const policyDocument = z
  .string()
  .min(1, 'Member must have length greater than or equal to 1')
  .max(131072, 'Member must have length less than or equal to 131072');

/** A policy ARN. */
export const policyArn = z.string().min(20).max(2048);

/** A policy version id (`v1`, `v2`, …). */
export const versionId = z
  .string()
  .regex(
    /^v[1-9]\d{0,5}$/,
    'Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?',
  );

/** An access key id. */
export const accessKeyId = z
  .string()
  .min(16)
  .max(128)
  .regex(/^\w+$/, 'Member must satisfy regular expression pattern: [\\w]+');

/** An account alias: 3–63 lowercase letters, digits and single hyphens, not at either end. */
export const accountAlias = z
  .string()
  .min(3, 'Member must have length greater than or equal to 3')
  .max(63, 'Member must have length less than or equal to 63')
  .regex(
    /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/,
    'Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$',
  );

/** Paging parameters, as IAM names them. */
export const paging = {
  Marker: z.string().min(1).max(320).optional(),
  MaxItems: integer(1, 1000).optional(),
};

/** An MFA device's serial number (a virtual device's ARN). */
export const mfaSerialNumber = z
  .string()
  .min(9, 'Member must have length greater than or equal to 9')
  .max(256, 'Member must have length less than or equal to 256')
  .regex(/^[\w+=/:,.@-]+$/, 'Member must satisfy regular expression pattern: [\\w+=/:,.@-]+');
