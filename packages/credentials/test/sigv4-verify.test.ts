import { fail, ok, type Result } from '@palisade/failures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  generateAccessKeyId,
  generateSecretAccessKey,
  generateSessionToken,
  hashSessionToken,
  type LookupSigningSecret,
  type ReceivedRequest,
  type SigningSecret,
  verifySigV4,
} from '../src/index.ts';
import { type ClientRequest, type ClientSigning, signAsClient } from './support/client-signing.ts';

const SIGNED_AT = new Date('2026-03-14T09:26:53Z');
const LONG_TERM = {
  accessKeyId: generateAccessKeyId('long-term'),
  secretAccessKey: generateSecretAccessKey(),
};
const SESSION_TOKEN = generateSessionToken();
const TEMPORARY = {
  accessKeyId: generateAccessKeyId('temporary'),
  secretAccessKey: generateSecretAccessKey(),
  sessionToken: SESSION_TOKEN,
};

const keys = new Map<string, SigningSecret>([
  [LONG_TERM.accessKeyId, { temporary: false, secretAccessKey: LONG_TERM.secretAccessKey }],
  [
    TEMPORARY.accessKeyId,
    {
      temporary: true,
      secretAccessKey: TEMPORARY.secretAccessKey,
      sessionTokenHash: hashSessionToken(SESSION_TOKEN),
    },
  ],
]);
const lookupSecret: LookupSigningSecret = async (accessKeyId): Promise<Result<SigningSecret>> => {
  const secret = keys.get(accessKeyId);
  return secret
    ? ok(secret)
    : fail('credentials.unknown-key', 'The security token included in the request is invalid.');
};

const QUERY_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

/** What AWS SDK v3 sends for an STS Query call. */
const sdkRequest: ClientRequest = {
  method: 'POST',
  path: '/',
  headers: {
    host: 'sts.palisade.test',
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': String(QUERY_BODY.length),
    'amz-sdk-invocation-id': 'b4c6b2a4-1c1e-4c4d-9a8e-2f0a4a3f0f1b',
    'amz-sdk-request': 'attempt=1; max=3',
    'x-amz-user-agent': 'aws-sdk-js/3.1169.0',
    'user-agent': 'aws-sdk-js/3.1169.0 ua/2.1 os/linux lang/js md/nodejs#20.20.2',
  },
  body: QUERY_BODY,
};
const sdkSigning: ClientSigning = {
  credentials: LONG_TERM,
  service: 'sts',
  region: 'us-east-1',
  date: SIGNED_AT,
  applyChecksum: true,
};

async function verify(
  request: ReceivedRequest,
  now = SIGNED_AT,
  service = 'sts',
  allowUnsignedPayload = false,
) {
  return verifySigV4({ request, service, now, lookupSecret, allowUnsignedPayload });
}

function withHeaders(request: ReceivedRequest, headers: Record<string, string | string[]>): ReceivedRequest {
  return { ...request, headers: { ...request.headers, ...headers } };
}

function codeOf<T>(result: Result<T>): string {
  return result.ok ? 'ok' : result.code;
}

describe('verifySigV4 with requests signed as real clients sign them', () => {
  it('accepts an AWS SDK v3 request that signs content-length, x-amz-content-sha256 and amz-sdk-*', async () => {
    const request = await signAsClient(sdkRequest, sdkSigning);
    expect(String(request.headers.authorization)).toContain('amz-sdk-invocation-id');
    expect(String(request.headers.authorization)).toContain('x-amz-content-sha256');
    const result = await verify(request);
    expect(result).toEqual({
      ok: true,
      value: {
        accessKeyId: LONG_TERM.accessKeyId,
        temporary: false,
        region: 'us-east-1',
        service: 'sts',
        signedAt: SIGNED_AT,
        via: 'header',
        signedHeaders: expect.arrayContaining([
          'host',
          'x-amz-date',
          'content-length',
          'x-amz-content-sha256',
        ]),
      },
    });
  });

  it('accepts an AWS CLI request that signs only content-type, host and x-amz-date', async () => {
    const request = await signAsClient(
      {
        method: 'POST',
        path: '/',
        headers: {
          host: 'iam.palisade.test',
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        },
        body: 'Action=ListUsers&Version=2010-05-08',
      },
      {
        credentials: LONG_TERM,
        service: 'iam',
        region: 'us-east-1',
        date: SIGNED_AT,
        unsignedHeaders: { 'user-agent': 'aws-cli/2.17.0', 'content-length': '35' },
      },
    );
    expect(String(request.headers.authorization)).toContain('SignedHeaders=content-type;host;x-amz-date,');
    expect(codeOf(await verify(request, SIGNED_AT, 'iam'))).toBe('ok');
  });

  it('accepts a curl --aws-sigv4 request that signs host and x-amz-date (and x-amz-content-sha256)', async () => {
    const plain = await signAsClient(
      { method: 'GET', path: '/v1/whoami', headers: { host: 'localhost:8080' } },
      { credentials: LONG_TERM, service: 'palisade', region: 'us-east-1', date: SIGNED_AT },
    );
    expect(String(plain.headers.authorization)).toContain('SignedHeaders=host;x-amz-date,');
    expect(codeOf(await verify(plain, SIGNED_AT, 'palisade'))).toBe('ok');

    const withHash = await signAsClient(
      { method: 'GET', path: '/v1/whoami', headers: { host: 'localhost:8080' } },
      {
        credentials: LONG_TERM,
        service: 'palisade',
        region: 'us-east-1',
        date: SIGNED_AT,
        applyChecksum: true,
      },
    );
    expect(codeOf(await verify(withHash, SIGNED_AT, 'palisade'))).toBe('ok');
  });

  it('accepts any region string the client signed with', async () => {
    for (const region of ['eu-west-1', 'ap-southeast-2', 'palisade-local', 'auto']) {
      const request = await signAsClient(sdkRequest, { ...sdkSigning, region });
      const result = await verify(request);
      expect(result.ok && result.value.region).toBe(region);
    }
  });

  it('accepts temporary credentials with their signed session token', async () => {
    const request = await signAsClient(sdkRequest, { ...sdkSigning, credentials: TEMPORARY });
    expect(request.headers['x-amz-security-token']).toBe(SESSION_TOKEN);
    const result = await verify(request);
    expect(result.ok && result.value.temporary).toBe(true);
  });

  it('accepts a path and query with characters that need encoding', async () => {
    const request = await signAsClient(
      {
        method: 'GET',
        path: '/v1/users/a%40b%20c',
        query: { 'filter name': 'x=y&z', tag: ['b', 'a'], empty: '' },
        headers: { host: 'api.palisade.test' },
      },
      { credentials: LONG_TERM, service: 'palisade', region: 'us-east-1', date: SIGNED_AT },
    );
    expect(codeOf(await verify(request, SIGNED_AT, 'palisade'))).toBe('ok');
  });

  it('joins repeated values of a signed header with commas', async () => {
    const signed = await signAsClient(
      { method: 'GET', path: '/', headers: { host: 'api.palisade.test', 'x-custom': 'one,two' } },
      { credentials: LONG_TERM, service: 'palisade', region: 'us-east-1', date: SIGNED_AT },
    );
    const repeated = withHeaders(signed, { 'x-custom': ['one', 'two'] });
    expect(codeOf(await verify(repeated, SIGNED_AT, 'palisade'))).toBe('ok');
  });
});

describe('verifySigV4 on presigned requests', () => {
  const presignRequest: ClientRequest = {
    method: 'GET',
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: 'sts.palisade.test', 'x-k8s-aws-id': 'cluster-1' },
  };

  it('accepts a presigned URL within its X-Amz-Expires', async () => {
    const request = await signAsClient(presignRequest, { ...sdkSigning, presignExpiresIn: 60 });
    expect(request.url).toContain('X-Amz-Signature=');
    expect(request.headers.authorization).toBeUndefined();
    const at60 = await verify(request, new Date(SIGNED_AT.getTime() + 60_000));
    expect(at60.ok && at60.value.via).toBe('query');
  });

  it('rejects a presigned URL one second after it expires', async () => {
    const request = await signAsClient(presignRequest, { ...sdkSigning, presignExpiresIn: 60 });
    expect(codeOf(await verify(request, new Date(SIGNED_AT.getTime() + 61_000)))).toBe(
      'credentials.request-expired',
    );
  });

  it('rejects a presigned URL dated more than 15 minutes in the future', async () => {
    const request = await signAsClient(presignRequest, { ...sdkSigning, presignExpiresIn: 3600 });
    const early = new Date(SIGNED_AT.getTime() - 15 * 60_000 - 1000);
    expect(codeOf(await verify(request, early))).toBe('credentials.request-expired');
  });

  it('accepts presigned temporary credentials whose token is in the query', async () => {
    const request = await signAsClient(presignRequest, {
      ...sdkSigning,
      credentials: TEMPORARY,
      presignExpiresIn: 900,
    });
    expect(request.url).toContain('X-Amz-Security-Token=');
    expect(codeOf(await verify(request))).toBe('ok');
  });

  it('rejects an X-Amz-Expires edited after signing', async () => {
    const request = await signAsClient(presignRequest, { ...sdkSigning, presignExpiresIn: 60 });
    const edited = { ...request, url: request.url.replace('X-Amz-Expires=60', 'X-Amz-Expires=604800') };
    expect(codeOf(await verify(edited))).toBe('credentials.signature-mismatch');
  });

  it('refuses X-Amz-Expires outside 1..604800', async () => {
    const request = await signAsClient(presignRequest, { ...sdkSigning, presignExpiresIn: 60 });
    for (const bad of ['0', '604801', '-5', '060', 'soon']) {
      const edited = { ...request, url: request.url.replace('X-Amz-Expires=60', `X-Amz-Expires=${bad}`) };
      expect(codeOf(await verify(edited))).toBe('credentials.incomplete-signature');
    }
  });

  it('rejects a query parameter added to a presigned URL', async () => {
    const request = await signAsClient(presignRequest, { ...sdkSigning, presignExpiresIn: 60 });
    expect(codeOf(await verify({ ...request, url: `${request.url}&Extra=1` }))).toBe(
      'credentials.signature-mismatch',
    );
  });
});

describe('verifySigV4 on tampered requests', () => {
  const cases: { name: string; tamper: (r: ReceivedRequest) => ReceivedRequest }[] = [
    { name: 'the method', tamper: (r) => ({ ...r, method: 'PUT' }) },
    { name: 'the path', tamper: (r) => ({ ...r, url: '/other' }) },
    { name: 'the query', tamper: (r) => ({ ...r, url: '/?Action=DeleteUser' }) },
    { name: 'a signed header', tamper: (r) => withHeaders(r, { 'content-type': 'application/json' }) },
    {
      name: 'the body (x-amz-content-sha256 still the old hash)',
      tamper: (r) => ({
        ...r,
        body: new TextEncoder().encode('Action=GetCallerIdentity&Version=2011-06-16'),
      }),
    },
    {
      name: 'x-amz-date, within the skew',
      tamper: (r) => withHeaders(r, { 'x-amz-date': '20260314T092654Z' }),
    },
    {
      name: 'the region in the credential scope',
      tamper: (r) =>
        withHeaders(r, {
          authorization: String(r.headers.authorization).replace('/us-east-1/', '/eu-west-1/'),
        }),
    },
    {
      name: 'the signature',
      tamper: (r) => {
        const auth = String(r.headers.authorization);
        const last = auth.at(-1) === '0' ? '1' : '0';
        return withHeaders(r, { authorization: `${auth.slice(0, -1)}${last}` });
      },
    },
  ];

  for (const { name, tamper } of cases) {
    it(`rejects a change to ${name} as a signature mismatch`, async () => {
      const request = await signAsClient(sdkRequest, sdkSigning);
      expect(codeOf(await verify(tamper(request)))).toBe('credentials.signature-mismatch');
    });
  }

  it('rejects a body changed without its x-amz-content-sha256 when the client did not send one', async () => {
    const request = await signAsClient(sdkRequest, { ...sdkSigning, applyChecksum: false });
    expect(request.headers['x-amz-content-sha256']).toBeUndefined();
    const tampered = { ...request, body: new TextEncoder().encode('Action=DeleteRole&Version=2011-06-15') };
    expect(codeOf(await verify(tampered))).toBe('credentials.signature-mismatch');
  });

  it('rejects a request signed with the wrong secret', async () => {
    const request = await signAsClient(sdkRequest, {
      ...sdkSigning,
      credentials: { accessKeyId: LONG_TERM.accessKeyId, secretAccessKey: generateSecretAccessKey() },
    });
    expect(codeOf(await verify(request))).toBe('credentials.signature-mismatch');
  });

  it('rejects a signature that differs from the right one in its last hex digit only', async () => {
    const request = await signAsClient(sdkRequest, sdkSigning);
    const authorization = request.headers.authorization as string;
    const last = authorization.at(-1) === '0' ? '1' : '0';
    const tampered = withHeaders(request, { authorization: `${authorization.slice(0, -1)}${last}` });
    expect(codeOf(await verify(request))).toBe('ok');
    expect(codeOf(await verify(tampered))).toBe('credentials.signature-mismatch');
  });

  it('verifies against the secret the store holds now, not one it held for an earlier request', async () => {
    const rotating = {
      accessKeyId: generateAccessKeyId('long-term'),
      secretAccessKey: generateSecretAccessKey(),
    };
    const replacement = generateSecretAccessKey();
    let current = rotating.secretAccessKey;
    const lookup: LookupSigningSecret = async () => ok({ temporary: false, secretAccessKey: current });
    const signedWithOld = await signAsClient(sdkRequest, { ...sdkSigning, credentials: rotating });
    const check = (request: ReceivedRequest) =>
      verifySigV4({ request, service: 'sts', now: SIGNED_AT, lookupSecret: lookup });
    expect(codeOf(await check(signedWithOld))).toBe('ok');
    current = replacement;
    expect(codeOf(await check(signedWithOld))).toBe('credentials.signature-mismatch');
    const signedWithNew = await signAsClient(sdkRequest, {
      ...sdkSigning,
      credentials: { accessKeyId: rotating.accessKeyId, secretAccessKey: replacement },
    });
    expect(codeOf(await check(signedWithNew))).toBe('ok');
  });

  it('rejects a scope naming another service than the pinned one', async () => {
    const request = await signAsClient(sdkRequest, { ...sdkSigning, service: 'iam' });
    const result = await verify(request, SIGNED_AT, 'sts');
    expect(result).toMatchObject({ ok: false, code: 'credentials.signature-mismatch' });
    expect(result.ok || result.message).toContain("'sts'");
  });

  it('rejects a scope date that is not the day of X-Amz-Date', async () => {
    const request = await signAsClient(sdkRequest, sdkSigning);
    const auth = String(request.headers.authorization).replace('/20260314/', '/20260313/');
    expect(codeOf(await verify(withHeaders(request, { authorization: auth })))).toBe(
      'credentials.signature-mismatch',
    );
  });

  it('rejects a declared body hash that does not match the body', async () => {
    const request = await signAsClient(sdkRequest, sdkSigning);
    const result = await verify(withHeaders(request, { 'x-amz-content-sha256': 'a'.repeat(64) }));
    expect(codeOf(result)).toBe('credentials.signature-mismatch');
  });

  it('refuses UNSIGNED-PAYLOAD unless the endpoint allows it', async () => {
    const request = await signAsClient(
      { ...sdkRequest, headers: { ...sdkRequest.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
      { ...sdkSigning, applyChecksum: false },
    );
    expect(codeOf(await verify(request))).toBe('credentials.incomplete-signature');
    expect(codeOf(await verify(request, SIGNED_AT, 'sts', true))).toBe('ok');
  });
});

describe('verifySigV4 clock skew', () => {
  const minutes = (n: number) => n * 60_000;
  const at = (offsetMs: number) => new Date(SIGNED_AT.getTime() + offsetMs);

  it('accepts a signature exactly 15 minutes old', async () => {
    const request = await signAsClient(sdkRequest, sdkSigning);
    expect(codeOf(await verify(request, at(minutes(15))))).toBe('ok');
  });

  it('rejects a signature older than 15 minutes', async () => {
    const request = await signAsClient(sdkRequest, sdkSigning);
    const result = await verify(request, at(minutes(15) + 1000));
    expect(result).toMatchObject({ ok: false, code: 'credentials.request-expired' });
    expect(result.ok || result.message).toMatch(/^Signature expired/);
  });

  it('accepts a signature dated exactly 15 minutes ahead', async () => {
    const request = await signAsClient(sdkRequest, sdkSigning);
    expect(codeOf(await verify(request, at(-minutes(15))))).toBe('ok');
  });

  it('rejects a signature dated more than 15 minutes ahead', async () => {
    const request = await signAsClient(sdkRequest, sdkSigning);
    const result = await verify(request, at(-minutes(15) - 1000));
    expect(result).toMatchObject({ ok: false, code: 'credentials.request-expired' });
    expect(result.ok || result.message).toMatch(/^Signature not yet current/);
  });
});

describe('verifySigV4 session tokens', () => {
  it('refuses temporary credentials sent without their session token', async () => {
    const request = await signAsClient(sdkRequest, {
      ...sdkSigning,
      credentials: { ...TEMPORARY, sessionToken: undefined },
    });
    expect(codeOf(await verify(request))).toBe('credentials.invalid-token');
  });

  it('refuses temporary credentials with another session token', async () => {
    const request = await signAsClient(sdkRequest, {
      ...sdkSigning,
      credentials: { ...TEMPORARY, sessionToken: generateSessionToken() },
    });
    expect(codeOf(await verify(request))).toBe('credentials.invalid-token');
  });

  it('refuses a session token presented with a long-term key', async () => {
    const request = await signAsClient(sdkRequest, {
      ...sdkSigning,
      credentials: { ...LONG_TERM, sessionToken: SESSION_TOKEN },
    });
    expect(codeOf(await verify(request))).toBe('credentials.invalid-token');
  });

  it('refuses two different tokens in the header and the query', async () => {
    const request = await signAsClient(sdkRequest, { ...sdkSigning, credentials: TEMPORARY });
    const url = `/?X-Amz-Security-Token=${generateSessionToken()}`;
    expect(codeOf(await verify({ ...request, url }))).toBe('credentials.invalid-token');
  });
});

describe('verifySigV4 on missing and malformed signatures', () => {
  it('answers credentials.missing for an unsigned request', async () => {
    const request: ReceivedRequest = {
      method: 'GET',
      url: '/',
      headers: { host: 'x' },
      body: new Uint8Array(),
    };
    expect(codeOf(await verify(request))).toBe('credentials.missing');
  });

  it('answers credentials.unknown-key for a key the store does not know', async () => {
    const request = await signAsClient(sdkRequest, {
      ...sdkSigning,
      credentials: {
        accessKeyId: generateAccessKeyId('long-term'),
        secretAccessKey: generateSecretAccessKey(),
      },
    });
    expect(codeOf(await verify(request))).toBe('credentials.unknown-key');
  });

  const malformed: { name: string; authorization: (valid: string) => string }[] = [
    {
      name: 'another algorithm',
      authorization: (v) => v.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256'),
    },
    { name: 'a SigV2 header', authorization: () => 'AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=' },
    { name: 'no Signature', authorization: (v) => v.replace(/, Signature=[0-9a-f]+$/, '') },
    { name: 'a repeated component', authorization: (v) => `${v}, Signature=${'0'.repeat(64)}` },
    { name: 'a short credential scope', authorization: (v) => v.replace('/us-east-1/', '/') },
    { name: 'a wrong terminator', authorization: (v) => v.replace('aws4_request', 'aws5_request') },
    {
      name: 'a non-hex signature',
      authorization: (v) => v.replace(/Signature=[0-9a-f]{64}/, `Signature=${'z'.repeat(64)}`),
    },
    {
      name: 'uppercase signed headers',
      authorization: (v) => v.replace('SignedHeaders=', 'SignedHeaders=Host;'),
    },
    {
      name: 'an unsigned host',
      authorization: (v) => v.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=x-amz-date'),
    },
    {
      name: 'an unsigned x-amz-date',
      authorization: (v) => v.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=host'),
    },
  ];
  for (const { name, authorization } of malformed) {
    it(`answers credentials.incomplete-signature for ${name}`, async () => {
      const request = await signAsClient(sdkRequest, sdkSigning);
      const bad = withHeaders(request, {
        authorization: authorization(String(request.headers.authorization)),
      });
      expect(codeOf(await verify(bad))).toBe('credentials.incomplete-signature');
    });
  }

  it('answers credentials.incomplete-signature for a malformed or impossible X-Amz-Date', async () => {
    const request = await signAsClient(sdkRequest, sdkSigning);
    const malformed = ['2026-03-14T09:26:53Z', '20260314T092653'];
    const impossible = ['20260230T092653Z', '20260314T242653Z', '20260314T096053Z', '20261314T092653Z'];
    // Years 0-99 would otherwise be read as 19xx.
    for (const date of [...malformed, ...impossible, '00500314T092653Z']) {
      expect(codeOf(await verify(withHeaders(request, { 'x-amz-date': date })))).toBe(
        'credentials.incomplete-signature',
      );
    }
  });

  it('answers credentials.incomplete-signature when both header and query signatures are present', async () => {
    const request = await signAsClient(sdkRequest, sdkSigning);
    const both = { ...request, url: `/?X-Amz-Signature=${'0'.repeat(64)}` };
    expect(codeOf(await verify(both))).toBe('credentials.incomplete-signature');
  });

  it('answers credentials.signature-mismatch when a signed header is absent', async () => {
    const request = await signAsClient(sdkRequest, sdkSigning);
    const { 'amz-sdk-request': _dropped, ...headers } = request.headers;
    expect(codeOf(await verify({ ...request, headers }))).toBe('credentials.signature-mismatch');
  });

  it('does not look the key up when the request is stale', async () => {
    const request = await signAsClient(sdkRequest, sdkSigning);
    let lookups = 0;
    await verifySigV4({
      request,
      service: 'sts',
      now: new Date(SIGNED_AT.getTime() + 3_600_000),
      lookupSecret: async (id) => {
        lookups += 1;
        return lookupSecret(id);
      },
    });
    expect(lookups).toBe(0);
  });

  it('never puts the secret in a failure message', async () => {
    const request = await signAsClient(sdkRequest, {
      ...sdkSigning,
      credentials: { accessKeyId: LONG_TERM.accessKeyId, secretAccessKey: generateSecretAccessKey() },
    });
    const result = await verify(request);
    expect(JSON.stringify(result)).not.toContain(LONG_TERM.secretAccessKey);
  });
});

describe('verifySigV4 against whatever smithy signs', () => {
  // The verifier asks smithy for the canonical request and string to sign instead of calling its
  // sign/presign: every request smithy's own sign or presign produces must still verify, and the
  // same request with one byte of its body or path changed must not.
  const segment = fc.string({ unit: fc.constantFrom(...'aZ09 -_.~%!$&+=:@é/'.split('')), maxLength: 6 });
  const text = fc.string({ unit: fc.constantFrom(...'aZ09 -_.~%&=+/?#é'.split('')), maxLength: 8 });
  const signedRequest = fc.record({
    path: fc.array(segment, { maxLength: 4 }).map((segments) => `/${segments.join('/')}`),
    query: fc.dictionary(
      text.map((name) => `q${name}`),
      fc.oneof(text, fc.array(text, { minLength: 2, maxLength: 3 })),
      { maxKeys: 3 },
    ),
    headers: fc.dictionary(
      fc.stringMatching(/^[a-z0-9-]{1,8}$/).map((name) => `x-test-${name}`),
      fc.stringMatching(/^[!-~]([ !-~]{0,10}[!-~])?$/),
      { maxKeys: 3 },
    ),
    body: fc.string({ maxLength: 40 }),
    presignExpiresIn: fc.option(fc.integer({ min: 1, max: 604_800 }), { nil: undefined }),
    applyChecksum: fc.boolean(),
  });

  it('verifies every request smithy signs or presigns, and refuses it once its body or path changes', async () => {
    await fc.assert(
      fc.asyncProperty(signedRequest, async (r) => {
        const request = await signAsClient(
          {
            method: 'POST',
            path: r.path,
            query: r.query,
            headers: { host: 'api.palisade.test', ...r.headers },
            body: r.body,
          },
          {
            ...sdkSigning,
            applyChecksum: r.applyChecksum,
            ...(r.presignExpiresIn === undefined ? {} : { presignExpiresIn: r.presignExpiresIn }),
          },
        );
        expect(codeOf(await verify(request))).toBe('ok');
        const body = new Uint8Array([...request.body, 0x20]);
        const bodyChanged = await verify({ ...request, body });
        // A declared x-amz-content-sha256 catches the change first; otherwise the signature does.
        expect(codeOf(bodyChanged)).toBe('credentials.signature-mismatch');
        const queryAt = request.url.indexOf('?');
        const url =
          queryAt < 0 ? `${request.url}x` : `${request.url.slice(0, queryAt)}x${request.url.slice(queryAt)}`;
        expect(codeOf(await verify({ ...request, url }))).toBe('credentials.signature-mismatch');
      }),
      { numRuns: 150 },
    );
  });
});
