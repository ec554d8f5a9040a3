/**
 * The AWS SigV4 test suite (aws-c-auth's v4/ layout, read from ../shared/conformance at test time
 * and never copied here) replayed as *received* requests: every signed request must verify at the
 * suite's clock, and a tampered copy of it must not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail, ok } from '@palisade/failures';
import { describe, expect, it } from 'vitest';
import { conformanceCorpus } from '../../../test/fixtures/conformance-corpus.ts';
import { hashSessionToken, type ReceivedRequest, type SigningSecret, verifySigV4 } from '../src/index.ts';

const { dir: SUITE, present } = conformanceCorpus('sigv4-test-suite/v4');
const SUITE_NOW = new Date('2015-08-30T12:36:00Z');

interface CaseContext {
  readonly credentials: { access_key_id: string; secret_access_key: string; token?: string };
  readonly region: string;
  readonly service: string;
  readonly normalize: boolean;
  readonly omit_session_token?: boolean;
}

type Mode = 'header' | 'query';

/** Why the normalize=false cases do not apply; every other case in the suite must verify. */
const S3_STYLE_REASON =
  'normalize=false: signed S3-style (no path normalisation, single encoding); Palisade verifies with the non-S3 canonical path';

/** Cases whose signed request a strict verifier must refuse, with the reason and expected code. */
const EXPECTED_REFUSALS: Readonly<Record<string, { reason: string; code: string }>> = {
  'post-sts-header-after/query': {
    reason:
      'the session token was added to the query after presigning, so the canonical query the client signed lacks it',
    code: 'credentials.signature-mismatch',
  },
};

/** Parses an HTTP/1.1 request as the suite writes it into what a server would receive. */
function parseSignedRequest(text: string): ReceivedRequest {
  const headerEnd = text.indexOf('\n\n');
  const head = headerEnd >= 0 ? text.slice(0, headerEnd) : text;
  const body = headerEnd >= 0 ? text.slice(headerEnd + 2) : '';
  const [requestLine = '', ...lines] = head.split('\n');
  const method = requestLine.slice(0, requestLine.indexOf(' '));
  // The target may itself contain spaces (get-space-*): it runs up to the final " HTTP/1.1".
  const url = requestLine.slice(method.length + 1, requestLine.lastIndexOf(' '));
  const headers: Record<string, string[]> = {};
  let last: string[] | undefined;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && last) {
      // Obsolete line folding (get-header-value-multiline): the continuation joins with a space.
      last[last.length - 1] = `${last[last.length - 1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    headers[name] ??= [];
    last = headers[name];
    last.push(line.slice(colon + 1));
  }
  return { method, url, headers, body: new TextEncoder().encode(body) };
}

function lookupFor(context: CaseContext) {
  const { access_key_id, secret_access_key, token } = context.credentials;
  const secret: SigningSecret =
    token === undefined
      ? { temporary: false, secretAccessKey: secret_access_key }
      : { temporary: true, secretAccessKey: secret_access_key, sessionTokenHash: hashSessionToken(token) };
  return async (accessKeyId: string) =>
    accessKeyId === access_key_id ? ok(secret) : fail('credentials.unknown-key', 'unknown key');
}

function tamper(request: ReceivedRequest): ReceivedRequest {
  const separator = request.url.includes('?') ? '&' : '?';
  return { ...request, url: `${request.url}${separator}Tampered=1` };
}

if (!present) console.log(`SigV4 conformance skipped: ${SUITE} not found`);

describe.skipIf(!present)('SigV4 conformance (aws-c-auth v4 test suite)', () => {
  const caseNames = present ? readdirSync(SUITE).sort() : [];
  // Counted as the cases are planned, so the tally holds whatever order the cases run in.
  const tally = { verified: 0, refusedAsExpected: 0, skipped: [] as string[] };

  for (const name of caseNames) {
    const context = JSON.parse(readFileSync(join(SUITE, name, 'context.json'), 'utf8')) as CaseContext;
    for (const mode of ['header', 'query'] as const satisfies readonly Mode[]) {
      const id = `${name}/${mode}`;
      const skipReason = context.normalize ? undefined : S3_STYLE_REASON;
      if (skipReason) {
        tally.skipped.push(`${id}: ${skipReason}`);
        it.skip(`${id} (${skipReason})`, () => {});
        continue;
      }
      const request = parseSignedRequest(
        readFileSync(join(SUITE, name, `${mode}-signed-request.txt`), 'utf8'),
      );
      const verifyAt = (r: ReceivedRequest) =>
        verifySigV4({
          request: r,
          service: context.service,
          now: SUITE_NOW,
          lookupSecret: lookupFor(context),
        });
      const refusal = EXPECTED_REFUSALS[id];

      if (refusal) {
        tally.refusedAsExpected += 1;
        it(`${id} is refused: ${refusal.reason}`, async () => {
          const result = await verifyAt(request);
          expect(result.ok ? 'ok' : result.code).toBe(refusal.code);
        });
        continue;
      }
      tally.verified += 1;
      it(`${id} verifies as received`, async () => {
        const result = await verifyAt(request);
        expect(result.ok ? 'ok' : `${result.code}: ${result.message}`).toBe('ok');
        expect(result.ok && result.value.via).toBe(mode);
      });
      it(`${id} fails once tampered`, async () => {
        const result = await verifyAt(tamper(request));
        expect(result.ok ? 'ok' : result.code).toBe('credentials.signature-mismatch');
      });
    }
  }

  it('holds cases to verify and every expected refusal', () => {
    console.log(
      `SigV4 conformance: ${tally.verified} to verify, ${tally.refusedAsExpected} to refuse, ${tally.skipped.length} skipped\n  ${tally.skipped.join('\n  ')}`,
    );
    expect(tally.verified).toBeGreaterThan(0);
    expect(tally.refusedAsExpected).toBe(Object.keys(EXPECTED_REFUSALS).length);
  });
});
