/**
 * Reference routes for the HTTP load: the two halves of POST /v1/authorize measured alone on the
 * same server, so the table shows where a decision's time goes. SigV4 verification alone reads the
 * request as the decision API does and verifies it with the same signer; the decision alone parses
 * the body and answers as the decision service does for the operator, with no authentication. The
 * library floor is the least any verifying server does with the stack's signer, none of Palisade's
 * code: read the body, have @smithy/signature-v4 sign the request as received, compare.
 */
import { readSignedRequest } from '@palisade/api';
import { verifySigV4 } from '@palisade/credentials';
import type { DecisionService } from '@palisade/decisions';
import { operatorCaller } from '@palisade/principals';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Hono } from 'hono';

/** Adds `/bench/noop`, `/bench/sigv4-only`, `/bench/library-floor` and `/bench/decision-only` to `app`. */
export function addReferenceRoutes(
  app: Hono,
  operator: { readonly accessKeyId: string; readonly secretAccessKey: string },
  decisions: DecisionService,
): void {
  app.post('/bench/noop', (c) => c.json({ ok: true }));
  app.post('/bench/sigv4-only', async (c) => {
    const read = await readSignedRequest(c);
    if (!read.ok) return c.json({ ok: false }, 400);
    const verified = await verifySigV4({
      request: read.value.received,
      service: 'palisade',
      now: new Date(),
      lookupSecret: async () => ({
        ok: true,
        value: { temporary: false, secretAccessKey: operator.secretAccessKey },
      }),
    });
    return c.json({ ok: verified.ok }, verified.ok ? 200 : 401);
  });
  // One signer, kept: its signing key is derived once, as a server keeping signers per key would.
  const signer = new SignatureV4({
    credentials: operator,
    region: 'us-east-1',
    service: 'palisade',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: true,
  });
  app.post('/bench/library-floor', async (c) => {
    const body = new Uint8Array(await c.req.raw.arrayBuffer());
    const amzDate = c.req.header('x-amz-date') ?? '';
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const signed = await signer.sign(
      new HttpRequest({
        method: c.req.method,
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: c.req.path,
        headers: { host: c.req.header('host') ?? '', 'content-type': c.req.header('content-type') ?? '' },
        body,
      }),
      { signingDate },
    );
    const verified = signed.headers.authorization === c.req.header('authorization');
    return c.json({ ok: verified }, verified ? 200 : 401);
  });
  app.post('/bench/decision-only', async (c) => {
    const answer = await decisions.authorize(
      operatorCaller(operator.accessKeyId),
      await c.req.json(),
      'bench',
    );
    return answer.ok ? c.json(answer.value) : c.json({ error: answer.code }, 400);
  });
}
