/**
 * Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`, escapes `${*}` `${?}`
 * `${$}`) in Resource and condition values. A template is parsed once at compile time; resolving
 * it against a request either yields the text or `undefined` when a variable has no value and no
 * default (an unresolved variable matches nothing). Under Version 2008-10-17, or with no Version,
 * variables are not recognised and `${...}` is literal text.
 */
import { escapeWildcards, LITERAL_QUESTION, LITERAL_STAR } from './glob.ts';
import type { RequestContext } from './request-context.ts';

/** A `${key}` or `${key, 'default'}` reference; `key` is lowercased. */
export interface VariableRef {
  readonly key: string;
  readonly fallback: string | undefined;
}

/** Literal text (escapes already turned into wildcard markers) or a variable reference. */
export type TemplatePart = string | VariableRef;

/** A parsed value: `variables` is empty when the text has no variables. */
export interface Template {
  readonly parts: readonly TemplatePart[];
  readonly hasVariables: boolean;
  /** For a template without variables: the pattern (markers for escaped `*`/`?`). */
  readonly pattern: string;
}

/** A syntax problem in a variable, reported by validation. */
export interface VariableSyntaxIssue {
  readonly code: 'MISSING_BRACE_IN_VARIABLE' | 'EMPTY_VARIABLE' | 'MISSING_QUOTE_IN_VARIABLE';
  readonly message: string;
}

const ESCAPES: Record<string, string> = { '*': LITERAL_STAR, '?': LITERAL_QUESTION, $: '$' };

/** Parses `text` into a template; `variablesEnabled` is false for Version 2008-10-17 or none. */
export function parseTemplate(text: string, variablesEnabled: boolean): Template {
  if (!variablesEnabled || text.indexOf('${') === -1) {
    return { parts: [text], hasVariables: false, pattern: text };
  }
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  let hasVariables = false;
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start === -1) {
      literal += text.slice(i);
      break;
    }
    const end = text.indexOf('}', start + 2);
    if (end === -1) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, start);
    const body = text.slice(start + 2, end);
    const escaped = ESCAPES[body];
    if (escaped !== undefined) {
      literal += escaped;
    } else {
      const ref = parseVariableBody(body);
      if (ref === undefined) {
        literal += text.slice(start, end + 1);
      } else {
        if (literal !== '') parts.push(literal);
        literal = '';
        parts.push(ref);
        hasVariables = true;
      }
    }
    i = end + 1;
  }
  if (literal !== '' || parts.length === 0) parts.push(literal);
  const pattern = hasVariables ? '' : parts.map((p) => (typeof p === 'string' ? p : '')).join('');
  return { parts, hasVariables, pattern };
}

function parseVariableBody(body: string): VariableRef | undefined {
  const comma = body.indexOf(',');
  if (comma === -1) {
    const key = body.trim();
    return key === '' ? undefined : { key: key.toLowerCase(), fallback: undefined };
  }
  const key = body.slice(0, comma).trim();
  const rest = body.slice(comma + 1).trim();
  if (key === '' || rest.length < 2 || rest[0] !== "'" || rest[rest.length - 1] !== "'") return undefined;
  return { key: key.toLowerCase(), fallback: rest.slice(1, -1) };
}

/** Reports malformed variables (`${` without `}`, `${}`, a default without quotes). */
export function variableSyntaxIssues(text: string): VariableSyntaxIssue[] {
  const issues: VariableSyntaxIssue[] = [];
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start === -1) break;
    const end = text.indexOf('}', start + 2);
    if (end === -1) {
      issues.push({
        code: 'MISSING_BRACE_IN_VARIABLE',
        message: `Add a closing brace to the variable in ${text}.`,
      });
      break;
    }
    const body = text.slice(start + 2, end).trim();
    if (body === '') {
      issues.push({ code: 'EMPTY_VARIABLE', message: `The variable in ${text} is empty.` });
    } else if (ESCAPES[body] === undefined && parseVariableBody(body) === undefined) {
      issues.push({
        code: 'MISSING_QUOTE_IN_VARIABLE',
        message: `Put the default value of the variable in ${text} in single quotes.`,
      });
    }
    i = end + 1;
  }
  return issues;
}

/**
 * Resolves a template for wildcard matching: substituted values have their `*` and `?` made
 * literal, so a value can never widen a pattern. Returns undefined if a variable is unresolved.
 */
export function resolvePattern(template: Template, context: RequestContext): string | undefined {
  if (!template.hasVariables) return template.pattern;
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const value = variableValue(part, context);
    if (value === undefined) return undefined;
    out += escapeWildcards(value);
  }
  return out;
}

function variableValue(ref: VariableRef, context: RequestContext): string | undefined {
  const values = context.get(ref.key);
  // INVARIANT: a multivalued key cannot stand in for one value, so it resolves like a missing key.
  if (values !== undefined && values.length === 1) return values[0];
  return ref.fallback;
}

/** Lists the context keys (lowercased) a template refers to. */
export function templateKeys(template: Template): string[] {
  const keys: string[] = [];
  for (const part of template.parts) if (typeof part !== 'string') keys.push(part.key);
  return keys;
}
