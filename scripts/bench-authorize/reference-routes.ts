/**
 * Reference routes for the HTTP load: the two halves of POST /v1/authorize measured alone on the
 * same server, so the table shows where a decision's time goes. SigV4 verification alone reads the
 * request as the decision API does and verifies it with the same signer; the decision alone parses
 * the body and answers as the decision service does for the operator, with no authentication.
 */
import { readSignedRequest } from '@palisade/api';
import { verifySigV4 } from '@palisade/credentials';
import type { DecisionService } from '@palisade/decisions';
import { operatorCaller } from '@palisade/principals';
import type { Hono } from 'hono';

/** Adds `/bench/noop`, `/bench/sigv4-only` and `/bench/decision-only` to `app`. */
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
  app.post('/bench/decision-only', async (c) => {
    const answer = await decisions.authorize(
      operatorCaller(operator.accessKeyId),
      await c.req.json(),
      'bench',
    );
    return answer.ok ? c.json(answer.value) : c.json({ error: answer.code }, 400);
  });
}
