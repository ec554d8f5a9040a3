/**
 * An uncompiled reference evaluator for property tests: it walks every statement of every policy
 * for every request, matches actions and ARNs with regular expressions built on the spot, and
 * combines the results with AWS's evaluation logic written as plainly as possible. It shares only
 * document reading and condition operators with the engine, so it checks the compiled matchers,
 * the action index and the combining rule.
 */
import { compileCondition, parseOperator } from '../src/condition.ts';
import { type NormalizedStatement, readPolicy } from '../src/policy-document.ts';
import type { PolicyType } from '../src/policy-type.ts';
import { normalizeContext, type RequestContext } from '../src/request-context.ts';

/** The subset of the contract the property tests generate. */
export interface ReferenceRequest {
  principal: string;
  action: string;
  resource: string;
  resourceAccount: string;
  context: Record<string, string | readonly string[]>;
  identityPolicies: unknown[];
  resourcePolicy?: unknown;
  permissionsBoundaries?: unknown[];
  sessionPolicies?: unknown[];
  serviceControlPolicies?: unknown[][];
}

function globToRegex(pattern: string, star: string, one: string): string {
  let out = '';
  for (const c of pattern) out += c === '*' ? star : c === '?' ? one : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return out;
}

function actionMatches(pattern: string, action: string): boolean {
  return new RegExp(`^${globToRegex(pattern, '.*', '.')}$`, 'is').test(action);
}

function arnMatches(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  const parts = pattern.split(':');
  const head = parts.slice(0, 5);
  const segments = parts.length > 6 ? [...head, parts.slice(5).join(':')] : parts;
  const regex = segments
    .map((segment, i) =>
      i === 2
        ? globToRegex(segment, '\\*', '\\?')
        : i === segments.length - 1
          ? globToRegex(segment, '.*', '.')
          : globToRegex(segment, '[^:]*', '[^:]'),
    )
    .join(':');
  return new RegExp(`^${regex}$`, 's').test(resource);
}

type Match = 'none' | 'account' | 'roleOfSession' | 'exact' | 'any';

function principalMatch(statement: NormalizedStatement, caller: string): Match {
  const block = statement.principal ?? statement.notPrincipal;
  if (block === undefined) return 'none';
  const values = block === '*' ? ['*'] : (block.AWS ?? []);
  const callerAccount = caller.split(':')[4];
  const sessionRole = caller.includes(':assumed-role/') ? caller.split('/')[1]?.toLowerCase() : undefined;
  let best: Match = 'none';
  const rank: Match[] = ['none', 'account', 'roleOfSession', 'exact', 'any'];
  for (const value of values) {
    let m: Match = 'none';
    if (value === '*') m = 'any';
    else if (value === caller) m = 'exact';
    else if (
      /^\d{12}$/.test(value) ? value === callerAccount : value === `arn:aws:iam::${callerAccount}:root`
    )
      m = 'account';
    else if (
      sessionRole !== undefined &&
      value.startsWith(`arn:aws:iam::${callerAccount}:role/`) &&
      value.split('/').pop()?.toLowerCase() === sessionRole
    )
      m = 'roleOfSession';
    if (rank.indexOf(m) > rank.indexOf(best)) best = m;
  }
  if (statement.notPrincipal !== undefined) return best === 'none' ? 'any' : 'none';
  return best;
}

function conditionsHold(
  statement: NormalizedStatement,
  context: RequestContext,
  variables: boolean,
): boolean {
  return statement.conditions.every((c) => {
    const operator = parseOperator(c.operator);
    if (operator === undefined) return false;
    const compiled = compileCondition(operator, c.key, c.values, variables);
    return !('message' in compiled) && compiled.test(context);
  });
}

interface Applied {
  allows: Match[];
  denies: number;
  failed: boolean;
}

function apply(
  documents: readonly unknown[],
  type: PolicyType,
  request: ReferenceRequest,
  context: RequestContext,
): Applied {
  const out: Applied = { allows: [], denies: 0, failed: false };
  for (const document of documents) {
    const read = readPolicy(document, type);
    if (read.policy === undefined) {
      out.failed = true;
      continue;
    }
    for (const s of read.policy.statements) {
      const actionOk =
        s.action !== undefined
          ? s.action.some((a) => actionMatches(a, request.action))
          : !(s.notAction ?? []).some((a) => actionMatches(a, request.action));
      if (!actionOk) continue;
      const resources = s.resource ?? s.notResource;
      const resourceOk =
        resources === undefined
          ? true
          : s.resource !== undefined
            ? resources.some((r) => arnMatches(r, request.resource))
            : !resources.some((r) => arnMatches(r, request.resource));
      if (!resourceOk) continue;
      const who: Match = type === 'resource' ? principalMatch(s, request.principal) : 'any';
      if (who === 'none') continue;
      if (!conditionsHold(s, context, read.policy.variablesEnabled)) continue;
      if (s.effect === 'Deny') out.denies++;
      else out.allows.push(who);
    }
  }
  return out;
}

/** The reference decision for a request. */
export function referenceDecision(request: ReferenceRequest): 'allowed' | 'explicitDeny' | 'implicitDeny' {
  const context = normalizeContext(request.context);
  const identity = apply(request.identityPolicies, 'identity', request, context);
  const resource =
    request.resourcePolicy === undefined
      ? undefined
      : apply([request.resourcePolicy], 'resource', request, context);
  const boundaries = request.permissionsBoundaries ?? [];
  const boundary = boundaries.length === 0 ? undefined : apply(boundaries, 'boundary', request, context);
  const sessions = request.sessionPolicies ?? [];
  const session = sessions.length === 0 ? undefined : apply(sessions, 'session', request, context);
  const scps = (request.serviceControlPolicies ?? []).map((level) => apply(level, 'scp', request, context));
  const all = [identity, resource, boundary, session, ...scps].filter((x): x is Applied => x !== undefined);

  // 1. An explicit deny anywhere wins.
  if (all.some((a) => a.denies > 0)) return 'explicitDeny';
  // 2. Every SCP level must allow.
  if (scps.some((level) => level.allows.length === 0)) return 'implicitDeny';
  // 3. Grants: same account, either side; cross account, both sides.
  const callerAccount = request.principal.split(':')[4];
  const sameAccount = callerAccount === request.resourceAccount;
  const isRole = request.principal.includes(':role/');
  const resourceGrants = (resource?.allows ?? []).filter((m) => m !== 'account');
  const anyResourceAllow = (resource?.allows.length ?? 0) > 0;
  const identityAllows = identity.allows.length > 0;
  const namesCaller = (m: Match) => m === 'any' || (m === 'exact' && !isRole);
  let viaResource = sameAccount ? resourceGrants : [];
  let viaIdentity = sameAccount ? identityAllows : identityAllows && anyResourceAllow;
  if (viaResource.length === 0 && !viaIdentity) return 'implicitDeny';
  // 4. The boundary and session policies cap identity grants and resource grants not naming the caller.
  for (const cap of [boundary, session]) {
    if (cap === undefined || cap.allows.length > 0) continue;
    viaIdentity = false;
    viaResource = viaResource.filter(namesCaller);
  }
  if (viaResource.length === 0 && !viaIdentity) return 'implicitDeny';
  // 5. A policy that could not be read might have denied.
  if (all.some((a) => a.failed)) return 'implicitDeny';
  return 'allowed';
}
