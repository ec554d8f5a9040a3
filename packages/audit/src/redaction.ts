/**
 * Redaction: secrets never enter an audit event. A deny-list of member names that hold secrets
 * wherever they appear (any depth, any case), replaced by CloudTrail's own marker; then a size bound.
 */

/** CloudTrail's marker for a value it does not show. */
export const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/** The most JSON characters a requestParameters or responseElements object keeps. */
export const MAX_AUDIT_ELEMENTS_CHARS = 16 * 1024;

const MAX_DEPTH = 12;

// Member names (lower-cased) whose values are secrets, as IAM, STS, sign-in, SCIM and webhooks name them.
const SECRET_NAMES = new Set([
  'password',
  'newpassword',
  'oldpassword',
  'secretaccesskey',
  'sessiontoken',
  'refreshtoken',
  'accesstoken',
  'idtoken',
  'token',
  'tokencode',
  'webidentitytoken',
  'samlassertion',
  'authenticationcode1',
  'authenticationcode2',
  'totpcode',
  'code',
  'seed',
  'base32stringseed',
  'qrcodepng',
  'privatekey',
  'secret',
  'clientsecret',
  'webhooksecret',
  'signingsecret',
]);
// Names that are secrets by their shape even if the list above does not know them yet.
const SECRET_SHAPES = /(?:password|secret|token|seed|privatekey)$|^authenticationcode/;

/** True when a member of this name holds a secret. */
export function isSecretName(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_NAMES.has(lower) || SECRET_SHAPES.test(lower);
}

function isFlag(value: unknown): boolean {
  return typeof value === 'boolean' || value === 'true' || value === 'false';
}

function redactValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return 'TRUNCATED';
  if (Array.isArray(value)) return value.map((entry) => redactValue(entry, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value as Record<string, unknown>)) {
    if (member === undefined) continue;
    // A flag cannot be a secret (allowUsersToChangePassword stays, as AWS shows it; Query flags
    // arrive as text); anything else under a secret name goes.
    out[name] = isSecretName(name) && !isFlag(member) ? HIDDEN : redactValue(member, depth + 1);
  }
  return out;
}

/**
 * The object with every secret member hidden, at any depth, bounded in depth and size: one whose
 * JSON exceeds MAX_AUDIT_ELEMENTS_CHARS becomes `{ truncated: true, size }`. Null stays null.
 */
export function redact(
  value: Readonly<Record<string, unknown>> | null | undefined,
): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  const redacted = redactValue(value, 0) as Record<string, unknown>;
  const size = JSON.stringify(redacted).length;
  return size > MAX_AUDIT_ELEMENTS_CHARS ? { truncated: true, size } : redacted;
}

/**
 * AWS-shaped input (PascalCase members, as the Query parser and the REST routes build it) as CloudTrail shows it:
 * each member name with its first letter lower-cased (`UserName` → `userName`), then redacted.
 */
export function queryRequestParameters(
  input: Readonly<Record<string, unknown>>,
): Record<string, unknown> | null {
  const camel = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map(camel);
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([name, member]) => [
        `${name.charAt(0).toLowerCase()}${name.slice(1)}`,
        camel(member),
      ]),
    );
  };
  const parameters = camel(input) as Record<string, unknown>;
  return Object.keys(parameters).length === 0 ? null : redact(parameters);
}
