import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { verifySigV4 } from '@palisade/credentials';
import { ok } from '@palisade/failures';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJsonRequest } from '../../decisions/test/support/signed-client.ts';
import { readSignedRequest } from '../src/signed-request.ts';

const KEY = { accessKeyId: 'AKIANODEPATH00000001', secretAccessKey: 'node-path-secret' };
let server: ReturnType<typeof serve>;
let port: number;

beforeAll(async () => {
  // readSignedRequest over the Node adapter, as the platform serves it, then verification.
  const app = new Hono();
  app.post('/v1/echo', async (c) => {
    const read = await readSignedRequest(c);
    if (!read.ok) return c.json({ code: read.code }, 400);
    const verified = await verifySigV4({
      request: read.value.received,
      service: 'palisade',
      now: new Date(),
      lookupSecret: async () => ok({ temporary: false, secretAccessKey: KEY.secretAccessKey }),
    });
    if (!verified.ok) return c.json({ code: verified.code });
    // The received headers' contract (the scheme dispatcher relies on it): a string when sent once.
    const { authorization, 'x-palisade-test': repeated } = read.value.received.headers;
    const shapes = {
      authorization: typeof authorization,
      repeated: Array.isArray(repeated) ? repeated : typeof repeated,
    };
    return c.json({ code: 'ok', body: read.value.bodyText, shapes });
  });
  server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((done) => server.once('listening', done));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise((done) => server.close(done)));

/** Signs with `signedHeaders`, then sends each header's values as separate header lines. */
async function send(
  body: string,
  signedHeaders: Record<string, string>,
  sent: (signed: Record<string, string>) => Record<string, string | string[]>,
): Promise<{ code: string; body?: string }> {
  const url = new URL(`http://127.0.0.1:${port}`);
  const signed = await signJsonRequest(url, KEY, 'POST', '/v1/echo', body, new Date(), signedHeaders);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path: '/v1/echo', headers: sent(signed) },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => {
          try {
            resolve(JSON.parse(text));
          } catch {
            resolve({ code: `HTTP ${response.statusCode}: ${text}` });
          }
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('readSignedRequest on the Node adapter', () => {
  it('hands a header sent once as a string, one sent on two lines as both values, and verifies them joined by a comma', async () => {
    const answer = await send('{"a":1}', { 'x-palisade-test': 'first,second' }, (signed) => ({
      ...signed,
      'x-palisade-test': ['first', 'second'],
    }));
    expect(answer).toEqual({
      code: 'ok',
      body: '{"a":1}',
      shapes: { authorization: 'string', repeated: ['first', 'second'] },
    });
  });

  it('reads a header named like an Object.prototype member (constructor) as a plain header', async () => {
    const answer = await send('{}', {}, (signed) => ({ ...signed, constructor: 'x' }));
    expect(answer.code).toBe('ok');
  });

  it('refuses an Authorization header sent twice', async () => {
    const answer = await send('{}', {}, (signed) => ({
      ...signed,
      authorization: [signed.authorization as string, signed.authorization as string],
    }));
    expect(answer).toEqual({ code: 'credentials.incomplete-signature' });
  });

  it('refuses a signed header whose second line was not signed', async () => {
    const answer = await send('{}', { 'x-palisade-test': 'first' }, (signed) => ({
      ...signed,
      'x-palisade-test': ['first', 'second'],
    }));
    expect(answer).toEqual({ code: 'credentials.signature-mismatch' });
  });
});
