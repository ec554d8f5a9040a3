/**
 * SCIM Groups over the platform (issue #13): display names IAM refuses still work (a derived,
 * stable, unique group name), members are IAM memberships that the Query API's ListGroupsForUser
 * shows, and single members are added and removed without rewriting the group.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createScimFixture, restAs, type ScimFixture } from './fixtures/scim-client.ts';
import { signedQueryRequest } from './fixtures/signed-requests.ts';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let fixture: ScimFixture;
const userIds: Record<string, string> = {};

beforeAll(async () => {
  fixture = await createScimFixture('scimgroups');
  for (const name of ['alice', 'bob', 'carol']) {
    const created = await fixture.scim('POST', '/Users', { schemas: [USER], userName: name, active: true });
    userIds[name] = created.body.id;
  }
});

/** The group names `aws iam list-groups-for-user` answers (the Query API, signed as root). */
async function groupsForUser(userName: string): Promise<string[]> {
  const response = await fixture.platform.app.request(
    await signedQueryRequest(fixture.root, 'iam', { Action: 'ListGroupsForUser', UserName: userName }),
  );
  const xml = await response.text();
  expect(response.status).toBe(200);
  return [...xml.matchAll(/<GroupName>([^<]+)<\/GroupName>/g)].map((match) => match[1] as string);
}

async function memberIds(id: string): Promise<string[]> {
  const group = await fixture.scim('GET', `/Groups/${id}`);
  return (group.body.members ?? []).map((member: { value: string }) => member.value).sort();
}

describe('SCIM Groups', () => {
  let engineering = '';

  it('creates a group whose display name IAM refuses, under a derived name, with its members', async () => {
    const created = await fixture.scim('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Engineering Team',
      externalId: 'okta-00g1',
      members: [{ value: userIds.alice }, { value: userIds.bob }],
    });
    expect(created.status).toBe(201);
    engineering = created.body.id;
    expect(created.body).toMatchObject({ displayName: 'Engineering Team', externalId: 'okta-00g1' });
    expect(created.body.members.map((member: { value: string }) => member.value).sort()).toEqual(
      [userIds.alice, userIds.bob].sort(),
    );
    const iam = await restAs(fixture.platform, fixture.root, 'GET', '/v1/groups/Engineering-Team');
    expect(iam.body).toMatchObject({ groupName: 'Engineering-Team', path: '/scim/', groupId: engineering });
    expect(await groupsForUser('alice')).toEqual(['Engineering-Team']);
  });

  it('gives a display name whose derived name is taken the stable hashed variant', async () => {
    const clash = await fixture.scim('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Engineering-Team',
    });
    expect(clash.status).toBe(201);
    const listed = await restAs(fixture.platform, fixture.root, 'GET', '/v1/groups');
    const names = listed.body.items.map((group: { groupName: string }) => group.groupName);
    expect(names).toContain('Engineering-Team');
    expect(names.find((name: string) => name.startsWith('Engineering-Team-'))).toMatch(
      /^Engineering-Team-[0-9a-f]{8}$/,
    );
    const found = await fixture.scim(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "Engineering-Team"')}`,
    );
    expect(found.body.Resources.map((group: { id: string }) => group.id)).toEqual([clash.body.id]);
    expect((await fixture.scim('DELETE', `/Groups/${clash.body.id}`)).status).toBe(204);
  });

  it('adds and removes single members by PATCH (a value filter for the removal)', async () => {
    const added = await fixture.scim('PATCH', `/Groups/${engineering}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: userIds.carol, display: 'carol' }] }],
    });
    expect(added.status).toBe(204);
    expect(await groupsForUser('carol')).toEqual(['Engineering-Team']);
    const removed = await fixture.scim('PATCH', `/Groups/${engineering}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `members[value eq "${userIds.alice}"]` }],
    });
    expect(removed.status).toBe(204);
    expect(await groupsForUser('alice')).toEqual([]);
    expect(await memberIds(engineering)).toEqual([userIds.bob, userIds.carol].sort());
    // A member's sub-attribute is not kept: replacing it must not replace the member list.
    const display = await fixture.scim('PATCH', `/Groups/${engineering}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: `members[value eq "${userIds.bob}"].display`, value: 'Bob' }],
    });
    expect(display.status).toBe(204);
    expect(await memberIds(engineering)).toEqual([userIds.bob, userIds.carol].sort());
  });

  it('refuses to add a user id the account does not have, and changes nothing', async () => {
    const refused = await fixture.scim('PATCH', `/Groups/${engineering}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: 'AIDANOSUCHUSER000001' }] }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('invalidValue');
    expect(await memberIds(engineering)).toEqual([userIds.bob, userIds.carol].sort());
  });

  it('renames the IAM group with the display name and keeps the members', async () => {
    const renamed = await fixture.scim('PATCH', `/Groups/${engineering}?excludedAttributes=members`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { id: engineering, displayName: 'Platform Engineering' } }],
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe('Platform Engineering');
    expect(renamed.body.members).toBeUndefined();
    expect(await groupsForUser('bob')).toEqual(['Platform-Engineering']);
  });

  it('replaces the member list with PUT', async () => {
    const put = await fixture.scim('PUT', `/Groups/${engineering}`, {
      schemas: [GROUP],
      displayName: 'Platform Engineering',
      members: [{ value: userIds.alice }],
    });
    expect(put.status).toBe(200);
    expect(await memberIds(engineering)).toEqual([userIds.alice]);
    expect(await groupsForUser('bob')).toEqual([]);
  });

  it("pages a group's members through /Users?filter=groups.value eq, and shows a user's groups", async () => {
    for (const name of ['dave', 'erin', 'frank', 'grace']) {
      const created = await fixture.scim('POST', '/Users', { schemas: [USER], userName: name });
      userIds[name] = created.body.id;
    }
    const everyone = Object.values(userIds).map((value) => ({ value }));
    expect(
      (
        await fixture.scim('PATCH', `/Groups/${engineering}`, {
          schemas: [PATCH],
          Operations: [{ op: 'add', path: 'members', value: everyone }],
        })
      ).status,
    ).toBe(204);
    const filter = encodeURIComponent(`groups.value eq "${engineering}"`);
    const seen: string[] = [];
    for (const startIndex of [1, 4, 7]) {
      const page = await fixture.scim('GET', `/Users?filter=${filter}&startIndex=${startIndex}&count=3`);
      expect(page.body).toMatchObject({ totalResults: 7, startIndex });
      seen.push(...page.body.Resources.map((user: { id: string }) => user.id));
    }
    expect(seen).toEqual(Object.values(userIds).sort());
    const alice = await fixture.scim('GET', `/Users/${userIds.alice}`);
    expect(alice.body.groups).toEqual([
      {
        value: engineering,
        $ref: `http://palisade.test/scim/v2/Groups/${engineering}`,
        display: 'Platform-Engineering',
        type: 'direct',
      },
    ]);
    const put = await fixture.scim('PUT', `/Groups/${engineering}`, {
      schemas: [GROUP],
      displayName: 'Platform Engineering',
      members: [{ value: userIds.alice }],
    });
    expect(put.status).toBe(200);
  });

  it('lists groups without their members when asked to', async () => {
    const listed = await fixture.scim('GET', '/Groups?excludedAttributes=members');
    expect(listed.body.totalResults).toBe(1);
    expect(listed.body.Resources[0]).toMatchObject({ id: engineering, displayName: 'Platform Engineering' });
    expect(listed.body.Resources[0].members).toBeUndefined();
  });

  it('deletes a group that still has members with 204', async () => {
    expect(await memberIds(engineering)).toEqual([userIds.alice]);
    expect((await fixture.scim('DELETE', `/Groups/${engineering}`)).status).toBe(204);
    expect((await fixture.scim('GET', `/Groups/${engineering}`)).status).toBe(404);
    expect(await groupsForUser('alice')).toEqual([]);
  });
});
