/**
 * Session tags an identity provider passes in a web identity token: AWS's
 * `https://aws.amazon.com/tags` claim, `{"principal_tags": {"<key>": ["<value>"]},
 * "transitive_tag_keys": ["<key>"]}`. Each tag has exactly one value (AWS takes single-valued
 * arrays); keys and values follow IAM's tag rules. A malformed claim refuses the token rather
 * than issuing a session without the tags its issuer meant it to carry.
 */
import { fail, ok, type Result } from '@palisade/failures';
import type { Tag } from '@palisade/store';

/** The claim AWS reads session tags from. */
export const SESSION_TAGS_CLAIM = 'https://aws.amazon.com/tags';

/** The session tags a token carries. */
export interface TokenSessionTags {
  readonly tags: readonly Tag[];
  readonly transitiveTagKeys: readonly string[];
}

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function rejected(message: string): Result<never> {
  return fail('credentials.idp-rejected-claim', `The ${SESSION_TAGS_CLAIM} claim is not valid: ${message}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads the session tags claim of a verified token's payload; undefined when it has none. */
export function sessionTagsOf(
  payload: Readonly<Record<string, unknown>>,
): Result<TokenSessionTags | undefined> {
  const claim = payload[SESSION_TAGS_CLAIM];
  if (claim === undefined) return ok(undefined);
  if (!isObject(claim)) return rejected('it must be an object.');
  const principalTags = claim.principal_tags ?? {};
  if (!isObject(principalTags)) return rejected('principal_tags must be an object of single-valued arrays.');
  const tags: Tag[] = [];
  for (const [key, values] of Object.entries(principalTags)) {
    if (key.length < 1 || key.length > 128 || !TAG_TEXT.test(key) || key.toLowerCase().startsWith('aws:'))
      return rejected(`the tag key ${JSON.stringify(key.slice(0, 130))} is not a valid tag key.`);
    if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== 'string')
      return rejected(`the tag ${key} must have exactly one string value, as a single-valued array.`);
    const value = values[0];
    if (value.length > 256 || !TAG_TEXT.test(value))
      return rejected(`the value of the tag ${key} is not a valid tag value.`);
    tags.push({ Key: key, Value: value });
  }
  const transitive = claim.transitive_tag_keys ?? [];
  if (!Array.isArray(transitive) || transitive.some((key) => typeof key !== 'string'))
    return rejected('transitive_tag_keys must be an array of tag keys.');
  return ok({ tags, transitiveTagKeys: transitive as string[] });
}

/** The claim AWS reads a web identity session's source identity from. */
export const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

/**
 * Reads the source identity claim of a verified token's payload; undefined when it has none. It
 * follows SourceIdentity's rules (2–64 of `[\w+=,.@-]`, not starting with `aws:`); a malformed
 * claim refuses the token.
 */
export function sourceIdentityOf(payload: Readonly<Record<string, unknown>>): Result<string | undefined> {
  const claim = payload[SOURCE_IDENTITY_CLAIM];
  if (claim === undefined) return ok(undefined);
  if (
    typeof claim !== 'string' ||
    claim.length < 2 ||
    claim.length > 64 ||
    !/^[\w+=,.@-]*$/.test(claim) ||
    claim.toLowerCase().startsWith('aws:')
  ) {
    return fail(
      'credentials.idp-rejected-claim',
      `The ${SOURCE_IDENTITY_CLAIM} claim is not valid: it must be 2 to 64 of letters, digits and _+=,.@-.`,
    );
  }
  return ok(claim);
}
