/**
 * GetCallerIdentity: who the credentials belong to. It needs no permission and no policy can deny
 * it; only a sign-in session that must reset its password is refused (it may do nothing else).
 */
import { ok } from '@palisade/failures';
import { callerFacts, operation, passwordResetDenial } from '@palisade/principals';
import { z } from 'zod';

/** The GetCallerIdentity operation: UserId, Account and Arn of the caller. */
export function getCallerIdentityOperation() {
  return operation(z.object({}), async (caller) => {
    const facts = callerFacts(caller);
    if (facts?.passwordResetRequired) return passwordResetDenial(caller, 'sts:GetCallerIdentity');
    return ok({ UserId: facts?.userId ?? caller.arn, Account: caller.accountId, Arn: caller.arn });
  });
}
