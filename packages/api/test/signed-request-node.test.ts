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
/** Errors the app's onError saw (a body read that failed ends there). */
const appErrors: string[] = [];

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
  app.onError((error, c) => {
    appErrors.push(error.message);
    return c.json({ code: 'error' }, 500);
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

/** Sends signed headers with a declared length, then the body's bytes in `pieces`, a tick apart. */
async function sendInPieces(
  text: string,
  pieces: readonly Buffer[],
): Promise<{ code: string; body?: string }> {
  const url = new URL(`http://127.0.0.1:${port}`);
  const signed = await signJsonRequest(url, KEY, 'POST', '/v1/echo', text);
  const length = pieces.reduce((sum, piece) => sum + piece.byteLength, 0);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/echo',
        headers: { ...signed, 'content-length': String(length) },
      },
      (response) => {
        let answer = '';
        response.on('data', (chunk) => {
          answer += chunk;
        });
        response.on('end', () => resolve(JSON.parse(answer)));
      },
    );
    outgoing.on('error', reject);
    const [first, ...rest] = pieces;
    outgoing.write(first);
    const next = (i: number) => {
      if (i === rest.length) return outgoing.end();
      outgoing.write(rest[i]);
      setTimeout(() => next(i + 1), 5);
    };
    setTimeout(() => next(0), 5);
  });
}

describe('readSignedRequest reading the body off the Node adapter', () => {
  it('reads a declared-length body that arrives in pieces, a character split between them, as the bytes signed', async () => {
    const text = '{"note":"caf\u00e9 \u00e9t\u00e9","n":1}';
    const bytes = Buffer.from(text, 'utf8');
    const split = bytes.indexOf(0xc3) + 1; // inside the first é
    const answer = await sendInPieces(text, [
      bytes.subarray(0, split),
      bytes.subarray(split, split + 3),
      bytes.subarray(split + 3),
    ]);
    expect(answer).toMatchObject({ code: 'ok', body: text });
  });

  it('reads an empty body with a declared length of 0', async () => {
    const answer = await sendInPieces('', [Buffer.alloc(0)]);
    expect(answer).toMatchObject({ code: 'ok', body: '' });
  });

  it('refuses a body that is not UTF-8 as request.malformed-body', async () => {
    const answer = await sendInPieces('{}', [Buffer.from([0x7b, 0xff, 0x7d])]);
    expect(answer).toEqual({ code: 'request.malformed-body' });
  });

  it('fails the read (never waits forever) when the client goes away mid-body', async () => {
    appErrors.length = 0;
    const url = new URL(`http://127.0.0.1:${port}`);
    const signed = await signJsonRequest(url, KEY, 'POST', '/v1/echo', '{"a":1}');
    const outgoing = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/echo',
      headers: { ...signed, 'content-length': '100' },
    });
    outgoing.on('error', () => undefined);
    outgoing.write('{"a":');
    await new Promise((done) => setTimeout(done, 50));
    outgoing.destroy();
    // Node reports the reset ('aborted'): the read fails and onError answers, nothing waits on.
    await expect.poll(() => appErrors.length, { timeout: 2_000 }).toBe(1);
  });
});
