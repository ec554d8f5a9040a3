/**
 * The REST API's JSON naming convention, applied in one place: request bodies and responses use
 * camelCase versions of IAM's member names (`UserName` → `userName`, `CreateDate` → `createDate`),
 * except that a policy document is always `document` and is a JSON object, never JSON text. Dates
 * are ISO-8601 strings.
 */

/** Members whose value is a policy document: JSON text inside IAM, a JSON object on the wire. */
const DOCUMENT_MEMBERS: ReadonlySet<string> = new Set([
  'PolicyDocument',
  'AssumeRolePolicyDocument',
  'Document',
]);

/** IAM member names whose REST name is not simply the lower-camel form. */
const REST_NAMES: Readonly<Record<string, string>> = { PolicyDocument: 'document', Document: 'document' };

/** The REST (lower camelCase) name of an IAM member name. */
export function restName(member: string): string {
  return REST_NAMES[member] ?? member.charAt(0).toLowerCase() + member.slice(1);
}

/** The IAM member name of a nested REST field (tag `key` → `Key`). */
export function memberName(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1);
}

/** True for a plain JSON object (not an array, not null, not a Date). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Converts an operation's AWS-shaped output to REST JSON: camelCase keys, ISO dates, parsed documents. */
export function toRestJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toRestJson);
  if (!isPlainObject(value)) return value;
  const converted: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined) continue;
    converted[restName(key)] = DOCUMENT_MEMBERS.has(key) ? parseDocument(member) : toRestJson(member);
  }
  return converted;
}

/** A stored document as JSON; text that is not JSON (never expected) is returned as it is. */
function parseDocument(document: unknown): unknown {
  if (typeof document !== 'string') return document;
  try {
    return JSON.parse(document);
  } catch {
    return document;
  }
}

/**
 * Converts one REST body field's value to what the operation expects: a document object becomes
 * JSON text, and objects nested in lists (tags) get IAM member names. Anything else passes as is,
 * so the operation's own schema refuses wrong types with its typed validation error.
 */
export function toMemberValue(member: string, value: unknown): unknown {
  if (DOCUMENT_MEMBERS.has(member)) return isPlainObject(value) ? JSON.stringify(value) : value;
  if (Array.isArray(value)) {
    return value.map((item) =>
      isPlainObject(item)
        ? Object.fromEntries(Object.entries(item).map(([key, inner]) => [memberName(key), inner]))
        : item,
    );
  }
  return value;
}
