/**
 * GetAccessKeyInfo: the account an access key id belongs to, long-term (`AKIA…`) or temporary
 * (`ASIA…`). As in AWS it says nothing of the key's state (active, inactive, expired) or owner;
 * an id Palisade never issued, or one already deleted, is answered as unknown.
 */
import { accessKeyKind } from '@palisade/credentials';
import { fail, ok } from '@palisade/failures';
import { denialOf, operation } from '@palisade/principals';
import { getAccessKey, getStsSession } from '@palisade/store';
import { z } from 'zod';
import type { StsContext } from './sts-context.ts';

const ACCOUNT_ID = /^\d{12}$/;

const accessKeyInfoInput = z.object({
  AccessKeyId: z
    .string()
    .min(16, 'Member must have length greater than or equal to 16')
    .max(128, 'Member must have length less than or equal to 128')
    .regex(/^\w*$/, 'Member must satisfy regular expression pattern: [\\w]*'),
});

/** The GetAccessKeyInfo operation. */
export function getAccessKeyInfoOperation(context: StsContext) {
  return operation(accessKeyInfoInput, async (caller, input) => {
    const denied = denialOf(caller, 'sts:GetAccessKeyInfo', '*');
    if (denied) return denied;
    const id = input.AccessKeyId;
    const kind = accessKeyKind(id);
    // Only well-formed ids reach a key: anything else was never issued here.
    const owner =
      kind === 'long-term'
        ? (await getAccessKey(context.store, id))?.accountId
        : kind === 'temporary'
          ? (await getStsSession(context.store, id))?.accountId
          : undefined;
    // INVARIANT: only tenant accounts are answered; the operator's keys belong to no account.
    if (owner === undefined || !ACCOUNT_ID.test(owner)) {
      return fail('sts.unknown-access-key', `The access key ID ${id} does not exist in our records.`);
    }
    return ok({ Account: owner });
  });
}
