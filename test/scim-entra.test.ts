/**
 * Microsoft Entra ID's SCIM provisioning requests (issue #13), as Microsoft's published SCIM
 * endpoint examples show them: capitalised ops, `active` as the string "False", value-filter paths
 * (`emails[type eq "work"].value`, `members[value eq "…"]`), the enterprise manager path, member
 * removal by value, the group lookup that excludes members, and a PATCH of an attribute Palisade
 * does not keep answered as a no-op.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createScimFixture, type ScimFixture } from './fixtures/scim-client.ts';
import { signedQueryRequest } from './fixtures/signed-requests.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER_NAME = 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1';

let fixture: ScimFixture;
let userId = '';
let managerId = '';
let groupId = '';

beforeAll(async () => {
  fixture = await createScimFixture('scimentra');
});

function entraUser(userName: string, externalId: string) {
  return {
    schemas: [USER, ENTERPRISE],
    externalId,
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: `${userName}@testuser.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  };
}

function patchUser(operations: unknown[]) {
  return fixture.scim('PATCH', `/Users/${userId}`, { schemas: [PATCH], Operations: operations });
}

describe('Entra ID provisioning', () => {
  it("creates users from Entra's request", async () => {
    const created = await fixture.scim(
      'POST',
      '/Users',
      entraUser(USER_NAME, '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef'),
    );
    expect(created.status).toBe(201);
    userId = created.body.id;
    expect(created.body).toMatchObject({
      userName: USER_NAME,
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      active: true,
    });
    const manager = await fixture.scim('POST', '/Users', entraUser('Test_Manager_1', 'manager-external-id'));
    managerId = manager.body.id;
  });

  it('finds a user by userName, and answers an empty list for one that does not exist', async () => {
    const found = await fixture.scim(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${USER_NAME}"`)}`,
    );
    expect(found.body.totalResults).toBe(1);
    const missing = await fixture.scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "non-existent user"')}`,
    );
    expect(missing.body.totalResults).toBe(0);
  });

  it('updates multi-valued and single-valued attributes with capitalised Replace', async () => {
    const multi = await patchUser([
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
      { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
    ]);
    expect(multi.status).toBe(200);
    expect(multi.body.emails).toEqual([{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }]);
    expect(multi.body.name.familyName).toBe('updatedFamilyName');
    const renamed = await patchUser([
      { op: 'Replace', path: 'userName', value: `5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com` },
    ]);
    expect(renamed.body.userName).toBe(`5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com`);
  });

  it('sets the manager through the enterprise extension path', async () => {
    const patched = await patchUser([{ op: 'Add', path: `${ENTERPRISE}:manager`, value: managerId }]);
    expect(patched.status).toBe(200);
    expect(patched.body[ENTERPRISE]).toEqual({ manager: { value: managerId } });
  });

  it('disables the user with the string "False" and enables it with "True"', async () => {
    const disabled = await patchUser([{ op: 'Replace', path: 'active', value: 'False' }]);
    expect(disabled.status).toBe(200);
    expect(disabled.body.active).toBe(false);
    const enabled = await patchUser([{ op: 'Replace', path: 'active', value: 'True' }]);
    expect(enabled.body.active).toBe(true);
  });

  it('answers a PATCH of an attribute it does not keep as a no-op', async () => {
    const before = await fixture.scim('GET', `/Users/${userId}`);
    const noop = await patchUser([
      {
        op: 'Add',
        path: 'urn:ietf:params:scim:schemas:extension:CustomExtension:2.0:User:costCode',
        value: '42',
      },
      { op: 'Replace', path: 'nonExistentAttribute', value: 'x' },
    ]);
    expect(noop.status).toBe(200);
    const { meta: _before, ...unchanged } = before.body;
    const { meta: _after, ...after } = noop.body;
    expect(after).toEqual(unchanged);
  });

  it('creates a group, finds it by displayName without members, and renames it', async () => {
    const created = await fixture.scim('POST', '/Groups', {
      schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    expect(created.status).toBe(201);
    groupId = created.body.id;
    const found = await fixture.scim(
      'GET',
      `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "displayName"')}`,
    );
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0]).toEqual({
      schemas: [GROUP],
      id: groupId,
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: found.body.Resources[0].meta,
    });
    const renamed = await fixture.scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [
        {
          op: 'Replace',
          path: 'displayName',
          value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName',
        },
      ],
    });
    expect(renamed.status).toBe(204);
  });

  it('adds members with Add and removes them by value and by value filter', async () => {
    const add = await fixture.scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [
        {
          op: 'Add',
          path: 'members',
          value: [
            { $ref: null, value: userId },
            { $ref: null, value: managerId },
          ],
        },
      ],
    });
    expect(add.status).toBe(204);
    const listed = await fixture.platform.app.request(
      await signedQueryRequest(fixture.root, 'iam', {
        Action: 'ListGroupsForUser',
        UserName: 'Test_Manager_1',
      }),
    );
    expect(await listed.text()).toContain(
      '<GroupName>1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName</GroupName>',
    );
    const byValue = await fixture.scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: managerId }] }],
    });
    expect(byValue.status).toBe(204);
    const byFilter = await fixture.scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Remove', path: `members[value eq "${userId}"]` }],
    });
    expect(byFilter.status).toBe(204);
    expect((await fixture.scim('GET', `/Groups/${groupId}`)).body.members).toEqual([]);
  });

  it('deletes the group and the user', async () => {
    expect((await fixture.scim('DELETE', `/Groups/${groupId}`)).status).toBe(204);
    expect((await fixture.scim('DELETE', `/Users/${userId}`)).status).toBe(204);
    expect((await fixture.scim('GET', `/Users/${userId}`)).status).toBe(404);
  });
});
