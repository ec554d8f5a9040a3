/**
 * The few places where AWS documents service-specific evaluation rules. Each is a small table so
 * the pipeline stays generic:
 * - actions that need no permission (sts:GetCallerIdentity works even when explicitly denied);
 * - resources whose resource policy must trust the caller's account explicitly, even in the same
 *   account (role trust policies, KMS key policies);
 * - resources owned by the service that no policy can let an account change (AWS managed
 *   policies, roles under `aws-reserved/`, KMS aliases under `alias/aws/`).
 */
import { parseArn } from './arn.ts';

/** Actions AWS authorizes for any authenticated caller, whatever the policies say. */
const NO_PERMISSION_NEEDED = new Set(['sts:getcalleridentity']);

/** True when the (lowercased) action needs no permission for an authenticated caller. */
export function needsNoPermission(action: string): boolean {
  return NO_PERMISSION_NEEDED.has(action);
}

/**
 * True when identity policies in the resource's own account grant nothing unless the resource
 * policy allows the account: role trust policies ("must explicitly allow access for principals")
 * and KMS key policies. A KMS request on `*` (ListKeys and the like) has no key policy.
 */
export function resourcePolicyMustTrustAccount(
  action: string,
  resource: string,
  hasResourcePolicy: boolean,
): boolean {
  const service = action.slice(0, action.indexOf(':'));
  if (service === 'sts') return hasResourcePolicy;
  if (service === 'kms') return parseArn(resource)?.resource.startsWith('key/') ?? false;
  return false;
}

const MANAGED_POLICY_WRITES = new Set([
  'iam:createpolicy',
  'iam:createpolicyversion',
  'iam:deletepolicy',
  'iam:deletepolicyversion',
  'iam:setdefaultpolicyversion',
  'iam:tagpolicy',
  'iam:untagpolicy',
]);

const RESERVED_ROLE_WRITES = new Set([
  'iam:attachrolepolicy',
  'iam:createrole',
  'iam:createservicelinkedrole',
  'iam:deleterole',
  'iam:deleterolepermissionsboundary',
  'iam:deleterolepolicy',
  'iam:deleteservicelinkedrole',
  'iam:detachrolepolicy',
  'iam:passrole',
  'iam:putrolepermissionsboundary',
  'iam:putrolepolicy',
  'iam:tagrole',
  'iam:untagrole',
  'iam:updateassumerolepolicy',
  'iam:updaterole',
  'iam:updateroledescription',
]);

const MANAGED_ALIAS_WRITES = new Set(['kms:createalias', 'kms:deletealias', 'kms:updatealias']);

/**
 * True when the request would change a resource the service itself owns: a managed policy (the
 * account segment of its ARN is `aws`), a role under `aws-reserved/`, or a KMS alias under
 * `alias/aws/`. No policy can allow that.
 */
export function isServiceOwnedWrite(action: string, resource: string): boolean {
  if (
    !MANAGED_POLICY_WRITES.has(action) &&
    !RESERVED_ROLE_WRITES.has(action) &&
    !MANAGED_ALIAS_WRITES.has(action)
  ) {
    return false;
  }
  const arn = parseArn(resource);
  if (arn === undefined) return false;
  const name = arn.resource.toLowerCase();
  if (MANAGED_POLICY_WRITES.has(action)) return arn.account === 'aws' && name.startsWith('policy/');
  if (RESERVED_ROLE_WRITES.has(action)) return name.startsWith('role/aws-reserved/');
  if (MANAGED_ALIAS_WRITES.has(action)) return name.startsWith('alias/aws/');
  return false;
}
