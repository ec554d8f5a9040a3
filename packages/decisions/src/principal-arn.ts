/**
 * The principals a decision can be about, read from their ARNs: IAM users and roles, an account's
 * root, and role sessions (`arn:<p>:sts::<a>:assumed-role/<role>/<session>`). Groups are not
 * principals: nothing can act as a group.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { parsePalisadeArn } from '@palisade/principals';

/** A principal named by ARN. */
export type PrincipalRef =
  | {
      readonly kind: 'user' | 'role';
      readonly arn: string;
      readonly accountId: string;
      readonly name: string;
    }
  | { readonly kind: 'root'; readonly arn: string; readonly accountId: string }
  | {
      readonly kind: 'assumed-role';
      readonly arn: string;
      readonly accountId: string;
      readonly roleName: string;
      readonly sessionName: string;
    };

/** Reads a principal ARN in this deployment's partition; a typed 400 for anything else. */
export function parsePrincipalArn(partition: string, arn: string): Result<PrincipalRef> {
  const parsed = parsePalisadeArn(arn);
  if (parsed?.partition === partition) {
    const { accountId } = parsed;
    if (parsed.kind === 'user' || parsed.kind === 'role')
      return ok({ kind: parsed.kind, arn, accountId, name: parsed.name });
    if (parsed.kind === 'root') return ok({ kind: 'root', arn, accountId });
    if (parsed.kind === 'assumed-role') {
      const { roleName, sessionName } = parsed;
      return ok({ kind: 'assumed-role', arn, accountId, roleName, sessionName });
    }
  }
  return fail(
    'request.invalid',
    `"principal" must be the ARN of a user, role, root or assumed-role session in partition ${partition}: ${arn.slice(0, 200)}`,
  );
}
