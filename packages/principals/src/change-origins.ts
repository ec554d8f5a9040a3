/**
 * Who a change's record names: the interfaces open a `withChangeOrigin` scope around each
 * operation with the caller described here (identifiers only, never a credential).
 */
import type { ChangePrincipal } from '@palisade/store';
import type { Caller } from './caller.ts';
import { callerFacts, signInBindingOf } from './callers.ts';

export {
  type ChangeInterface,
  type ChangeOrigin,
  type ChangePrincipal,
  withChangeOrigin,
} from '@palisade/store';

/** The change principal of an authenticated caller; `accessKeyId` is the key its request was signed with. */
export function changePrincipalOf(caller: Caller, accessKeyId?: string): ChangePrincipal {
  const facts = callerFacts(caller);
  const signIn = facts && signInBindingOf(facts);
  const keyId = facts?.session?.accessKeyId ?? accessKeyId;
  return {
    type: caller.kind,
    arn: caller.arn,
    accountId: caller.accountId,
    ...(facts ? { principalId: facts.userId } : {}),
    ...(keyId ? { accessKeyId: keyId } : {}),
    ...(signIn ? { signInSessionId: signIn.sessionId } : {}),
    ...(caller.userName ? { userName: caller.userName } : {}),
    ...(facts?.session ? { sessionIssuedAt: facts.session.issuedAt } : {}),
    ...(facts?.session ? { mfaAuthenticated: facts.session.mfaAuthenticatedAt !== undefined } : {}),
    ...(facts?.session?.subject.kind === 'role' ? { sessionIssuerArn: facts.session.subject.roleArn } : {}),
    ...(facts?.session?.sourceIdentity ? { sourceIdentity: facts.session.sourceIdentity } : {}),
    ...(facts?.session?.federation ? { webIdentityProvider: facts.session.federation.provider } : {}),
  };
}
