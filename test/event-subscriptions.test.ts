/**
 * Event subscriptions' rules over REST (who may subscribe, to what, where, how many; the secret
 * shown once and stored sealed) and the destination guard of every delivery attempt (addresses
 * checked after DNS resolution each time, a 10 s-style deadline, a capped answer), against
 * DynamoDB Local and loopback servers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSecretBoxFromConfig } from '@palisade/credentials';
import {
  attemptDelivery,
  DEFAULT_RETRY_SCHEDULE_MS,
  type DeliveryOptions,
  parseRetrySchedule,
  retryDelayMs,
} from '@palisade/events';
import { iamOperations } from '@palisade/iam';
import { rootCaller } from '@palisade/principals';
import { type EventDeliveryRef, getEventDelivery, putEventDeliveries } from '@palisade/store';
import type { ResolvedAddress } from '@palisade/sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventDeliveryConfig } from '../functions/wiring/event-delivery-config.ts';
import type { Platform } from '../functions/wiring/platform.ts';
import { mustRunOperation } from './fixtures/run-operation.ts';
import { type SigningKey, signedJsonRequest } from './fixtures/signed-requests.ts';
import { scanTableDocuments } from './fixtures/table-items.ts';
import { createTestAccount, createTestPlatform, TEST_OPERATOR } from './fixtures/test-platform.ts';
import { createUserWithPolicy } from './fixtures/user-with-policy.ts';

const MASTER_KEY = Buffer.alloc(32, 9).toString('base64');
let platform: Platform;
let root: SigningKey & { accountId: string };

async function api(key: SigningKey, method: string, path: string, body?: unknown) {
  const response = await platform.app.request(
    await signedJsonRequest(key, method, path, body === undefined ? undefined : JSON.stringify(body)),
  );
  const text = await response.text();
  return { status: response.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const asRoot = (action: string, input: object) =>
  mustRunOperation(iamOperations(platform.iam), rootCaller('aws', root.accountId), action, input);

beforeAll(async () => {
  // Public destinations only: the deployment default.
  platform = await createTestPlatform({ prefix: 'event-subs', masterKey: MASTER_KEY });
  const account = await createTestAccount(platform, 'subs-tenant');
  root = { ...account };
});

describe('event subscriptions over REST', () => {
  it('shows the whsec_ secret once, stores it sealed, and never lists it', async () => {
    const created = await api(root, 'POST', '/v1/event-subscriptions', {
      url: 'https://hooks.example.com/palisade',
      types: ['iam.user.created', 'iam.user.deleted'],
    });
    expect(created.status).toBe(201);
    const secret = String(created.json.secret);
    expect(secret).toMatch(/^whsec_/);
    expect(created.json).toMatchObject({ url: 'https://hooks.example.com/palisade', state: 'active' });
    const listed = await api(root, 'GET', '/v1/event-subscriptions');
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([
      expect.objectContaining({ id: created.json.id, state: 'active', failedDeliveries: 0 }),
    ]);
    expect(listed.text).not.toContain('whsec_');
    const stored = (await scanTableDocuments(platform.store)).filter(
      (item) => item.entity === 'event-subscription',
    );
    expect(stored).toHaveLength(1);
    expect(String(stored[0]?.sealedSecret)).toMatch(/^sb1\./);
    expect(JSON.stringify(await scanTableDocuments(platform.store))).not.toContain(secret.slice(6));
    expect((await api(root, 'DELETE', `/v1/event-subscriptions/${created.json.id}`)).status).toBe(204);
    expect((await api(root, 'DELETE', `/v1/event-subscriptions/${created.json.id}`)).status).toBe(404);
  });

  it.each([
    ['plain http', { url: 'http://hooks.example.com/x', types: ['*'] }],
    ['a loopback address', { url: 'https://127.0.0.1/x', types: ['*'] }],
    ['the metadata address', { url: 'https://169.254.169.254/latest', types: ['*'] }],
    ['a private IPv6 address', { url: 'https://[fd00:ec2::254]/x', types: ['*'] }],
    ['credentials in the URL', { url: 'https://user:pass@hooks.example.com/x', types: ['*'] }],
    ['a URL over 2048 characters', { url: `https://hooks.example.com/${'a'.repeat(2048)}`, types: ['*'] }],
    ['an unknown type', { url: 'https://hooks.example.com/x', types: ['iam.user.exploded'] }],
    ['account events for a tenant', { url: 'https://hooks.example.com/x', types: ['account.created'] }],
    ['no types', { url: 'https://hooks.example.com/x', types: [] }],
  ])('refuses %s with 400 and stores nothing', async (_case, body) => {
    const refused = await api(root, 'POST', '/v1/event-subscriptions', body);
    expect(refused.status).toBe(400);
    const listed = await api(root, 'GET', '/v1/event-subscriptions');
    expect(listed.json.items).toEqual([]);
  });

  it("refuses identity events for the operator's subscriptions", async () => {
    const refused = await api(TEST_OPERATOR, 'POST', '/v1/event-subscriptions', {
      url: 'https://hooks.example.com/ops',
      types: ['iam.user.created'],
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('account events');
  });

  it('lets a user subscribe only when its policies allow palisade:CreateEventSubscription', async () => {
    const run = (action: 'CreateUser' | 'PutUserPolicy', input: object) => asRoot(action, input);
    await createUserWithPolicy(run, 'hooks-admin', 'hooks', [
      {
        Effect: 'Allow',
        Action: ['palisade:CreateEventSubscription', 'palisade:ListEventSubscriptions'],
        Resource: `arn:aws:palisade::${root.accountId}:event-subscription/*`,
      },
    ]);
    await createUserWithPolicy(run, 'bystander', 'nothing', [
      { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' },
    ]);
    const keyOf = async (userName: string) => {
      const { AccessKey } = (await asRoot('CreateAccessKey', { UserName: userName })) as {
        AccessKey: { AccessKeyId: string; SecretAccessKey: string };
      };
      return { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey };
    };
    const body = { url: 'https://hooks.example.com/by-user', types: ['*'] };
    const denied = await api(await keyOf('bystander'), 'POST', '/v1/event-subscriptions', body);
    expect(denied.status).toBe(403);
    const admin = await keyOf('hooks-admin');
    const allowed = await api(admin, 'POST', '/v1/event-subscriptions', body);
    expect(allowed.status).toBe(201);
    // Its policy does not allow deletion.
    expect((await api(admin, 'DELETE', `/v1/event-subscriptions/${allowed.json.id}`)).status).toBe(403);
    expect((await api(root, 'DELETE', `/v1/event-subscriptions/${allowed.json.id}`)).status).toBe(204);
  });

  it("answers 404 for another account's subscription, as for none", async () => {
    const other = await createTestAccount(platform, 'subs-other');
    const theirs = await api(other, 'POST', '/v1/event-subscriptions', {
      url: 'https://hooks.example.com/theirs',
      types: ['*'],
    });
    expect(theirs.status).toBe(201);
    expect((await api(root, 'GET', `/v1/event-subscriptions/${theirs.json.id}/deliveries`)).status).toBe(404);
    expect((await api(root, 'DELETE', `/v1/event-subscriptions/${theirs.json.id}`)).status).toBe(404);
    expect((await api(other, 'GET', `/v1/event-subscriptions/${theirs.json.id}/deliveries`)).status).toBe(
      200,
    );
  });

  it('refuses a subscription over the per-account quota with 409', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 10; n++) {
      const created = await api(root, 'POST', '/v1/event-subscriptions', {
        url: `https://hooks.example.com/${n}`,
        types: ['*'],
      });
      expect(created.status).toBe(201);
      ids.push(String(created.json.id));
    }
    const over = await api(root, 'POST', '/v1/event-subscriptions', {
      url: 'https://hooks.example.com/eleventh',
      types: ['*'],
    });
    expect(over.status).toBe(409);
    expect(over.text).toContain('quota');
    // A deletion gives its slot back.
    expect((await api(root, 'DELETE', `/v1/event-subscriptions/${ids[0]}`)).status).toBe(204);
    const again = await api(root, 'POST', '/v1/event-subscriptions', {
      url: 'https://hooks.example.com/again',
      types: ['*'],
    });
    expect(again.status).toBe(201);
    for (const id of [...ids.slice(1), String(again.json.id)])
      expect((await api(root, 'DELETE', `/v1/event-subscriptions/${id}`)).status).toBe(204);
  });

  it('documents the routes in /openapi.json', async () => {
    const document = (await (await platform.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(document.paths['/v1/event-subscriptions'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(document.paths['/v1/event-subscriptions/{id}/deliveries']).toHaveProperty('get');
    expect(document.paths['/v1/event-subscriptions/{id}/deliveries/{deliveryId}/redeliver']).toHaveProperty(
      'post',
    );
  });
});

describe('a delivery attempt', () => {
  let server: Server;
  let port: number;
  let requests = 0;
  let subscriptionCount = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests++;
      if (request.url === '/silent') return; // never answers
      if (request.url === '/huge') return response.writeHead(200).end('x'.repeat(100_000));
      response.writeHead(200).end('ok');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((done) => server.close(done)));

  /** A subscription of the tenant to `url` with one pending delivery, made through the services. */
  async function pendingDeliveryTo(url: string, allowPrivate: boolean): Promise<EventDeliveryRef> {
    const subscriptions = (await import('@palisade/events')).eventSubscriptionService({
      store: platform.store,
      secrets: createSecretBoxFromConfig(MASTER_KEY),
      partition: 'aws',
      now: () => new Date(),
      allowPrivate,
    });
    const created = await subscriptions.create(rootCaller('aws', root.accountId), { url, types: ['*'] });
    if (!created.ok) throw new Error(created.message);
    subscriptionCount++;
    const ref = {
      scope: { accountId: root.accountId },
      subscriptionId: created.value.subscription.id,
      deliveryId: `msg_${Date.now().toString(36).padStart(11, '0')}${String(subscriptionCount).padStart(20, '0')}`,
    };
    await putEventDeliveries(platform.store, [
      { ...ref, eventType: 'iam.user.created', payload: '{}', createdAt: new Date().toISOString() },
    ]);
    return ref;
  }

  const options = (overrides: Partial<DeliveryOptions>): DeliveryOptions => ({
    store: platform.store,
    secrets: createSecretBoxFromConfig(MASTER_KEY),
    retrySchedule: [1_000, 1_000],
    random: () => 0.5,
    ...overrides,
  });

  it('resolves the host again on every attempt and refuses private, metadata and loopback answers', async () => {
    const answers: ResolvedAddress[][] = [
      [{ address: '10.1.2.3', family: 4 }],
      [
        { address: '203.0.113.10', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
      [{ address: '::1', family: 6 }],
    ];
    const asked: string[] = [];
    const resolveHost = async (hostname: string) => {
      asked.push(hostname);
      return answers[asked.length - 1] ?? [];
    };
    const ref = await pendingDeliveryTo('https://hooks.example.test/in', false);
    let clock = Date.now();
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await attemptDelivery(options({ resolveHost, now: () => new Date(clock) }), ref);
      expect(result.kind).toBe(attempt < 2 ? 'retry' : 'failed');
      clock += 2_000;
    }
    expect(asked).toEqual(['hooks.example.test', 'hooks.example.test', 'hooks.example.test']);
    const delivery = await getEventDelivery(platform.store, ref);
    expect(delivery?.status).toBe('failed');
    expect(delivery?.attempts.map((attempt) => [attempt.outcome, attempt.error])).toEqual([
      ['refused', 'the destination address is not allowed'],
      ['refused', 'the destination address is not allowed'],
      ['refused', 'the destination address is not allowed'],
    ]);
  });

  it('gives up on a receiver that does not answer by the deadline, as a timeout', async () => {
    const ref = await pendingDeliveryTo(`http://127.0.0.1:${port}/silent`, true);
    const result = await attemptDelivery(options({ allowPrivate: true, timeoutMs: 300 }), ref);
    expect(result.kind).toBe('retry');
    const delivery = await getEventDelivery(platform.store, ref);
    expect(delivery?.attempts[0]).toMatchObject({ outcome: 'timeout' });
    expect(delivery?.attempts[0]?.durationMs).toBeGreaterThanOrEqual(250);
  });

  it('refuses an answer larger than the cap instead of reading it all', async () => {
    const ref = await pendingDeliveryTo(`http://127.0.0.1:${port}/huge`, true);
    await attemptDelivery(options({ allowPrivate: true }), ref);
    const delivery = await getEventDelivery(platform.store, ref);
    expect(delivery?.attempts[0]).toMatchObject({
      outcome: 'refused',
      error: 'the answer is larger than 65536 bytes',
    });
  });

  it('sends nothing to a loopback receiver unless private destinations are allowed', async () => {
    const before = requests;
    const ref = await pendingDeliveryTo(`http://127.0.0.1:${port}/open`, true);
    await attemptDelivery(options({ allowPrivate: false }), ref);
    expect(requests).toBe(before);
    expect((await getEventDelivery(platform.store, ref))?.attempts[0]?.outcome).toBe('refused');
  });
});

describe('the retry schedule', () => {
  it('backs off over about a day by default', () => {
    const total = DEFAULT_RETRY_SCHEDULE_MS.reduce((sum, delay) => sum + delay, 0);
    expect(total / 3_600_000).toBeGreaterThan(20);
    expect(total / 3_600_000).toBeLessThan(28);
    for (const [index, delay] of DEFAULT_RETRY_SCHEDULE_MS.entries())
      expect(delay).toBeGreaterThanOrEqual(DEFAULT_RETRY_SCHEDULE_MS[index - 1] ?? 0);
  });

  it('jitters each delay within ±20% and ends when the schedule is spent', () => {
    expect(retryDelayMs([1_000], 1, () => 0)).toBe(800);
    expect(retryDelayMs([1_000], 1, () => 1)).toBe(1_200);
    expect(retryDelayMs([1_000], 2, () => 0.5)).toBeUndefined();
  });

  it('reads PALISADE_EVENT_RETRY_SCHEDULE and PALISADE_WEBHOOK_ALLOW_PRIVATE, and refuses a malformed schedule', () => {
    expect(readEventDeliveryConfig({ PALISADE_EVENT_RETRY_SCHEDULE: '1s,2s,4s' })).toEqual({
      allowPrivate: false,
      retrySchedule: [1_000, 2_000, 4_000],
    });
    expect(readEventDeliveryConfig({ PALISADE_WEBHOOK_ALLOW_PRIVATE: '1' })).toEqual({ allowPrivate: true });
    expect(readEventDeliveryConfig({ PALISADE_WEBHOOK_ALLOW_PRIVATE: 'true' })).toEqual({
      allowPrivate: false,
    });
    expect(parseRetrySchedule('500ms, 5m,2h')).toEqual([500, 300_000, 7_200_000]);
    for (const bad of ['1x', '', '1s,,2s', '25h', '0s', Array(21).fill('1s').join(',')])
      expect(() => parseRetrySchedule(bad), bad).toThrow(/PALISADE_EVENT_RETRY_SCHEDULE/);
  });
});
