/**
 * Every ARN Palisade issues or accepts, built and parsed here: IAM users, groups, roles, managed
 * policies, OIDC providers and MFA devices (`arn:<p>:iam::<account>:<kind>/<path><name>`), an
 * account's root, role sessions and federated users (`arn:<p>:sts::…`), and Palisade's own
 * resources (`arn:<p>:palisade::<account>:<resource>`). The ARN grammar itself (six segments) is the
 * policy package's `parseArn`; this module knows the resource forms and their limits.
 */
import { parseArn } from '@palisade/policy';

/** The entity kinds with IAM ARNs of the form `arn:<p>:iam::<account>:<kind>/<path><name>`. */
export type ArnKind = 'user' | 'group' | 'role' | 'policy';

/** The account segment of operator-managed policies' ARNs: `aws`, as AWS managed policies have. */
export const PLATFORM_POLICY_ACCOUNT = 'aws';

/** The account segment operator-managed policies had before they were published as AWS-managed (still accepted). */
export const LEGACY_PLATFORM_POLICY_ACCOUNT = 'palisade';

/** An ARN Palisade issues or accepts, by kind. */
export type PalisadeArn =
  | {
      readonly kind: 'user' | 'group' | 'role' | 'policy' | 'mfa';
      readonly partition: string;
      /** 12 digits; `aws` (or the legacy `palisade`) for operator-managed policies. */
      readonly accountId: string;
      /** `/` or `/segments/`. */
      readonly path: string;
      readonly name: string;
    }
  | { readonly kind: 'root'; readonly partition: string; readonly accountId: string }
  | {
      readonly kind: 'assumed-role';
      readonly partition: string;
      readonly accountId: string;
      readonly roleName: string;
      readonly sessionName: string;
    }
  | {
      readonly kind: 'federated-user';
      readonly partition: string;
      readonly accountId: string;
      readonly name: string;
    }
  | {
      readonly kind: 'oidc-provider';
      readonly partition: string;
      readonly accountId: string;
      /** host[:port][/path], as the provider's URL without its scheme. */
      readonly providerId: string;
    }
  | {
      readonly kind: 'palisade';
      readonly partition: string;
      readonly accountId: string;
      /** `service/<prefix>`, `decision-log`, … */
      readonly resource: string;
    };

const PARTITION = /^[a-z][a-z0-9-]{0,19}$/;
const ACCOUNT = /^\d{12}$/;
const PATH = /^(\/|\/[\x21-\x7e]{1,510}\/)$/;
/** AWS's name limits per kind (user and role names 64, group and policy names 128). */
const NAMED: Record<'user' | 'group' | 'role' | 'policy' | 'mfa', RegExp> = {
  user: /^[\w+=,.@-]{1,64}$/,
  group: /^[\w+=,.@-]{1,128}$/,
  role: /^[\w+=,.@-]{1,64}$/,
  policy: /^[\w+=,.@-]{1,128}$/,
  mfa: /^[\w+=,.@-]{1,226}$/,
};
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const FEDERATED_NAME = /^[\w+=,.@-]{2,32}$/;
/** host[:port][/path]: IPv6 hosts keep their brackets; the store's key grammar checks the rest. */
const PROVIDER_ID = /^[\x21-\x7e]{1,255}$/;
const PALISADE_RESOURCE = /^[\x21-\x7e]{1,1024}$/;

/** The text of an ARN. */
export function formatArn(arn: PalisadeArn): string {
  switch (arn.kind) {
    case 'user':
    case 'group':
    case 'role':
    case 'policy':
    case 'mfa':
      return `arn:${arn.partition}:iam::${arn.accountId}:${arn.kind}${arn.path}${arn.name}`;
    case 'root':
      return `arn:${arn.partition}:iam::${arn.accountId}:root`;
    case 'assumed-role':
      return `arn:${arn.partition}:sts::${arn.accountId}:assumed-role/${arn.roleName}/${arn.sessionName}`;
    case 'federated-user':
      return `arn:${arn.partition}:sts::${arn.accountId}:federated-user/${arn.name}`;
    case 'oidc-provider':
      return `arn:${arn.partition}:iam::${arn.accountId}:oidc-provider/${arn.providerId}`;
    case 'palisade':
      return `arn:${arn.partition}:palisade::${arn.accountId}:${arn.resource}`;
  }
}

/**
 * Parses an ARN Palisade issues or accepts; undefined for anything else (another service's ARN, a
 * malformed segment, a name past AWS's limits, a region where IAM and STS have none).
 */
export function parsePalisadeArn(text: string): PalisadeArn | undefined {
  const arn = parseArn(text);
  if (!arn || !PARTITION.test(arn.partition) || arn.region !== '') return undefined;
  const { partition, account: accountId, resource } = arn;
  if (arn.service === 'palisade') {
    return ACCOUNT.test(accountId) && PALISADE_RESOURCE.test(resource)
      ? { kind: 'palisade', partition, accountId, resource }
      : undefined;
  }
  if (arn.service === 'sts')
    return ACCOUNT.test(accountId) ? stsArn(partition, accountId, resource) : undefined;
  if (arn.service !== 'iam') return undefined;
  if (resource === 'root')
    return ACCOUNT.test(accountId) ? { kind: 'root', partition, accountId } : undefined;
  const slash = resource.indexOf('/');
  if (slash < 0) return undefined;
  const kind = resource.slice(0, slash);
  const rest = resource.slice(slash);
  if (kind === 'oidc-provider') {
    const providerId = rest.slice(1);
    return ACCOUNT.test(accountId) && PROVIDER_ID.test(providerId)
      ? { kind, partition, accountId, providerId }
      : undefined;
  }
  if (kind !== 'user' && kind !== 'group' && kind !== 'role' && kind !== 'policy' && kind !== 'mfa')
    return undefined;
  const platformPolicy =
    kind === 'policy' &&
    (accountId === PLATFORM_POLICY_ACCOUNT || accountId === LEGACY_PLATFORM_POLICY_ACCOUNT);
  if (!ACCOUNT.test(accountId) && !platformPolicy) return undefined;
  const lastSlash = rest.lastIndexOf('/');
  const path = rest.slice(0, lastSlash + 1);
  const name = rest.slice(lastSlash + 1);
  return PATH.test(path) && NAMED[kind].test(name) ? { kind, partition, accountId, path, name } : undefined;
}

function stsArn(partition: string, accountId: string, resource: string): PalisadeArn | undefined {
  const [kind, first, second, ...more] = resource.split('/');
  if (more.length > 0) return undefined;
  if (kind === 'assumed-role' && first !== undefined && second !== undefined) {
    return NAMED.role.test(first) && SESSION_NAME.test(second)
      ? { kind, partition, accountId, roleName: first, sessionName: second }
      : undefined;
  }
  if (kind === 'federated-user' && first !== undefined && second === undefined) {
    return FEDERATED_NAME.test(first) ? { kind, partition, accountId, name: first } : undefined;
  }
  return undefined;
}

/** An ARN of one kind. */
export type ArnOf<K extends PalisadeArn['kind']> = PalisadeArn & { readonly kind: K };

/** Parses an ARN of one kind in this deployment's partition; undefined for anything else. */
export function parseArnOf<K extends PalisadeArn['kind']>(
  partition: string,
  kind: K,
  text: string,
): ArnOf<K> | undefined {
  const arn = parsePalisadeArn(text);
  return arn?.kind === kind && arn.partition === partition ? (arn as ArnOf<K>) : undefined;
}

/** The ARN of a user, group, role or managed policy. */
export function entityArn(
  partition: string,
  accountId: string,
  kind: ArnKind,
  path: string,
  name: string,
): string {
  return formatArn({ kind, partition, accountId, path, name });
}

/** The ARN of an account's root user. */
export function rootArn(partition: string, accountId: string): string {
  return formatArn({ kind: 'root', partition, accountId });
}

/** `arn:<p>:sts::<account>:assumed-role/<role>/<session>`. */
export function assumedRoleArn(
  partition: string,
  accountId: string,
  roleName: string,
  sessionName: string,
): string {
  return formatArn({ kind: 'assumed-role', partition, accountId, roleName, sessionName });
}

/** The ARN of an OIDC provider. */
export function oidcProviderArn(partition: string, accountId: string, providerId: string): string {
  return formatArn({ kind: 'oidc-provider', partition, accountId, providerId });
}

/** The ARN (serial number) of a virtual MFA device. */
export function mfaSerialArn(partition: string, accountId: string, path: string, name: string): string {
  return formatArn({ kind: 'mfa', partition, accountId, path, name });
}

/** The ARN of one of Palisade's own resources of an account (`service/<prefix>`, `decision-log`). */
export function palisadeArn(partition: string, accountId: string, resource: string): string {
  return formatArn({ kind: 'palisade', partition, accountId, resource });
}

/** The parts of a managed policy ARN: a customer policy of an account, or an operator-managed one. */
export type PolicyArnParts =
  | { readonly scope: 'customer'; readonly accountId: string; readonly path: string; readonly name: string }
  | { readonly scope: 'platform'; readonly path: string; readonly name: string };

/** Parses a managed policy ARN in this deployment's partition; undefined when it is not one. */
export function parsePolicyArn(partition: string, arn: string): PolicyArnParts | undefined {
  const parts = parseArnOf(partition, 'policy', arn);
  if (!parts) return undefined;
  const { accountId, path, name } = parts;
  return accountId === PLATFORM_POLICY_ACCOUNT || accountId === LEGACY_PLATFORM_POLICY_ACCOUNT
    ? { scope: 'platform', path, name }
    : { scope: 'customer', accountId, path, name };
}

/** The 12-digit account segment of any ARN (`arn:partition:service:region:account:resource`), if it has one. */
export function arnAccount(arn: string): string | undefined {
  const account = parseArn(arn)?.account;
  return account !== undefined && ACCOUNT.test(account) ? account : undefined;
}

/** The partition segment of any ARN, if the text is one. */
export function arnPartition(arn: string): string | undefined {
  return parseArn(arn)?.partition;
}

/** The id explanations cite for an inline policy: `<owner ARN>/inline/<policy name>`. */
export function inlinePolicyId(ownerArn: string, policyName: string): string {
  return `${ownerArn}/inline/${policyName}`;
}

/** The owner kind and policy name of an inline policy id; undefined for a managed policy's ARN. */
export function parseInlinePolicyId(
  id: string,
): { readonly ownerKind: 'user' | 'group' | 'role'; readonly policyName: string } | undefined {
  // Policy names hold no `/`, while an owner's path may hold `/inline/`: the last one separates.
  const at = id.lastIndexOf('/inline/');
  if (at < 0) return undefined;
  const owner = parsePalisadeArn(id.slice(0, at));
  const policyName = id.slice(at + '/inline/'.length);
  return owner && (owner.kind === 'user' || owner.kind === 'group' || owner.kind === 'role') && policyName
    ? { ownerKind: owner.kind, policyName }
    : undefined;
}

/** `arn:<p>:sts::<account>:federated-user/<name>`: a GetFederationToken session's ARN. */
export function federatedUserArn(partition: string, accountId: string, name: string): string {
  return `arn:${partition}:sts::${accountId}:federated-user/${name}`;
}
