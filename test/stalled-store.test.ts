/**
 * A DynamoDB that accepts connections and never answers: every route answers 503 within the
 * configured store timeout (a few of them, with retries), never hangs, and decisions stay denied.
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform } from '../functions/wiring/platform.ts';
import { signedJson } from '../packages/decisions/test/support/signed-client.ts';
import { TEST_OPERATOR } from './fixtures/test-platform.ts';

const TIMEOUT_MS = 300;
// Three attempts of 300 ms plus the SDK's backoff between them, with room for a loaded machine.
const ANSWER_WITHIN_MS = 4_000;
const STRANGER = {
  accessKeyId: 'AKIASTRANGERAAAAAAAA',
  secretAccessKey: 'stranger-secret-0000000000000000000000',
};

/** A TCP server that accepts every connection and never writes a byte. */
async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

describe('a stalled DynamoDB', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let server: ReturnType<typeof serve>;
  let url: string;

  beforeAll(async () => {
    silent = await startSilentServer();
    const platform = createPlatform(
      {
        tableName: 'stalled',
        dynamodbEndpoint: silent.url,
        dynamodbTimeoutMs: TIMEOUT_MS,
        operatorAccessKeyId: TEST_OPERATOR.accessKeyId,
        operatorSecretAccessKey: TEST_OPERATOR.secretAccessKey,
        masterKey: Buffer.alloc(32, 3).toString('base64'),
        partition: 'aws',
      },
      () => {},
    );
    server = serve({ fetch: platform.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((done) => server.once('listening', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    if (server && 'closeAllConnections' in server) server.closeAllConnections();
    await new Promise((done) => server?.close(done));
    await silent?.close();
  });

  it('answers /healthz with 503', async () => {
    const { value, ms } = await timed(() => fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) }));
    expect(value.status).toBe(503);
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
  });

  it('answers a signed IAM Query call with 503 ServiceUnavailable', async () => {
    const iam = new IAMClient({ endpoint: url, region: 'us-east-1', credentials: STRANGER, maxAttempts: 1 });
    const { value, ms } = await timed(() =>
      iam.send(new ListUsersCommand({})).catch((error: unknown) => error),
    );
    expect(value).toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
  });

  it('answers a signed STS call with 503 ServiceUnavailable', async () => {
    const sts = new STSClient({ endpoint: url, region: 'us-east-1', credentials: STRANGER, maxAttempts: 1 });
    const { value, ms } = await timed(() =>
      sts.send(new GetCallerIdentityCommand({})).catch((error: unknown) => error),
    );
    expect(value).toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
  });

  it('answers a CloudTrail LookupEvents call with 503 ServiceUnavailable in AWS JSON', async () => {
    const cloudTrail = new CloudTrailClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: STRANGER,
      maxAttempts: 1,
    });
    const { value, ms } = await timed(() =>
      cloudTrail.send(new LookupEventsCommand({})).catch((error: unknown) => error),
    );
    expect(value).toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
  });

  it('answers /v1/authorize with 503 and no allow', async () => {
    const { value, ms } = await timed(() =>
      signedJson(url, STRANGER, 'POST', '/v1/authorize', {
        principal: 'arn:aws:iam::123456789012:user/alice',
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::bucket/key',
      }),
    );
    expect(value.status).toBe(503);
    expect(JSON.stringify(value.body)).not.toMatch(/"allowed"/);
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
  });

  it('answers sign-in with 503', async () => {
    const { value, ms } = await timed(() =>
      fetch(`${url}/v1/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          account: '123456789012',
          userName: 'alice',
          password: 'correct horse battery',
        }),
        signal: AbortSignal.timeout(10_000),
      }),
    );
    expect(value.status).toBe(503);
    expect(await value.json()).toMatchObject({ error: { code: 'platform.unavailable' } });
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
  });

  it('answers a SCIM request with 503 and a SCIM error body', async () => {
    const { value, ms } = await timed(() =>
      fetch(`${url}/scim/v2/Users?filter=userName%20eq%20%22ada%22`, {
        headers: { authorization: `Bearer pscim_${'a'.repeat(43)}` },
        signal: AbortSignal.timeout(10_000),
      }),
    );
    expect(value.status).toBe(503);
    expect(value.headers.get('content-type')).toBe('application/scim+json');
    expect(await value.json()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '503',
      detail: 'The service is unavailable. Please try again.',
    });
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
  });
});
