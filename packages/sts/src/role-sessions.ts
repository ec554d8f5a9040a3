/**
 * What every way of assuming a role shares: finding the role an ARN names, the session's duration
 * rules, the role's trust policy as the engine's resource policy, and minting the session.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { compileResourcePolicies, type ResourcePolicies } from '@palisade/policy';
import { arnPartition, assumedRoleArn, parseArnOf } from '@palisade/principals';
import {
  getAccount,
  getPrincipal,
  type PrincipalRecord,
  type SessionFederation,
  type SessionPolicySnapshot,
  type SignInBinding,
  type StsSessionRecord,
} from '@palisade/store';
import { issueSession, type TemporaryCredentials } from './session-credentials.ts';
import type { ComposedTags } from './session-tags.ts';
import type { StsContext } from './sts-context.ts';

/** A role session lasts an hour unless asked otherwise. */
export const DEFAULT_ROLE_SESSION_SECONDS = 3600;
/** Role chaining caps a session at one hour. */
export const CHAINED_SESSION_LIMIT_SECONDS = 3600;

/**
 * The role an ARN names, in an active account. Undefined when there is none, so that callers
 * answer AccessDenied and learn nothing about which roles exist.
 */
export async function findAssumableRole(
  context: StsContext,
  arn: string,
): Promise<PrincipalRecord | undefined> {
  const parts = parseArnOf(context.partition, 'role', arn);
  if (!parts) return undefined;
  const [account, role] = await Promise.all([
    getAccount(context.store, parts.accountId),
    getPrincipal(context.store, parts.accountId, 'role', parts.name),
  ]);
  if (account?.status !== 'active' || !role) return undefined;
  // The ARN must name the role exactly: its path too.
  return role.arn === arn ? role : undefined;
}

/** The session duration: the request's, within the role's MaxSessionDuration and the chaining cap. */
export function roleSessionDuration(
  requested: number | undefined,
  role: PrincipalRecord,
  chained: boolean,
): Result<number> {
  const duration = requested ?? DEFAULT_ROLE_SESSION_SECONDS;
  if (chained && duration > CHAINED_SESSION_LIMIT_SECONDS) {
    return fail(
      'request.invalid',
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  }
  if (duration > (role.maxSessionDuration ?? DEFAULT_ROLE_SESSION_SECONDS)) {
    return fail(
      'request.invalid',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  }
  return ok(duration);
}

/** The role's trust policy, compiled as the engine's resource policy of type `trust`. */
export function trustPolicyOf(role: PrincipalRecord): ResourcePolicies {
  return compileResourcePolicies({
    resourcePolicy: { id: `${role.arn}/trust-policy`, document: role.assumeRolePolicyDocument ?? '{}' },
    resourcePolicyType: 'trust',
  });
}

/** The AssumedRoleUser member of AssumeRole* responses. */
export interface AssumedRoleUser {
  readonly AssumedRoleId: string;
  readonly Arn: string;
}

/** The assumed-role session ARN a role and session name give. */
export function roleSessionArn(role: PrincipalRecord, sessionName: string): string {
  return assumedRoleArn(arnPartition(role.arn) ?? 'aws', role.accountId, role.name, sessionName);
}

/** The region a use is recorded in when the request named none (STS's global endpoint's). */
const STS_GLOBAL_REGION = 'us-east-1';

/** Mints a role session and returns its credentials and AssumedRoleUser. */
export async function openRoleSession(
  context: StsContext,
  request: {
    readonly role: PrincipalRecord;
    readonly sessionName: string;
    readonly durationSeconds: number;
    readonly sessionPolicies: readonly SessionPolicySnapshot[];
    readonly tags: ComposedTags;
    readonly sourceIdentity?: string | undefined;
    readonly mfaAuthenticatedAt?: string | undefined;
    readonly chained: boolean;
    readonly federation?: SessionFederation;
    readonly signInSession?: SignInBinding;
    /** The region the request was made in, recorded as the role's last use. */
    readonly region?: string | undefined;
  },
  now: Date,
): Promise<
  Result<{ credentials: TemporaryCredentials; assumedRoleUser: AssumedRoleUser; record: StsSessionRecord }>
> {
  const { role, sessionName } = request;
  const issued = await issueSession(
    context,
    {
      accountId: role.accountId,
      subject: { kind: 'role', roleName: role.name, roleId: role.id, roleArn: role.arn, sessionName },
      sessionPolicies: request.sessionPolicies,
      tags: request.tags.tags,
      transitiveTagKeys: request.tags.transitiveTagKeys,
      ...(request.sourceIdentity !== undefined ? { sourceIdentity: request.sourceIdentity } : {}),
      ...(request.mfaAuthenticatedAt !== undefined ? { mfaAuthenticatedAt: request.mfaAuthenticatedAt } : {}),
      chained: request.chained,
      ...(request.federation ? { federation: request.federation } : {}),
      ...(request.signInSession ? { signInSession: request.signInSession } : {}),
    },
    request.durationSeconds,
    now,
  );
  if (!issued.ok) return issued;
  // Not awaited: the role's last use is telemetry, never a reason to delay or fail the session.
  void context.accessRecorder?.roleUse(role.accountId, role.id, request.region ?? STS_GLOBAL_REGION);
  return ok({
    credentials: issued.value.credentials,
    assumedRoleUser: { AssumedRoleId: `${role.id}:${sessionName}`, Arn: roleSessionArn(role, sessionName) },
    record: issued.value.record,
  });
}
