/**
 * Reading a received HTTP request for SigV4 verification: its path, query, headers and the
 * signature it claims (from the `Authorization` header or presigned `X-Amz-*` query parameters).
 * Parsing only; the checks live in sigv4-verify.ts.
 */
import { fail, ok, type Result } from '@palisade/failures';

/** A request as the server received it, independent of the HTTP framework. */
export interface ReceivedRequest {
  readonly method: string;
  /**
   * The request target exactly as received: path plus optional `?query`, not decoded or
   * normalised (SigV4 canonicalises the path itself; a decoded path would not verify).
   */
  readonly url: string;
  /** Lowercased header names to a value, or to every value when the header repeats. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Uint8Array;
}

/** The pieces of a received request that SigV4 signs, split out once. */
export interface ReadRequest {
  readonly method: string;
  readonly path: string;
  /** Decoded query parameters in arrival order; a repeated name keeps every value. */
  readonly query: ReadonlyMap<string, readonly string[]>;
  /** Lowercased header names to their values in arrival order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: Uint8Array;
}

/** What a request claims about its signature, before anything is checked against a key. */
export interface SignatureClaim {
  readonly via: 'header' | 'query';
  readonly accessKeyId: string;
  /** The `YYYYMMDD` date of the credential scope. */
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  /** Lowercased header names, in the order the request listed them. */
  readonly signedHeaders: readonly string[];
  /** Lowercase hex, 64 characters. */
  readonly signature: string;
  /** The `X-Amz-Date` value (`YYYYMMDDTHHMMSSZ`) and the instant it names. */
  readonly amzDate: string;
  readonly signedAt: Date;
  /** Presigned requests only: `X-Amz-Expires` in seconds (1..604800). */
  readonly expiresInSeconds?: number;
}

/** Query parameters that carry a presigned signature (the session token is not one of them). */
export const PRESIGN_PARAMETERS: ReadonlySet<string> = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
]);

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_PRESIGN_SECONDS = 604_800;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
const AMZ_DATE = /^\d{8}T\d{6}Z$/;
const SCOPE_DATE = /^\d{8}$/;
const EXPIRES = /^[1-9]\d{0,5}$/;
const ACCESS_KEY_ID = /^[A-Za-z0-9]{1,128}$/;
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?]*/i;

function incomplete(message: string) {
  return fail('credentials.incomplete-signature', message);
}

/** Splits a received request into path, decoded query and lowercased headers. */
export function readRequest(request: ReceivedRequest): Result<ReadRequest> {
  let target = request.url;
  // Absolute-form targets (proxies) carry scheme and authority; SigV4 signs only the path.
  // Origin-form (`/...`), what clients send, needs no scheme match.
  const absolute = target.startsWith('/') ? null : ABSOLUTE_FORM.exec(target);
  if (absolute) target = target.slice(absolute[0].length);
  const hashAt = target.indexOf('#');
  if (hashAt >= 0) target = target.slice(0, hashAt);
  const queryAt = target.indexOf('?');
  const rawPath = queryAt >= 0 ? target.slice(0, queryAt) : target;
  const rawQuery = queryAt >= 0 ? target.slice(queryAt + 1) : '';

  const query = new Map<string, string[]>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const equalsAt = pair.indexOf('=');
    const rawName = equalsAt >= 0 ? pair.slice(0, equalsAt) : pair;
    const rawValue = equalsAt >= 0 ? pair.slice(equalsAt + 1) : '';
    let name: string;
    let value: string;
    try {
      // `+` stays a literal plus: SigV4 clients percent-encode spaces, never as `+`.
      name = decodeURIComponent(rawName);
      value = decodeURIComponent(rawValue);
    } catch {
      return incomplete('The query string is not correctly percent-encoded.');
    }
    const values = query.get(name);
    if (values) values.push(value);
    else query.set(name, [value]);
  }

  const headers = new Map<string, readonly string[]>();
  for (const rawName of Object.keys(request.headers)) {
    const raw = request.headers[rawName];
    if (raw === undefined) continue;
    const name = rawName.toLowerCase();
    const list = headers.get(name);
    // A name seen once (the usual case) keeps the received list as is: nothing here mutates it.
    if (list === undefined) headers.set(name, typeof raw === 'string' ? [raw] : raw);
    else headers.set(name, list.concat(raw));
  }

  return ok({
    method: request.method,
    path: rawPath === '' ? '/' : rawPath,
    query,
    headers,
    body: request.body,
  });
}

/** One header's value for signing: repeated values joined with `,` as SigV4 specifies. */
export function headerValue(request: ReadRequest, name: string): string | undefined {
  return request.headers.get(name)?.join(',');
}

/** A header or query parameter that must occur at most once. */
function single(values: readonly string[] | undefined): string | undefined | 'repeated' {
  if (values === undefined || values.length === 0) return undefined;
  return values.length === 1 ? values[0] : 'repeated';
}

/**
 * Reads the signature claim from the `Authorization` header or the presigned query parameters.
 * `credentials.missing` when the request carries neither, `credentials.incomplete-signature` when
 * what it carries is malformed.
 */
export function readSignatureClaim(request: ReadRequest): Result<SignatureClaim> {
  const authorization = single(request.headers.get('authorization'));
  const presigned = request.query.size > 0 && hasAnyPresignParameter(request.query);
  if (authorization !== undefined && presigned) {
    return incomplete('Only one authentication mechanism is allowed: header or query parameters.');
  }
  if (authorization === 'repeated') return incomplete('The Authorization header is repeated.');
  if (authorization !== undefined) return readHeaderClaim(request, authorization);
  if (presigned) return readQueryClaim(request);
  return fail(
    'credentials.missing',
    'The request is not signed: it has no Authorization header or X-Amz-Signature.',
  );
}

function hasAnyPresignParameter(query: ReadonlyMap<string, readonly string[]>): boolean {
  for (const name of PRESIGN_PARAMETERS) if (query.has(name)) return true;
  return false;
}

function readHeaderClaim(request: ReadRequest, authorization: string): Result<SignatureClaim> {
  const space = authorization.indexOf(' ');
  const algorithm = space >= 0 ? authorization.slice(0, space) : authorization;
  if (algorithm !== ALGORITHM) {
    return incomplete(`Unsupported authorization type; only ${ALGORITHM} is accepted.`);
  }
  const components = new Map<string, string>();
  for (const component of authorization.slice(space + 1).split(',')) {
    const trimmed = component.trim();
    const equalsAt = trimmed.indexOf('=');
    if (equalsAt <= 0) return incomplete(`Authorization header component '${trimmed}' is not name=value.`);
    const name = trimmed.slice(0, equalsAt);
    if (components.has(name)) return incomplete(`Authorization header repeats '${name}'.`);
    components.set(name, trimmed.slice(equalsAt + 1));
  }
  const credential = components.get('Credential');
  const signedHeaders = components.get('SignedHeaders');
  const signature = components.get('Signature');
  if (
    credential === undefined ||
    signedHeaders === undefined ||
    signature === undefined ||
    components.size !== 3
  ) {
    return incomplete(
      'Authorization header requires exactly the Credential, SignedHeaders and Signature parameters.',
    );
  }
  const amzDate = single(request.headers.get('x-amz-date'));
  if (amzDate === undefined || amzDate === 'repeated') {
    return incomplete("Authorization header requires exactly one 'X-Amz-Date' header.");
  }
  return buildClaim('header', credential, signedHeaders, signature, amzDate, undefined);
}

function readQueryClaim(request: ReadRequest): Result<SignatureClaim> {
  const values = new Map<string, string>();
  for (const name of PRESIGN_PARAMETERS) {
    const value = single(request.query.get(name));
    if (value === undefined) return incomplete(`Presigned request is missing the ${name} query parameter.`);
    if (value === 'repeated') return incomplete(`Presigned request repeats the ${name} query parameter.`);
    values.set(name, value);
  }
  if (values.get('X-Amz-Algorithm') !== ALGORITHM) {
    return incomplete(`Unsupported X-Amz-Algorithm; only ${ALGORITHM} is accepted.`);
  }
  const expires = values.get('X-Amz-Expires') ?? '';
  // Canonical decimal only: the signer re-serialises the number, so `060` could never verify.
  if (!EXPIRES.test(expires) || Number(expires) > MAX_PRESIGN_SECONDS) {
    return incomplete(`X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS}.`);
  }
  return buildClaim(
    'query',
    values.get('X-Amz-Credential') ?? '',
    values.get('X-Amz-SignedHeaders') ?? '',
    values.get('X-Amz-Signature') ?? '',
    values.get('X-Amz-Date') ?? '',
    Number(expires),
  );
}

function buildClaim(
  via: 'header' | 'query',
  credential: string,
  signedHeaderList: string,
  signature: string,
  amzDate: string,
  expiresInSeconds: number | undefined,
): Result<SignatureClaim> {
  const scope = credential.split('/');
  const [accessKeyId, scopeDate, region, service, terminator] = scope;
  if (
    scope.length !== 5 ||
    accessKeyId === undefined ||
    scopeDate === undefined ||
    region === undefined ||
    service === undefined ||
    terminator === undefined
  ) {
    return incomplete(
      'Credential must have the form <access key id>/<date>/<region>/<service>/aws4_request.',
    );
  }
  if (!ACCESS_KEY_ID.test(accessKeyId)) return incomplete('Credential names a malformed access key id.');
  if (!SCOPE_DATE.test(scopeDate)) return incomplete('Credential scope date must be YYYYMMDD.');
  if (region === '' || service === '')
    return incomplete('Credential scope region and service must not be empty.');
  if (terminator !== 'aws4_request') {
    return incomplete("Credential should be scoped with a valid terminator: 'aws4_request'.");
  }

  const signedHeaders = signedHeaderList.split(';');
  // Clients list SignedHeaders sorted, which also proves them distinct; only another order needs a set.
  let sorted = true;
  for (let i = 0; i < signedHeaders.length; i++) {
    const name = signedHeaders[i] as string;
    if (!HEADER_NAME.test(name)) {
      return incomplete('SignedHeaders must be lowercase header names separated by semicolons.');
    }
    if (i > 0 && name <= (signedHeaders[i - 1] as string)) sorted = false;
  }
  if (!sorted && new Set(signedHeaders).size !== signedHeaders.length) {
    return incomplete('SignedHeaders lists a header twice.');
  }
  if (!SIGNATURE.test(signature)) return incomplete('Signature must be 64 lowercase hexadecimal characters.');

  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined)
    return incomplete('X-Amz-Date must be an ISO 8601 basic date-time: YYYYMMDDTHHMMSSZ.');

  const claim: SignatureClaim = {
    via,
    accessKeyId,
    scopeDate,
    region,
    service,
    signedHeaders,
    signature,
    amzDate,
    signedAt,
  };
  return ok(expiresInSeconds === undefined ? claim : { ...claim, expiresInSeconds });
}

/** Parses `YYYYMMDDTHHMMSSZ`, refusing dates that do not exist (e.g. February 30th). */
export function parseAmzDate(value: string): Date | undefined {
  if (!AMZ_DATE.test(value)) return undefined;
  const [year, month, day, hour, minute, second] = [
    digitsAt(value, 0, 4),
    digitsAt(value, 4, 2) - 1,
    digitsAt(value, 6, 2),
    digitsAt(value, 9, 2),
    digitsAt(value, 11, 2),
    digitsAt(value, 13, 2),
  ];
  const date = new Date(Date.UTC(year, month, day, hour, minute, second));
  // Date.UTC rolls over what does not exist (month 13, hour 24) and maps years 0-99 to 19xx:
  // reading every field back refuses those, without formatting the date again on every request.
  const exists =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return exists ? date : undefined;
}

/** The number `count` decimal digits of `value` spell from `from` (positions the caller checked are digits). */
function digitsAt(value: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + value.charCodeAt(i) - 48;
  return n;
}

/** Formats an instant as SigV4's `YYYYMMDDTHHMMSSZ`. */
export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
