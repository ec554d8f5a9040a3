/**
 * Session tags and transitive tags. A role session's tags are the tags passed in the request plus
 * the transitive tags inherited along a role chain; inherited transitive tags cannot be
 * overridden, keys are unique case-insensitively, and a session holds at most 50 tags.
 */
import { fail, ok, type Result } from '@palisade/failures';
import type { StsSessionRecord, Tag } from '@palisade/store';

/** The most session tags a session may carry, inherited ones included. */
export const MAX_SESSION_TAGS = 50;

/** The tags a new session carries and the request context they put before the trust policy. */
export interface ComposedTags {
  readonly tags: Tag[];
  readonly transitiveTagKeys: string[];
  /** True when the session carries any session tag (which needs sts:TagSession). */
  readonly tagged: boolean;
  /** `aws:RequestTag/<key>`, `aws:TagKeys` and `sts:TransitiveTagKeys` for the tags passed. */
  readonly context: Record<string, string | string[]>;
}

/** The transitive tags a session passes on to the sessions it assumes. */
export function inheritedTransitiveTags(session: StsSessionRecord | undefined): Tag[] {
  if (session === undefined || session.subject.kind !== 'role') return [];
  const keys = new Set(session.transitiveTagKeys.map((key) => key.toLowerCase()));
  return session.tags.filter((tag) => keys.has(tag.Key.toLowerCase()));
}

/** Combines a request's tags with the caller session's transitive tags, enforcing STS's rules. */
export function composeSessionTags(
  requested: readonly Tag[],
  requestedTransitive: readonly string[],
  callerSession: StsSessionRecord | undefined,
): Result<ComposedTags> {
  const keys = new Set<string>();
  for (const tag of requested) {
    const key = tag.Key.toLowerCase();
    if (keys.has(key)) {
      return fail(
        'request.invalid',
        'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      );
    }
    keys.add(key);
  }
  for (const key of requestedTransitive) {
    if (!keys.has(key.toLowerCase())) {
      return fail('request.invalid', `The transitive tag key ${key} is not one of the session tags passed.`);
    }
  }
  const inherited = inheritedTransitiveTags(callerSession);
  for (const tag of inherited) {
    if (keys.has(tag.Key.toLowerCase())) {
      return fail(
        'request.invalid',
        `The session tag ${tag.Key} is a transitive tag inherited from the calling session and cannot be overridden.`,
      );
    }
  }
  const tags = [...inherited, ...requested];
  if (tags.length > MAX_SESSION_TAGS) {
    return fail(
      'request.invalid',
      `A session can have at most ${MAX_SESSION_TAGS} session tags, inherited transitive tags included; this one would have ${tags.length}.`,
    );
  }
  const transitive = [...new Set([...inherited.map((t) => t.Key), ...requestedTransitive])];
  const context: Record<string, string | string[]> = {};
  for (const tag of requested) context[`aws:RequestTag/${tag.Key}`] = tag.Value;
  if (requested.length > 0) context['aws:TagKeys'] = requested.map((t) => t.Key);
  if (requestedTransitive.length > 0) context['sts:TransitiveTagKeys'] = [...requestedTransitive];
  return ok({ tags, transitiveTagKeys: transitive, tagged: tags.length > 0, context });
}
