/**
 * AssumeRole: the caller's identity policies and the role's trust policy decide together (the
 * engine knows that the same account needs the trust policy to allow explicitly, and another
 * account needs both), with ExternalId, MFA, session tags and source identity as request context.
 * Role chaining caps the session at an hour and carries transitive tags and source identity on.
 */
import { fail, ok } from '@palisade/failures';
import { compileResourcePolicies, type Explanation } from '@palisade/policy';
import {
  accessDeniedMessage,
  actionContext,
  callerFacts,
  denialReasonOf,
  operation,
  passwordResetDenial,
  signInBindingOf,
} from '@palisade/principals';
import { z } from 'zod';
import { mfaContext, verifyRequestMfa } from './mfa.ts';
import {
  findAssumableRole,
  openRoleSession,
  roleSessionArn,
  roleSessionDuration,
  trustPolicyOf,
} from './role-sessions.ts';
import { packedPolicyAnswer, resolveSessionPolicies } from './session-policies.ts';
import { composeSessionTags } from './session-tags.ts';
import type { StsContext } from './sts-context.ts';
import {
  externalId,
  policyArns,
  roleArn,
  roleDurationSeconds,
  roleSessionName,
  serialNumber,
  sessionPolicy,
  sessionTags,
  sourceIdentity,
  tokenCode,
  transitiveTagKeys,
} from './sts-inputs.ts';

const assumeRoleInput = z.object({
  RoleArn: roleArn,
  RoleSessionName: roleSessionName,
  PolicyArns: policyArns.optional(),
  Policy: sessionPolicy.optional(),
  DurationSeconds: roleDurationSeconds.optional(),
  Tags: sessionTags.optional(),
  TransitiveTagKeys: transitiveTagKeys.optional(),
  ExternalId: externalId.optional(),
  SerialNumber: serialNumber.optional(),
  TokenCode: tokenCode.optional(),
  SourceIdentity: sourceIdentity.optional(),
});

/** The trust policy of a role that does not exist: it lets nobody assume it. */
const NO_TRUST = compileResourcePolicies({
  resourcePolicy: { id: 'no-such-role/trust-policy', document: { Version: '2012-10-17', Statement: [] } },
  resourcePolicyType: 'trust',
});

/** The AssumeRole operation. */
export function assumeRoleOperation(context: StsContext) {
  return operation(assumeRoleInput, async (caller, input) => {
    const facts = callerFacts(caller);
    // Without an explanation (a caller without facts) the message names no policy.
    const denied = (action: string, explanation?: Explanation) =>
      fail(
        'access.denied',
        accessDeniedMessage(
          caller.arn,
          action,
          input.RoleArn,
          explanation ? denialReasonOf(explanation) : undefined,
        ),
      );
    if (caller.kind === 'root') return fail('access.denied', 'Roles may not be assumed by root accounts.');
    if (!facts) return denied('sts:AssumeRole');
    if (facts.passwordResetRequired) return passwordResetDenial(caller, 'sts:AssumeRole');
    const binding = signInBindingOf(facts);
    const now = context.now();
    const callerSession = facts.session;
    const chained = callerSession?.subject.kind === 'role';

    const role = await findAssumableRole(context, input.RoleArn);
    if (!role) {
      // INVARIANT: a role that does not exist is refused as one whose trust policy names nobody,
      // so the message cannot tell another account which roles exist.
      const explanation = facts.evaluate({
        action: 'sts:AssumeRole',
        resource: input.RoleArn,
        context: actionContext('sts:AssumeRole', { roleSessionName: input.RoleSessionName }),
        resourcePolicies: NO_TRUST,
      });
      return denied('sts:AssumeRole', explanation);
    }
    const duration = roleSessionDuration(input.DurationSeconds, role, chained);
    if (!duration.ok) return duration;

    const tags = composeSessionTags(input.Tags ?? [], input.TransitiveTagKeys ?? [], callerSession);
    if (!tags.ok) return tags;
    const packed = packedPolicyAnswer(input);
    if (!packed.ok) return packed;

    // INVARIANT: a source identity, once set, stays the same along the whole chain.
    const inheritedSource = callerSession?.sourceIdentity;
    if (
      inheritedSource !== undefined &&
      input.SourceIdentity !== undefined &&
      input.SourceIdentity !== inheritedSource
    ) {
      return fail(
        'request.invalid',
        `The source identity cannot be changed: this session's source identity is ${inheritedSource}.`,
      );
    }
    const source = inheritedSource ?? input.SourceIdentity;

    const sessionArn = roleSessionArn(role, input.RoleSessionName);
    const policies = await resolveSessionPolicies(context, role.accountId, sessionArn, {
      policy: input.Policy,
      policyArns: input.PolicyArns,
    });
    if (!policies.ok) return policies;

    let mfaAuthenticatedAt = callerSession?.mfaAuthenticatedAt;
    if (input.SerialNumber !== undefined || input.TokenCode !== undefined) {
      const verified = await verifyRequestMfa(context, caller, input.SerialNumber, input.TokenCode, now);
      if (!verified.ok) return verified;
      mfaAuthenticatedAt = verified.value.toISOString();
    }

    const requestContext: Record<string, string | string[]> = {
      ...actionContext('sts:AssumeRole', {
        roleSessionName: input.RoleSessionName,
        resourceTags: role.tags,
        ...(input.ExternalId !== undefined ? { externalId: input.ExternalId } : {}),
        ...(source !== undefined ? { sourceIdentity: source } : {}),
      }),
      ...mfaContext(mfaAuthenticatedAt, now),
      ...tags.value.context,
    };
    const trust = trustPolicyOf(role);
    const refusal = (action: string) => {
      const explanation = facts.evaluate({
        action,
        resource: role.arn,
        resourceAccount: role.accountId,
        context: requestContext,
        resourcePolicies: trust,
      });
      return explanation.decision === 'allowed' ? undefined : denied(action, explanation);
    };
    // Passing (or inheriting) session tags and setting a source identity are permissions of their own.
    const refused =
      refusal('sts:AssumeRole') ??
      (tags.value.tagged ? refusal('sts:TagSession') : undefined) ??
      (source !== undefined ? refusal('sts:SetSourceIdentity') : undefined);
    if (refused) return refused;

    const opened = await openRoleSession(
      context,
      {
        role,
        sessionName: input.RoleSessionName,
        durationSeconds: duration.value,
        sessionPolicies: policies.value,
        tags: tags.value,
        sourceIdentity: source,
        mfaAuthenticatedAt,
        chained,
        ...(binding ? { signInSession: binding } : {}),
        region: facts.requestedRegion?.(),
      },
      now,
    );
    if (!opened.ok) return opened;
    return ok({
      Credentials: opened.value.credentials,
      AssumedRoleUser: opened.value.assumedRoleUser,
      ...packed.value,
      ...(source !== undefined ? { SourceIdentity: source } : {}),
    });
  });
}
