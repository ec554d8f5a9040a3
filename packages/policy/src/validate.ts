/**
 * validatePolicy: IAM Access Analyzer–style findings for one policy of a given type. Grammar
 * errors come from reading the policy; on top of that come character-set, variable, condition
 * and best-practice checks, and, with a service catalog, unknown actions and condition keys with
 * a "did you mean".
 */

import { parseDate, parseNumber, parseOperator } from './condition.ts';
import type { Finding, FindingKind } from './findings.ts';
import { compileGlob, hasWildcard } from './glob.ts';
import { parseIpBlock } from './ip-address.ts';
import { type NormalizedStatement, readPolicy } from './policy-document.ts';
import { invalidCharacterIndex } from './policy-size.ts';
import type { PolicyType } from './policy-type.ts';
import { variableSyntaxIssues } from './policy-variables.ts';
import {
  type ConditionKeyType,
  conditionKeyMatches,
  didYouMean,
  findConditionKey,
  findService,
  type ServiceCatalog,
} from './service-catalog.ts';

/** Global condition keys that carry several values; every other `aws:` key has one. */
const MULTIVALUED_GLOBAL_KEYS = new Set([
  'aws:tagkeys',
  'aws:principalservicenameslist',
  'aws:calledvia',
  'aws:principalorgpaths',
]);

/** Validates a policy document (object or JSON text) as the given policy type. */
export function validatePolicy(document: unknown, type: PolicyType, catalog?: ServiceCatalog): Finding[] {
  const findings: Finding[] = [];
  if (typeof document === 'string') {
    const bad = invalidCharacterIndex(document);
    if (bad !== -1) {
      findings.push({
        kind: 'ERROR',
        code: 'INVALID_CHARACTERS',
        message: `The policy contains a character IAM does not accept (U+${document.charCodeAt(bad).toString(16).toUpperCase().padStart(4, '0')} at index ${bad}).`,
        location: { path: '' },
      });
    }
  }
  const read = readPolicy(document, type);
  findings.push(...read.findings);
  const policy = read.policy;
  if (policy === undefined) return findings;
  const raw = (typeof document === 'string' ? JSON.parse(document) : document) as Record<string, unknown>;
  if (raw.Version === undefined) {
    findings.push({
      kind: 'WARNING',
      code: 'MISSING_VERSION',
      message: 'Add "Version": "2012-10-17" to the policy; without it policy variables are literal text.',
      location: { path: 'Version' },
    });
  }
  const multiple = Array.isArray(raw.Statement);
  for (const statement of policy.statements) {
    const at = multiple ? `Statement[${statement.index}]` : 'Statement';
    const add = (kind: FindingKind, code: string, message: string, path: string) =>
      findings.push({
        kind,
        code,
        message,
        location: {
          statementIndex: statement.index,
          ...(statement.sid !== undefined ? { sid: statement.sid } : {}),
          path: path === '' ? at : `${at}.${path}`,
        },
      });
    checkStatement(statement, type, policy.variablesEnabled, add);
    if (catalog !== undefined) {
      checkCatalog(statement, catalog, add);
      checkKeysCarried(statement, catalog, add);
    }
  }
  return findings;
}

type Add = (kind: FindingKind, code: string, message: string, path: string) => void;

function checkStatement(
  statement: NormalizedStatement,
  type: PolicyType,
  variablesEnabled: boolean,
  add: Add,
): void {
  const allow = statement.effect === 'Allow';
  const guardrail = type === 'scp' || type === 'rcp' || type === 'boundary';
  if (allow && statement.notAction !== undefined) {
    add(
      'WARNING',
      'ALLOW_WITH_NOT_ACTION',
      'Allow with NotAction grants every action not listed, including future ones.',
      'NotAction',
    );
  }
  if (allow && statement.notResource !== undefined) {
    add(
      'WARNING',
      'ALLOW_WITH_NOT_RESOURCE',
      'Allow with NotResource grants every resource not listed.',
      'NotResource',
    );
  }
  const actions = statement.action ?? [];
  const resources = statement.resource ?? [];
  if (
    allow &&
    !guardrail &&
    actions.includes('*') &&
    resources.includes('*') &&
    statement.conditions.length === 0
  ) {
    add(
      'SECURITY_WARNING',
      'ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES',
      'The statement allows every action on every resource.',
      'Action',
    );
  }
  const passRole = actions.filter((a) => compileGlob(a.toLowerCase())('iam:passrole'));
  if (allow && passRole.length > 0 && resources.includes('*')) {
    const starred = passRole.every(hasWildcard);
    add(
      'SECURITY_WARNING',
      starred ? 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE' : 'PASS_ROLE_WITH_STAR_IN_RESOURCE',
      'iam:PassRole with "*" in Resource lets the caller pass any role to a service; name the roles instead.',
      'Resource',
    );
  }
  if (statement.action?.length === 0)
    add('SUGGESTION', 'EMPTY_ARRAY_ACTION', 'The Action array is empty.', 'Action');
  if (statement.resource?.length === 0)
    add('SUGGESTION', 'EMPTY_ARRAY_RESOURCE', 'The Resource array is empty.', 'Resource');
  const seen = new Set<string>();
  for (const action of actions) {
    const lower = action.toLowerCase();
    if (seen.has(lower))
      add('SUGGESTION', 'REDUNDANT_ACTION', `The action ${action} is listed more than once.`, 'Action');
    seen.add(lower);
  }
  for (const [element, values] of [
    ['Action', statement.action],
    ['NotAction', statement.notAction],
  ] as const) {
    for (const value of values ?? []) {
      if (value.includes('${')) {
        add(
          'ERROR',
          'VARIABLE_UNSUPPORTED_IN_ELEMENT',
          `Policy variables are not supported in ${element}.`,
          element,
        );
      }
    }
  }
  for (const [element, values] of [
    ['Resource', statement.resource],
    ['NotResource', statement.notResource],
  ] as const) {
    for (const value of values ?? []) checkVariables(value, element, variablesEnabled, add);
  }
  const keysSeen = new Map<string, string>();
  for (const condition of statement.conditions) {
    const path = `Condition.${condition.operator}.${condition.key}`;
    const operator = parseOperator(condition.operator);
    if (operator === undefined) continue;
    const base = operator.base;
    const seenKey = keysSeen.get(`${condition.operator}\u0000${condition.key.toLowerCase()}`);
    if (seenKey !== undefined && seenKey !== condition.key) {
      add(
        'ERROR',
        'DUPLICATE_KEYS_WITH_DIFFERENT_CASE',
        `The condition keys ${seenKey} and ${condition.key} differ only in case.`,
        path,
      );
    }
    keysSeen.set(`${condition.operator}\u0000${condition.key.toLowerCase()}`, condition.key);
    if (!condition.key.includes(':')) {
      add(
        'ERROR',
        'INVALID_CONDITION_KEY_FORMAT',
        `The condition key ${condition.key} must be prefixed by a service, e.g. aws:.`,
        path,
      );
    }
    if (condition.values.length === 0)
      add('SUGGESTION', 'EMPTY_ARRAY_CONDITION', 'The condition has no values.', path);
    if (base.family === 'Null' && operator.ifExists) {
      add('ERROR', 'NULL_WITH_IF_EXISTS', 'The Null operator cannot take the IfExists suffix.', path);
    }
    if (base.negated && operator.ifExists) {
      add(
        'WARNING',
        'NEGATED_OPERATOR_WITH_IF_EXISTS',
        `${condition.operator} adds nothing to ${base.name}: a negated operator is already true when the key is missing.`,
        path,
      );
    }
    if (operator.set === 'ForAllValues' && isSingleValuedGlobalKey(condition.key)) {
      add(
        'SECURITY_WARNING',
        'FORALLVALUES_WITH_SINGLE_VALUED_KEY',
        `ForAllValues with the single-valued key ${condition.key} is true when the key is missing; use ${base.name} without a set operator.`,
        path,
      );
    }
    for (const value of condition.values) {
      if (base.family === 'String' || base.family === 'Arn')
        checkVariables(value, 'Condition', variablesEnabled, add, path);
      const bad = typeProblem(base.family, value);
      if (bad !== undefined) add(bad.kind, bad.code, `${bad.what} ${value} in ${base.name}.`, path);
      if (
        (base.comparison === 'equals' || base.comparison === 'equalsIgnoreCase') &&
        base.family === 'String' &&
        hasWildcard(value)
      ) {
        add(
          'WARNING',
          'WILDCARD_WITHOUT_LIKE_OPERATOR',
          `${base.name} compares "${value}" literally; use StringLike for wildcards.`,
          path,
        );
      }
    }
  }
}

function typeProblem(
  family: string,
  value: string,
): { kind: FindingKind; code: string; what: string } | undefined {
  switch (family) {
    case 'Numeric':
      return parseNumber(value) === undefined
        ? { kind: 'ERROR', code: 'INVALID_CONDITION_VALUE', what: 'Invalid number' }
        : undefined;
    case 'Date':
      return parseDate(value) === undefined
        ? { kind: 'ERROR', code: 'INVALID_CONDITION_VALUE', what: 'Invalid date' }
        : undefined;
    case 'IpAddress':
      return parseIpBlock(value) === undefined
        ? { kind: 'ERROR', code: 'INVALID_CONDITION_VALUE', what: 'Invalid IP address or CIDR' }
        : undefined;
    case 'Bool':
    case 'Null':
      return /^(true|false)$/i.test(value)
        ? undefined
        : { kind: 'WARNING', code: 'TYPE_MISMATCH_BOOLEAN', what: 'Not a boolean:' };
    default:
      return undefined;
  }
}

function isSingleValuedGlobalKey(key: string): boolean {
  const lower = key.toLowerCase();
  return lower.startsWith('aws:') && !MULTIVALUED_GLOBAL_KEYS.has(lower);
}

function checkVariables(
  value: string,
  element: string,
  variablesEnabled: boolean,
  add: Add,
  path = element,
): void {
  if (!value.includes('${')) return;
  if (!variablesEnabled) {
    add(
      'ERROR',
      'VARIABLE_UNSUPPORTED_IN_VERSION',
      `Policy variables need "Version": "2012-10-17"; under this version ${value} is literal text.`,
      path,
    );
    return;
  }
  for (const issue of variableSyntaxIssues(value)) add('ERROR', issue.code, issue.message, path);
}

/**
 * Warns on a condition whose key none of the statement's actions ever carries, where the catalog
 * says which keys each action carries (IAM and STS): such a condition only ever sees the key
 * missing, the way guardrails silently fail. Judged only when every action of the statement is known.
 */
function checkKeysCarried(statement: NormalizedStatement, catalog: ServiceCatalog, add: Add): void {
  if (statement.action === undefined || statement.conditions.length === 0) return;
  const carried: string[] = [];
  const scoped: string[] = [];
  const names: string[] = [];
  for (const action of statement.action) {
    const colon = action.indexOf(':');
    if (colon === -1) return;
    const service = findService(catalog, action.slice(0, colon));
    const keysByAction = service?.actionConditionKeys;
    if (service === undefined || keysByAction === undefined) return;
    const matcher = compileGlob(action.slice(colon + 1).toLowerCase());
    const matched = service.actions.filter((a) => matcher(a.toLowerCase()));
    if (matched.length === 0) return;
    for (const keys of Object.values(keysByAction)) scoped.push(...keys);
    for (const name of matched) carried.push(...(keysByAction[name] ?? []));
    names.push(...matched.map((name) => `${service.prefix}:${name}`));
  }
  for (const condition of statement.conditions) {
    if (!scoped.some((name) => conditionKeyMatches(name, condition.key))) continue;
    if (carried.some((name) => conditionKeyMatches(name, condition.key))) continue;
    const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')}, …` : names.join(', ');
    add(
      'WARNING',
      'CONDITION_KEY_NOT_IN_REQUEST',
      `The condition key ${condition.key} is never present in requests for ${shown}: the condition only ever sees it missing.`,
      `Condition.${condition.operator}.${condition.key}`,
    );
  }
}

function checkCatalog(statement: NormalizedStatement, catalog: ServiceCatalog, add: Add): void {
  for (const [element, values] of [
    ['Action', statement.action],
    ['NotAction', statement.notAction],
  ] as const) {
    (values ?? []).forEach((action, i) => {
      const colon = action.indexOf(':');
      if (colon === -1) return;
      const service = findService(catalog, action.slice(0, colon));
      if (service === undefined) return;
      const name = action.slice(colon + 1);
      const matcher = compileGlob(name.toLowerCase());
      if (service.actions.some((a) => matcher(a.toLowerCase()))) return;
      const suggestion = hasWildcard(name) ? undefined : didYouMean(name, service.actions);
      add(
        'ERROR',
        'INVALID_ACTION',
        `The action ${action} does not exist.${suggestion !== undefined ? ` Did you mean ${service.prefix}:${suggestion}?` : ''}`,
        `${element}[${i}]`,
      );
    });
  }
  for (const condition of statement.conditions) {
    const colon = condition.key.indexOf(':');
    if (colon === -1) continue;
    const service = findService(catalog, condition.key.slice(0, colon));
    if (service === undefined) continue;
    const path = `Condition.${condition.operator}.${condition.key}`;
    const known = findConditionKey(service, condition.key);
    if (known === undefined) {
      const suggestion = didYouMean(
        condition.key,
        (service.conditionKeys ?? []).map((k) => k.name),
      );
      const code =
        service.prefix.toLowerCase() === 'aws'
          ? 'INVALID_GLOBAL_CONDITION_KEY'
          : 'INVALID_SERVICE_CONDITION_KEY';
      add(
        'ERROR',
        code,
        `The condition key ${condition.key} does not exist.${suggestion !== undefined ? ` Did you mean ${suggestion}?` : ''}`,
        path,
      );
      continue;
    }
    const operator = parseOperator(condition.operator);
    if (operator === undefined || operator.base.family === 'Null') continue;
    const expected = familyFor(known.type);
    if (expected !== operator.base.family && !(expected === 'Arn' && operator.base.family === 'String')) {
      add(
        'WARNING',
        'TYPE_MISMATCH',
        `${operator.base.name} compares ${operator.base.family} values, but ${known.name} is of type ${known.type}.`,
        path,
      );
    }
    if (operator.set === 'ForAllValues' && !known.type.startsWith('ArrayOf')) {
      add(
        'SECURITY_WARNING',
        'FORALLVALUES_WITH_SINGLE_VALUED_KEY',
        `ForAllValues with the single-valued key ${condition.key} is true when the key is missing.`,
        path,
      );
    }
  }
}

function familyFor(type: ConditionKeyType): string {
  const base = type.replace(/^ArrayOf/, '');
  switch (base) {
    case 'IPAddress':
      return 'IpAddress';
    case 'ARN':
      return 'Arn';
    default:
      return base;
  }
}
