/**
 * Encoded authorization messages: an AccessDenied answer carries the denial's facts sealed under
 * the platform's secret box (AES-256-GCM), bound to the caller's account, and
 * DecodeAuthorizationMessage opens them, in AWS's DecodedMessage JSON, for a caller of that same
 * account allowed `sts:DecodeAuthorizationMessage`. A message of another account, a tampered one
 * or anything else is InvalidAuthorizationMessageException, alike.
 */
import type { SecretBox } from '@palisade/credentials';
import { type DeniedRequest, fail, ok } from '@palisade/failures';
import { denialOf, operation } from '@palisade/principals';
import { z } from 'zod';
import type { StsContext } from './sts-context.ts';

/** STS's limit on EncodedMessage, in characters. */
export const ENCODED_MESSAGE_LIMIT = 10240;
/** The longest DecodedMessage sealed: its sealed, base64url form then stays within the limit. */
export const DECODED_MESSAGE_LIMIT = 6000;
const MAX_CONDITIONS = 100;
const MAX_VALUES = 10;
const MAX_VALUE_LENGTH = 256;
const MAX_STATEMENTS = 20;
/** Context keys whose values are the caller's secrets, never carried (their presence is). */
const WITHHELD_KEYS = new Set(['sts:externalid']);

/** Seals a denial's facts into an encoded authorization message; undefined when they cannot fit. */
export type SealAuthorizationMessage = (denied: DeniedRequest) => string | undefined;

/** The associated data that binds a message to the account whose callers may decode it. */
const ownerOf = (accountId: string) => `palisade authorization message ${accountId}`;

/** The sealer the interfaces append to AccessDenied answers. */
export function authorizationMessageSealer(secrets: SecretBox): SealAuthorizationMessage {
  return (denied) => {
    const text = decodedMessageText(denied);
    return text === undefined ? undefined : secrets.seal(text, ownerOf(denied.accountId));
  };
}

type Items<T> = { items: T[] };
type Condition = { key: string; values: Items<{ value: string }> };

/** AWS's DecodedMessage JSON of a denial, cut to DECODED_MESSAGE_LIMIT (conditions go first, then statements). */
export function decodedMessageText(denied: DeniedRequest): string | undefined {
  const conditions: Condition[] = Object.entries(denied.context)
    .sort(([a], [b]) => a.localeCompare(b))
    .slice(0, MAX_CONDITIONS)
    .map(([key, value]) => ({
      key,
      values: {
        items: WITHHELD_KEYS.has(key.toLowerCase())
          ? []
          : (typeof value === 'string' ? [value] : [...value])
              .slice(0, MAX_VALUES)
              .map((v) => ({ value: v.slice(0, MAX_VALUE_LENGTH) })),
      },
    }));
  const statements = denied.matchedStatements.slice(0, MAX_STATEMENTS).map((s) => ({
    statementId: s.statementId,
    effect: s.effect.toUpperCase(),
    policyId: s.policyId,
    policyType: s.policyType,
  }));
  for (;;) {
    const text = JSON.stringify({
      allowed: false,
      explicitDeny: denied.explicitDeny,
      matchedStatements: { items: statements },
      failures: { items: denied.failures.slice(0, MAX_STATEMENTS).map((f) => f.slice(0, MAX_VALUE_LENGTH)) },
      context: {
        principal: denied.principal,
        action: denied.action,
        resource: denied.resource,
        conditions: { items: conditions },
      },
    });
    if (text.length <= DECODED_MESSAGE_LIMIT) return text;
    if (conditions.length > 0) conditions.pop();
    else if (statements.length > 0) statements.pop();
    else return undefined;
  }
}

/** The DecodeAuthorizationMessage operation. */
export function decodeAuthorizationMessageOperation(context: StsContext) {
  return operation(
    z.object({
      EncodedMessage: z
        .string()
        .min(1, 'Member must have length greater than or equal to 1')
        .max(ENCODED_MESSAGE_LIMIT, `Member must have length less than or equal to ${ENCODED_MESSAGE_LIMIT}`),
    }),
    async (caller, input) => {
      const denied = denialOf(caller, 'sts:DecodeAuthorizationMessage', '*');
      if (denied) return denied;
      // INVARIANT: only the account a message is bound to opens it; any other is told nothing more.
      const opened = context.secrets.open(input.EncodedMessage, ownerOf(caller.accountId));
      if (!opened.ok) {
        return fail('sts.invalid-authorization-message', 'The encoded authorization message is invalid.');
      }
      return ok({ DecodedMessage: opened.value });
    },
  );
}
