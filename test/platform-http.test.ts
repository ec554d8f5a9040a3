/** Boots the platform app on a real HTTP server against DynamoDB Local. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { failureResponse } from '@palisade/api';
import type { StoreContext } from '@palisade/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform } from '../functions/wiring/platform.ts';
import { createTestTable } from './fixtures/test-table.ts';

const logs: Record<string, unknown>[] = [];
let baseUrl: string;
let close: () => void;
let store: StoreContext;

const config = {
  operatorAccessKeyId: 'AKIAOPERATOROPERATOR',
  operatorSecretAccessKey: 'operator-secret-never-logged',
  masterKey: Buffer.alloc(32, 7).toString('base64'),
  partition: 'aws',
};

beforeAll(async () => {
  store = await createTestTable('platform');
  const platform = createPlatform(
    { ...config, tableName: store.tableName, dynamodbEndpoint: await endpointOf(store) },
    (record) => logs.push({ ...record }),
  );
  platform.app.get('/test/boom', () => {
    throw new Error('internal detail: table palisade-secret');
  });
  platform.app.get('/test/missing', (c) =>
    failureResponse(c, { code: 'entity.not-found', message: 'no such user' }, 'rest'),
  );
  const server = serve({ fetch: platform.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((done) => server.once('listening', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

afterAll(() => close?.());

async function endpointOf(context: StoreContext): Promise<string> {
  const endpoint = await context.dynamodb.config.endpoint?.();
  if (!endpoint) throw new Error('test store has no endpoint');
  return `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`;
}

describe('platform over HTTP', () => {
  it('answers /healthz with 200 when the table answers', async () => {
    const response = await fetch(`${baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /healthz with 503 and a reason when the table is missing', async () => {
    const broken = createPlatform(
      { ...config, tableName: 'no-such-table', dynamodbEndpoint: await endpointOf(store) },
      () => {},
    );
    const response = await broken.app.request('/healthz');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'unavailable',
      reason: expect.stringMatching(/table/),
    });
  });

  it('puts one request id on every response, for REST and AWS clients alike', async () => {
    const response = await fetch(`${baseUrl}/healthz`);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-amzn-requestid')).toBe(id);
    const other = await fetch(`${baseUrl}/healthz`);
    expect(other.headers.get('x-request-id')).not.toBe(id);
  });

  it('logs one JSON line per request with method, path, status, duration and request id, and no query', async () => {
    logs.length = 0;
    const response = await fetch(`${baseUrl}/healthz?X-Amz-Signature=abc&X-Amz-Security-Token=secret`);
    const requestLines = logs.filter((l) => l.msg === 'request');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      method: 'GET',
      path: '/healthz',
      status: 200,
      requestId: response.headers.get('x-request-id'),
    });
    expect(typeof requestLines[0]?.durationMs).toBe('number');
    expect(JSON.stringify(logs)).not.toContain('secret');
  });

  it('hides an unexpected error behind a generic 500 and logs it', async () => {
    logs.length = 0;
    const response = await fetch(`${baseUrl}/test/boom`);
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe('platform.internal');
    expect(body.error.message).not.toContain('palisade-secret');
    expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
    expect(logs.some((l) => l.level === 'error')).toBe(true);
  });

  it('maps a typed failure to its REST status and JSON body', async () => {
    const response = await fetch(`${baseUrl}/test/missing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { code: 'entity.not-found', message: 'no such user' },
    });
  });

  it('maps a typed failure to the AWS ErrorResponse XML on the Query API', async () => {
    const response = await fetch(`${baseUrl}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetUser&Version=2010-05-08',
    });
    expect(response.status).toBe(403);
    const xml = await response.text();
    expect(xml).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(xml).toContain('<Type>Sender</Type>');
    expect(xml).toContain(`<RequestId>${response.headers.get('x-amzn-requestid')}</RequestId>`);
  });

  it('answers unknown routes with a typed 404', async () => {
    const response = await fetch(`${baseUrl}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'request.not-found' } });
  });
});
