/**
 * Outbound events end to end: subscriptions made over REST, changes made through the services,
 * DynamoDB Local's stream read by the same consumer `npm start` runs, deliveries attempted by the
 * in-process worker to a real HTTP receiver on loopback that verifies every signature with the
 * `standardwebhooks` package. Private destinations are allowed by configuration (the platform's
 * `events` setting and the worker's options), never by mutating the environment.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSecretBoxFromConfig } from '@palisade/credentials';
import { type DeliveryOptions, type DeliveryWorker, startDeliveryWorker } from '@palisade/events';
import { iamOperations } from '@palisade/iam';
import { rootCaller } from '@palisade/principals';
import { type ChangeStreamReader, startChangeStreamReader } from '@palisade/store';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { changeConsumers } from '../functions/wiring/change-consumers.ts';
import type { Platform } from '../functions/wiring/platform.ts';
import { eventually } from './fixtures/eventually.ts';
import { mustRunOperation } from './fixtures/run-operation.ts';
import { secretValuesIn } from './fixtures/secret-values.ts';
import { type SigningKey, signedJsonRequest } from './fixtures/signed-requests.ts';
import { createTestAccount, createTestPlatform, TEST_OPERATOR } from './fixtures/test-platform.ts';

const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** What `standardwebhooks` made of it with the path's subscription secret (undefined: refused). */
  readonly verified: { type: string; timestamp: string; data: Record<string, string> } | undefined;
}

let platform: Platform;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
/** The secret of the subscription at each receiver path. */
const secrets = new Map<string, string>();
/** How the receiver answers each path: a status per request, in order, then 200. */
const scripts = new Map<string, number[]>();
/** Every secret the run handed out, to hunt for in the events. */
const handedOut = new Set<string>([TEST_OPERATOR.secretAccessKey]);
let reader: ChangeStreamReader;
let worker: DeliveryWorker | undefined;
let deliveryOptions: DeliveryOptions;
let tenant: { accountId: string; key: SigningKey };
let other: { accountId: string; key: SigningKey };

const operator: SigningKey = TEST_OPERATOR;

async function api(key: SigningKey, method: string, path: string, body?: unknown) {
  const response = await platform.app.request(
    await signedJsonRequest(key, method, path, body === undefined ? undefined : JSON.stringify(body)),
  );
  const text = await response.text();
  for (const { value } of secretValuesIn(text)) handedOut.add(value);
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function subscribe(key: SigningKey, path: string, types: string[]): Promise<string> {
  const created = await api(key, 'POST', '/v1/event-subscriptions', { url: `${receiverUrl}${path}`, types });
  expect(created.status).toBe(201);
  const secret = String(created.json.secret);
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
  secrets.set(path, secret);
  handedOut.add(secret);
  return String(created.json.id);
}

function runAsRoot(accountId: string, action: string, input: object) {
  return mustRunOperation<Record<string, unknown>>(
    iamOperations(platform.iam),
    rootCaller('aws', accountId),
    action,
    input,
  );
}

const at = (path: string) => received.filter((request) => request.path === path);
const typesAt = (path: string) => at(path).map((request) => request.verified?.type);

function startWorker(): DeliveryWorker {
  return startDeliveryWorker({ ...deliveryOptions, pollMs: 100 });
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      const body = Buffer.concat(chunks).toString('utf8');
      const secret = secrets.get(path);
      let verified: Received['verified'];
      try {
        verified = secret
          ? (new Webhook(secret).verify(
              body,
              request.headers as Record<string, string>,
            ) as Received['verified'])
          : undefined;
      } catch {
        verified = undefined;
      }
      received.push({ path, headers: request.headers, body, verified });
      const status = scripts.get(path)?.shift() ?? 200;
      if (status === 302) response.writeHead(302, { location: '/followed' }).end();
      else response.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  platform = await createTestPlatform({
    prefix: 'events',
    stream: true,
    masterKey: MASTER_KEY,
    events: { allowPrivate: true },
  });
  deliveryOptions = {
    store: platform.store,
    secrets: createSecretBoxFromConfig(MASTER_KEY),
    allowPrivate: true,
    // Three attempts, 150 ms and 300 ms apart: a receiver failing twice is delivered on the third.
    retrySchedule: [150, 300],
    disableAfter: 2,
  };
  worker = startWorker();
  const endpoint = inject('dynamodbEndpoint');
  reader = startChangeStreamReader({
    tableName: platform.store.tableName,
    endpoint,
    pollMs: 100,
    consume: changeConsumers(
      () => {},
      platform.store,
      async () => worker?.wake(),
    ),
  });
  await reader.ready;
  for (const [name, alias] of [
    ['tenant', 'events-tenant'],
    ['other', 'events-other'],
  ] as const) {
    const created = await createTestAccount(platform, alias);
    handedOut.add(created.secretAccessKey);
    const account = { accountId: created.accountId, key: created };
    if (name === 'tenant') tenant = account;
    else other = account;
  }
});

afterAll(async () => {
  await reader?.stop();
  await worker?.stop();
  await new Promise((done) => receiver?.close(done));
});

describe('outbound events', () => {
  it("delivers each change to an account's identities as one signed event to that account's subscriptions only", async () => {
    await subscribe(tenant.key, '/tenant', ['*']);
    await subscribe(other.key, '/other', ['*']);
    const { accountId } = tenant;
    await runAsRoot(accountId, 'CreateUser', { UserName: 'alice' });
    await runAsRoot(accountId, 'CreateGroup', { GroupName: 'admins' });
    await runAsRoot(accountId, 'CreatePolicy', {
      PolicyName: 'readers',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }],
      }),
    });
    const policyArn = `arn:aws:iam::${accountId}:policy/readers`;
    await runAsRoot(accountId, 'AddUserToGroup', { UserName: 'alice', GroupName: 'admins' });
    await runAsRoot(accountId, 'AttachUserPolicy', { UserName: 'alice', PolicyArn: policyArn });
    const key = (await runAsRoot(accountId, 'CreateAccessKey', { UserName: 'alice' })) as {
      AccessKey: { AccessKeyId: string; SecretAccessKey: string };
    };
    handedOut.add(key.AccessKey.SecretAccessKey);
    await runAsRoot(accountId, 'UpdateAccessKey', {
      UserName: 'alice',
      AccessKeyId: key.AccessKey.AccessKeyId,
      Status: 'Inactive',
    });
    await runAsRoot(accountId, 'DeleteAccessKey', {
      UserName: 'alice',
      AccessKeyId: key.AccessKey.AccessKeyId,
    });
    await runAsRoot(accountId, 'DetachUserPolicy', { UserName: 'alice', PolicyArn: policyArn });
    await runAsRoot(accountId, 'DeletePolicy', { PolicyArn: policyArn });
    await runAsRoot(accountId, 'RemoveUserFromGroup', { UserName: 'alice', GroupName: 'admins' });
    await runAsRoot(accountId, 'UpdateUser', { UserName: 'alice', NewUserName: 'alice2' });
    await runAsRoot(accountId, 'DeleteUser', { UserName: 'alice2' });
    await runAsRoot(accountId, 'DeleteGroup', { GroupName: 'admins' });
    await runAsRoot(accountId, 'CreateRole', {
      RoleName: 'deployer',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
    await runAsRoot(accountId, 'DeleteRole', { RoleName: 'deployer' });

    const expected = [
      'iam.user.created',
      'iam.group.created',
      'iam.policy.created',
      'iam.group.member.added',
      'iam.policy.attached',
      'iam.access-key.created',
      'iam.access-key.updated',
      'iam.access-key.deleted',
      'iam.policy.detached',
      'iam.policy.deleted',
      'iam.group.member.removed',
      'iam.user.updated',
      'iam.user.deleted',
      'iam.group.deleted',
      'iam.role.created',
      'iam.role.deleted',
    ];
    await eventually(() => at('/tenant').length >= expected.length, 'the tenant receiver');
    // Every request is signed for its subscription, and each change is one event, in commit order.
    expect(at('/tenant').every((request) => request.verified !== undefined)).toBe(true);
    // Deliveries run in parallel, so they arrive in any order: each change is one event.
    expect(typesAt('/tenant').sort()).toEqual([...expected].sort());
    const event = (type: string) =>
      at('/tenant').find((request) => request.verified?.type === type)?.verified?.data ?? {};
    expect(at('/tenant').every((request) => request.verified?.data.accountId === accountId)).toBe(true);
    const userId = event('iam.user.created').userId;
    expect(event('iam.user.created')).toMatchObject({
      userName: 'alice',
      arn: `arn:aws:iam::${accountId}:user/alice`,
    });
    expect(userId).toMatch(/^AIDA/);
    expect(event('iam.policy.created')).toMatchObject({ policyName: 'readers', policyArn });
    expect(event('iam.group.member.added')).toEqual({
      accountId,
      userId,
      groupId: event('iam.group.created').groupId,
    });
    expect(event('iam.policy.attached')).toEqual({
      accountId,
      policyArn,
      principalType: 'user',
      principalId: userId,
    });
    expect(event('iam.access-key.created')).toMatchObject({
      accessKeyId: key.AccessKey.AccessKeyId,
      status: 'Active',
    });
    expect(event('iam.access-key.updated')).toMatchObject({
      accessKeyId: key.AccessKey.AccessKeyId,
      status: 'Inactive',
    });
    expect(event('iam.user.updated')).toMatchObject({ userId, userName: 'alice2' });
    expect(event('iam.user.deleted')).toMatchObject({ userId, userName: 'alice2' });
    for (const request of at('/tenant')) {
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['webhook-id']).toMatch(/^msg_/);
    }
    // No secret the run handed out (keys, the subscriptions' own) is in any event.
    for (const request of received) {
      for (const secret of handedOut) expect(request.body).not.toContain(secret);
      expect(request.body).not.toMatch(/whsec_|sb1\./);
    }
    // The other account's subscription saw none of it.
    expect(at('/other')).toEqual([]);
  });

  it("sends account events to the operator's subscriptions only, for every account", async () => {
    await subscribe(operator, '/operator', ['*']);
    const suspended = await api(operator, 'POST', `/v1/accounts/${other.accountId}/suspend`);
    expect(suspended.status).toBe(200);
    const reactivated = await api(operator, 'POST', `/v1/accounts/${other.accountId}/reactivate`);
    expect(reactivated.status).toBe(200);
    const third = await api(operator, 'POST', '/v1/accounts', { alias: 'events-third' });
    expect(third.status).toBe(201);
    const closed = await api(operator, 'DELETE', `/v1/accounts/${third.json.accountId}`);
    expect(closed.status).toBe(204);
    await eventually(() => at('/operator').length >= 4, 'the operator receiver');
    const events = at('/operator').map((request) => request.verified);
    expect(events.map((event) => `${event?.type} ${event?.data.accountId}`).sort()).toEqual(
      [
        `account.closed ${third.json.accountId}`,
        `account.created ${third.json.accountId}`,
        `account.reactivated ${other.accountId}`,
        `account.suspended ${other.accountId}`,
      ].sort(),
    );
    expect(events.find((event) => event?.type === 'account.created')?.data.alias).toBe('events-third');
    // A tenant's subscription receives no account event, not even of its own account.
    expect(typesAt('/other').filter((type) => type?.startsWith('account.'))).toEqual([]);
  });

  it('delivers changes made through SCIM and provisioning webhooks as the same events as the IAM API', async () => {
    // A tenant the back office knows by its externalId, with a subscription of its own.
    const created = await api(operator, 'POST', '/v1/accounts', {
      alias: 'events-crm',
      externalId: 'crm-events-1',
    });
    expect(created.status).toBe(201);
    const crm = created.json as { accountId: string; rootAccessKey: SigningKey };
    handedOut.add(crm.rootAccessKey.secretAccessKey);
    await subscribe(crm.rootAccessKey, '/crm', ['iam.user.created', 'iam.user.deleted']);

    // SCIM: the tenant's identity provider creates a user, then deprovisions it.
    const token = await api(crm.rootAccessKey, 'POST', '/v1/scim/tokens', { name: 'okta' });
    expect(token.status).toBe(201);
    handedOut.add(String(token.json.token));
    const scim = (method: string, path: string, body?: unknown) =>
      platform.app.request(`http://palisade.test/scim/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${token.json.token}`, 'content-type': 'application/scim+json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const user = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'grace@example.com',
      active: true,
    });
    expect(user.status).toBe(201);
    const { id } = (await user.json()) as { id: string };
    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204);

    // A provisioning webhook from the back office adds a member to the same tenant.
    const secret = await api(operator, 'POST', '/v1/provisioning/secrets');
    expect(secret.status).toBe(201);
    handedOut.add(String(secret.json.secret));
    const body = JSON.stringify({
      type: 'member.upserted',
      timestamp: new Date().toISOString(),
      data: { tenantExternalId: 'crm-events-1', userName: 'linus' },
    });
    const webhookId = 'msg_events_member_1';
    const sentAt = new Date();
    const applied = await platform.app.request('http://palisade.test/v1/provisioning/webhooks', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': webhookId,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': new Webhook(String(secret.json.secret)).sign(webhookId, sentAt, body),
      },
      body,
    });
    expect(applied.status).toBe(200);

    await eventually(() => at('/crm').length >= 3, 'the SCIM- and webhook-driven events');
    expect(at('/crm').every((request) => request.verified !== undefined)).toBe(true);
    expect(
      at('/crm')
        .map((request) => `${request.verified?.type} ${request.verified?.data.userName}`)
        .sort(),
    ).toEqual([
      'iam.user.created grace@example.com',
      'iam.user.created linus',
      'iam.user.deleted grace@example.com',
    ]);
    expect(at('/crm').every((request) => request.verified?.data.accountId === crm.accountId)).toBe(true);
  });

  it('retries a failing receiver with backoff and the same webhook-id, and lists the attempts with their status codes', async () => {
    const id = await subscribe(tenant.key, '/flaky', ['iam.group.created']);
    scripts.set('/flaky', [500, 503]);
    await runAsRoot(tenant.accountId, 'CreateGroup', { GroupName: 'flaky' });
    await eventually(() => at('/flaky').length >= 3, 'three attempts');
    const attempts = at('/flaky');
    expect(attempts.every((request) => request.verified?.type === 'iam.group.created')).toBe(true);
    expect(new Set(attempts.map((request) => request.headers['webhook-id'])).size).toBe(1);
    const listed = await eventually(async () => {
      const answer = await api(tenant.key, 'GET', `/v1/event-subscriptions/${id}/deliveries`);
      const items = answer.json.items as { status: string; id: string; attempts: { statusCode: number }[] }[];
      return items[0]?.status === 'delivered' ? items : undefined;
    }, 'the delivered status');
    expect(listed).toHaveLength(1);
    expect(listed[0]?.id).toBe(attempts[0]?.headers['webhook-id']);
    expect(listed[0]?.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 503, 200]);
    // Backoff: the retries waited about 150 ms and 300 ms (±20%).
    const times = attempts.map((request) => Number(request.headers['webhook-timestamp']));
    expect(times[2]).toBeGreaterThanOrEqual(times[0] as number);
    // Redelivery queues it again with the same webhook-id.
    const redeliver = await api(
      tenant.key,
      'POST',
      `/v1/event-subscriptions/${id}/deliveries/${listed[0]?.id}/redeliver`,
    );
    expect(redeliver.status).toBe(202);
    await eventually(() => at('/flaky').length >= 4, 'the redelivery');
    expect(at('/flaky')[3]?.headers['webhook-id']).toBe(listed[0]?.id);
  });

  it('marks a subscription failing when a delivery gives up, and disabled when the next gives up too', async () => {
    const id = await subscribe(tenant.key, '/down', ['iam.role.created']);
    scripts.set('/down', Array(6).fill(500));
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${tenant.accountId}:root` },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    const stateOf = async () => {
      const listed = await api(tenant.key, 'GET', '/v1/event-subscriptions');
      return (listed.json.items as { id: string; state: string; failedDeliveries: number }[]).find(
        (s) => s.id === id,
      );
    };
    await runAsRoot(tenant.accountId, 'CreateRole', { RoleName: 'down-1', AssumeRolePolicyDocument: trust });
    const failing = await eventually(async () => {
      const state = await stateOf();
      return state?.state === 'failing' ? state : undefined;
    }, 'the failing state');
    expect(failing.failedDeliveries).toBe(1);
    expect(at('/down')).toHaveLength(3);
    await runAsRoot(tenant.accountId, 'CreateRole', { RoleName: 'down-2', AssumeRolePolicyDocument: trust });
    const disabled = await eventually(async () => {
      const state = await stateOf();
      return state?.state === 'disabled' ? state : undefined;
    }, 'the disabled state');
    expect(disabled.failedDeliveries).toBe(2);
    // A disabled subscription is sent nothing more.
    await runAsRoot(tenant.accountId, 'CreateRole', { RoleName: 'down-3', AssumeRolePolicyDocument: trust });
    await eventually(
      () => at('/tenant').some((request) => request.verified?.data.roleName === 'down-3'),
      'down-3 at the other subscription',
    );
    expect(at('/down')).toHaveLength(6);
  });

  it('keeps a pending delivery in the table while no worker runs, and a new worker delivers it', async () => {
    const id = await subscribe(tenant.key, '/restart', ['iam.user.created']);
    await worker?.stop();
    worker = undefined;
    await runAsRoot(tenant.accountId, 'CreateUser', { UserName: 'while-stopped' });
    const pending = await eventually(async () => {
      const answer = await api(tenant.key, 'GET', `/v1/event-subscriptions/${id}/deliveries`);
      const items = answer.json.items as { status: string; attempts: unknown[] }[];
      return items[0];
    }, 'the filed delivery');
    expect(pending).toMatchObject({ status: 'pending', attempts: [] });
    expect(at('/restart')).toEqual([]);
    worker = startWorker();
    await eventually(() => at('/restart').length >= 1, 'the delivery after the restart');
    expect(at('/restart')[0]?.verified?.data.userName).toBe('while-stopped');
  });

  it('does not follow a redirect: a 3xx is a failed attempt and its target is never requested', async () => {
    await subscribe(tenant.key, '/redirects', ['iam.group.deleted']);
    scripts.set('/redirects', [302, 302, 302]);
    await runAsRoot(tenant.accountId, 'DeleteGroup', { GroupName: 'flaky' });
    await eventually(() => at('/redirects').length >= 3, 'three attempts');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(at('/followed')).toEqual([]);
  });
});
