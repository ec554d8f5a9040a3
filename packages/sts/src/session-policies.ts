/**
 * Session policies: an inline document and up to ten managed policy ARNs that narrow a role
 * session's permissions. They are validated here, snapshotted onto the session, and measured with
 * the session tags against the packed-policy limit AWS reports as PackedPolicySize.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { malformedPolicyMessage, policySize, validatePolicy } from '@palisade/policy';
import { managedDocuments } from '@palisade/principals';
import type { SessionPolicySnapshot, Tag } from '@palisade/store';
import type { StsContext } from './sts-context.ts';

/** The packed limit, in characters of policy text, ARNs and tags (AWS: 2,048 plaintext characters). */
export const PACKED_POLICY_LIMIT = 2048;

/** Validates and resolves the session policies of a request against the role's account. */
export async function resolveSessionPolicies(
  context: StsContext,
  roleAccountId: string,
  sessionArn: string,
  input: {
    readonly policy?: string | undefined;
    readonly policyArns?: readonly { arn: string }[] | undefined;
  },
): Promise<Result<SessionPolicySnapshot[]>> {
  const snapshots: SessionPolicySnapshot[] = [];
  if (input.policy !== undefined) {
    const message = malformedPolicyMessage(validatePolicy(input.policy, 'session'));
    if (message) return fail('policy.malformed', message);
    snapshots.push({ id: `${sessionArn}/session-policy`, document: input.policy });
  }
  const arns = [...new Set((input.policyArns ?? []).map((p) => p.arn))];
  if (arns.length > 0) {
    const documents = await managedDocuments(context.store, context.partition, roleAccountId, arns);
    for (const arn of arns) {
      const document = documents.get(arn);
      // Managed session policies must exist in the role's account (or be operator-managed).
      if (document === undefined)
        return fail('policy.malformed', `Policy ${arn} does not exist or is not attachable.`);
      snapshots.push({ id: arn, document });
    }
  }
  return ok(snapshots);
}

/**
 * PackedPolicySize: the inline policy (white space not counted), the managed ARNs and the session
 * tags passed in the request, as a percentage of the limit; PackedPolicyTooLarge above 100%.
 */
export function packedPolicySize(input: {
  readonly policy?: string | undefined;
  readonly policyArns?: readonly { arn: string }[] | undefined;
  readonly tags?: readonly Tag[] | undefined;
}): Result<number> {
  let characters = input.policy === undefined ? 0 : policySize(input.policy);
  for (const { arn } of input.policyArns ?? []) characters += arn.length;
  for (const tag of input.tags ?? []) characters += tag.Key.length + tag.Value.length;
  const percent = Math.ceil((characters * 100) / PACKED_POLICY_LIMIT);
  if (percent > 100) {
    return fail(
      'policy.packed-too-large',
      `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`,
    );
  }
  return ok(percent);
}

/**
 * The packed size of what a request passes (its session policies and the tags it names), with
 * `PackedPolicySize` as the answer carries it: only when the request passed policies or tags.
 */
export function packedPolicyAnswer(input: {
  readonly Policy?: string | undefined;
  readonly PolicyArns?: readonly { arn: string }[] | undefined;
  readonly Tags?: readonly Tag[] | undefined;
}): Result<{ PackedPolicySize?: number }> {
  const packed = packedPolicySize({ policy: input.Policy, policyArns: input.PolicyArns, tags: input.Tags });
  if (!packed.ok) return packed;
  const passed =
    input.Policy !== undefined || (input.PolicyArns?.length ?? 0) > 0 || (input.Tags?.length ?? 0) > 0;
  return ok(passed ? { PackedPolicySize: packed.value } : {});
}
