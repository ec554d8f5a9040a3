/**
 * A managed policy's tags and the entities using it over the REST API (JSON, cursor paging), on a
 * whole platform over DynamoDB Local, answers checked against the published schemas.
 */
import { namedSchemas } from '@palisade/api';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../functions/wiring/platform.ts';
import { type SigningKey, signedJsonRequest, signedQueryRequest } from './fixtures/signed-requests.ts';
import { createTestAccount, createTestPlatform } from './fixtures/test-platform.ts';

let platform: Platform;
let root: SigningKey;
let policyPath: string;

const send = async (method: string, path: string, body?: object) => {
  const response = await platform.app.request(
    await signedJsonRequest(root, method, path, body === undefined ? undefined : JSON.stringify(body)),
  );
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};

beforeAll(async () => {
  platform = await createTestPlatform({ prefix: 'policy-rest' });
  root = await createTestAccount(platform, 'policy-rest-a');
  const created = await send('POST', '/v1/policies', {
    policyName: 'shared',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }] },
  });
  expect(created.status).toBe(201);
  policyPath = `/v1/policies/${encodeURIComponent(String(created.body.arn))}`;
  expect((await send('POST', '/v1/users', { userName: 'ann' })).status).toBe(201);
  expect((await send('POST', '/v1/users', { userName: 'bob' })).status).toBe(201);
  for (const user of ['ann', 'bob'])
    expect(
      (await send('POST', `/v1/users/${user}/attached-policies`, { policyArn: created.body.arn })).status,
    ).toBe(204);
});

describe('policy tags over REST', () => {
  it('adds, lists and removes tags', async () => {
    const tags = [
      { key: 'team', value: 'red' },
      { key: 'cost', value: '7' },
    ];
    expect((await send('PUT', `${policyPath}/tags`, { tags })).status).toBe(204);
    expect((await send('DELETE', `${policyPath}/tags?keys=cost`)).status).toBe(204);
    const listed = await send('GET', `${policyPath}/tags`);
    expect(listed).toEqual({ status: 200, body: { items: [{ key: 'team', value: 'red' }] } });
    const refused = await send('PUT', `${policyPath}/tags`, { tags: [{ key: 'aws:team', value: 'x' }] });
    expect(refused.status).toBe(400);
  });
});

describe('OIDC provider and MFA device tags over REST', () => {
  /** Creates over the Query API (these entities have no REST create routes) and answers the ARN. */
  const created = async (parameters: Record<string, string>, member: string) => {
    const answer = await platform.app.request(await signedQueryRequest(root, 'iam', parameters));
    const xml = await answer.text();
    expect(answer.status, xml).toBe(200);
    return new RegExp(`<${member}>([^<]+)</${member}>`).exec(xml)?.[1] ?? '';
  };

  it.each([
    [
      'an OIDC provider',
      '/v1/oidc-providers',
      {
        Action: 'CreateOpenIDConnectProvider',
        Url: 'https://idp.example.com',
        'ClientIDList.member.1': 'app',
      },
      'OpenIDConnectProviderArn',
    ],
    [
      'a virtual MFA device',
      '/v1/mfa-devices',
      { Action: 'CreateVirtualMFADevice', VirtualMFADeviceName: 'desk' },
      'SerialNumber',
    ],
  ] as const)('adds, lists and removes the tags of %s', async (_what, collection, parameters, member) => {
    const arn = await created({ ...parameters }, member);
    const path = `${collection}/${encodeURIComponent(arn)}/tags`;
    expect((await send('GET', path)).body).toEqual({ items: [] });
    const tags = [
      { key: 'team', value: 'red' },
      { key: 'cost', value: '7' },
    ];
    expect((await send('PUT', path, { tags })).status).toBe(204);
    expect((await send('DELETE', `${path}?keys=cost`)).status).toBe(204);
    expect(await send('GET', path)).toEqual({
      status: 200,
      body: { items: [{ key: 'team', value: 'red' }] },
    });
    expect((await send('PUT', path, { tags: [{ key: 'aws:team', value: 'x' }] })).status).toBe(400);
    const missing = `${collection}/${encodeURIComponent(arn.replace(/[^/]+$/, 'ghost'))}/tags`;
    expect((await send('GET', missing)).status).toBe(404);
  });
});

describe('the entities using a policy over REST', () => {
  it('pages through them with cursor and nextCursor', async () => {
    const first = await send('GET', `${policyPath}/entities?limit=1`);
    expect(first.status).toBe(200);
    namedSchemas.PolicyEntities.strict().parse(first.body);
    expect(first.body).toMatchObject({
      policyGroups: [],
      policyUsers: [{ userName: 'ann' }],
      policyRoles: [],
    });
    const cursor = String(first.body.nextCursor);
    const second = await send('GET', `${policyPath}/entities?limit=1&cursor=${encodeURIComponent(cursor)}`);
    expect(second.body).toMatchObject({ policyUsers: [{ userName: 'bob' }] });
    expect(second.body.nextCursor).toBeUndefined();
  });
});
