// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${...} inside plain strings.
/**
 * Translates the generated IAM identity policies and requests to Cedar, as faithfully as Cedar
 * allows: each statement becomes one `permit` (Allow) or `forbid` (Deny) policy; principal, action
 * and resource are entities (`User`, `Action`, `Resource`); ARN wildcards become `like` on the
 * resource's `arn` attribute; conditions become `when` clauses over context attributes named by
 * the lowercased IAM key, with `has` guards giving IAM's missing-key rules. Where Cedar has no
 * equivalent, the translation approximates and records it in `APPROXIMATIONS`.
 */
import type { Context, Entities, EntityUid } from '@cedar-policy/cedar-wasm/nodejs';
import {
  type BenchContext,
  type BenchPrincipal,
  type BenchRequest,
  expandAction,
} from './policy-generator.ts';

/** Everything of an authorization call except the preparsed policy-set id. */
export interface CedarRequest {
  readonly principal: EntityUid;
  readonly action: EntityUid;
  readonly resource: EntityUid;
  readonly context: Context;
  readonly entities: Entities;
}

/** A translated policy set: Cedar policy text by id, and which ids are `forbid`s. */
export interface CedarPolicySet {
  readonly policies: Record<string, string>;
  readonly forbidIds: ReadonlySet<string>;
  /** Which approximations this set needed (keys of `APPROXIMATIONS`). */
  readonly approximations: ReadonlySet<ApproximationKey>;
}

/** Where the translation is not exact, in words for the benchmark's output. */
export const APPROXIMATIONS = {
  variables:
    'policy variables inside ARNs and like-patterns (${aws:username}, ${aws:PrincipalTag/team}) are ' +
    "substituted with the principal's values at translation time: Cedar like-patterns are literals and " +
    'Cedar has no string concatenation, so each principal gets its own Cedar policy set (a condition ' +
    'value that is exactly one variable is translated natively as a context attribute)',
  actionWildcards:
    "action wildcards (s3:Get*) are expanded against the benchmark's action catalog into " +
    '`action in [...]` (Cedar action scopes name entities; exact for every benchmark request)',
  arnSegments:
    'Cedar `like` lets `*` cross `:` where IAM keeps it inside one ARN segment; the generated ARN ' +
    'patterns only wildcard whole segments or the resource tail, where the two agree',
  caseFolding:
    'IAM action names and condition keys are case-insensitive: actions keep the catalog spelling and ' +
    'context keys are lowercased on both sides',
} as const;

/** An approximation's name. */
export type ApproximationKey = keyof typeof APPROXIMATIONS;

/** How each condition key's value is typed in the Cedar context. */
const KEY_TYPES: Readonly<Record<string, 'ip' | 'bool' | 'long' | 'datetime'>> = {
  'aws:sourceip': 'ip',
  'aws:securetransport': 'bool',
  'aws:multifactorauthpresent': 'bool',
  'aws:multifactorauthage': 'long',
  'aws:currenttime': 'datetime',
};

interface StatementLike {
  readonly Sid?: unknown;
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: unknown;
}

/** Translates a principal's identity policies into one Cedar policy set. */
export function translatePolicies(
  policies: readonly { readonly arn: string; readonly document: unknown }[],
  principal: BenchPrincipal,
): CedarPolicySet {
  const out: Record<string, string> = {};
  const forbidIds = new Set<string>();
  const approximations = new Set<ApproximationKey>(['caseFolding', 'arnSegments']);
  policies.forEach((policy, p) => {
    const statements = statementsOf(policy.document);
    statements.forEach((statement, s) => {
      const id = `p${p}.${typeof statement.Sid === 'string' ? statement.Sid : `s${s}`}`;
      const forbid = statement.Effect === 'Deny';
      if (forbid) forbidIds.add(id);
      out[id] = translateStatement(statement, principal, approximations);
    });
  });
  return { policies: out, forbidIds, approximations };
}

function statementsOf(document: unknown): StatementLike[] {
  const statement = (document as { Statement?: unknown }).Statement;
  if (Array.isArray(statement)) return statement as StatementLike[];
  return statement === undefined ? [] : [statement as StatementLike];
}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function translateStatement(
  statement: StatementLike,
  principal: BenchPrincipal,
  approximations: Set<ApproximationKey>,
): string {
  if (statement.Action === undefined || statement.Resource === undefined) {
    throw new Error('the translation handles Action/Resource statements only');
  }
  const effect = statement.Effect === 'Deny' ? 'forbid' : 'permit';
  const actions = list(statement.Action);
  let actionScope = 'action';
  if (!actions.includes('*')) {
    const expanded = new Set<string>();
    for (const pattern of actions) {
      if (/[*?]/.test(pattern)) approximations.add('actionWildcards');
      for (const action of expandAction(pattern)) expanded.add(action);
    }
    actionScope = `action in [${[...expanded].map((a) => `Action::${literal(a)}`).join(', ')}]`;
  }
  const clauses: string[] = [];
  const resources = list(statement.Resource);
  if (!resources.includes('*')) {
    const terms = resources.map((r) => resourceTerm(r, principal, approximations));
    clauses.push(terms.length === 1 ? (terms[0] as string) : `(${terms.join(' || ')})`);
  }
  const condition = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
  for (const [operator, block] of Object.entries(condition)) {
    for (const [key, values] of Object.entries(block)) {
      clauses.push(conditionExpression(operator, key, list(values), principal, approximations));
    }
  }
  const when = clauses.length === 0 ? '' : `\nwhen { ${clauses.join('\n  && ')} }`;
  return `${effect} (principal, ${actionScope}, resource)${when};`;
}

function resourceTerm(
  pattern: string,
  principal: BenchPrincipal,
  approximations: Set<ApproximationKey>,
): string {
  const text = substituteVariables(pattern, principal, approximations);
  if (/[*?]/.test(text)) return `resource.arn like ${likePattern(text)}`;
  return `resource == Resource::${literal(text)}`;
}

/** Substitutes the principal's values for policy variables (an approximation, see above). */
function substituteVariables(
  text: string,
  principal: BenchPrincipal,
  approximations: Set<ApproximationKey>,
): string {
  if (!text.includes('${')) return text;
  approximations.add('variables');
  return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    const key = name.trim().toLowerCase();
    if (key === 'aws:username') return principal.username;
    if (key === 'aws:principaltag/team') return principal.team;
    throw new Error(`no principal value for ${whole}`);
  });
}

/** A Cedar string literal (the benchmark's strings are ASCII, where JSON and Cedar escapes agree). */
function literal(text: string): string {
  return JSON.stringify(text);
}

/** A Cedar like-pattern: `*` is the wildcard; IAM's `?` has no Cedar equivalent. */
function likePattern(text: string): string {
  if (text.includes('?')) throw new Error(`Cedar like has no single-character wildcard: ${text}`);
  return JSON.stringify(text);
}

/** One IAM condition (operator, key, values) as a Cedar boolean expression. */
function conditionExpression(
  operatorText: string,
  key: string,
  values: readonly string[],
  principal: BenchPrincipal,
  approximations: Set<ApproximationKey>,
): string {
  const ifExists = operatorText.endsWith('IfExists');
  const operator = ifExists ? operatorText.slice(0, -'IfExists'.length) : operatorText;
  const name = key.toLowerCase();
  const attr = `context[${literal(name)}]`;
  const has = `context has ${literal(name)}`;
  const anyOf = (terms: string[]) => (terms.length === 1 ? (terms[0] as string) : `(${terms.join(' || ')})`);
  let negated = false;
  let test: string;
  switch (operator) {
    case 'StringNotEquals':
      negated = true;
      test = anyOf(values.map((v) => stringEquals(attr, v, principal, approximations)));
      break;
    case 'StringEquals':
      test = anyOf(values.map((v) => stringEquals(attr, v, principal, approximations)));
      break;
    case 'StringLike':
      test = anyOf(
        values.map((v) => `${attr} like ${likePattern(substituteVariables(v, principal, approximations))}`),
      );
      break;
    case 'NotIpAddress':
      negated = true;
      test = anyOf(values.map((v) => `${attr}.isInRange(ip(${literal(v)}))`));
      break;
    case 'IpAddress':
      test = anyOf(values.map((v) => `${attr}.isInRange(ip(${literal(v)}))`));
      break;
    case 'NumericLessThan':
      test = anyOf(values.map((v) => `${attr} < ${Number.parseInt(v, 10)}`));
      break;
    case 'Bool':
      test = anyOf(values.map((v) => `${attr} == ${v.toLowerCase() === 'true'}`));
      break;
    case 'DateGreaterThan':
      test = anyOf(values.map((v) => `${attr} > datetime(${literal(v)})`));
      break;
    case 'DateLessThan':
      test = anyOf(values.map((v) => `${attr} < datetime(${literal(v)})`));
      break;
    default:
      throw new Error(`the Cedar translation has no rule for ${operatorText}`);
  }
  // IAM's missing-key rules: a positive operator is false, a negated one true, IfExists true.
  if (negated) return `(!(${has}) || !(${test}))`;
  if (ifExists) return `(!(${has}) || ${test})`;
  return `(${has} && ${test})`;
}

/** `attr == value`; a value that is exactly one variable reads that key from the context. */
function stringEquals(
  attr: string,
  value: string,
  principal: BenchPrincipal,
  approximations: Set<ApproximationKey>,
): string {
  const whole = /^\$\{([^},]+)\}$/.exec(value);
  if (whole !== null) {
    // Native in Cedar: compare two attributes. An unresolved IAM variable matches nothing.
    const other = literal((whole[1] as string).trim().toLowerCase());
    return `(context has ${other} && ${attr} == context[${other}])`;
  }
  return `${attr} == ${literal(substituteVariables(value, principal, approximations))}`;
}

/** Translates one request: entities for principal, action and resource, a typed context. */
export function translateRequest(request: BenchRequest, principal: BenchPrincipal): CedarRequest {
  const resource = { type: 'Resource', id: request.resource };
  return {
    principal: { type: 'User', id: principal.arn },
    action: { type: 'Action', id: request.action },
    resource,
    context: translateContext(request.context),
    entities: [{ uid: resource, attrs: { arn: request.resource }, parents: [] }],
  };
}

function translateContext(context: BenchContext): Context {
  const out: Context = {};
  for (const [key, value] of Object.entries(context)) {
    const name = key.toLowerCase();
    if (typeof value !== 'string') {
      out[name] = [...value];
      continue;
    }
    switch (KEY_TYPES[name]) {
      case 'ip':
        out[name] = { __extn: { fn: 'ip', arg: value } };
        break;
      case 'bool':
        out[name] = value.toLowerCase() === 'true';
        break;
      case 'long':
        out[name] = Number.parseInt(value, 10);
        break;
      case 'datetime':
        out[name] = { __extn: { fn: 'datetime', arg: value } };
        break;
      default:
        out[name] = value;
    }
  }
  return out;
}
