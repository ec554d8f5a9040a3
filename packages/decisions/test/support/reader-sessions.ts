/**
 * A session of role `reader` stored as AssumeRole stores one, for decision tests that need live
 * sessions without minting credentials (the key material is irrelevant to a decision).
 */
import { putStsSession, type StoreContext, type StsSessionRecord } from '@palisade/store';

/** Where the session lives and what tells it apart. */
export interface ReaderSession {
  readonly store: StoreContext;
  readonly accountId: string;
  readonly roleId: string;
  readonly sessionName: string;
  /** A 20-character key id unique to the test. */
  readonly accessKeyId: string;
  readonly issuedAt: Date;
  readonly expiration: Date;
}

/** Stores the session (set-up that must succeed), with `options` overriding the record's fields. */
export async function storeReaderSession(
  session: ReaderSession,
  options: Partial<StsSessionRecord> = {},
): Promise<StsSessionRecord> {
  const record: StsSessionRecord = {
    accessKeyId: session.accessKeyId,
    accountId: session.accountId,
    subject: {
      kind: 'role',
      roleName: 'reader',
      roleId: session.roleId,
      roleArn: `arn:aws:iam::${session.accountId}:role/reader`,
      sessionName: session.sessionName,
    },
    encryptedSecret: 'sealed',
    sessionTokenHash: 'b'.repeat(64),
    issuedAt: session.issuedAt.toISOString(),
    expiration: session.expiration.toISOString(),
    sessionPolicies: [],
    tags: [],
    transitiveTagKeys: [],
    chained: false,
    ...options,
  };
  const stored = await putStsSession(session.store, record);
  if (!stored.ok) throw new Error(stored.message);
  return record;
}
