/** IAM ARNs for Palisade's entities, in the deployment's one partition. */

/** The entity kinds with IAM ARNs of the form `arn:<p>:iam::<account>:<kind>/<path><name>`. */
export type ArnKind = 'user' | 'group' | 'role' | 'policy';

/** The account segment of operator-managed policies' ARNs (AWS writes `aws` there). */
export const PLATFORM_POLICY_ACCOUNT = 'palisade';

/** The ARN of a user, group, role or managed policy. */
export function entityArn(
  partition: string,
  accountId: string,
  kind: ArnKind,
  path: string,
  name: string,
): string {
  return `arn:${partition}:iam::${accountId}:${kind}${path}${name}`;
}

/** The ARN of an account's root user. */
export function rootArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/** The parts of a managed policy ARN: a customer policy of an account, or an operator-managed one. */
export type PolicyArnParts =
  | { readonly scope: 'customer'; readonly accountId: string; readonly path: string; readonly name: string }
  | { readonly scope: 'platform'; readonly path: string; readonly name: string };

const POLICY_ARN = /^arn:([\w-]+):iam::(\d{12}|palisade):policy(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]{1,128})$/;

/** Parses a managed policy ARN in this deployment's partition; undefined when it is not one. */
export function parsePolicyArn(partition: string, arn: string): PolicyArnParts | undefined {
  const match = POLICY_ARN.exec(arn);
  if (!match || match[1] !== partition) return undefined;
  const [, , account, path, name] = match as unknown as [string, string, string, string, string];
  return account === PLATFORM_POLICY_ACCOUNT
    ? { scope: 'platform', path, name }
    : { scope: 'customer', accountId: account, path, name };
}
