/**
 * Input schemas in STS's own member names and constraints (AWS STS API reference). As with IAM,
 * one schema validates a REST JSON body and a Query form, where every scalar arrives as text.
 */
import { integer, list, sessionTagSchema } from '@palisade/principals';
import { z } from 'zod';

export { integer, list };

function pattern(regex: RegExp, shown: string) {
  return z.string().regex(regex, `Member must satisfy regular expression pattern: ${shown}`);
}

/** A string of `min`–`max` characters matching `regex` (`shown` as STS spells the pattern). */
export function bounded(min: number, max: number, regex: RegExp, shown: string) {
  return pattern(regex, shown)
    .min(min, `Member must have length greater than or equal to ${min}`)
    .max(max, `Member must have length less than or equal to ${max}`);
}

/** A role ARN (its shape is checked when the role is looked up). */
export const roleArn = z
  .string()
  .min(20, 'Member must have length greater than or equal to 20')
  .max(2048, 'Member must have length less than or equal to 2048');

/** RoleSessionName: 2–64 of `[\w+=,.@-]`. */
export const roleSessionName = bounded(2, 64, /^[\w+=,.@-]*$/, '[\\w+=,.@-]*');

/** SourceIdentity: 2–64 of `[\w+=,.@-]`. */
export const sourceIdentity = bounded(2, 64, /^[\w+=,.@-]*$/, '[\\w+=,.@-]*');

/** ExternalId: 2–1224 of `[\w+=,.@:/-]`. */
export const externalId = bounded(2, 1224, /^[\w+=,.@:/-]*$/, '[\\w+=,.@:\\/-]*');

/** An MFA device serial number (ARN of a virtual device): 9–256 of `[\w+=/:,.@-]`. */
export const serialNumber = bounded(9, 256, /^[\w+=/:,.@-]*$/, '[\\w+=/:,.@-]*');

/** A TOTP code: 6 digits. */
export const tokenCode = bounded(6, 6, /^\d*$/, '[\\d]*');

/** An inline session policy: 1–2,048 characters of IAM's policy character set. */
export const sessionPolicy = z
  .string()
  .min(1, 'Member must have length greater than or equal to 1')
  .max(2048, 'Member must have length less than or equal to 2048')
  .regex(
    /^[\t\n\r\x20-\xff]+$/,
    'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
  );

/** Up to 10 managed session policies, each `{ arn }`. */
export const policyArns = list(
  z.object({
    arn: z
      .string()
      .min(20, 'Member must have length greater than or equal to 20')
      .max(2048, 'Member must have length less than or equal to 2048'),
  }),
  10,
);

/** A session tag: the same constraints as an IAM tag (`aws:` keys reserved). */
export const sessionTag = sessionTagSchema;

/** Up to 50 session tags. */
export const sessionTags = list(sessionTag, 50);

/** Up to 50 transitive tag keys. */
export const transitiveTagKeys = list(
  z
    .string()
    .min(1, 'Member must have length greater than or equal to 1')
    .max(128, 'Member must have length less than or equal to 128'),
  50,
);

/** AssumeRole's DurationSeconds range (the role's MaxSessionDuration narrows it). */
export const roleDurationSeconds = integer(900, 43200);

/** GetSessionToken's DurationSeconds range (root sessions are capped at one hour). */
export const sessionTokenDurationSeconds = integer(900, 129600);

/** A web identity token (OIDC ID token or OAuth access token): 4–20,000 characters. */
export const webIdentityToken = z
  .string()
  .min(4, 'Member must have length greater than or equal to 4')
  .max(20000, 'Member must have length less than or equal to 20000');
