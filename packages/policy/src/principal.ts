/**
 * Who is asking, and whether a statement's Principal / NotPrincipal names them. A role ARN as the
 * caller stands for "a session of this role" (a role never signs a request itself), which is why
 * a grant to the role ARN and a grant to the session ARN are told apart as AWS does.
 */
import { parseArn } from './arn.ts';

/** The kinds of caller IAM distinguishes. */
export type PrincipalKind =
  | 'user'
  | 'role'
  | 'assumed-role'
  | 'federated-user'
  | 'root'
  | 'service'
  | 'anonymous'
  | 'other';

/** The caller, parsed once per request. */
export interface RequestPrincipal {
  readonly kind: PrincipalKind;
  /** The ARN (or the service name for a service principal, `anonymous` for anonymous). */
  readonly id: string;
  readonly partition: string | undefined;
  readonly account: string | undefined;
  /** Lowercased role name for a role or an assumed-role session. */
  readonly roleName: string | undefined;
  /** Lowercased user name for an IAM user or a federated-user session. */
  readonly userName: string | undefined;
  /** A service-linked role (path `aws-service-role/`), exempt from SCPs and RCPs. */
  readonly serviceLinked: boolean;
}

/** The caller written as `anonymous` in requests. */
export const ANONYMOUS = 'anonymous';

const ACCOUNT_ID = /^\d{12}$/;

const PARSED = new Map<string, RequestPrincipal>();
const PARSED_LIMIT = 4096;

/** Parses a caller: an IAM or STS ARN, a service principal name, or `anonymous` (memoised). */
export function parsePrincipal(text: string): RequestPrincipal {
  const known = PARSED.get(text);
  if (known !== undefined) return known;
  const parsed = parsePrincipalText(text);
  // A bounded memo: callers repeat, and parsing allocates; clearing keeps memory flat.
  if (PARSED.size >= PARSED_LIMIT) PARSED.clear();
  PARSED.set(text, parsed);
  return parsed;
}

function parsePrincipalText(text: string): RequestPrincipal {
  if (text === ANONYMOUS || text === '*') return principal('anonymous', ANONYMOUS);
  const arn = parseArn(text);
  if (arn === undefined) {
    return text.includes('.') ? principal('service', text.toLowerCase()) : principal('other', text);
  }
  const base = { id: text, partition: arn.partition, account: arn.account };
  const resource = arn.resource;
  if (arn.service === 'iam') {
    if (resource === 'root') return { ...principal('root', text), ...base };
    if (resource.startsWith('user/')) {
      return { ...principal('user', text), ...base, userName: lastSegment(resource).toLowerCase() };
    }
    if (resource.startsWith('role/')) {
      return {
        ...principal('role', text),
        ...base,
        roleName: lastSegment(resource).toLowerCase(),
        serviceLinked: resource.startsWith('role/aws-service-role/'),
      };
    }
  }
  if (arn.service === 'sts') {
    if (resource.startsWith('assumed-role/')) {
      const roleName = resource.split('/')[1] ?? '';
      return { ...principal('assumed-role', text), ...base, roleName: roleName.toLowerCase() };
    }
    if (resource.startsWith('federated-user/')) {
      return { ...principal('federated-user', text), ...base, userName: lastSegment(resource).toLowerCase() };
    }
  }
  return { ...principal('other', text), ...base };
}

function principal(kind: PrincipalKind, id: string): RequestPrincipal {
  return {
    kind,
    id,
    partition: undefined,
    account: undefined,
    roleName: undefined,
    userName: undefined,
    serviceLinked: false,
  };
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** One entry of a Principal element, compiled. */
export type PrincipalEntry =
  | { readonly kind: 'any' }
  | { readonly kind: 'account'; readonly account: string }
  | {
      readonly kind: 'arn';
      readonly arn: string;
      /** Set when the ARN is an IAM role: lets a session of that role match it. */
      readonly role:
        | { readonly partition: string; readonly account: string; readonly name: string }
        | undefined;
      /** Set when the ARN is an IAM user: lets that user's federated-user session match it. */
      readonly user:
        | { readonly partition: string; readonly account: string; readonly name: string }
        | undefined;
    }
  | { readonly kind: 'service'; readonly name: string }
  | { readonly kind: 'federated'; readonly value: string }
  | { readonly kind: 'canonical'; readonly value: string };

/**
 * How a statement's principal matched, weakest first. `Account` delegates to the account's
 * identity policies; the session matches come from a grant to the role or user behind a session;
 * `Exact` names the caller; `Any` is `*` or a NotPrincipal that excludes someone else.
 */
export const PrincipalMatch = {
  None: 0,
  Account: 1,
  RoleOfSession: 2,
  UserOfSession: 3,
  Exact: 4,
  Any: 5,
} as const;
/** One of the PrincipalMatch values. */
export type PrincipalMatch = (typeof PrincipalMatch)[keyof typeof PrincipalMatch];

/** Compiles one `AWS` / `Service` / `Federated` / `CanonicalUser` entry. */
export function compilePrincipalEntry(key: string, value: string): PrincipalEntry {
  if (value === '*') return { kind: 'any' };
  switch (key) {
    case 'Service':
      return { kind: 'service', name: value.toLowerCase() };
    case 'Federated':
      return { kind: 'federated', value };
    case 'CanonicalUser':
      return { kind: 'canonical', value };
    default: {
      if (ACCOUNT_ID.test(value)) return { kind: 'account', account: value };
      const arn = parseArn(value);
      if (arn !== undefined && arn.service === 'iam' && arn.resource === 'root') {
        return { kind: 'account', account: arn.account };
      }
      const named = (prefix: string) =>
        arn !== undefined && arn.service === 'iam' && arn.resource.startsWith(prefix)
          ? { partition: arn.partition, account: arn.account, name: lastSegment(arn.resource).toLowerCase() }
          : undefined;
      return { kind: 'arn', arn: value, role: named('role/'), user: named('user/') };
    }
  }
}

/** The strongest way any entry names the caller. */
export function matchPrincipalEntries(
  entries: readonly PrincipalEntry[],
  caller: RequestPrincipal,
): PrincipalMatch {
  let best: PrincipalMatch = PrincipalMatch.None;
  for (const entry of entries) {
    const m = matchEntry(entry, caller);
    if (m > best) best = m;
  }
  return best;
}

function matchEntry(entry: PrincipalEntry, caller: RequestPrincipal): PrincipalMatch {
  if (entry.kind === 'any') return PrincipalMatch.Any;
  // Anonymous callers are named only by `*`.
  if (caller.kind === 'anonymous') return PrincipalMatch.None;
  switch (entry.kind) {
    case 'service':
      return caller.kind === 'service' && caller.id === entry.name
        ? PrincipalMatch.Exact
        : PrincipalMatch.None;
    case 'federated':
    case 'canonical':
      return caller.id === entry.value ? PrincipalMatch.Exact : PrincipalMatch.None;
    case 'account':
      return caller.kind !== 'service' && caller.account === entry.account
        ? PrincipalMatch.Account
        : PrincipalMatch.None;
    case 'arn': {
      if (caller.id === entry.arn) return PrincipalMatch.Exact;
      const role = entry.role;
      if (
        role !== undefined &&
        caller.kind === 'assumed-role' &&
        caller.partition === role.partition &&
        caller.account === role.account &&
        caller.roleName === role.name
      ) {
        return PrincipalMatch.RoleOfSession;
      }
      const user = entry.user;
      if (
        user !== undefined &&
        caller.kind === 'federated-user' &&
        caller.partition === user.partition &&
        caller.account === user.account &&
        caller.userName === user.name
      ) {
        return PrincipalMatch.UserOfSession;
      }
      return PrincipalMatch.None;
    }
  }
}

/**
 * True when a resource-policy grant names this very caller, so that (in the same account) an
 * implicit deny in a permissions boundary or session policy does not limit it. A grant to a role
 * ARN names the role, not its sessions, so for a role caller only `*` qualifies.
 */
export function grantNamesCaller(match: PrincipalMatch, caller: RequestPrincipal): boolean {
  if (match === PrincipalMatch.Any) return true;
  return match === PrincipalMatch.Exact && caller.kind !== 'role';
}
