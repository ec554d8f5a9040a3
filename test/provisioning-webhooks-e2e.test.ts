/**
 * The sign-up flow on a real server: the operator creates a webhook secret and a blueprint over
 * SigV4, a back office sends `tenant.created` signed with the `standardwebhooks` package, the
 * owner sets a first password with the setup token and calls the REST API with the Bearer token.
 */
import { randomUUID } from 'node:crypto';
import { queryAuditEvents } from '@palisade/store';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import { sendAs } from './fixtures/signed-fetch.ts';

/** What the webhook route answers: applied, or an error. */
interface WebhookAnswer {
  readonly status?: string;
  readonly accountId?: string;
  readonly owner?: { readonly userName: string; readonly setupToken?: string };
  readonly error?: { readonly code: string };
}

let running: RunningPlatform;
let secret: string;

beforeAll(async () => {
  running = await startPlatform();
});
afterAll(() => running?.close());

const asOperator = (method: string, path: string, body?: object) =>
  sendAs(
    running.url,
    { key: running.operator, service: 'palisade' },
    { method, path, ...(body ? { body: JSON.stringify(body) } : {}) },
    new Date(),
  );

/** Sends a webhook exactly as a back office would: the package signs id, timestamp and body. */
async function sendWebhook(body: string, id = `msg_${randomUUID()}`, signWith = secret) {
  const at = new Date();
  const response = await fetch(`${running.url}/v1/provisioning/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(signWith).sign(id, at, body),
    },
    body,
  });
  return { status: response.status, json: (await response.json()) as WebhookAnswer, id };
}

const tenantCreated = JSON.stringify({
  type: 'tenant.created',
  timestamp: new Date().toISOString(),
  data: { externalId: 'crm-42', alias: 'signup-co', blueprint: 'starter', owner: { userName: 'olivia' } },
});

describe('provisioning webhooks end to end', () => {
  it('creates secrets and blueprints for the operator only, showing a secret once', async () => {
    const created = await asOperator('POST', '/v1/provisioning/secrets');
    expect(created.status).toBe(201);
    const body = JSON.parse(created.text) as { secretId: string; secret: string };
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    secret = body.secret;
    const listed = await asOperator('GET', '/v1/provisioning/secrets');
    expect(JSON.parse(listed.text).items.map((s: { secretId: string }) => s.secretId)).toEqual([
      body.secretId,
    ]);
    expect(listed.text).not.toContain('whsec_');

    const tenant = await running.createAccount('not-operator');
    const refused = await sendAs(
      running.url,
      { key: tenant, service: 'palisade' },
      { method: 'POST', path: '/v1/provisioning/secrets' },
      new Date(),
    );
    expect(refused.status).toBe(403);

    const malformed = await asOperator('PUT', '/v1/blueprints/starter', {
      groups: [{ name: 'admins', policies: [{ name: 'all', document: '{"Statement":"nope"}' }] }],
    });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text).error.fields[0].path).toBe('groups.0.policies.0.document');
    const put = await asOperator('PUT', '/v1/blueprints/starter', {
      groups: [
        {
          name: 'developers',
          policies: [
            {
              name: 'read-iam',
              document: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: 'iam:List*', Resource: '*' }],
              },
            },
          ],
        },
      ],
    });
    expect(put.status).toBe(200);
    expect(JSON.parse((await asOperator('GET', '/v1/blueprints/starter')).text).groups[0].name).toBe(
      'developers',
    );
  });

  it('refuses a bad signature 401 and a body over 256 KB 413', async () => {
    const forged = await sendWebhook(
      tenantCreated,
      undefined,
      `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    );
    expect([forged.status, forged.json.error?.code]).toEqual([401, 'webhook.invalid-signature']);
    const huge = JSON.stringify({
      type: 'tenant.created',
      timestamp: new Date().toISOString(),
      data: { pad: 'x'.repeat(300_000) },
    });
    const tooLarge = await sendWebhook(huge);
    expect(tooLarge.status).toBe(413);
  });

  it('signs up a tenant: its owner sets a password with the setup token and calls the API with Bearer', async () => {
    const first = await sendWebhook(tenantCreated);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ status: 'applied', owner: { userName: 'olivia' } });
    const accountId = String(first.json.accountId);
    const setupToken = String(first.json.owner?.setupToken);
    expect(setupToken).toMatch(/^pst_/);
    expect(JSON.stringify(first.json)).not.toMatch(/secretAccessKey|AKIA/);

    const same = await fetch(`${running.url}/v1/provisioning/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': first.id,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': new Webhook(secret).sign(first.id, new Date(), tenantCreated),
      },
      body: tenantCreated,
    });
    expect(await same.json()).toEqual(first.json);

    const setup = await fetch(`${running.url}/v1/sign-in/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        account: 'signup-co',
        userName: 'olivia',
        setupToken,
        password: 'Correct-Horse-9',
      }),
    });
    expect(setup.status).toBe(200);
    const reused = await fetch(`${running.url}/v1/sign-in/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        account: 'signup-co',
        userName: 'olivia',
        setupToken,
        password: 'Other-Horse-8',
      }),
    });
    expect([reused.status, ((await reused.json()) as WebhookAnswer).error?.code]).toEqual([
      401,
      'provisioning.invalid-setup-token',
    ]);
    const tokens = (await setup.json()) as Record<string, unknown>;
    expect(Object.keys(tokens).sort()).toEqual([
      'accessToken',
      'expiresIn',
      'passwordResetRequired',
      'refreshToken',
      'tokenType',
    ]);
    const groups = await sendAs(
      running.url,
      { bearer: tokens.accessToken as string },
      { method: 'GET', path: '/v1/groups' },
      new Date(),
    );
    expect(groups.status).toBe(200);
    expect(groups.text).toContain('developers');

    const replay = await sendWebhook(tenantCreated);
    expect(replay.json).toEqual({ status: 'applied', accountId, owner: { userName: 'olivia' } });

    const account = JSON.parse((await asOperator('GET', `/v1/accounts/${accountId}`)).text);
    expect(account).toMatchObject({ accountId, alias: 'signup-co', externalId: 'crm-42', status: 'active' });
    const found = JSON.parse((await asOperator('GET', '/v1/accounts?externalId=crm-42')).text);
    expect(found.items.map((a: { accountId: string }) => a.accountId)).toEqual([accountId]);

    const trail = await queryAuditEvents(
      running.platform.store,
      { accountId },
      { order: 'oldest-first', limit: 50 },
    );
    const created = trail.events
      .map((e) => JSON.parse(e.event))
      .find((e) => e.eventName === 'tenant.created');
    expect(created).toMatchObject({ eventSource: 'provisioning.palisade', eventName: 'tenant.created' });
  });

  it('builds the same tenant from the operator route with an externalId and a blueprint', async () => {
    const created = await asOperator('POST', '/v1/accounts', {
      alias: 'rest-built',
      externalId: 'crm-43',
      blueprint: 'starter',
    });
    expect(created.status).toBe(201);
    const body = JSON.parse(created.text);
    expect(body).toMatchObject({ alias: 'rest-built', externalId: 'crm-43' });
    const groups = await sendAs(
      running.url,
      { key: body.rootAccessKey, service: 'palisade' },
      { method: 'GET', path: '/v1/groups' },
      new Date(),
    );
    expect(groups.text).toContain('developers');
    const taken = await asOperator('POST', '/v1/accounts', { alias: 'rest-again', externalId: 'crm-43' });
    expect(taken.status).toBe(409);
    const unknown = await asOperator('POST', '/v1/accounts', { alias: 'rest-none', blueprint: 'missing' });
    expect([unknown.status, JSON.parse(unknown.text).error.fields]).toEqual([
      400,
      [{ path: 'blueprint', message: 'no such blueprint' }],
    ]);
    const none = JSON.parse((await asOperator('GET', '/v1/accounts?externalId=crm-none')).text);
    expect(none.items).toEqual([]);
    const document = JSON.parse(await fetch(`${running.url}/openapi.json`).then((r) => r.text()));
    for (const path of [
      '/v1/provisioning/webhooks',
      '/v1/provisioning/secrets',
      '/v1/blueprints/{name}',
      '/v1/sign-in/setup',
    ]) {
      expect(Object.keys(document.paths)).toContain(path);
    }
  });
});
