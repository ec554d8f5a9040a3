/**
 * SCIM resource versions (RFC 7644 §3.14, issue #13): a group's ETag moves whenever its membership
 * changes (PATCH add or remove, a member deleted) although memberships never write the group's own
 * item; a stale If-Match is refused 412 and changes nothing; If-None-Match on a GET answers 304.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createScimFixture, type ScimFixture } from './fixtures/scim-client.ts';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let fixture: ScimFixture;
const userIds: string[] = [];
let groupId = '';

beforeAll(async () => {
  fixture = await createScimFixture('scimversions');
  for (const name of ['ann', 'ben', 'cy']) {
    const created = await fixture.scim('POST', '/Users', { userName: `${name}@example.com` });
    userIds.push(created.body.id);
  }
  groupId = (await fixture.scim('POST', '/Groups', { displayName: 'Versioned Group' })).body.id;
}, 60_000);

async function versionOf(id: string): Promise<string> {
  const read = await fixture.scim('GET', `/Groups/${id}`);
  expect(read.status).toBe(200);
  expect(read.headers.get('etag')).toBe(read.body.meta.version);
  return read.body.meta.version;
}

const membersPatch = (op: string, path: string, value?: unknown) => ({
  schemas: [PATCH],
  Operations: [{ op, path, ...(value === undefined ? {} : { value }) }],
});

describe('SCIM group versions', () => {
  it('moves the version on every membership change, never back to an earlier one', async () => {
    const seen = [await versionOf(groupId)];
    const added = await fixture.scim(
      'PATCH',
      `/Groups/${groupId}`,
      membersPatch('add', 'members', [{ value: userIds[0] }]),
    );
    expect(added.status).toBe(204);
    seen.push(await versionOf(groupId));
    // The 204 names the version the change left.
    expect(added.headers.get('etag')).toBe(seen[1]);
    const removed = await fixture.scim(
      'PATCH',
      `/Groups/${groupId}`,
      membersPatch('remove', `members[value eq "${userIds[0]}"]`),
    );
    expect(removed.status).toBe(204);
    seen.push(await versionOf(groupId));
    expect(new Set(seen).size).toBe(3);
  });

  it('moves the version when a member is deleted, and lists the same version as it reads', async () => {
    await fixture.scim(
      'PATCH',
      `/Groups/${groupId}`,
      membersPatch('add', 'members', [{ value: userIds[1] }]),
    );
    const before = await versionOf(groupId);
    expect((await fixture.scim('DELETE', `/Users/${userIds[1]}`)).status).toBe(204);
    const after = await versionOf(groupId);
    expect(after).not.toBe(before);
    const listed = await fixture.scim(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "Versioned Group"')}`,
    );
    expect(listed.body.Resources.map((group: { meta: { version: string } }) => group.meta.version)).toEqual([
      after,
    ]);
  });

  it('refuses a PATCH whose If-Match predates a membership change with 412, changing nothing', async () => {
    const stale = await versionOf(groupId);
    await fixture.scim(
      'PATCH',
      `/Groups/${groupId}`,
      membersPatch('add', 'members', [{ value: userIds[2] }]),
    );
    const current = await versionOf(groupId);
    const refused = await fixture.scim(
      'PATCH',
      `/Groups/${groupId}`,
      membersPatch('remove', 'members', [{ value: userIds[2] }]),
      { headers: { 'if-match': stale } },
    );
    expect(refused.status).toBe(412);
    expect(refused.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '412',
    });
    expect(await versionOf(groupId)).toBe(current);
    const group = await fixture.scim('GET', `/Groups/${groupId}`);
    expect(group.body.members.map((member: { value: string }) => member.value)).toEqual([userIds[2]]);
    const accepted = await fixture.scim(
      'PATCH',
      `/Groups/${groupId}`,
      membersPatch('remove', 'members', [{ value: userIds[2] }]),
      { headers: { 'if-match': current } },
    );
    expect(accepted.status).toBe(204);
  });

  it('answers a GET whose If-None-Match names the current version 304 without a body, else 200', async () => {
    const current = await versionOf(groupId);
    const unchanged = await fixture.scim('GET', `/Groups/${groupId}`, undefined, {
      headers: { 'if-none-match': current },
    });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body).toBeUndefined();
    expect(unchanged.headers.get('etag')).toBe(current);
    const user = await fixture.scim('GET', `/Users/${userIds[0]}`);
    const notModified = await fixture.scim('GET', `/Users/${userIds[0]}`, undefined, {
      headers: { 'if-none-match': `"other", ${user.body.meta.version}` },
    });
    expect(notModified.status).toBe(304);
    const stale = await fixture.scim('GET', `/Users/${userIds[0]}`, undefined, {
      headers: { 'if-none-match': 'W/"not-the-version"' },
    });
    expect(stale.status).toBe(200);
    expect(stale.body.id).toBe(userIds[0]);
  });

  it('says in ServiceProviderConfig that ETags are supported', async () => {
    const config = await fixture.scim('GET', '/ServiceProviderConfig');
    expect(config.body.etag).toEqual({ supported: true });
  });
});
