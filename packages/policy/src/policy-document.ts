/**
 * Reads a policy document (an object or its JSON text) into a normalised form: every
 * string-or-array element becomes an array, conditions become a flat list. Grammar errors are
 * collected as findings; the ones that leave the policy without a safe meaning are `fatal`, and a
 * policy with a fatal finding is never evaluated (it is skipped and reported, fail closed).
 */

import { MAX_JSON_DEPTH, parseBoundedJson } from './bounded-json.ts';
import { parseOperator } from './condition.ts';
import type { Finding, FindingKind } from './findings.ts';
import type { PolicyType } from './policy-type.ts';

/** The policy language versions; only 2012-10-17 enables policy variables. */
export const POLICY_VERSIONS = ['2012-10-17', '2008-10-17'] as const;

/** A Principal / NotPrincipal element: `*` or a map from principal type to values. */
export type PrincipalBlock = '*' | Readonly<Record<string, readonly string[]>>;

/** One condition: operator, key and values, in document order. */
export interface ConditionEntry {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

/** A statement with every element normalised. */
export interface NormalizedStatement {
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  readonly action: readonly string[] | undefined;
  readonly notAction: readonly string[] | undefined;
  readonly resource: readonly string[] | undefined;
  readonly notResource: readonly string[] | undefined;
  readonly principal: PrincipalBlock | undefined;
  readonly notPrincipal: PrincipalBlock | undefined;
  readonly conditions: readonly ConditionEntry[];
}

/** A policy document after reading. */
export interface NormalizedPolicy {
  readonly version: string | undefined;
  readonly id: string | undefined;
  readonly statements: readonly NormalizedStatement[];
  /** True under Version 2012-10-17; otherwise `${...}` is literal text. */
  readonly variablesEnabled: boolean;
}

/** The outcome of reading: the policy when it can be evaluated, and every grammar finding. */
export interface ReadResult {
  readonly policy: NormalizedPolicy | undefined;
  readonly findings: readonly Finding[];
  /** The first finding that leaves the policy without a safe meaning. */
  readonly fatal: Finding | undefined;
}

const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const PRINCIPAL_KEYS = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

/** Reads a policy document of the given type. */
export function readPolicy(document: unknown, type: PolicyType): ReadResult {
  const findings: Finding[] = [];
  let fatal: Finding | undefined;
  const report = (
    kind: FindingKind,
    code: string,
    message: string,
    path: string,
    isFatal: boolean,
    statementIndex?: number,
    sid?: string,
  ) => {
    const location =
      statementIndex === undefined
        ? { path }
        : sid === undefined
          ? { statementIndex, path }
          : { statementIndex, sid, path };
    const finding: Finding = { kind, code, message, location };
    findings.push(finding);
    if (isFatal && fatal === undefined) fatal = finding;
  };

  let doc: unknown = document;
  if (typeof doc === 'string') {
    const parsed = parseBoundedJson(doc);
    if (!parsed.ok) {
      const message =
        parsed.reason === 'too-deep'
          ? `Syntax errors in policy. It nests deeper than ${MAX_JSON_DEPTH} levels.`
          : 'Syntax errors in policy.';
      report('ERROR', 'JSON_SYNTAX_ERROR', message, '', true);
      return { policy: undefined, findings, fatal };
    }
    doc = parsed.value;
  }
  if (!isObject(doc)) {
    report('ERROR', 'JSON_SYNTAX_ERROR', 'Syntax errors in policy.', '', true);
    return { policy: undefined, findings, fatal };
  }
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL.has(key)) {
      report(
        'ERROR',
        'INVALID_POLICY_ELEMENT',
        `Syntax errors in policy. Unknown element ${key}.`,
        key,
        true,
      );
    }
  }
  const version = doc.Version;
  if (
    version !== undefined &&
    (typeof version !== 'string' || !(POLICY_VERSIONS as readonly string[]).includes(version))
  ) {
    report('ERROR', 'INVALID_VERSION', 'The policy must contain a valid version string', 'Version', true);
  }
  if (doc.Id !== undefined && typeof doc.Id !== 'string') {
    report('ERROR', 'DATA_TYPE_MISMATCH', 'Syntax errors in policy. Id must be a string.', 'Id', true);
  }
  const variablesEnabled = version === '2012-10-17';
  const rawStatements = doc.Statement;
  if (rawStatements === undefined) {
    report('ERROR', 'MISSING_STATEMENT', 'Missing required field Statement', 'Statement', true);
    return { policy: undefined, findings, fatal };
  }
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  const statements: NormalizedStatement[] = [];
  const sids = new Set<string>();
  list.forEach((raw: unknown, index) => {
    const at = Array.isArray(rawStatements) ? `Statement[${index}]` : 'Statement';
    if (!isObject(raw)) {
      report(
        'ERROR',
        'DATA_TYPE_MISMATCH',
        'Syntax errors in policy. A statement must be an object.',
        at,
        true,
        index,
      );
      return;
    }
    const sid = typeof raw.Sid === 'string' ? raw.Sid : undefined;
    const here = (kind: FindingKind, code: string, message: string, path: string, isFatal: boolean) =>
      report(kind, code, message, path === '' ? at : `${at}.${path}`, isFatal, index, sid);

    for (const key of Object.keys(raw)) {
      if (!STATEMENT_KEYS.has(key))
        here(
          'ERROR',
          'INVALID_POLICY_ELEMENT',
          `Syntax errors in policy. Unknown element ${key}.`,
          key,
          true,
        );
    }
    if (raw.Sid !== undefined && typeof raw.Sid !== 'string') {
      here('ERROR', 'DATA_TYPE_MISMATCH', 'Syntax errors in policy. Sid must be a string.', 'Sid', true);
    }
    if (sid !== undefined && sid !== '') {
      if (sids.has(sid)) {
        here(
          'ERROR',
          'UNIQUE_SIDS_REQUIRED',
          'Statement IDs (SID) in a single policy must be unique.',
          'Sid',
          false,
        );
      }
      sids.add(sid);
      const resourceSide = type === 'resource' || type === 'trust';
      if (!resourceSide && !/^[0-9A-Za-z]*$/.test(sid)) {
        here(
          'ERROR',
          'UNSUPPORTED_SID',
          'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
          'Sid',
          false,
        );
      }
    }

    const effect = raw.Effect;
    if (effect === undefined)
      here('ERROR', 'MISSING_EFFECT', 'Missing required field Effect', 'Effect', true);
    else if (effect !== 'Allow' && effect !== 'Deny') {
      here('ERROR', 'INVALID_EFFECT', `Invalid effect: ${String(effect)}`, 'Effect', true);
    }

    const strings = (name: string): string[] | undefined => {
      const value = raw[name];
      if (value === undefined) return undefined;
      const items = Array.isArray(value) ? value : [value];
      const out: string[] = [];
      items.forEach((item: unknown, i) => {
        if (typeof item !== 'string') {
          here(
            'ERROR',
            'DATA_TYPE_MISMATCH',
            `Syntax errors in policy. ${name} must hold strings.`,
            Array.isArray(value) ? `${name}[${i}]` : name,
            true,
          );
        } else out.push(item);
      });
      return out;
    };

    const action = strings('Action');
    const notAction = strings('NotAction');
    if (action !== undefined && notAction !== undefined) {
      here(
        'ERROR',
        'UNSUPPORTED_ELEMENT_COMBINATION',
        'Statement cannot contain both Action and NotAction.',
        'Action',
        true,
      );
    } else if (action === undefined && notAction === undefined) {
      here('ERROR', 'MISSING_ACTION', 'Policy statement must contain actions.', '', true);
    }
    for (const [name, values] of [
      ['Action', action],
      ['NotAction', notAction],
    ] as const) {
      values?.forEach((a, i) => {
        if (a !== '*' && !a.includes(':')) {
          here(
            'ERROR',
            'INVALID_ACTION',
            'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
            `${name}[${i}]`,
            true,
          );
        }
      });
    }

    const resource = strings('Resource');
    const notResource = strings('NotResource');
    if (resource !== undefined && notResource !== undefined) {
      here(
        'ERROR',
        'UNSUPPORTED_ELEMENT_COMBINATION',
        'Statement cannot contain both Resource and NotResource.',
        'Resource',
        true,
      );
    } else if (
      resource === undefined &&
      notResource === undefined &&
      type !== 'resource' &&
      type !== 'trust' &&
      type !== 'rcp'
    ) {
      here('ERROR', 'MISSING_RESOURCE', 'Policy statement must contain resources.', '', true);
    }
    if (type === 'trust' && (resource !== undefined || notResource !== undefined)) {
      here(
        'ERROR',
        'INVALID_POLICY_ELEMENT',
        `Has prohibited field ${resource !== undefined ? 'Resource' : 'NotResource'}`,
        'Resource',
        false,
      );
    }
    for (const [name, values] of [
      ['Resource', resource],
      ['NotResource', notResource],
    ] as const) {
      values?.forEach((r, i) => {
        const path = `${name}[${i}]`;
        if (r === '*') return;
        if (!r.startsWith('arn:') || (r.split(':').length < 6 && !r.endsWith('*'))) {
          here('ERROR', 'INVALID_ARN_PREFIX', `Resource ${r} must be in ARN format or "*".`, path, true);
          return;
        }
        const service = r.split(':')[2] ?? '';
        if (service.includes('*') || service.includes('?')) {
          here(
            'ERROR',
            'INVALID_SERVICE',
            `Resource ${r} cannot use a wildcard in the service segment.`,
            path,
            true,
          );
        }
      });
    }

    const principal = readPrincipal(raw, 'Principal', here);
    const notPrincipal = readPrincipal(raw, 'NotPrincipal', here);
    if (principal !== undefined && notPrincipal !== undefined) {
      here(
        'ERROR',
        'UNSUPPORTED_ELEMENT_COMBINATION',
        'Statement cannot contain both Principal and NotPrincipal.',
        'Principal',
        true,
      );
    }
    const hasPrincipal = principal !== undefined || notPrincipal !== undefined;
    const element = principal !== undefined ? 'Principal' : 'NotPrincipal';
    switch (type) {
      case 'identity':
      case 'boundary':
        if (hasPrincipal)
          here(
            'ERROR',
            'UNSUPPORTED_PRINCIPAL',
            'Policy document should not specify a principal.',
            element,
            false,
          );
        break;
      case 'session':
      case 'scp':
        if (hasPrincipal)
          here('ERROR', 'UNSUPPORTED_PRINCIPAL', `Has prohibited field ${element}`, element, false);
        break;
      case 'resource':
      case 'trust':
        if (!hasPrincipal) here('ERROR', 'MISSING_PRINCIPAL', 'Missing required field Principal', '', false);
        break;
      case 'rcp':
        if (notPrincipal !== undefined)
          here(
            'ERROR',
            'RCP_SYNTAX_ERROR_PRINCIPAL',
            'Has prohibited field NotPrincipal',
            'NotPrincipal',
            false,
          );
        else if (principal !== '*')
          here(
            'ERROR',
            'RCP_SYNTAX_ERROR_PRINCIPAL',
            'The Principal element of a resource control policy must be "*".',
            'Principal',
            false,
          );
        break;
    }
    if (notPrincipal !== undefined && effect === 'Allow') {
      here(
        'ERROR',
        'UNSUPPORTED_ELEMENT_COMBINATION',
        'NotPrincipal can only be used with "Effect": "Deny".',
        'NotPrincipal',
        false,
      );
    }

    const conditions = readConditions(raw.Condition, here);
    if (effect !== 'Allow' && effect !== 'Deny') return;
    statements.push({
      index,
      sid,
      effect,
      action,
      notAction,
      resource,
      notResource,
      principal,
      notPrincipal,
      conditions,
    });
  });
  if (fatal !== undefined) return { policy: undefined, findings, fatal };
  const id = typeof doc.Id === 'string' ? doc.Id : undefined;
  return {
    policy: { version: typeof version === 'string' ? version : undefined, id, statements, variablesEnabled },
    findings,
    fatal,
  };
}

type Reporter = (kind: FindingKind, code: string, message: string, path: string, isFatal: boolean) => void;

function readPrincipal(
  raw: Record<string, unknown>,
  name: string,
  here: Reporter,
): PrincipalBlock | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  if (value === '*') return '*';
  if (typeof value === 'string') {
    // AWS accepts only "*" as a bare string; read an ARN the way it was meant (as "AWS") so the
    // policy keeps its meaning, and report the error.
    here(
      'ERROR',
      'INVALID_PRINCIPAL_FORMAT',
      `Invalid principal in policy: ${JSON.stringify(value)}`,
      name,
      false,
    );
    return readPrincipal({ [name]: { AWS: value } }, name, here);
  }
  if (!isObject(value)) {
    here(
      'ERROR',
      'INVALID_PRINCIPAL_FORMAT',
      `Invalid principal in policy: ${JSON.stringify(value)}`,
      name,
      true,
    );
    return undefined;
  }
  const block: Record<string, string[]> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (!PRINCIPAL_KEYS.has(key)) {
      here('ERROR', 'INVALID_PRINCIPAL_KEY', `Invalid principal in policy: "${key}"`, `${name}.${key}`, true);
      continue;
    }
    const items = Array.isArray(entry) ? entry : [entry];
    const out: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string') {
        here(
          'ERROR',
          'DATA_TYPE_MISMATCH',
          `Invalid principal in policy: "${key}":${JSON.stringify(item)}`,
          `${name}.${key}`,
          true,
        );
        continue;
      }
      if (item !== '*' && (item.includes('*') || item.includes('?'))) {
        here(
          'ERROR',
          'UNSUPPORTED_WILDCARD_IN_PRINCIPAL',
          `Invalid principal in policy: "${key}":"${item}"`,
          `${name}.${key}`,
          true,
        );
        continue;
      }
      if (
        key === 'AWS' &&
        item !== '*' &&
        !/^\d{12}$/.test(item) &&
        !/^arn:[^:]+:(iam|sts)::\d{12}:.+/.test(item)
      ) {
        here(
          'ERROR',
          'INVALID_PRINCIPAL_FORMAT',
          `Invalid principal in policy: "AWS":"${item}"`,
          `${name}.${key}`,
          true,
        );
        continue;
      }
      out.push(item);
    }
    block[key] = out;
  }
  return block;
}

function readConditions(value: unknown, here: Reporter): ConditionEntry[] {
  if (value === undefined) return [];
  if (!isObject(value)) {
    here(
      'ERROR',
      'DATA_TYPE_MISMATCH',
      'Syntax errors in policy. Condition must be an object.',
      'Condition',
      true,
    );
    return [];
  }
  const out: ConditionEntry[] = [];
  for (const [operator, block] of Object.entries(value)) {
    const path = `Condition.${operator}`;
    const parsed = parseOperator(operator);
    if (parsed === undefined) {
      here('ERROR', 'INVALID_CONDITION_OPERATOR', `Invalid Condition type : ${operator}.`, path, true);
      continue;
    }
    if (!isObject(block)) {
      here(
        'ERROR',
        'DATA_TYPE_MISMATCH',
        `Syntax errors in policy. ${operator} must map keys to values.`,
        path,
        true,
      );
      continue;
    }
    for (const [key, raw] of Object.entries(block)) {
      const items = Array.isArray(raw) ? raw : [raw];
      const values: string[] = [];
      for (const item of items) {
        if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean')
          values.push(String(item));
        else
          here(
            'ERROR',
            'DATA_TYPE_MISMATCH',
            `Syntax errors in policy. Invalid value for ${key}.`,
            `${path}.${key}`,
            true,
          );
      }
      out.push({ operator, key, values });
    }
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
