/**
 * SCIM tokens over REST (issue #13): created by root or a user allowed palisade:CreateScimToken,
 * shown once and stored only as a digest, listed without secrets with their last use, revoked at once.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createScimFixture, restAs, type ScimFixture } from './fixtures/scim-client.ts';
import { scanTableDocuments } from './fixtures/table-items.ts';
import { TEST_OPERATOR } from './fixtures/test-platform.ts';

let fixture: ScimFixture;
// Near the wall clock: SigV4 requests are dated by it; the test moves it by seconds only.
let clock = new Date(Math.floor(Date.now() / 1000) * 1000);

beforeAll(async () => {
  fixture = await createScimFixture('scimtokens', { now: () => clock });
});

async function userKey(name: string, policy?: object) {
  const { platform, root } = fixture;
  expect((await restAs(platform, root, 'POST', '/v1/users', { userName: name })).status).toBe(201);
  if (policy)
    expect(
      (await restAs(platform, root, 'PUT', `/v1/users/${name}/inline-policies/scim`, { document: policy }))
        .status,
    ).toBeLessThan(300);
  const key = await restAs(platform, root, 'POST', `/v1/users/${name}/access-keys`);
  expect(key.status).toBe(201);
  return { accessKeyId: key.body.accessKeyId as string, secretAccessKey: key.body.secretAccessKey as string };
}

/** The listed token's last use. */
async function lastUse(): Promise<string | undefined> {
  const listed = await restAs(fixture.platform, fixture.root, 'GET', '/v1/scim/tokens');
  expect(JSON.stringify(listed.body)).not.toContain(fixture.token);
  return listed.body.items[0].lastUsedAt;
}

describe('SCIM tokens', () => {
  it('shows the token once and stores only its sha256', async () => {
    const items = await scanTableDocuments(fixture.platform.store);
    const text = JSON.stringify(items);
    expect(text).not.toContain(fixture.token);
    expect(text).toContain(createHash('sha256').update(fixture.token).digest('hex'));
    expect(fixture.token).toMatch(/^pscim_[A-Za-z0-9_-]{43}$/);
  });

  it("files the token's creation as one of Palisade's own REST calls, without the token", async () => {
    const events = (await scanTableDocuments(fixture.platform.store))
      .filter((item) => item.pk === `ACCT#${fixture.accountId}#AUDIT`)
      .map((item) => JSON.parse(String(item.event)) as Record<string, unknown>)
      .filter((event) => event.eventName === 'CreateScimToken');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventSource: 'palisade', requestParameters: { name: 'okta' } });
    expect(JSON.stringify(events[0])).not.toContain(fixture.token);
  });

  it('lists tokens without secrets and records the last use at most once a minute', async () => {
    const before = await restAs(fixture.platform, fixture.root, 'GET', '/v1/scim/tokens');
    expect(before.status).toBe(200);
    expect(before.body.items).toEqual([
      { tokenId: fixture.tokenId, name: 'okta', createdAt: clock.toISOString() },
    ]);
    expect((await fixture.scim('GET', '/ServiceProviderConfig')).status).toBe(200);
    const firstUse = clock.toISOString();
    clock = new Date(clock.getTime() + 30_000);
    expect((await fixture.scim('GET', '/Users')).status).toBe(200);
    // The use 30 s later is not recorded: the first one stays.
    expect(await lastUse()).toBe(firstUse);
    clock = new Date(clock.getTime() + 31_000);
    expect((await fixture.scim('GET', '/Users')).status).toBe(200);
    expect(await lastUse()).toBe(clock.toISOString());
  });

  it('refuses a user without palisade:CreateScimToken and admits one allowed it', async () => {
    const denied = await userKey('no-scim');
    const refused = await restAs(fixture.platform, denied, 'POST', '/v1/scim/tokens', { name: 'entra' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('palisade:CreateScimToken');
    const allowed = await userKey('scim-admin', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['palisade:CreateScimToken', 'palisade:ListScimTokens'], Resource: '*' },
      ],
    });
    const created = await restAs(fixture.platform, allowed, 'POST', '/v1/scim/tokens', { name: 'entra' });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['createdAt', 'name', 'token', 'tokenId']);
    const revoke = await restAs(
      fixture.platform,
      allowed,
      'DELETE',
      `/v1/scim/tokens/${created.body.tokenId}`,
    );
    expect(revoke.status).toBe(403);
    expect(revoke.body.error.message).toContain('palisade:DeleteScimToken');
  });

  it('refuses a bad token name and changes nothing', async () => {
    const before = await restAs(fixture.platform, fixture.root, 'GET', '/v1/scim/tokens');
    const bad = await restAs(fixture.platform, fixture.root, 'POST', '/v1/scim/tokens', {
      name: 'x'.repeat(65),
    });
    expect(bad.status).toBe(400);
    const after = await restAs(fixture.platform, fixture.root, 'GET', '/v1/scim/tokens');
    expect(after.body.items).toEqual(before.body.items);
  });

  it('stops a revoked token on its next request, with a SCIM 401', async () => {
    const created = await restAs(fixture.platform, fixture.root, 'POST', '/v1/scim/tokens', {
      name: 'short-lived',
    });
    const token = created.body.token as string;
    expect((await fixture.scim('GET', '/Users', undefined, { token })).status).toBe(200);
    const revoked = await restAs(
      fixture.platform,
      fixture.root,
      'DELETE',
      `/v1/scim/tokens/${created.body.tokenId}`,
    );
    expect(revoked.status).toBe(204);
    const refused = await fixture.scim('GET', '/Users', undefined, { token });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '401',
      detail: 'The SCIM token is not valid.',
    });
    const again = await restAs(
      fixture.platform,
      fixture.root,
      'DELETE',
      `/v1/scim/tokens/${created.body.tokenId}`,
    );
    expect(again.status).toBe(404);
  });

  it('refuses every token of a suspended account, and serves it again once reactivated', async () => {
    const operator = {
      accessKeyId: TEST_OPERATOR.accessKeyId,
      secretAccessKey: TEST_OPERATOR.secretAccessKey,
    };
    const path = `/v1/accounts/${fixture.accountId}`;
    expect((await restAs(fixture.platform, operator, 'POST', `${path}/suspend`)).status).toBe(200);
    const refused = await fixture.scim('GET', '/Users');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '403',
    });
    expect((await restAs(fixture.platform, operator, 'POST', `${path}/reactivate`)).status).toBe(200);
    expect((await fixture.scim('GET', '/Users')).status).toBe(200);
  });
});
