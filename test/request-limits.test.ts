/**
 * Limits every route keeps against a real server: a chunked body is refused with 413 as soon as it
 * passes the route's limit, without waiting for (or buffering) the rest.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

const MIB = 1024 * 1024;

/**
 * Sends `limit + 1` bytes chunked and then keeps the request open. Resolves with the status and how
 * many bytes had been written when the answer came; a server that reads the whole body first never
 * answers, and the request times out.
 */
function overflowChunked(
  url: string,
  path: string,
  limit: number,
  contentType: string,
): Promise<{ status: number; sent: number; body: string }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' },
      timeout: 10_000,
    });
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, sent, body });
        req.destroy();
      });
    });
    req.on('timeout', () => {
      req.destroy();
      reject(new Error(`no answer after ${sent} bytes: the server waits for the whole body`));
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const writeMore = (): void => {
      while (!answered && sent <= limit) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', writeMore);
          return;
        }
      }
      // Past the limit: the request stays open; only the server's answer ends this.
    };
    writeMore();
  });
}

describe('request body limits', () => {
  let running: RunningPlatform;
  beforeAll(async () => {
    running = await startPlatform();
  });
  afterAll(() => running?.close());

  it.each([
    ['/v1/authorize', MIB, 'application/json'],
    ['/', MIB, 'application/x-www-form-urlencoded'],
    ['/v1/sign-in', 16 * 1024, 'application/json'],
  ])(
    'answers 413 to a chunked body past the limit on %s before it ends',
    async (path, limit, type) => {
      const answer = await overflowChunked(running.url, path, limit, type);
      expect(answer.status).toBe(413);
      expect(answer.body).toMatch(/request\.too-large|RequestEntityTooLarge/);
    },
    20_000,
  );

  it.each([
    ['/v1/authorize', MIB, 'application/json'],
    ['/', MIB, 'application/x-www-form-urlencoded'],
  ])(
    'answers 413 on %s to a body past the limit that declares a smaller length (a Lambda event arrives whole)',
    async (path, limit, type) => {
      const response = await running.platform.app.request(path, {
        method: 'POST',
        headers: { 'content-type': type, 'content-length': '10' },
        body: 'a'.repeat(limit + 1),
      });
      expect(response.status).toBe(413);
      expect(await response.text()).toMatch(/request\.too-large|RequestEntityTooLarge/);
    },
  );
});
