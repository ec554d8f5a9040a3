/**
 * Decodes an AWS Query protocol request (form-encoded `Action=…&Version=…&Tags.member.1.Key=…`)
 * into the AWS-shaped input the services take. Generic: it knows the protocol's grammar for lists
 * (`X.member.N`), maps (`X.entry.N.key` / `X.entry.N.value`) and structures (`X.Y`), never an
 * action. Scalars stay strings; each service coerces and validates them with its own schema.
 */
import { fail, ok, type Result } from '@palisade/failures';

/** A decoded Query value: text, a list, or a structure (maps decode to structures keyed by map key). */
export type QueryInputValue = string | readonly QueryInputValue[] | QueryInputStructure;

/** A decoded structure or map; a null-prototype object, so no key can reach `Object.prototype`. */
export interface QueryInputStructure {
  readonly [member: string]: QueryInputValue | undefined;
}

/** A decoded request: the action to run, the API version asked for, and the action's input. */
export interface QueryRequest {
  readonly action: string;
  readonly version: string;
  readonly input: QueryInputStructure;
}

/** Bounds that keep a hostile form from costing more than a legitimate one. */
export interface QueryLimits {
  /** Parameters in one request; list indexes are bounded by it too, since gaps are rejected. */
  readonly maxParameters: number;
  /** Characters in one parameter name. */
  readonly maxNameLength: number;
  /** Dot-separated segments in one parameter name (`A.member.1.B.member.2.C` has 7). */
  readonly maxDepth: number;
}

/** Limits generous for every IAM and STS action, small enough to bound the work per request. */
export const defaultQueryLimits: QueryLimits = { maxParameters: 1000, maxNameLength: 256, maxDepth: 16 };

/** What the parser needs to know about the service it decodes for. */
export interface ParseQueryOptions {
  /** The `Version` values this service accepts (IAM: `['2010-05-08']`). */
  readonly versions: readonly string[];
  readonly limits?: Partial<QueryLimits>;
}

// AWS member names are PascalCase identifiers; the grammar also keeps `__proto__` out.
const MEMBER_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
// 1-based, no leading zeros, so each index has one spelling and duplicates cannot hide.
const LIST_INDEX = /^[1-9][0-9]{0,6}$/;
const ACTION_NAME = /^[A-Za-z][A-Za-z0-9]{0,127}$/;
// Signature parameters of presigned (GET) requests belong to SigV4 verification, not the input.
const SIGNATURE_PARAMETER = /^x-amz-/i;
// With the `u` flag a well-formed surrogate pair is one code point, so this finds only lone halves.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** One node of the parameter-name trie: a scalar (leaf) or named children (list, map, structure). */
interface FormNode {
  scalar?: string;
  children?: Map<string, FormNode>;
}

/**
 * Picks where a Query request's parameters are: the URL query string, the form body, or both
 * (AWS accepts either; the CLI and SDKs POST a form). Duplicates across the two are rejected later.
 */
export function queryParameterText(url: string, body: string): string {
  // Most requests are a POST to `/`: no query string, nothing to parse.
  if (!url.includes('?')) return body;
  const search = new URL(url, 'http://localhost').search.slice(1);
  if (search === '') return body;
  if (body === '') return search;
  return `${search}&${body}`;
}

/** Decodes a form-encoded Query request into action, version and AWS-shaped input. */
export function parseQueryRequest(
  body: string | URLSearchParams,
  options: ParseQueryOptions,
): Result<QueryRequest> {
  const limits: QueryLimits = options.limits
    ? Object.assign({}, defaultQueryLimits, options.limits)
    : defaultQueryLimits;
  const pairs = typeof body === 'string' ? decodeForm(body, limits) : searchParamPairs(body, limits);
  if (!pairs.ok) return pairs;

  const root: FormNode = { children: new Map() };
  for (const [name, value] of pairs.value) {
    if (SIGNATURE_PARAMETER.test(name)) continue;
    const inserted = insertParameter(root, name, value, limits);
    if (!inserted.ok) return inserted;
  }

  const decoded = decodeStructure(root.children ?? new Map(), '');
  if (!decoded.ok) return decoded;
  const { Action: action, Version: version } = decoded.value;

  if (action === undefined || action === '') {
    return fail('request.missing-parameter', 'The request must contain the parameter Action.');
  }
  if (typeof action !== 'string' || !ACTION_NAME.test(action)) {
    return fail('request.unknown-action', 'The action is not a valid action name.');
  }
  if (version === undefined || version === '') {
    return fail('request.missing-parameter', 'The request must contain the parameter Version.');
  }
  if (typeof version !== 'string' || !options.versions.includes(version)) {
    return fail(
      'request.unsupported-version',
      `Could not find operation ${action} for the requested version.`,
    );
  }
  const input: Record<string, QueryInputValue | undefined> = Object.create(null);
  for (const [name, value] of Object.entries(decoded.value)) {
    if (name !== 'Action' && name !== 'Version') input[name] = value;
  }
  return ok({ action, version, input });
}

/** Splits and percent-decodes a form body, failing on bad escapes, bad UTF-8 or too many parameters. */
function decodeForm(body: string, limits: QueryLimits): Result<Array<[string, string]>> {
  const pairs: Array<[string, string]> = [];
  let start = 0;
  // Scans instead of `split('&')` so a body of a million `&` costs no million-element array.
  while (start <= body.length) {
    const end = body.indexOf('&', start);
    const segment = body.slice(start, end === -1 ? body.length : end);
    start = end === -1 ? body.length + 1 : end + 1;
    if (segment === '') continue;
    if (pairs.length >= limits.maxParameters) return tooManyParameters(limits);
    const equals = segment.indexOf('=');
    const name = formDecode(equals === -1 ? segment : segment.slice(0, equals));
    const value = formDecode(equals === -1 ? '' : segment.slice(equals + 1));
    if (name === undefined || value === undefined) {
      return fail(
        'request.malformed-body',
        'The request body is not valid form encoding (UTF-8, percent-escaped).',
      );
    }
    pairs.push([name, value]);
  }
  return ok(pairs);
}

/** Reads already-decoded parameters, with the same bound on their number. */
function searchParamPairs(params: URLSearchParams, limits: QueryLimits): Result<Array<[string, string]>> {
  const pairs: Array<[string, string]> = [];
  for (const pair of params) {
    if (pairs.length >= limits.maxParameters) return tooManyParameters(limits);
    pairs.push(pair);
  }
  return ok(pairs);
}

/** `+` is a space in forms (botocore sends spaces that way); the rest is strict percent-decoding. */
function formDecode(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return undefined;
  try {
    // decodeURIComponent throws on a truncated escape (`%4`, `%zz`) and on invalid UTF-8 (`%C3%28`).
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

function tooManyParameters(limits: QueryLimits) {
  return fail('request.malformed-body', `The request has more than ${limits.maxParameters} parameters.`);
}

/** Adds one `A.member.1.B=value` parameter to the trie; the exact same name twice is an error. */
function insertParameter(root: FormNode, name: string, value: string, limits: QueryLimits): Result<void> {
  if (name.length > limits.maxNameLength) {
    return fail(
      'request.malformed-body',
      `A parameter name is longer than ${limits.maxNameLength} characters.`,
    );
  }
  const segments = name.split('.');
  if (segments.length > limits.maxDepth) {
    return fail('request.malformed-body', `A parameter name has more than ${limits.maxDepth} segments.`);
  }
  let node = root;
  for (const segment of segments) {
    if (!MEMBER_NAME.test(segment) && !LIST_INDEX.test(segment)) {
      return fail('request.invalid', `Invalid parameter name: ${shown(name)}.`);
    }
    if (LIST_INDEX.test(segment) && Number(segment) > limits.maxParameters) {
      return fail('request.invalid', `List index out of range in parameter ${shown(name)}.`);
    }
    node.children ??= new Map();
    let child = node.children.get(segment);
    if (child === undefined) {
      child = {};
      node.children.set(segment, child);
    }
    node = child;
  }
  if (node.scalar !== undefined) return fail('request.invalid', `Duplicate parameter: ${shown(name)}.`);
  node.scalar = value;
  return ok(undefined);
}

/** Turns a trie node into a value: leaf → string, `member` → list, `entry` → map, names → structure. */
function decodeNode(node: FormNode, path: string): Result<QueryInputValue> {
  const children = node.children;
  if (children === undefined) return ok(node.scalar ?? '');
  if (node.scalar !== undefined) {
    return fail('request.invalid', `Parameter ${shown(path)} is given both as a value and with members.`);
  }
  if (children.has('member') || children.has('entry')) {
    if (children.size !== 1) {
      return fail(
        'request.invalid',
        `Parameter ${shown(path)} mixes list or map entries with other members.`,
      );
    }
    const [kind, items] = [...children][0]!;
    const itemsPath = `${path}.${kind}`;
    if (items.scalar !== undefined || items.children === undefined) {
      return fail('request.invalid', `Parameter ${shown(itemsPath)} needs an index (${shown(itemsPath)}.1).`);
    }
    const ordered = indexedChildren(items.children, itemsPath);
    if (!ordered.ok) return ordered;
    return kind === 'member' ? decodeList(ordered.value, itemsPath) : decodeMap(ordered.value, itemsPath);
  }
  return decodeStructure(children, path);
}

/** Decodes named children into a null-prototype structure; an index here is outside any list. */
function decodeStructure(children: Map<string, FormNode>, path: string): Result<QueryInputStructure> {
  const structure: Record<string, QueryInputValue> = Object.create(null);
  for (const [name, child] of children) {
    const childPath = path === '' ? name : `${path}.${name}`;
    if (!MEMBER_NAME.test(name)) {
      return fail('request.invalid', `Parameter ${shown(childPath)} has an index outside a list or map.`);
    }
    const value = decodeNode(child, childPath);
    if (!value.ok) return value;
    structure[name] = value.value;
  }
  return ok(structure);
}

/** The children of `X.member` or `X.entry` in index order; every key an index, 1..n without gaps. */
function indexedChildren(children: Map<string, FormNode>, path: string): Result<FormNode[]> {
  const ordered: FormNode[] = [];
  for (const key of children.keys()) {
    if (!LIST_INDEX.test(key)) {
      return fail('request.invalid', `Parameter ${shown(`${path}.${key}`)} needs a 1-based index.`);
    }
  }
  // INVARIANT: keys are distinct canonical indexes, so 1..size all present means no gap and no extra.
  for (let index = 1; index <= children.size; index++) {
    const child = children.get(String(index));
    if (child === undefined) {
      return fail(
        'request.invalid',
        `Parameter ${shown(path)} skips index ${index}; indexes run 1, 2, 3, ….`,
      );
    }
    ordered.push(child);
  }
  return ok(ordered);
}

function decodeList(items: readonly FormNode[], path: string): Result<QueryInputValue[]> {
  const list: QueryInputValue[] = [];
  for (const [i, item] of items.entries()) {
    const value = decodeNode(item, `${path}.${i + 1}`);
    if (!value.ok) return value;
    list.push(value.value);
  }
  return ok(list);
}

function decodeMap(entries: readonly FormNode[], path: string): Result<QueryInputStructure> {
  const map: Record<string, QueryInputValue> = Object.create(null);
  for (const [i, entry] of entries.entries()) {
    const entryPath = `${path}.${i + 1}`;
    const key = entry.children?.get('key');
    const valueNode = entry.children?.get('value');
    if (entry.children?.size !== 2 || key === undefined || valueNode === undefined) {
      return fail('request.invalid', `Map entry ${shown(entryPath)} needs exactly a key and a value.`);
    }
    if (key.children !== undefined || key.scalar === undefined) {
      return fail('request.invalid', `Map key ${shown(`${entryPath}.key`)} must be text.`);
    }
    if (Object.hasOwn(map, key.scalar)) {
      return fail('request.invalid', `Map ${shown(path)} repeats the key ${shown(key.scalar)}.`);
    }
    const value = decodeNode(valueNode, `${entryPath}.value`);
    if (!value.ok) return value;
    map[key.scalar] = value.value;
  }
  return ok(map);
}

/** Quotes caller-supplied text in a message, cut short so an error never echoes a huge input. */
function shown(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
