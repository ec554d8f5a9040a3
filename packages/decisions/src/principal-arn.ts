/**
 * The principals a decision can be about, read from their ARNs: IAM users and roles, an account's
 * root, and role sessions (`arn:<p>:sts::<a>:assumed-role/<role>/<session>`). Groups are not
 * principals: nothing can act as a group.
 */
import { fail, ok, type Result } from '@palisade/failures';

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

const NAME = '[\\w+=,.@-]{1,128}';
const IAM_PRINCIPAL = new RegExp(
  `^arn:([\\w-]+):iam::(\\d{12}):(user|role)(/(?:[\\x21-\\x7e]*/)?)(${NAME})$`,
);
const ROOT = /^arn:([\w-]+):iam::(\d{12}):root$/;
const SESSION = new RegExp(`^arn:([\\w-]+):sts::(\\d{12}):assumed-role/(${NAME})/([\\w+=,.@-]{2,64})$`);

/** Reads a principal ARN in this deployment's partition; a typed 400 for anything else. */
export function parsePrincipalArn(partition: string, arn: string): Result<PrincipalRef> {
  const iam = IAM_PRINCIPAL.exec(arn);
  if (iam?.[1] === partition) {
    return ok({ kind: iam[3] as 'user' | 'role', arn, accountId: iam[2] as string, name: iam[5] as string });
  }
  const root = ROOT.exec(arn);
  if (root?.[1] === partition) return ok({ kind: 'root', arn, accountId: root[2] as string });
  const session = SESSION.exec(arn);
  if (session?.[1] === partition) {
    return ok({
      kind: 'assumed-role',
      arn,
      accountId: session[2] as string,
      roleName: session[3] as string,
      sessionName: session[4] as string,
    });
  }
  return fail(
    'request.invalid',
    `"principal" must be the ARN of a user, role, root or assumed-role session in partition ${partition}: ${arn.slice(0, 200)}`,
  );
}

/** The account segment of an ARN when it is a 12-digit id. */
export function arnAccount(arn: string): string | undefined {
  const account = arn.split(':', 6)[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}
