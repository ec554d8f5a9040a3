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
  const session = facts?.session;
  // Field by field in the record's key order (change records and audit events keep it): every call
  // that may change something builds one.
  const principal: { -readonly [K in keyof ChangePrincipal]: ChangePrincipal[K] } = {
    type: caller.kind,
    arn: caller.arn,
    accountId: caller.accountId,
  };
  if (facts) principal.principalId = facts.userId;
  if (keyId) principal.accessKeyId = keyId;
  if (signIn) principal.signInSessionId = signIn.sessionId;
  if (caller.userName) principal.userName = caller.userName;
  if (session) {
    principal.sessionIssuedAt = session.issuedAt;
    principal.mfaAuthenticated = session.mfaAuthenticatedAt !== undefined;
    if (session.subject.kind === 'role') principal.sessionIssuerArn = session.subject.roleArn;
    if (session.sourceIdentity) principal.sourceIdentity = session.sourceIdentity;
    if (session.federation) principal.webIdentityProvider = session.federation.provider;
  }
  return principal;
}
