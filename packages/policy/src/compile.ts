/**
 * Compiles policies into statements with precompiled matchers, indexed by action so that a
 * request only visits the statements that could apply: per service prefix, an exact-action map
 * and a wildcard bucket, plus one global bucket for `*`, wildcard service prefixes and NotAction.
 * INVARIANT: a statement sits in exactly one bucket list a given request reads, so none is visited
 * twice.
 */
import { colonPositions, matchArnPattern } from './arn.ts';
import { type CompiledCondition, compileCondition, parseOperator } from './condition.ts';
import { compileGlob, globMatchRanges, hasWildcard, type TextMatcher } from './glob.ts';
import {
  type NormalizedPolicy,
  type NormalizedStatement,
  type PrincipalBlock,
  readPolicy,
} from './policy-document.ts';
import { namesPrincipals, type PolicyType } from './policy-type.ts';
import { parseTemplate, resolvePattern, type Template } from './policy-variables.ts';
import { compilePrincipalEntry, type PrincipalEntry } from './principal.ts';
import type { RequestContext } from './request-context.ts';

/** A policy as the caller supplies it: an id of the caller's choosing and the document. */
export interface PolicyInput {
  /** Used in explanations, e.g. a policy ARN or `user/alice/inline/x`. */
  readonly id: string;
  /** The policy object or its JSON text. */
  readonly document: unknown;
}

/** Points at one statement of one policy. */
export interface StatementRef {
  readonly policyId: string;
  readonly policyType: PolicyType;
  readonly statementIndex: number;
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  /** For SCPs and RCPs: the level in the organization path (0 is the root). */
  readonly level?: number;
}

/** A policy that could not be read, so it was skipped. */
export interface PolicyError {
  readonly policyId: string;
  readonly policyType: PolicyType;
  readonly code: string;
  readonly message: string;
}

/** The resource of a request, prepared once per request. */
export interface RequestResource {
  readonly text: string;
  readonly colons: readonly number[];
  /** A what-if for an unspecified resource: Allow matches if it could, Deny only if it must. */
  readonly any: boolean;
}

/** A statement ready to evaluate. */
export interface CompiledStatement {
  readonly ref: StatementRef;
  readonly allow: boolean;
  /** Lowercased Action patterns; undefined for NotAction (which can match any service). */
  readonly actions: readonly string[] | undefined;
  readonly matchesAction: (action: string) => boolean;
  readonly resource: (resource: RequestResource, context: RequestContext) => boolean;
  /** Null for policy types without principals (identity side). */
  readonly principal: { readonly entries: readonly PrincipalEntry[]; readonly negated: boolean } | null;
  readonly notPrincipalDeny: boolean;
  readonly conditions: readonly CompiledCondition[];
}

/** Statements indexed by action. */
export interface StatementIndex {
  readonly byService: ReadonlyMap<string, ServiceBucket>;
  readonly global: readonly CompiledStatement[];
  readonly globalMemo: Map<string, CompiledStatement[]>;
  readonly size: number;
}

interface ServiceBucket {
  readonly exact: Map<string, CompiledStatement[]>;
  readonly wildcard: CompiledStatement[];
  readonly memo: Map<string, CompiledStatement[]>;
}

// Wildcard and global statements are tested against each action once per compiled set, then the
// answer is remembered (bounded, so a flood of distinct actions cannot grow it without limit).
// INVARIANT: a statement's action match depends only on the action, so the memo never goes stale.
const MEMO_LIMIT = 1024;
function memoized(
  memo: Map<string, CompiledStatement[]>,
  list: readonly CompiledStatement[],
  action: string,
): readonly CompiledStatement[] {
  let hit = memo.get(action);
  if (hit === undefined) {
    hit = list.filter((s) => s.matchesAction(action));
    if (memo.size < MEMO_LIMIT) memo.set(action, hit);
  }
  return hit;
}

/** One group of policies of one type (for SCPs and RCPs: one level of the organization path). */
export interface CompiledLayer {
  readonly type: PolicyType;
  readonly index: StatementIndex;
  readonly errors: readonly PolicyError[];
  readonly level: number | undefined;
}

/** Compiles a group of policies of one type into one indexed layer. */
export function compileLayer(
  type: PolicyType,
  policies: readonly PolicyInput[],
  level?: number,
): CompiledLayer {
  const statements: CompiledStatement[] = [];
  const errors: PolicyError[] = [];
  for (const input of policies) {
    const read = readPolicy(input.document, type);
    if (read.policy === undefined) {
      const fatal = read.fatal;
      errors.push({
        policyId: input.id,
        policyType: type,
        code: fatal?.code ?? 'JSON_SYNTAX_ERROR',
        message: fatal?.message ?? 'Syntax errors in policy.',
      });
      continue;
    }
    const compiled = compilePolicy(input.id, type, read.policy, level);
    if ('message' in compiled) {
      errors.push({
        policyId: input.id,
        policyType: type,
        code: 'INVALID_CONDITION_VALUE',
        message: compiled.message,
      });
      continue;
    }
    statements.push(...compiled);
  }
  return { type, index: buildIndex(statements), errors, level };
}

function compilePolicy(
  policyId: string,
  type: PolicyType,
  policy: NormalizedPolicy,
  level: number | undefined,
): CompiledStatement[] | { message: string } {
  const out: CompiledStatement[] = [];
  for (const statement of policy.statements) {
    const compiled = compileStatement(policyId, type, statement, policy.variablesEnabled, level);
    if ('message' in compiled) return compiled;
    out.push(compiled);
  }
  return out;
}

/** Compiles one normalised statement. */
export function compileStatement(
  policyId: string,
  type: PolicyType,
  statement: NormalizedStatement,
  variablesEnabled: boolean,
  level?: number,
): CompiledStatement | { message: string } {
  const allow = statement.effect === 'Allow';
  const ref: StatementRef = {
    policyId,
    policyType: type,
    statementIndex: statement.index,
    effect: statement.effect,
    ...(statement.sid !== undefined && statement.sid !== '' ? { sid: statement.sid } : {}),
    ...(level !== undefined ? { level } : {}),
  };
  const conditions: CompiledCondition[] = [];
  for (const entry of statement.conditions) {
    const operator = parseOperator(entry.operator);
    if (operator === undefined) return { message: `Invalid Condition type : ${entry.operator}.` };
    const compiled = compileCondition(operator, entry.key, entry.values, variablesEnabled);
    if ('message' in compiled) return compiled;
    conditions.push(compiled);
  }
  return {
    ref,
    allow,
    actions: statement.action?.map((a) => a.toLowerCase()),
    matchesAction: compileActionCheck(statement),
    resource: compileResource(statement, allow, variablesEnabled),
    principal: namesPrincipals(type) ? compilePrincipal(statement, type) : null,
    notPrincipalDeny: !allow && statement.notPrincipal !== undefined,
    conditions,
  };
}

function compileActionCheck(statement: NormalizedStatement): (action: string) => boolean {
  const patterns = (statement.action ?? statement.notAction ?? []).map((a) => compileGlob(a.toLowerCase()));
  const any = (action: string) => {
    for (const match of patterns) if (match(action)) return true;
    return false;
  };
  return statement.notAction !== undefined ? (action) => !any(action) : any;
}

function compileResource(
  statement: NormalizedStatement,
  allow: boolean,
  variablesEnabled: boolean,
): CompiledStatement['resource'] {
  const negated = statement.notResource !== undefined;
  const list = statement.resource ?? statement.notResource;
  // A resource policy statement without Resource applies to the resource it is attached to.
  if (list === undefined) return () => true;
  const templates = list.map((r) => parseTemplate(r, variablesEnabled));
  const hasStar = list.includes('*');
  const matchers = templates.map(compileResourcePattern);
  const matchesAny = (resource: RequestResource, context: RequestContext) => {
    for (const match of matchers) if (match(resource, context)) return true;
    return false;
  };
  // What-if for an unspecified resource: an Allow applies if some resource could match, a Deny
  // only if every resource would.
  const anyResource = negated ? (allow ? !hasStar : false) : allow ? list.length > 0 : hasStar;
  return negated
    ? (resource, context) => (resource.any ? anyResource : !matchesAny(resource, context))
    : (resource, context) => (resource.any ? anyResource : matchesAny(resource, context));
}

function compileResourcePattern(
  template: Template,
): (resource: RequestResource, context: RequestContext) => boolean {
  if (!template.hasVariables) {
    const pattern = template.pattern;
    if (pattern === '*') return () => true;
    const compiled = compileArnPattern(pattern);
    if (compiled !== undefined) return (resource) => compiled(resource.text, resource.colons);
    return (resource) => matchArnPattern(pattern, resource.text, resource.colons);
  }
  return (resource, context) => {
    const pattern = resolvePattern(template, context);
    // An unresolved variable matches nothing.
    return pattern !== undefined && matchArnPattern(pattern, resource.text, resource.colons);
  };
}

function compilePrincipal(statement: NormalizedStatement, type: PolicyType): CompiledStatement['principal'] {
  const block = statement.principal ?? statement.notPrincipal;
  if (block === undefined) {
    // An RCP without Principal governs every caller. A resource policy statement without one
    // is invalid (validation rejects it) and names no one, so it neither grants nor denies.
    return { entries: type === 'rcp' ? [{ kind: 'any' }] : [], negated: false };
  }
  return { entries: principalEntries(block), negated: statement.notPrincipal !== undefined };
}

function principalEntries(block: PrincipalBlock): PrincipalEntry[] {
  if (block === '*') return [{ kind: 'any' }];
  const entries: PrincipalEntry[] = [];
  for (const [key, values] of Object.entries(block)) {
    for (const value of values) entries.push(compilePrincipalEntry(key, value));
  }
  return entries;
}

/** Builds the action index for a list of compiled statements. */
export function buildIndex(statements: readonly CompiledStatement[]): StatementIndex {
  const byService = new Map<string, ServiceBucket>();
  const global: CompiledStatement[] = [];
  for (const statement of statements) {
    const patterns = statement.actions;
    if (patterns === undefined) {
      global.push(statement);
      continue;
    }
    // Group this statement's action patterns by service prefix.
    const perService = new Map<string, { exact: Set<string>; wild: boolean }>();
    let isGlobal = false;
    for (const pattern of patterns) {
      const colon = pattern.indexOf(':');
      const service = colon === -1 ? pattern : pattern.slice(0, colon);
      if (pattern === '*' || colon === -1 || hasWildcard(service)) {
        isGlobal = true;
        break;
      }
      const entry = perService.get(service) ?? { exact: new Set<string>(), wild: false };
      if (hasWildcard(pattern)) entry.wild = true;
      else entry.exact.add(pattern);
      perService.set(service, entry);
    }
    if (isGlobal) {
      global.push(statement);
      continue;
    }
    for (const [service, entry] of perService) {
      const bucket: ServiceBucket = byService.get(service) ?? {
        exact: new Map(),
        wildcard: [],
        memo: new Map(),
      };
      byService.set(service, bucket);
      if (entry.wild) {
        bucket.wildcard.push(statement);
        continue;
      }
      for (const action of entry.exact) {
        const list = bucket.exact.get(action) ?? [];
        list.push(statement);
        bucket.exact.set(action, list);
      }
    }
  }
  return { byService, global, globalMemo: new Map(), size: statements.length };
}

/** Calls `visit` for each statement whose Action matches `action` (lowercase). */
export function forEachActionMatch(
  index: StatementIndex,
  action: string,
  service: string,
  visit: (statement: CompiledStatement) => void,
): void {
  const bucket = index.byService.get(service);
  if (bucket !== undefined) {
    // Landing in the exact bucket already proves the action matches.
    const exact = bucket.exact.get(action);
    if (exact !== undefined) for (const s of exact) visit(s);
    if (bucket.wildcard.length > 0) for (const s of memoized(bucket.memo, bucket.wildcard, action)) visit(s);
  }
  if (index.global.length > 0) for (const s of memoized(index.globalMemo, index.global, action)) visit(s);
}

/** Exposed for tests: the matcher an action pattern compiles to. */
export function compileActionPattern(pattern: string): TextMatcher {
  return compileGlob(pattern.toLowerCase());
}

/** Splits a lowercased action into its service prefix. */
export function actionService(action: string): string {
  const colon = action.indexOf(':');
  return colon === -1 ? action : action.slice(0, colon);
}

/** Prepares a request resource once: its colon positions. */
export function prepareResource(text: string, any: boolean): RequestResource {
  return { text, colons: colonPositions(text), any };
}

/** An ARN pattern split once into per-segment matchers (literal, `*`, prefix, or glob). */
function compileArnPattern(
  pattern: string,
): ((text: string, colons: readonly number[]) => boolean) | undefined {
  if (!pattern.startsWith('arn:')) return undefined;
  const parts: string[] = [];
  let from = 0;
  for (let k = 0; k < 5; k++) {
    const at = pattern.indexOf(':', from);
    if (at === -1) return undefined;
    parts.push(pattern.slice(from, at));
    from = at + 1;
  }
  parts.push(pattern.slice(from));
  if (parts.some((p) => p.includes('\uE000') || p.includes('\uE001'))) return undefined;
  type Seg = (text: string, start: number, end: number) => boolean;
  const segs: Seg[] = parts.map((p, k) => {
    if (k === 2 || !/[*?]/.test(p)) {
      return (text, start, end) => end - start === p.length && text.startsWith(p, start);
    }
    if (p === '*') return () => true;
    const star = p.indexOf('*');
    if (star === p.length - 1 && p.indexOf('?') === -1) {
      const prefix = p.slice(0, -1);
      return (text, start, end) => end - start >= prefix.length && text.startsWith(prefix, start);
    }
    return (text, start, end) => globMatchRanges(p, 0, p.length, text, start, end);
  });
  // Check the most selective segments first: the resource, then the account and service.
  const order = [5, 4, 2, 3, 1, 0];
  return (text, colons) => {
    if (colons.length < 5) return false;
    for (const k of order) {
      const start = k === 0 ? 0 : (colons[k - 1] as number) + 1;
      const end = k === 5 ? text.length : (colons[k] as number);
      if (!(segs[k] as Seg)(text, start, end)) return false;
    }
    return true;
  };
}
