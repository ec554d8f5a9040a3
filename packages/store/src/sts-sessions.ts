/**
 * STS sessions: one global item per temporary access key id (`ASIA…`), holding what a signed
 * request needs in one GetItem (the sealed secret, the session token's hash, the expiry) and what
 * every later decision needs about the session (whose it is, its session policies, tags, source
 * identity and MFA state). TTL (`expiresAt`) removes expired sessions lazily; readers must still
 * check the expiry themselves. A role session is also filed in GSI1 under its assumed-role ARN
 * (account, role, session name), sorted by expiry, so a decision about that ARN finds every live
 * session that carries it.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { fail, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import {
  type CredentialOwnerKey,
  roleSessionExpiryBound,
  roleSessionIndexKey,
  roleSessionPartition,
  stsSessionKey,
} from './keys.ts';
import type { Tag } from './principals.ts';
import { transact } from './transactions.ts';

/** Whose permissions a session carries: a role (AssumeRole*), a user or root (GetSessionToken), a federated user. */
export type StsSessionSubject =
  | {
      readonly kind: 'role';
      readonly roleName: string;
      /** The role's unique id (`AROA…`): a role deleted and recreated under the same name is not the same role. */
      readonly roleId: string;
      readonly roleArn: string;
      readonly sessionName: string;
    }
  | { readonly kind: 'user'; readonly userName: string; readonly userId: string }
  | { readonly kind: 'root' }
  | {
      /** GetFederationToken: a federated user named by its caller, acting within the caller's permissions. */
      readonly kind: 'federated-user';
      readonly name: string;
      /** Whose long-term key asked: the session never has more than this principal's permissions. */
      readonly issuer:
        | { readonly kind: 'user'; readonly userName: string; readonly userId: string }
        | { readonly kind: 'root' };
    };

/** A session policy as it was when the session began (inline, or a managed policy's default version). */
export interface SessionPolicySnapshot {
  readonly id: string;
  readonly document: string;
}

/** A web identity federation behind a role session. */
export interface SessionFederation {
  /** The OIDC provider's ARN. */
  readonly provider: string;
  readonly subject: string;
  readonly audience: string;
}

/**
 * The sign-in session temporary credentials were minted from (directly, or by assuming or chaining
 * roles from such credentials): they end when it ends, and never outlive it.
 */
export interface SignInBinding {
  readonly sessionId: string;
  /** The signed-in principal's account and owner, whose login profile the session stands behind. */
  readonly accountId: string;
  readonly owner: CredentialOwnerKey;
  /** Epoch seconds: the sign-in session's absolute end. */
  readonly expiresAt: number;
}

/** A temporary credential and its session, as stored. */
export interface StsSessionRecord {
  readonly accessKeyId: string;
  /** The account whose principal the session acts as (the role's account for role sessions). */
  readonly accountId: string;
  readonly subject: StsSessionSubject;
  /** The secret access key, sealed under the master key and bound to the key id. */
  readonly encryptedSecret: string;
  /** SHA-256 of the session token; the token itself is never stored. */
  readonly sessionTokenHash: string;
  readonly issuedAt: string;
  readonly expiration: string;
  readonly sessionPolicies: readonly SessionPolicySnapshot[];
  /** Session tags, inherited transitive tags included. */
  readonly tags: readonly Tag[];
  /** Keys of `tags` that pass on to sessions this one assumes. */
  readonly transitiveTagKeys: readonly string[];
  readonly sourceIdentity?: string;
  /** When MFA authenticated the session (absent: no MFA). */
  readonly mfaAuthenticatedAt?: string;
  /** True when a role session minted this one (role chaining). */
  readonly chained: boolean;
  readonly federation?: SessionFederation;
  readonly signInSession?: SignInBinding;
}

/** Stores a new session; its key id must be unused (a collision is a retryable failure). */
export async function putStsSession(context: StoreContext, record: StsSessionRecord): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Put: {
          Item: {
            ...stsSessionKey(record.accessKeyId),
            // In the same put: no session can sign requests without being filed under its ARN.
            ...(record.subject.kind === 'role'
              ? roleSessionIndexKey(
                  record.accountId,
                  record.subject.roleName,
                  record.subject.sessionName,
                  record.expiration,
                )
              : {}),
            entity: 'sts-session',
            ...record,
            // TTL attribute: epoch seconds. Deletion is lazy, so readers check `expiration` too.
            expiresAt: Math.floor(Date.parse(record.expiration) / 1000),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.concurrent-modification', 'Temporary access key id collision; retry.'),
    },
  ]);
}

/** The one lookup a request signed with a temporary key makes (strongly consistent: fresh keys work at once). */
export async function getStsSession(
  context: StoreContext,
  accessKeyId: string,
): Promise<StsSessionRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({ TableName: context.tableName, Key: stsSessionKey(accessKeyId), ConsistentRead: true }),
  );
  return result.Item ? toStsSession(result.Item) : undefined;
}

/** Which assumed-role ARN's sessions to find: `arn:<p>:sts::<accountId>:assumed-role/<roleName>/<sessionName>`. */
export interface RoleSessionName {
  readonly accountId: string;
  readonly roleName: string;
  readonly sessionName: string;
}

/**
 * The sessions filed under one assumed-role ARN that expire after `now`, soonest-expiring first, at
 * most `limit` of them. Read from GSI1, so eventually consistent: a session minted a moment ago
 * may not be listed yet. The role name matches case-insensitively; callers compare the ARN exactly.
 */
export async function findRoleSessions(
  context: StoreContext,
  name: RoleSessionName,
  now: Date,
  limit: number,
): Promise<StsSessionRecord[]> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p AND gsi1sk > :now',
      ExpressionAttributeValues: {
        ':p': roleSessionPartition(name.accountId, name.roleName, name.sessionName),
        ':now': roleSessionExpiryBound(now.toISOString()),
      },
      Limit: limit,
    }),
  );
  return (result.Items ?? []).map(toStsSession);
}

/** Converts a stored item into a session record. */
export function toStsSession(item: Record<string, unknown>): StsSessionRecord {
  return {
    accessKeyId: String(item.accessKeyId),
    accountId: String(item.accountId),
    subject: item.subject as StsSessionSubject,
    encryptedSecret: String(item.encryptedSecret),
    sessionTokenHash: String(item.sessionTokenHash),
    issuedAt: String(item.issuedAt),
    expiration: String(item.expiration),
    sessionPolicies: (item.sessionPolicies as SessionPolicySnapshot[] | undefined) ?? [],
    tags: (item.tags as Tag[] | undefined) ?? [],
    transitiveTagKeys: (item.transitiveTagKeys as string[] | undefined) ?? [],
    ...(typeof item.sourceIdentity === 'string' ? { sourceIdentity: item.sourceIdentity } : {}),
    ...(typeof item.mfaAuthenticatedAt === 'string' ? { mfaAuthenticatedAt: item.mfaAuthenticatedAt } : {}),
    chained: item.chained === true,
    ...(item.federation ? { federation: item.federation as SessionFederation } : {}),
    ...(item.signInSession ? { signInSession: item.signInSession as SignInBinding } : {}),
  };
}
