/**
 * Okta's SCIM 2.0 provisioning flow (issue #13), request by request as Okta's published SCIM 2.0
 * protocol reference shows them: existence check by `filter=userName eq`, create (with a password
 * Okta may send, which is never kept), read, PUT replace, deactivation by PATCH and by PUT, and the
 * group push requests (create, list, rename by a path-less replace carrying the id, add and remove
 * members, delete).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createScimFixture, restAs, type ScimFixture } from './fixtures/scim-client.ts';
import { scanTableDocuments } from './fixtures/table-items.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const OKTA_PASSWORD = '1mz050nq';

let fixture: ScimFixture;
let userId = '';
let groupId = '';
// Near the wall clock (SigV4 requests are dated by it); moved past the credential cache's window.
let clock = new Date();

beforeAll(async () => {
  fixture = await createScimFixture('scimokta', { now: () => clock });
});

/** What a REST call signed with the user's own key answers: 403 while it may sign, 401 once it may not. */
async function signedByUser(key: { accessKeyId: string; secretAccessKey: string }) {
  clock = new Date(Math.max(Date.now(), clock.getTime()) + 2_000);
  const answer = await restAs(fixture.platform, key, 'GET', '/v1/users');
  return `${answer.status} ${answer.body.error.code}`;
}

describe('Okta provisioning', () => {
  it('checks that the user does not exist yet', async () => {
    const check = await fixture.scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "test.user@okta.local"')}&startIndex=1&count=100`,
    );
    expect(check.status).toBe(200);
    expect(check.body).toEqual({
      schemas: [LIST],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it("creates the user from Okta's request, keeping no password", async () => {
    const created = await fixture.scim('POST', '/Users', {
      schemas: [USER],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: OKTA_PASSWORD,
      active: true,
    });
    expect(created.status).toBe(201);
    userId = created.body.id;
    expect(created.body).toMatchObject({
      userName: 'test.user@okta.local',
      externalId: '00ujl29u0le5T6Aj10h7',
      locale: 'en-US',
      active: true,
    });
    expect(created.body.password).toBeUndefined();
    expect(JSON.stringify(await scanTableDocuments(fixture.platform.store))).not.toContain(OKTA_PASSWORD);
  });

  it('finds the user by its userName and reads it by id', async () => {
    const check = await fixture.scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "test.user@okta.local"')}&startIndex=1&count=100`,
    );
    expect(check.body.totalResults).toBe(1);
    expect(check.body.Resources[0].id).toBe(userId);
    const read = await fixture.scim('GET', `/Users/${userId}`);
    expect(read.body.emails).toEqual([{ primary: true, value: 'test.user@okta.local', type: 'work' }]);
  });

  it('replaces the profile with PUT', async () => {
    const replaced = await fixture.scim('PUT', `/Users/${userId}`, {
      schemas: [USER],
      id: userId,
      userName: 'test.user@okta.local',
      name: { givenName: 'Another', middleName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Another User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      active: true,
      meta: { resourceType: 'User' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      id: userId,
      name: { givenName: 'Another', middleName: 'Test', familyName: 'User' },
      displayName: 'Another User',
    });
  });

  it('deactivates the user by PATCH and reactivates it by PUT: its key stops, then works as before', async () => {
    const created = await restAs(
      fixture.platform,
      fixture.root,
      'POST',
      '/v1/users/test.user@okta.local/access-keys',
    );
    const key = { accessKeyId: created.body.accessKeyId, secretAccessKey: created.body.secretAccessKey };
    expect(await signedByUser(key)).toBe('403 access.denied');
    const deactivated = await fixture.scim('PATCH', `/Users/${userId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.active).toBe(false);
    const inactive = await fixture.scim('GET', `/Users?filter=${encodeURIComponent('active eq false')}`);
    expect(inactive.body.Resources.map((user: { id: string }) => user.id)).toEqual([userId]);
    expect(await signedByUser(key)).toMatch(/^401 credentials\./);
    const reactivated = await fixture.scim('PUT', `/Users/${userId}`, {
      schemas: [USER],
      userName: 'test.user@okta.local',
      active: true,
    });
    expect(reactivated.body.active).toBe(true);
    expect(await signedByUser(key)).toBe('403 access.denied');
    const keys = await restAs(
      fixture.platform,
      fixture.root,
      'GET',
      '/v1/users/test.user@okta.local/access-keys',
    );
    expect(keys.body.items.map((item: { status: string }) => item.status)).toEqual(['Active']);
  });

  it('pushes a group: create, list, rename, add and remove a member, delete', async () => {
    const created = await fixture.scim('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Test SCIMv2',
      members: [],
    });
    expect(created.status).toBe(201);
    groupId = created.body.id;
    expect(created.body).toMatchObject({ displayName: 'Test SCIMv2', members: [] });
    const listed = await fixture.scim('GET', '/Groups?startIndex=1&count=100');
    expect(listed.body.Resources.map((group: { id: string }) => group.id)).toEqual([groupId]);
    const renamed = await fixture.scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv2 Updated' } }],
    });
    expect(renamed.status).toBe(204);
    const added = await fixture.scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'add', path: 'members', value: [{ value: userId, display: 'test.user@okta.local' }] },
      ],
    });
    expect(added.status).toBe(204);
    const read = await fixture.scim('GET', `/Groups/${groupId}`);
    expect(read.body.displayName).toBe('Test SCIMv2 Updated');
    expect(read.body.members.map((member: { value: string }) => member.value)).toEqual([userId]);
    const iam = await restAs(fixture.platform, fixture.root, 'GET', '/v1/groups/Test-SCIMv2-Updated');
    expect(iam.body.groupId).toBe(groupId);
    const removed = await fixture.scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }],
    });
    expect(removed.status).toBe(204);
    expect((await fixture.scim('GET', `/Groups/${groupId}`)).body.members).toEqual([]);
    expect((await fixture.scim('DELETE', `/Groups/${groupId}`)).status).toBe(204);
    expect((await fixture.scim('GET', `/Groups/${groupId}`)).status).toBe(404);
  });

  it('deletes the user', async () => {
    expect((await fixture.scim('DELETE', `/Users/${userId}`)).status).toBe(204);
    expect((await fixture.scim('GET', `/Users/${userId}`)).status).toBe(404);
  });
});
