/**
 * Minting temporary credentials: an `ASIA…` key id, a secret sealed under the master key and bound
 * to that key id, and a session token of which only the hash is stored. The caller sees the
 * secret and the token once, in the response.
 */
import {
  generateAccessKeyId,
  generateSecretAccessKey,
  generateSessionToken,
  hashSessionToken,
} from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import {
  putStsSession,
  type StsSessionRecord,
  type StsSessionSubject,
  setAuditResponseElements,
} from '@palisade/store';
import type { StsContext } from './sts-context.ts';

/** The Credentials member of STS responses. */
export interface TemporaryCredentials {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly SessionToken: string;
  readonly Expiration: Date;
}

/** A session to mint: everything but the credential material and its times. */
export type SessionDraft = Omit<
  StsSessionRecord,
  'accessKeyId' | 'encryptedSecret' | 'sessionTokenHash' | 'issuedAt' | 'expiration'
>;

/** AWS's assumedRoleUser of a role session: `AROA…:<session>` and the assumed-role ARN. */
function assumedRoleUserOf(subject: Extract<StsSessionSubject, { kind: 'role' }>): Record<string, string> {
  const [, partition, , , account] = subject.roleArn.split(':');
  return {
    assumedRoleId: `${subject.roleId}:${subject.sessionName}`,
    arn: `arn:${partition}:sts::${account}:assumed-role/${subject.roleName}/${subject.sessionName}`,
  };
}

/**
 * Stores a new session lasting `durationSeconds` from `now` (never beyond the sign-in session it
 * is bound to, if any) and returns its credentials.
 */
export async function issueSession(
  context: StsContext,
  draft: SessionDraft,
  durationSeconds: number,
  now: Date,
): Promise<Result<{ credentials: TemporaryCredentials; record: StsSessionRecord }>> {
  // Second precision, as AWS reports expirations; the session never outlives what was asked.
  const issuedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const requestedEnd = issuedAt.getTime() + durationSeconds * 1000;
  // INVARIANT: credentials bound to a sign-in session never outlive it.
  const bound = draft.signInSession;
  const expiration = new Date(bound ? Math.min(requestedEnd, bound.expiresAt * 1000) : requestedEnd);
  if (expiration.getTime() <= issuedAt.getTime()) {
    return fail('credentials.expired-token', 'The sign-in session behind this request has expired.');
  }
  for (let attempt = 0; ; attempt++) {
    const accessKeyId = generateAccessKeyId('temporary');
    const secretAccessKey = generateSecretAccessKey();
    const sessionToken = generateSessionToken();
    const record: StsSessionRecord = {
      ...draft,
      accessKeyId,
      encryptedSecret: context.secrets.seal(secretAccessKey, accessKeyId),
      sessionTokenHash: hashSessionToken(sessionToken),
      issuedAt: issuedAt.toISOString(),
      expiration: expiration.toISOString(),
    };
    // The call's audit event names the credentials by key id only (no secret, no session token).
    setAuditResponseElements({
      credentials: { accessKeyId, expiration: expiration.toISOString() },
      ...(draft.subject.kind === 'role' ? { assumedRoleUser: assumedRoleUserOf(draft.subject) } : {}),
      ...(draft.subject.kind === 'federated-user'
        ? { federatedUser: { federatedUserId: `${draft.accountId}:${draft.subject.name}` } }
        : {}),
    });
    const stored = await putStsSession(context.store, record);
    // A key id collision (80 random bits) is retried with fresh material; anything else is final.
    if (!stored.ok && stored.code === 'entity.concurrent-modification' && attempt < 2) continue;
    if (!stored.ok) return stored;
    return ok({
      credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: secretAccessKey,
        SessionToken: sessionToken,
        Expiration: expiration,
      },
      record,
    });
  }
}
