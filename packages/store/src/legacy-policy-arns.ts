/**
 * Operator-managed policies were published as `arn:<p>:iam::palisade:policy/<name>` before they
 * became AWS-managed ARNs (`arn:<p>:iam::aws:policy/<name>`). Items written before then (attachments,
 * keyed by the ARN, and principals' permissions boundaries) still name them so: they are rewritten on
 * read, and the writes that address an attachment by ARN also address its legacy key.
 */

const LEGACY = /^arn:([\w-]{1,20}):iam::palisade:policy\//;
const CURRENT = /^arn:([\w-]{1,20}):iam::aws:policy\//;

/** The ARN a stored policy ARN is published as today (legacy operator ARNs become `aws` ones). */
export function currentPolicyArn(arn: string): string {
  return arn.replace(LEGACY, 'arn:$1:iam::aws:policy/');
}

/** The legacy form of an operator-managed policy's ARN, as items written before may hold it. */
export function legacyPolicyArn(arn: string): string | undefined {
  return CURRENT.test(arn) ? arn.replace(CURRENT, 'arn:$1:iam::palisade:policy/') : undefined;
}
