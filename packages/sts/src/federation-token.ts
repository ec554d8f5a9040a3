/**
 * GetFederationToken: temporary credentials for a federated user that an IAM user's (or the
 * root's) long-term key names. The session can do at most what both the issuer's policies and the
 * session policies passed here allow (none passed: nothing, but what a resource policy grants the
 * federated user's own ARN); its credentials call no IAM API and of STS only GetCallerIdentity.
 */
import { fail, ok } from '@palisade/failures';
import {
  callerFacts,
  denialOf,
  federatedUserArn,
  operation,
  passwordResetDenial,
} from '@palisade/principals';
import type { StsSessionSubject } from '@palisade/store';
import { z } from 'zod';
import { issueSession } from './session-credentials.ts';
import { packedPolicyAnswer, resolveSessionPolicies } from './session-policies.ts';
import { composeSessionTags } from './session-tags.ts';
import type { StsContext } from './sts-context.ts';
import {
  bounded,
  policyArns,
  sessionPolicy,
  sessionTags,
  sessionTokenDurationSeconds,
} from './sts-inputs.ts';

/** Federation sessions last 12 hours unless asked otherwise. */
export const DEFAULT_FEDERATION_SECONDS = 43200;
/** What the root federates lasts at most an hour (AWS shortens longer requests silently). */
export const ROOT_FEDERATION_LIMIT_SECONDS = 3600;

const federationTokenInput = z.object({
  Name: bounded(2, 32, /^[\w+=,.@-]*$/, '[\\w+=,.@-]*'),
  Policy: sessionPolicy.optional(),
  PolicyArns: policyArns.optional(),
  DurationSeconds: sessionTokenDurationSeconds.optional(),
  Tags: sessionTags.optional(),
});

/** The GetFederationToken operation. */
export function getFederationTokenOperation(context: StsContext) {
  return operation(federationTokenInput, async (caller, input) => {
    const facts = callerFacts(caller);
    const onlyLongTerm = 'GetFederationToken is available to IAM users and the root user only.';
    if (!facts) return fail('access.denied', onlyLongTerm);
    // INVARIANT: only a long-term access key federates; no session (STS or sign-in) can.
    if (facts.session || facts.signInSession) {
      return fail('access.denied', 'Cannot call GetFederationToken with session credentials');
    }
    if (caller.kind !== 'user' && caller.kind !== 'root') return fail('access.denied', onlyLongTerm);
    if (facts.passwordResetRequired) return passwordResetDenial(caller, 'sts:GetFederationToken');
    const { accountId } = caller;
    const arn = federatedUserArn(context.partition, accountId, input.Name);

    const requestedTags = input.Tags ?? [];
    const tags = composeSessionTags(requestedTags, [], undefined);
    if (!tags.ok) return tags;
    const packed = packedPolicyAnswer(input);
    if (!packed.ok) return packed;

    const denied = denialOf(caller, 'sts:GetFederationToken', arn, { requestTags: requestedTags });
    if (denied) return denied;
    // Passing session tags is a permission of its own, as for AssumeRole.
    const untaggable = tags.value.tagged
      ? denialOf(caller, 'sts:TagSession', arn, { requestTags: requestedTags })
      : undefined;
    if (untaggable) return untaggable;

    const policies = await resolveSessionPolicies(context, accountId, arn, {
      policy: input.Policy,
      policyArns: input.PolicyArns,
    });
    if (!policies.ok) return policies;

    let duration = input.DurationSeconds ?? DEFAULT_FEDERATION_SECONDS;
    if (caller.kind === 'root') duration = Math.min(duration, ROOT_FEDERATION_LIMIT_SECONDS);
    const subject: StsSessionSubject = {
      kind: 'federated-user',
      name: input.Name,
      issuer:
        caller.kind === 'root'
          ? { kind: 'root' }
          : { kind: 'user', userName: caller.userName ?? '', userId: facts.userId },
    };
    const issued = await issueSession(
      context,
      {
        accountId,
        subject,
        sessionPolicies: policies.value,
        tags: tags.value.tags,
        transitiveTagKeys: [],
        chained: false,
      },
      duration,
      context.now(),
    );
    if (!issued.ok) return issued;
    return ok({
      Credentials: issued.value.credentials,
      FederatedUser: { FederatedUserId: `${accountId}:${input.Name}`, Arn: arn },
      ...packed.value,
    });
  });
}
