/**
 * Condition operators. A Condition block is an AND across operators and keys, an OR across the
 * values of one key, and a NOR for negated operators. Missing keys follow the IAM rules: a
 * positive operator is false, a negated operator is true, `IfExists` is true, `ForAnyValue` is
 * false, `ForAllValues` is true, and `Null` tests presence. Everything that can be prepared (number
 * and date parsing, CIDR blocks, lowercase values, variable templates) is prepared at compile time.
 */
import { colonPositions, matchArnPattern } from './arn.ts';
import { globMatchRanges, literalRangeEquals } from './glob.ts';
import { blockContains, type IpBlock, parseIp, parseIpBlock } from './ip-address.ts';
import { parseTemplate, resolvePattern, type Template, templateKeys } from './policy-variables.ts';
import type { RequestContext } from './request-context.ts';

/** The value type an operator family compares. */
export type OperatorFamily = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'IpAddress' | 'Arn' | 'Null';

/** One base operator: its family, its positive comparison, and whether it is negated. */
export interface BaseOperator {
  readonly name: string;
  readonly family: OperatorFamily;
  readonly negated: boolean;
  readonly comparison: Comparison;
}

type Comparison =
  | 'equals'
  | 'equalsIgnoreCase'
  | 'like'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'ip'
  | 'arn'
  | 'null';

const op = (name: string, family: OperatorFamily, comparison: Comparison, negated = false): BaseOperator => ({
  name,
  family,
  comparison,
  negated,
});

/** Every IAM condition operator (without `IfExists` or a set prefix). */
export const BASE_OPERATORS: readonly BaseOperator[] = [
  op('StringEquals', 'String', 'equals'),
  op('StringNotEquals', 'String', 'equals', true),
  op('StringEqualsIgnoreCase', 'String', 'equalsIgnoreCase'),
  op('StringNotEqualsIgnoreCase', 'String', 'equalsIgnoreCase', true),
  op('StringLike', 'String', 'like'),
  op('StringNotLike', 'String', 'like', true),
  op('NumericEquals', 'Numeric', 'equals'),
  op('NumericNotEquals', 'Numeric', 'equals', true),
  op('NumericLessThan', 'Numeric', 'lt'),
  op('NumericLessThanEquals', 'Numeric', 'lte'),
  op('NumericGreaterThan', 'Numeric', 'gt'),
  op('NumericGreaterThanEquals', 'Numeric', 'gte'),
  op('DateEquals', 'Date', 'equals'),
  op('DateNotEquals', 'Date', 'equals', true),
  op('DateLessThan', 'Date', 'lt'),
  op('DateLessThanEquals', 'Date', 'lte'),
  op('DateGreaterThan', 'Date', 'gt'),
  op('DateGreaterThanEquals', 'Date', 'gte'),
  op('Bool', 'Bool', 'equalsIgnoreCase'),
  op('BinaryEquals', 'Binary', 'equals'),
  op('IpAddress', 'IpAddress', 'ip'),
  op('NotIpAddress', 'IpAddress', 'ip', true),
  op('ArnEquals', 'Arn', 'arn'),
  op('ArnLike', 'Arn', 'arn'),
  op('ArnNotEquals', 'Arn', 'arn', true),
  op('ArnNotLike', 'Arn', 'arn', true),
  op('Null', 'Null', 'null'),
];

const BY_NAME = new Map(BASE_OPERATORS.map((o) => [o.name.toLowerCase(), o]));

/** A full operator as written: set prefix, base operator, IfExists suffix. */
export interface ParsedOperator {
  readonly text: string;
  readonly set: 'single' | 'ForAnyValue' | 'ForAllValues';
  readonly base: BaseOperator;
  readonly ifExists: boolean;
}

/** Parses `ForAnyValue:StringLikeIfExists` and the like; undefined for an unknown operator. */
export function parseOperator(text: string): ParsedOperator | undefined {
  let rest = text;
  let set: ParsedOperator['set'] = 'single';
  const colon = rest.indexOf(':');
  if (colon !== -1) {
    const prefix = rest.slice(0, colon).toLowerCase();
    if (prefix === 'foranyvalue') set = 'ForAnyValue';
    else if (prefix === 'forallvalues') set = 'ForAllValues';
    else return undefined;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.toLowerCase().endsWith('ifexists')) {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  const base = BY_NAME.get(rest.toLowerCase());
  if (base === undefined) return undefined;
  return { text, set, base, ifExists };
}

/** Parses a number the way Numeric operators accept it (integers and decimals). */
export function parseNumber(text: string): number | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Parses a date: ISO 8601 or epoch seconds, as an instant in milliseconds. */
export function parseDate(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A compiled condition: one operator applied to one key. */
export interface CompiledCondition {
  readonly operator: string;
  /** The key as written (for explanations) and lowercased (for lookups). */
  readonly key: string;
  readonly keyLower: string;
  readonly values: readonly string[];
  /** Lowercased context keys this condition reads (its key plus any variables in its values). */
  readonly reads: readonly string[];
  readonly test: (context: RequestContext) => boolean;
}

/** A value that a condition cannot use, reported as a policy error. */
export interface ConditionValueError {
  readonly message: string;
}

/** Compiles one operator/key/values triple, or explains why a value cannot be used. */
export function compileCondition(
  operator: ParsedOperator,
  key: string,
  values: readonly string[],
  variablesEnabled: boolean,
): CompiledCondition | ConditionValueError {
  const keyLower = key.toLowerCase();
  const base = operator.base;
  const positive = compilePositive(base, values, variablesEnabled);
  if ('message' in positive) return positive;
  const { matches, reads } = positive;
  const negated = base.negated;
  const ifExists = operator.ifExists;
  let test: (context: RequestContext) => boolean;
  if (base.comparison === 'null') {
    const wantsAbsent = values.map((v) => v.toLowerCase() === 'true');
    test = (context) => {
      const present = isPresent(context.get(keyLower));
      return wantsAbsent.some((absent) => absent !== present);
    };
  } else if (operator.set === 'single') {
    test = (context) => {
      const actual = context.get(keyLower);
      if (!isPresent(actual)) return ifExists || negated;
      for (const value of actual) if (matches(value, context)) return !negated;
      return negated;
    };
  } else if (operator.set === 'ForAnyValue') {
    test = (context) => {
      const actual = context.get(keyLower);
      if (!isPresent(actual)) return ifExists;
      for (const value of actual) if (matches(value, context) !== negated) return true;
      return false;
    };
  } else {
    test = (context) => {
      const actual = context.get(keyLower);
      if (!isPresent(actual)) return true;
      for (const value of actual) if (matches(value, context) === negated) return false;
      return true;
    };
  }
  return { operator: operator.text, key, keyLower, values, reads: [keyLower, ...reads], test };
}

function isPresent(values: readonly string[] | undefined): values is readonly string[] {
  return values !== undefined && values.length > 0;
}

type Positive = { matches: (value: string, context: RequestContext) => boolean; reads: string[] };

/** Builds "does this context value match any policy value" for the non-negated comparison. */
function compilePositive(
  base: BaseOperator,
  values: readonly string[],
  variablesEnabled: boolean,
): Positive | ConditionValueError {
  switch (base.family) {
    case 'String':
    case 'Arn':
      return compileTemplated(base, values, variablesEnabled);
    case 'Numeric':
    case 'Date': {
      const parse = base.family === 'Numeric' ? parseNumber : parseDate;
      const wanted: number[] = [];
      for (const v of values) {
        const n = parse(v);
        if (n === undefined) return { message: `Invalid ${base.family} value in ${base.name}: ${v}` };
        wanted.push(n);
      }
      const cmp = numericComparison(base.comparison);
      return {
        matches: (value) => {
          const actual = parse(value);
          if (actual === undefined) return false;
          for (const w of wanted) if (cmp(actual, w)) return true;
          return false;
        },
        reads: [],
      };
    }
    case 'Bool': {
      const wanted = values.map((v) => v.toLowerCase());
      return { matches: (value) => wanted.includes(value.toLowerCase()), reads: [] };
    }
    case 'Binary':
      return { matches: (value) => values.includes(value), reads: [] };
    case 'IpAddress': {
      const blocks: IpBlock[] = [];
      for (const v of values) {
        const block = parseIpBlock(v);
        if (block === undefined) return { message: `Invalid IP address or CIDR in ${base.name}: ${v}` };
        blocks.push(block);
      }
      return {
        matches: (value) => {
          const ip = parseIp(value);
          if (ip === undefined) return false;
          for (const block of blocks) if (blockContains(block, ip)) return true;
          return false;
        },
        reads: [],
      };
    }
    case 'Null':
      return { matches: () => false, reads: [] };
  }
}

function numericComparison(comparison: Comparison): (a: number, b: number) => boolean {
  switch (comparison) {
    case 'lt':
      return (a, b) => a < b;
    case 'lte':
      return (a, b) => a <= b;
    case 'gt':
      return (a, b) => a > b;
    case 'gte':
      return (a, b) => a >= b;
    default:
      return (a, b) => a === b;
  }
}

/** String and ARN operators take policy variables in their values. */
function compileTemplated(
  base: BaseOperator,
  values: readonly string[],
  variablesEnabled: boolean,
): Positive {
  const templates: Template[] = values.map((v) => parseTemplate(v, variablesEnabled));
  const reads = templates.flatMap(templateKeys);
  const one = compareOne(base.comparison);
  const lowerStatic = base.comparison === 'equalsIgnoreCase';
  const staticPatterns = templates.every((t) => !t.hasVariables)
    ? templates.map((t) => (lowerStatic ? t.pattern.toLowerCase() : t.pattern))
    : undefined;
  if (staticPatterns !== undefined) {
    return {
      matches: (value) => {
        const actual = lowerStatic ? value.toLowerCase() : value;
        for (const pattern of staticPatterns) if (one(pattern, actual)) return true;
        return false;
      },
      reads,
    };
  }
  return {
    matches: (value, context) => {
      const actual = lowerStatic ? value.toLowerCase() : value;
      for (const template of templates) {
        const resolved = resolvePattern(template, context);
        // An unresolved variable matches nothing.
        if (resolved === undefined) continue;
        if (one(lowerStatic ? resolved.toLowerCase() : resolved, actual)) return true;
      }
      return false;
    },
    reads,
  };
}

function compareOne(comparison: Comparison): (pattern: string, value: string) => boolean {
  switch (comparison) {
    case 'like':
      return (pattern, value) => globMatchRanges(pattern, 0, pattern.length, value, 0, value.length);
    case 'arn':
      return (pattern, value) => matchArnPattern(pattern, value, colonPositions(value));
    default:
      return (pattern, value) => literalRangeEquals(pattern, 0, pattern.length, value, 0, value.length);
  }
}
