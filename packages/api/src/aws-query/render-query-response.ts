/**
 * Renders an AWS-shaped operation output as the Query protocol's XML response
 * (`<XResponse xmlns=…><XResult>…</XResult><ResponseMetadata>…</ResponseMetadata></XResponse>`).
 * Generic: arrays become `<member>` lists, maps `<entry>` lists, objects nested elements; only the
 * member names in query-members.ts get special treatment.
 */
import { escapeXml } from '../xml.ts';
import { mapMembers, policyDocumentMembers } from './query-members.ts';

/** What the response needs besides the output: the request id and the service's XML namespace. */
export interface RenderQueryOptions {
  readonly requestId: string;
  readonly namespace: string;
}

const ELEMENT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
// Outputs are trees a few levels deep; anything deeper is a cycle or a bug, not data.
const MAX_DEPTH = 32;
// Characters XML 1.0 cannot carry even as references, plus lone surrogate halves.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding the control characters XML forbids is the point
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/gu;
// Anything xmlText would change (any surrogate half, paired or not, takes the full path): most
// text has none, and one test of it costs less than the three passes that rewrite it.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the same characters as NOT_XML_CHAR
const TEXT_TO_REWRITE = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;
// Member names already checked against ELEMENT_NAME: output shapes repeat a few dozen names, so a
// listing checks each once; bounded, so no output can grow it without limit.
const checkedNames = new Set<string>();
const MAX_CHECKED_NAMES = 1_000;

/**
 * Renders `output` (undefined for actions without an output shape: see `queryOutputOf`) as the XML
 * body AWS clients expect.
 * Throws only on outputs no service should produce (NaN, invalid dates, cycles, bad member names).
 */
export function renderQueryResponse(
  action: string,
  output: object | undefined,
  options: RenderQueryOptions,
): string {
  if (!ELEMENT_NAME.test(action)) throw new TypeError('renderQueryResponse: invalid action name');
  // AWS omits the Result element for actions without an output shape (DeleteUser), and sends an
  // empty one for an output shape whose members are all absent (UpdateRole): botocore needs it.
  let result = '';
  if (output !== undefined && output !== null) {
    const members = renderMembers(output, 0);
    result = members === '' ? `<${action}Result/>` : `<${action}Result>${members}</${action}Result>`;
  }
  return (
    `<${action}Response xmlns="${escapeXml(options.namespace)}">${result}` +
    `<ResponseMetadata><RequestId>${xmlText(options.requestId)}</RequestId></ResponseMetadata>` +
    `</${action}Response>`
  );
}

/**
 * The timestamp format AWS IAM and STS use (`2026-11-28T12:00:00Z`): ISO 8601 in UTC, with
 * milliseconds only when there are some, which is also how the SDK writes timestamps.
 */
export function formatQueryTimestamp(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new TypeError('renderQueryResponse: invalid date');
  return date.toISOString().replace('.000Z', 'Z');
}

/** Renders each defined member of a structure, in the object's own key order. */
function renderMembers(structure: object, depth: number): string {
  let xml = '';
  for (const name of Object.keys(structure)) {
    xml += renderElement(name, (structure as Record<string, unknown>)[name], depth + 1);
  }
  return xml;
}

/** Throws unless `name` can be an element name (see ELEMENT_NAME). */
function checkMemberName(name: string): void {
  if (checkedNames.has(name)) return;
  if (!ELEMENT_NAME.test(name)) throw new TypeError(`renderQueryResponse: invalid member name ${name}`);
  if (checkedNames.size < MAX_CHECKED_NAMES) checkedNames.add(name);
}

/** Renders `<name>value</name>`, or nothing for undefined and null (AWS omits absent members). */
function renderElement(name: string, value: unknown, depth: number): string {
  if (value === undefined || value === null) return '';
  checkMemberName(name);
  if (depth > MAX_DEPTH) throw new TypeError('renderQueryResponse: output nested too deeply (a cycle?)');
  const content =
    typeof value === 'string' && policyDocumentMembers.has(name)
      ? xmlText(encodeURIComponent(value))
      : mapMembers.has(name) && isPlainRecord(value)
        ? renderEntries(Object.entries(value), depth)
        : renderContent(value, depth);
  return content === '' ? `<${name}/>` : `<${name}>${content}</${name}>`;
}

/** The inside of an element: text for scalars, children for lists, maps and structures. */
function renderContent(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return xmlText(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('renderQueryResponse: non-finite number');
      return String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return '';
      if (value instanceof Date) return formatQueryTimestamp(value);
      // Blobs (GetCredentialReport's Content) travel base64-encoded, as the SDK expects.
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      if (Array.isArray(value)) {
        let xml = '';
        for (const item of value as unknown[]) xml += renderElement('member', item, depth);
        return xml;
      }
      if (value instanceof Map) return renderEntries([...value.entries()], depth);
      return renderMembers(value, depth);
    default:
      throw new TypeError(`renderQueryResponse: cannot render a ${typeof value}`);
  }
}

/** A string-keyed map as AWS Query renders it: one `<entry><key/><value/></entry>` per pair. */
function renderEntries(entries: ReadonlyArray<readonly [unknown, unknown]>, depth: number): string {
  let xml = '';
  for (const [key, value] of entries) {
    if (value === undefined || value === null) continue;
    xml += `<entry><key>${xmlText(String(key))}</key>${renderElement('value', value, depth + 1)}</entry>`;
  }
  return xml;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Escapes text for element content. Characters XML cannot carry become U+FFFD; a carriage return
 * becomes `&#13;` because XML parsers (the SDK's included) otherwise normalise it to a line feed.
 */
function xmlText(text: string): string {
  if (!TEXT_TO_REWRITE.test(text)) return text;
  return escapeXml(text.replace(NOT_XML_CHAR, '\uFFFD')).replaceAll('\r', '&#13;');
}
