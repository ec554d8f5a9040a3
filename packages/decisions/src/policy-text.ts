/**
 * A policy's source text as IAM's policy simulator reports on it: where each statement starts and
 * ends (AWS's `Statement.StartPosition` / `EndPosition`), and each context key as the policy spells
 * it (the engine compares keys lowercased, AWS answers `MissingContextValues` as written).
 */
import { type PolicyType, parseBoundedJson, readPolicy } from '@palisade/policy';
import { type Node, parseTree } from 'jsonc-parser';

/** A place in a policy document, as IAM's `Position`: 1-based line and column. */
export interface Position {
  readonly Line: number;
  readonly Column: number;
}

/** Where one statement sits in its policy's text. */
export interface StatementSpan {
  readonly StartPosition: Position;
  readonly EndPosition: Position;
}

/**
 * The span of every statement of a policy text, by statement index (a lone `Statement` object is
 * statement 0); an entry is undefined where the text has no such statement object.
 *
 * AWS reports each position just past the statement's brace, in 1-based lines and columns: the
 * start is the column after `{`, the end the column after `}`. The AWS CLI's documented
 * simulate-custom-policy example pins this down: for the one-line policy
 * `{"Version":"2012-10-17","Statement":{…}}` of 167 characters AWS answers StartPosition
 * {Line 1, Column 38} (the statement's `{` is the 37th character) and EndPosition {Line 1,
 * Column 167} (its `}` is the 166th). Lines break at `\n`, `\r\n` and `\r`; columns count UTF-16
 * code units, as a Java parser reading the same text does.
 */
export function statementSpans(text: string): readonly (StatementSpan | undefined)[] {
  // jsonc-parser recurses: text nested past the platform's bound is never walked.
  if (!parseBoundedJson(text).ok) return [];
  const root = parseTree(text, [], { disallowComments: true, allowTrailingComma: false });
  if (root?.type !== 'object') return [];
  // JSON.parse (which the engine reads policies with) keeps the last of duplicate members.
  const statement = root.children?.findLast((property) => property.children?.[0]?.value === 'Statement')
    ?.children?.[1];
  if (statement === undefined) return [];
  const statements: readonly Node[] =
    statement.type === 'array' ? (statement.children ?? []) : statement.type === 'object' ? [statement] : [];
  const position = positionFinder(text);
  return statements.map((node) =>
    node.type === 'object'
      ? {
          StartPosition: position(node.offset + 1),
          EndPosition: position(node.offset + node.length),
        }
      : undefined,
  );
}

/** Maps a UTF-16 offset to its 1-based line and column (binary search over line starts). */
function positionFinder(text: string): (offset: number) => Position {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) lineStarts.push(i + 1);
    else if (code === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      lineStarts.push(i + 1);
    }
  }
  return (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return { Line: low + 1, Column: offset - (lineStarts[low] as number) + 1 };
  };
}

/** A policy text and the type it is read as. */
export interface PolicyText {
  readonly text: string;
  readonly type: PolicyType;
}

const VARIABLE = /\$\{([^}]*)\}/g;
const ESCAPES = new Set(['*', '?', '$']);

/**
 * Every context key the policies' conditions read, by lowercased key, as the policies write it: a
 * condition's key, and the key of each policy variable (`${aws:username}`) in a condition value
 * under Version 2012-10-17. The first spelling met wins when policies spell a key differently.
 */
export function contextKeySpellings(policies: readonly PolicyText[]): Map<string, string> {
  const spellings = new Map<string, string>();
  const add = (key: string) => {
    const lower = key.toLowerCase();
    if (key !== '' && !spellings.has(lower)) spellings.set(lower, key);
  };
  for (const { text, type } of policies) {
    const policy = readPolicy(text, type).policy;
    for (const statement of policy?.statements ?? []) {
      for (const condition of statement.conditions) {
        add(condition.key);
        if (!policy?.variablesEnabled) continue;
        for (const value of condition.values) {
          for (const [, body = ''] of value.matchAll(VARIABLE)) {
            const key = body.split(',', 1)[0]?.trim() ?? '';
            if (!ESCAPES.has(key)) add(key);
          }
        }
      }
    }
  }
  return spellings;
}
