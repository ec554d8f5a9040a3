/**
 * The condition keys the platform owns: facts about the principal, the session, the clock and the
 * registered resource. A caller's values for them are dropped (and reported), because a SaaS
 * backend must not be able to claim, say, MFA for a session that had none.
 */

import type { ContextInput } from '@palisade/policy';
import {
  clockContextKeys,
  contextPrincipalOf,
  type EffectivePolicies,
  originContextKeys,
  principalKeysOf,
  sessionContextKeys,
  signInSessionFacts,
} from '@palisade/principals';
import type { Tag } from '@palisade/store';

const OWNED_KEYS = new Set(
  [
    'aws:PrincipalArn',
    'aws:PrincipalAccount',
    'aws:PrincipalType',
    'aws:PrincipalTagKeys',
    'aws:PrincipalOrgID',
    'aws:PrincipalOrgPaths',
    'aws:PrincipalIsAWSService',
    'aws:PrincipalServiceName',
    'aws:PrincipalServiceNamesList',
    'aws:userid',
    'aws:username',
    'aws:CurrentTime',
    'aws:EpochTime',
    'aws:MultiFactorAuthPresent',
    'aws:MultiFactorAuthAge',
    'aws:SourceIdentity',
    'aws:TokenIssueTime',
    'aws:FederatedProvider',
    'aws:ResourceAccount',
    'aws:ResourceOrgID',
    'aws:ResourceOrgPaths',
  ].map((key) => key.toLowerCase()),
);
const OWNED_PREFIXES = ['aws:principaltag/'];

/** What the platform knows about the session a decision is for (from an access token). */
export interface SessionFacts {
  readonly mfa: boolean;
  /** When the session authenticated (epoch seconds). */
  readonly authTime: number;
  readonly sessionId: string;
}

/**
 * Splits a caller's context into the keys it may supply and the ones the platform owns. The
 * request's own keys (`aws:SecureTransport`, `aws:SourceIp`, `aws:UserAgent`,
 * `aws:RequestedRegion`) describe the asker's client request, so they are the asker's to give;
 * they are rebuilt by the one builder, and `aws:SecureTransport` is always present (false unless
 * the asker says true), so a Deny on plain HTTP never silently passes.
 */
export function callerContext(
  context: ContextInput | undefined,
  resourceRegistered: boolean,
): { accepted: Record<string, ContextInput[string]>; ignored: string[] } {
  const accepted: Record<string, ContextInput[string]> = {};
  const ignored: string[] = [];
  let secureTransport = false;
  for (const [key, value] of Object.entries(context ?? {})) {
    const lower = key.toLowerCase();
    const owned =
      OWNED_KEYS.has(lower) ||
      OWNED_PREFIXES.some((prefix) => lower.startsWith(prefix)) ||
      (resourceRegistered && (lower.startsWith('aws:resourcetag/') || lower === 'aws:resourcetagkeys'));
    if (owned) ignored.push(key);
    else if (lower === 'aws:securetransport')
      secureTransport = value === true || String(value).toLowerCase() === 'true';
    else accepted[key] = value;
  }
  Object.assign(accepted, originContextKeys({ secureTransport }));
  return { accepted, ignored };
}

/** The platform's keys for one question: the clock, and the resource's account and registered tags. */
export type SubjectKeys = (
  now: Date,
  resourceAccount: string | undefined,
  resourceTags: readonly Tag[] | undefined,
) => Record<string, string | string[]>;

/**
 * The platform's own context keys for a subject's decisions (the one builder's principal and
 * session keys): the principal's are built here once, the clock's and the resource's per question.
 */
export function platformContext(input: {
  readonly principal: EffectivePolicies['principal'] | undefined;
  readonly principalArn: string;
  readonly principalAccount: string;
  readonly session: SessionFacts | undefined;
}): SubjectKeys {
  const { principal, session } = input;
  const principalKeys = principalKeysOf(
    principal
      ? Object.assign(contextPrincipalOf(principal), {
          arn: input.principalArn,
          accountId: input.principalAccount,
        })
      : {
          arn: input.principalArn,
          accountId: input.principalAccount,
          type: 'Account',
          userId: input.principalAccount,
          tags: [],
        },
  );
  const sessionFacts =
    session &&
    signInSessionFacts({ issuedAt: session.authTime, authTime: session.authTime, mfa: session.mfa });
  return (now, resourceAccount, resourceTags) => {
    const keys = Object.assign(clockContextKeys(now), principalKeys);
    if (sessionFacts) Object.assign(keys, sessionContextKeys(sessionFacts, now));
    if (resourceAccount) keys['aws:ResourceAccount'] = resourceAccount;
    for (const tag of resourceTags ?? []) keys[`aws:ResourceTag/${tag.Key}`] = tag.Value;
    return keys;
  };
}
