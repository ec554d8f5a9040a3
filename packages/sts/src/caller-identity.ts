/** GetCallerIdentity: who the credentials belong to. It needs no permission and no policy can deny it. */
import { ok } from '@palisade/failures';
import { callerFacts, type OperationHandler, operation } from '@palisade/iam';
import { z } from 'zod';

/** The GetCallerIdentity operation: UserId, Account and Arn of the caller. */
export function getCallerIdentityOperation(): OperationHandler {
  return operation(z.object({}), async (caller) => {
    const facts = callerFacts(caller);
    return ok({ UserId: facts?.userId ?? caller.arn, Account: caller.accountId, Arn: caller.arn });
  });
}
