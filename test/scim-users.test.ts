/**
 * SCIM Users over the platform (issue #13): the token selects the account; users are IAM users
 * (path /scim/, userName = IAM name); filters, paging, projection, PUT, PATCH, DELETE, ETags; every
 * change is recorded as the token's, through interface `scim`, with a `scim.palisade` audit event.
 */
import { createScimApp } from '@palisade/api';
import { iamOperations } from '@palisade/iam';
import { iamLifecycle, scimGroups, scimTokenService, scimUsers } from '@palisade/scim';
import { listChangeRecords } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createScimFixture, restAs, type ScimFixture } from './fixtures/scim-client.ts';
import { scanTableDocuments } from './fixtures/table-items.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let fixture: ScimFixture;

beforeAll(async () => {
  fixture = await createScimFixture('scimusers');
});

function newUser(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER, ENTERPRISE],
    userName,
    externalId: `ext-${userName}`,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    displayName: 'Ada Lovelace',
    emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }],
    active: true,
    [ENTERPRISE]: { department: 'Analytics', manager: { value: 'AIDAMANAGER0000001' } },
    ...extra,
  };
}

async function iamUserCount(): Promise<number> {
  const listed = await restAs(fixture.platform, fixture.root, 'GET', '/v1/users');
  return listed.body.items.length;
}

describe('SCIM endpoint', () => {
  it('answers a missing or unknown token 401 with a SCIM error body', async () => {
    for (const token of [null, 'pscim_not-a-real-token-at-all-0000000000000000000', 'garbage']) {
      const answer = await fixture.scim('GET', '/Users', undefined, { token });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('content-type')).toBe('application/scim+json');
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="scim"');
      expect(answer.body.schemas).toEqual([ERROR]);
      expect(answer.body.status).toBe('401');
    }
  });

  it('serves ServiceProviderConfig, ResourceTypes and Schemas as application/scim+json', async () => {
    const config = await fixture.scim('GET', '/ServiceProviderConfig');
    expect(config.headers.get('content-type')).toBe('application/scim+json');
    expect(config.body.patch).toEqual({ supported: true });
    expect(config.body.filter).toEqual({ supported: true, maxResults: 1000 });
    expect(config.body.etag).toEqual({ supported: true });
    const types = await fixture.scim('GET', '/ResourceTypes');
    expect(types.body.Resources.map((type: { id: string }) => type.id)).toEqual(['User', 'Group']);
    expect(types.body.Resources[0].schemaExtensions).toEqual([{ schema: ENTERPRISE, required: false }]);
    const schemas = await fixture.scim('GET', '/Schemas');
    expect(schemas.body.totalResults).toBe(3);
    const user = await fixture.scim('GET', `/Schemas/${USER}`);
    const userName = user.body.attributes.find(
      (attribute: { name: string }) => attribute.name === 'userName',
    );
    expect(userName).toMatchObject({ required: true, uniqueness: 'server', type: 'string' });
  });

  it('refuses a body over 1 MiB with 413 and creates nothing', async () => {
    const before = await iamUserCount();
    const huge = JSON.stringify(newUser('huge', { title: 'x'.repeat(1024 * 1024) }));
    const answer = await fixture.scim('POST', '/Users', huge);
    expect(answer.status).toBe(413);
    expect(answer.body.schemas).toEqual([ERROR]);
    expect(await iamUserCount()).toBe(before);
  });
});

describe('SCIM Users', () => {
  let id = '';
  let etag = '';

  it('creates an IAM user under /scim/ and keeps the SCIM attributes', async () => {
    const created = await fixture.scim('POST', '/Users', newUser('ada.lovelace@example.com'));
    expect(created.status).toBe(201);
    id = created.body.id;
    etag = created.body.meta.version;
    expect(id).toMatch(/^AIDA/);
    expect(created.headers.get('location')).toBe(`http://palisade.test/scim/v2/Users/${id}`);
    expect(created.headers.get('etag')).toBe(etag);
    expect(created.body).toMatchObject({
      schemas: [USER, ENTERPRISE],
      userName: 'ada.lovelace@example.com',
      externalId: 'ext-ada.lovelace@example.com',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      active: true,
      [ENTERPRISE]: { department: 'Analytics', manager: { value: 'AIDAMANAGER0000001' } },
      meta: { resourceType: 'User', location: `http://palisade.test/scim/v2/Users/${id}` },
    });
    const iam = await restAs(fixture.platform, fixture.root, 'GET', '/v1/users/ada.lovelace@example.com');
    expect(iam.status).toBe(200);
    expect(iam.body).toMatchObject({ userName: 'ada.lovelace@example.com', path: '/scim/', userId: id });
  });

  it('records the change as the token, through scim, with a scim.palisade audit event', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const records = await listChangeRecords(fixture.platform.store, { accountId: fixture.accountId }, day);
    const scim = records.filter((record) => record.origin.via === 'scim');
    expect(scim.length).toBeGreaterThanOrEqual(2);
    expect(scim.every((record) => record.origin.principal?.principalId === fixture.tokenId)).toBe(true);
    expect(scim.map((record) => record.operation)).toContain('CreateUser');
    const events = (await scanTableDocuments(fixture.platform.store))
      .filter((item) => item.entity === 'audit-event')
      .map((item) => JSON.parse(String(item.event)));
    const created = events.find(
      (event) => event.eventSource === 'scim.palisade' && event.eventName === 'CreateUser',
    );
    expect(created?.userIdentity).toMatchObject({
      principalId: fixture.tokenId,
      accountId: fixture.accountId,
    });
  });

  it('refuses a userName IAM cannot take with 400 invalidValue and changes nothing', async () => {
    const before = await iamUserCount();
    const answer = await fixture.scim('POST', '/Users', newUser('Ada Lovelace'));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidValue' });
    expect(await iamUserCount()).toBe(before);
  });

  it('answers a taken userName 409 uniqueness', async () => {
    const answer = await fixture.scim('POST', '/Users', newUser('ADA.LOVELACE@example.com'));
    expect(answer.status).toBe(409);
    expect(answer.body.scimType).toBe('uniqueness');
  });

  it('finds users by filter, pages them and projects attributes', async () => {
    for (const name of ['grace', 'linus', 'margaret'])
      expect((await fixture.scim('POST', '/Users', newUser(name, { active: name !== 'linus' }))).status).toBe(
        201,
      );
    const byName = await fixture.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "GRACE"')}`);
    expect(byName.body.totalResults).toBe(1);
    expect(byName.body.Resources[0].userName).toBe('grace');
    const none = await fixture.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody"')}`);
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });
    const inactive = await fixture.scim('GET', `/Users?filter=${encodeURIComponent('active eq false')}`);
    expect(inactive.body.Resources.map((user: { userName: string }) => user.userName)).toEqual(['linus']);
    const paged = await fixture.scim('GET', '/Users?startIndex=2&count=2&attributes=userName');
    expect(paged.body).toMatchObject({ totalResults: 4, startIndex: 2, itemsPerPage: 2 });
    expect(Object.keys(paged.body.Resources[0]).sort()).toEqual(['id', 'meta', 'schemas', 'userName']);
    const bad = await fixture.scim('GET', `/Users?filter=${encodeURIComponent('userName eq')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe('invalidFilter');
  });

  it('replaces a user with PUT, renaming the IAM user, and refuses a stale If-Match with 412', async () => {
    const stale = await fixture.scim('PUT', `/Users/${id}`, newUser('ada'), {
      headers: { 'if-match': 'W/"old"' },
    });
    expect(stale.status).toBe(412);
    const replaced = await fixture.scim(
      'PUT',
      `/Users/${id}`,
      { schemas: [USER], userName: 'ada', active: true },
      {
        headers: { 'if-match': etag },
      },
    );
    expect(replaced.status).toBe(200);
    expect(replaced.body.userName).toBe('ada');
    expect(replaced.body.name).toBeUndefined();
    expect(replaced.body.meta.version).not.toBe(etag);
    expect((await restAs(fixture.platform, fixture.root, 'GET', '/v1/users/ada')).body.userId).toBe(id);
    expect(
      (await restAs(fixture.platform, fixture.root, 'GET', '/v1/users/ada.lovelace@example.com')).status,
    ).toBe(404);
  });

  it('patches a user and answers the resource', async () => {
    const patched = await fixture.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'add', path: 'title', value: 'Analyst' },
        { op: 'replace', value: { displayName: 'Countess', 'name.givenName': 'Augusta' } },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      title: 'Analyst',
      displayName: 'Countess',
      name: { givenName: 'Augusta' },
    });
    const read = await fixture.scim('GET', `/Users/${id}?excludedAttributes=name`);
    expect(read.body).toMatchObject({ title: 'Analyst', displayName: 'Countess' });
    expect(read.body.name).toBeUndefined();
  });

  it('refuses malformed bodies and PATCHes with typed SCIM errors and changes nothing', async () => {
    const before = await fixture.scim('GET', `/Users/${id}`);
    const cases: [string, string, unknown, string][] = [
      ['POST', '/Users', '[1,2]', 'invalidSyntax'],
      ['POST', '/Users', '{"userName":', 'invalidSyntax'],
      ['POST', '/Users', { schemas: [USER], userName: 'x', emails: [42] }, 'invalidValue'],
      ['POST', '/Users', { schemas: [USER], userName: 'x', active: 'perhaps' }, 'invalidValue'],
      [
        'PATCH',
        `/Users/${id}`,
        { schemas: [PATCH], Operations: [{ op: 'move', path: 'title' }] },
        'invalidSyntax',
      ],
      [
        'PATCH',
        `/Users/${id}`,
        { schemas: ['urn:wrong'], Operations: [{ op: 'add', path: 'title' }] },
        'invalidSyntax',
      ],
      ['PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'remove' }] }, 'noTarget'],
      [
        'PATCH',
        `/Users/${id}`,
        {
          schemas: [PATCH],
          Operations: [
            { op: 'replace', path: 'title', value: 'changed first' },
            { op: 'replace', path: 'active', value: 'perhaps' },
          ],
        },
        'invalidValue',
      ],
    ];
    for (const [method, path, body, scimType] of cases) {
      const answer = await fixture.scim(method, path, body);
      expect({ method, path, status: answer.status, scimType: answer.body.scimType }).toEqual({
        method,
        path,
        status: 400,
        scimType,
      });
    }
    expect(await fixture.scim('GET', `/Users/${id}`)).toMatchObject({ status: 200, body: before.body });
    expect((await fixture.scim('GET', '/Users/AIDANOSUCHUSER000001')).status).toBe(404);
    expect((await fixture.scim('GET', '/Users/not-an-id')).status).toBe(404);
  });

  it('deletes a user with everything attached with 204 (never DeleteConflict); it is gone from SCIM and IAM', async () => {
    const { platform, root } = fixture;
    expect((await restAs(platform, root, 'POST', '/v1/users/ada/access-keys')).status).toBe(201);
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
    };
    expect(
      (await restAs(platform, root, 'PUT', '/v1/users/ada/inline-policies/read', { document: policy }))
        .status,
    ).toBe(204);
    const deleted = await fixture.scim('DELETE', `/Users/${id}`);
    expect(deleted.status).toBe(204);
    expect((await fixture.scim('GET', `/Users/${id}`)).status).toBe(404);
    expect((await restAs(fixture.platform, fixture.root, 'GET', '/v1/users/ada')).status).toBe(404);
    expect((await fixture.scim('DELETE', `/Users/${id}`)).status).toBe(404);
  });
});

describe('SCIM throttling', () => {
  it('answers a token past its rate 429 with Retry-After, and other tokens normally', async () => {
    const { platform } = fixture;
    let clock = 1_000_000;
    const operations = iamOperations(platform.iam);
    const scim = { iam: platform.iam, operations, lifecycle: iamLifecycle(platform.iam) };
    const app = createScimApp({
      tokens: scimTokenService({ store: platform.store, partition: 'aws', now: () => new Date(clock) }),
      users: scimUsers(scim),
      groups: scimGroups(scim),
      partition: 'aws',
      now: () => new Date(clock),
      throttle: { ratePerSecond: 0.5, burst: 2 },
    });
    const other = await restAs(platform, fixture.root, 'POST', '/v1/scim/tokens', { name: 'entra' });
    const call = (token: string) =>
      app.request('http://palisade.test/scim/v2/ServiceProviderConfig', {
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await call(fixture.token)).status).toBe(200);
    expect((await call(fixture.token)).status).toBe(200);
    const throttled = await call(fixture.token);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect(await throttled.json()).toMatchObject({ schemas: [ERROR], status: '429' });
    expect((await call(other.body.token)).status).toBe(200);
    clock += 2_000;
    expect((await call(fixture.token)).status).toBe(200);
  });
});
