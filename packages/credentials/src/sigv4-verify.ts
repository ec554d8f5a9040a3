/**
 * Verification of AWS Signature Version 4 on received requests, by both the `Authorization`
 * header and presigned query parameters. The signature itself is recomputed by
 * @smithy/signature-v4 (the signer AWS SDKs use) over a request rebuilt from exactly the signed
 * headers; this module decides what goes in and what must hold around it.
 */
import { createHash } from 'node:crypto';
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import {
  ALGORITHM_IDENTIFIER,
  ALGORITHM_QUERY_PARAM,
  AMZ_DATE_HEADER,
  AMZ_DATE_QUERY_PARAM,
  CREDENTIAL_QUERY_PARAM,
  createScope,
  EXPIRES_QUERY_PARAM,
  GENERATED_HEADERS,
  getCanonicalHeaders,
  getPayloadHash,
  SIGNED_HEADERS_QUERY_PARAM,
  SignatureV4,
} from '@smithy/signature-v4';
import { fixedLengthEqual } from './constant-time.ts';
import { sessionTokenMatches } from './session-tokens.ts';
import {
  formatAmzDate,
  headerValue,
  PRESIGN_PARAMETERS,
  type ReadRequest,
  type ReceivedRequest,
  readRequest,
  readSignatureClaim,
  type SignatureClaim,
} from './sigv4-request.ts';

/** What the key store knows about an access key: its secret, and for STS keys its token hash. */
export type SigningSecret =
  | { readonly temporary: false; readonly secretAccessKey: string }
  | {
      readonly temporary: true;
      readonly secretAccessKey: string;
      /** `hashSessionToken(token)`: the store never holds the token itself. */
      readonly sessionTokenHash: string;
    };

/**
 * Port to the key store: the secret for an access key id, or a failure such as
 * `credentials.unknown-key`, `credentials.inactive` or `credentials.expired-token`, passed through.
 */
export type LookupSigningSecret = (accessKeyId: string) => Promise<Result<SigningSecret>>;

/** What a verified request proves. */
export interface VerifiedSignature {
  readonly accessKeyId: string;
  readonly temporary: boolean;
  readonly region: string;
  readonly service: string;
  readonly signedAt: Date;
  readonly via: 'header' | 'query';
  readonly signedHeaders: readonly string[];
}

/** Inputs to `verifySigV4`. */
export interface VerifySigV4Input {
  readonly request: ReceivedRequest;
  /** The scope service this endpoint answers for (`iam`, `sts`, `palisade`): pinned, not read. */
  readonly service: string;
  readonly now: Date;
  readonly lookupSecret: LookupSigningSecret;
  /**
   * Accept `x-amz-content-sha256: UNSIGNED-PAYLOAD` (the body is then not covered by the
   * signature). Off by default: for Query-protocol APIs the action itself is in the body.
   */
  readonly allowUnsignedPayload?: boolean;
}

/** How far a header-signed request's date may be from the server clock, either way (AWS: 15 min). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
// Built once: the signer calls `new sha256(secret?)` for every hash and HMAC it computes.
const Sha256 = Hash.bind(null, 'sha256');
const PAYLOAD_HASH = /^[0-9a-f]{64}$/;

/**
 * Verifies a SigV4-signed request: reads the claim, checks scope and freshness, looks up the key,
 * checks the session token and body hash, then recomputes and compares the signature.
 */
export async function verifySigV4(input: VerifySigV4Input): Promise<Result<VerifiedSignature>> {
  const request = readRequest(input.request);
  if (!request.ok) return request;
  const claim = readSignatureClaim(request.value);
  if (!claim.ok) return claim;

  const structural =
    checkScope(claim.value, input.service) ??
    checkFreshness(claim.value, input.now) ??
    checkSignedHeaders(claim.value, request.value);
  if (structural) return structural;

  const secret = await input.lookupSecret(claim.value.accessKeyId);
  if (!secret.ok) return secret;

  const content =
    checkSessionToken(request.value, secret.value) ??
    checkPayloadHash(request.value, input.allowUnsignedPayload ?? false);
  if (content) return content;

  const expected = await computeSignature(claim.value, request.value, secret.value.secretAccessKey);
  // Both are 64 hex digits (the claim's format is checked as it is read): no hashing needed.
  if (!fixedLengthEqual(expected, claim.value.signature)) {
    return fail(
      'credentials.signature-mismatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS secret access key and signing method.',
    );
  }

  return ok({
    accessKeyId: claim.value.accessKeyId,
    temporary: secret.value.temporary,
    region: claim.value.region,
    service: claim.value.service,
    signedAt: claim.value.signedAt,
    via: claim.value.via,
    signedHeaders: claim.value.signedHeaders,
  });
}

/** The credential scope must name this endpoint's service and the day of X-Amz-Date. */
function checkScope(claim: SignatureClaim, service: string): Failure | undefined {
  if (claim.service !== service) {
    return fail(
      'credentials.signature-mismatch',
      `Credential should be scoped to correct service: '${service}'.`,
    );
  }
  if (claim.scopeDate !== claim.amzDate.slice(0, 8)) {
    return fail(
      'credentials.signature-mismatch',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${claim.scopeDate}' != '${claim.amzDate.slice(0, 8)}'.`,
    );
  }
  return undefined;
}

/** Header signatures live 15 minutes either side of now; presigned ones until X-Amz-Expires. */
function checkFreshness(claim: SignatureClaim, now: Date): Failure | undefined {
  const signedAt = claim.signedAt.getTime();
  const earliest = now.getTime() - MAX_CLOCK_SKEW_MS;
  const latest = now.getTime() + MAX_CLOCK_SKEW_MS;
  if (signedAt > latest) {
    return fail(
      'credentials.request-expired',
      `Signature not yet current: ${claim.amzDate} is still later than ${formatAmzDate(new Date(latest))} (${formatAmzDate(now)} + 15 min.)`,
    );
  }
  if (claim.expiresInSeconds !== undefined) {
    if (now.getTime() > signedAt + claim.expiresInSeconds * 1000) {
      return fail('credentials.request-expired', 'Request has expired.');
    }
    return undefined;
  }
  if (signedAt < earliest) {
    return fail(
      'credentials.request-expired',
      `Signature expired: ${claim.amzDate} is now earlier than ${formatAmzDate(new Date(earliest))} (${formatAmzDate(now)} - 15 min.)`,
    );
  }
  return undefined;
}

/** `host` (and X-Amz-Date in the header form) must be signed, and every signed header present. */
function checkSignedHeaders(claim: SignatureClaim, request: ReadRequest): Failure | undefined {
  if (!claim.signedHeaders.includes('host')) {
    return fail('credentials.incomplete-signature', "'Host' must be a signed header.");
  }
  if (claim.via === 'header' && !claim.signedHeaders.includes('x-amz-date')) {
    return fail('credentials.incomplete-signature', "'X-Amz-Date' must be a signed header.");
  }
  for (const name of claim.signedHeaders) {
    if (!request.headers.has(name)) {
      return fail(
        'credentials.signature-mismatch',
        `The signed header '${name}' is not present in the request.`,
      );
    }
  }
  return undefined;
}

const NO_TOKENS: readonly string[] = [];

/**
 * A session token is required exactly for temporary keys and must be the key's own. It may come
 * as the `x-amz-security-token` header or `X-Amz-Security-Token` query parameter (never two
 * different ones).
 */
function checkSessionToken(request: ReadRequest, secret: SigningSecret): Failure | undefined {
  const inHeader = request.headers.get('x-amz-security-token');
  const inQuery = request.query.get('X-Amz-Security-Token');
  // Most requests carry no token at all: nothing is built for them.
  const presented =
    inHeader === undefined && inQuery === undefined ? NO_TOKENS : [...(inHeader ?? []), ...(inQuery ?? [])];
  const token = presented[0];
  if (token === undefined) {
    return secret.temporary
      ? fail(
          'credentials.invalid-token',
          'Temporary credentials require the X-Amz-Security-Token of their session.',
        )
      : undefined;
  }
  const invalid = () =>
    fail('credentials.invalid-token', 'The security token included in the request is invalid.');
  if (presented.some((t) => t !== token)) return invalid();
  if (!secret.temporary) return invalid();
  return sessionTokenMatches(token, secret.sessionTokenHash) ? undefined : invalid();
}

/** A declared `x-amz-content-sha256` must be the SHA-256 of the body actually received. */
function checkPayloadHash(request: ReadRequest, allowUnsignedPayload: boolean): Failure | undefined {
  const declared = request.headers.get('x-amz-content-sha256');
  if (declared === undefined) return undefined;
  const value = declared.length === 1 ? declared[0] : undefined;
  if (value === UNSIGNED_PAYLOAD) {
    return allowUnsignedPayload
      ? undefined
      : fail(
          'credentials.incomplete-signature',
          'Unsigned payloads are not accepted: sign the request body.',
        );
  }
  if (value === undefined || !PAYLOAD_HASH.test(value)) {
    return fail(
      'credentials.incomplete-signature',
      'x-amz-content-sha256 must be the hex SHA-256 of the body.',
    );
  }
  const actual = createHash('sha256').update(request.body).digest('hex');
  if (actual !== value) {
    return fail(
      'credentials.signature-mismatch',
      'The provided x-amz-content-sha256 header does not match what was computed.',
    );
  }
  return undefined;
}

/** How many signers are kept between requests (one per key, region and service recently seen). */
const KEPT_SIGNERS = 1_000;

/**
 * SignatureV4 with its own canonical request, string to sign and signed-header list within reach:
 * the verifier has the client's date, scope and payload hash in hand, so it asks the signer for
 * those pieces rather than `sign`/`presign`, which clone the request, re-format the date and
 * rebuild the Authorization header only for the signature to be sliced back out. (A subclass is
 * the only typed way to the protected methods.) Every canonical form is still smithy's.
 */
class VerifyingSigner extends SignatureV4 {
  /** smithy's canonical request over exactly the given canonical headers and payload hash. */
  canonicalRequestOf(
    request: HttpRequest,
    canonicalHeaders: Record<string, string>,
    payloadHash: string,
  ): string {
    return this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
  }

  /** smithy's string to sign (algorithm, date, scope, hash of the canonical request). */
  stringToSignOf(longDate: string, scope: string, canonicalRequest: string): Promise<string> {
    return this.createStringToSign(longDate, scope, canonicalRequest, ALGORITHM_IDENTIFIER);
  }

  /** smithy's SignedHeaders value for canonical headers (what `presign` puts in the query). */
  signedHeaderListOf(canonicalHeaders: Record<string, string>): string {
    return this.getCanonicalHeaderList(canonicalHeaders);
  }

  /**
   * smithy's date forms; for a claim's own signing date they are its X-Amz-Date and scope date as
   * received, so `sign` does not format the date again (ISO string and two regex replaces a request).
   * INVARIANT: they are what smithy would format: parseAmzDate accepts only dates that read back
   * field by field, and checkScope holds the scope date to the X-Amz-Date's day.
   */
  protected override formatDate(now: Date | number | string): { longDate: string; shortDate: string } {
    return (typeof now === 'object' ? claimDates.get(now) : undefined) ?? super.formatDate(now);
  }
}

/**
 * The date forms smithy would format from the signing dates of signatures being verified right now,
 * by the very Date object (each request parses its own): see VerifyingSigner.formatDate.
 */
const claimDates = new WeakMap<Date, { longDate: string; shortDate: string }>();

/** A signer and the secret it was built with. */
interface KeptSigner {
  readonly secretAccessKey: string;
  readonly signer: VerifyingSigner;
}

const signers = new Map<string, KeptSigner>();

/**
 * The signer for a key id, region and service, built once and kept (bounded, oldest dropped first)
 * rather than per request. SECURITY: a kept signer is reused only with the very secret the key
 * store gave for this request; a different secret (a rotated or re-created key) builds a new one.
 */
function signerFor(claim: SignatureClaim, secretAccessKey: string): VerifyingSigner {
  const id = `${claim.accessKeyId}/${claim.region}/${claim.service}`;
  const kept = signers.get(id);
  if (kept?.secretAccessKey === secretAccessKey) return kept.signer;
  // No session token in the credentials: the signer would add it as a header or query parameter,
  // but the client's own token (signed or not) is already in the request as received.
  const signer = new VerifyingSigner({
    credentials: { accessKeyId: claim.accessKeyId, secretAccessKey },
    region: claim.region,
    service: claim.service,
    sha256: Sha256,
    applyChecksum: false,
    uriEscapePath: true,
  });
  signers.delete(id);
  signers.set(id, { secretAccessKey, signer });
  if (signers.size > KEPT_SIGNERS) signers.delete(signers.keys().next().value as string);
  return signer;
}

/**
 * Recomputes the signature with @smithy/signature-v4 over exactly what the client signed, as its
 * `sign` (header) or `presign` (query) would: the same headers dropped and added, the same query
 * parameters, smithy's canonical headers, payload hash, canonical request and string to sign, and
 * the signature from its `sign(stringToSign)` with its signing-key cache.
 */
async function computeSignature(
  claim: SignatureClaim,
  request: ReadRequest,
  secretAccessKey: string,
): Promise<string> {
  // INVARIANT: the rebuilt request carries only the signed headers, so the signer's canonical
  // header list is the client's SignedHeaders. As smithy's prepareRequest does, the headers the
  // signer generates itself (authorization, x-amz-date, date) are dropped; `sign` re-adds
  // x-amz-date from the signing date, which is exactly the client's X-Amz-Date (parseAmzDate
  // accepts only dates that read back field by field, so formatting signedAt gives amzDate again).
  const headers: Record<string, string> = {};
  for (const name of claim.signedHeaders) {
    if (!GENERATED_HEADERS.includes(name)) headers[name] = headerValue(request, name) ?? '';
  }
  if (claim.via === 'header') headers[AMZ_DATE_HEADER] = claim.amzDate;
  const query: Record<string, string | string[]> = {};
  for (const [name, values] of request.query) {
    if (claim.via === 'query' && PRESIGN_PARAMETERS.has(name)) continue;
    query[name] = values.length === 1 ? (values[0] ?? '') : [...values];
  }
  const rebuilt = new HttpRequest({
    method: request.method,
    protocol: 'https:',
    hostname: headers.host ?? 'localhost',
    path: request.path,
    query,
    headers,
    body: request.body,
  });

  const signer = signerFor(claim, secretAccessKey);
  // Listing the signed headers as signable overrides the signer's own skip list (e.g. user-agent).
  const canonicalHeaders = getCanonicalHeaders(rebuilt, undefined, new Set(claim.signedHeaders));
  // The scope's date is the day of X-Amz-Date (checkScope), as smithy derives it from the signing date.
  const scope = createScope(claim.scopeDate, claim.region, claim.service);
  if (claim.via === 'query') {
    // What presign adds to the query (no session token: the credentials carry none).
    query[ALGORITHM_QUERY_PARAM] = ALGORITHM_IDENTIFIER;
    query[CREDENTIAL_QUERY_PARAM] = `${claim.accessKeyId}/${scope}`;
    query[AMZ_DATE_QUERY_PARAM] = claim.amzDate;
    query[EXPIRES_QUERY_PARAM] = (claim.expiresInSeconds ?? 0).toString(10);
    query[SIGNED_HEADERS_QUERY_PARAM] = signer.signedHeaderListOf(canonicalHeaders);
  }
  // smithy's payload hash: a signed x-amz-content-sha256 as declared (checked against the body
  // already), otherwise the body's SHA-256.
  const payloadHash = await getPayloadHash(rebuilt, Sha256);
  const canonicalRequest = signer.canonicalRequestOf(rebuilt, canonicalHeaders, payloadHash);
  const stringToSign = await signer.stringToSignOf(claim.amzDate, scope, canonicalRequest);
  claimDates.set(claim.signedAt, { longDate: claim.amzDate, shortDate: claim.scopeDate });
  return signer.sign(stringToSign, {
    signingDate: claim.signedAt,
    signingRegion: claim.region,
    signingService: claim.service,
  });
}
