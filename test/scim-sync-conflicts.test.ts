/**
 * An IdP's initial sync through SCIM under DynamoDB's transaction-conflict rule (issue #13), at the
 * smallest size that shows it: 100 users and 10 groups (five times the requests in flight) pushed with 20 requests in flight, then every
 * user added to a group by single-member PATCHes, 20 at a time. Every request succeeds, no
 * transaction meets a conflict (the emulator counts them even when transact() would retry), and no
 * membership is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConflictEmulator, installConflictEmulator } from './fixtures/conflict-emulator.ts';
import { inParallel } from './fixtures/in-parallel.ts';
import { createScimFixture, type ScimFixture } from './fixtures/scim-client.ts';

const USERS = 100;
const GROUPS = 10;
const IN_FLIGHT = 20;
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let fixture: ScimFixture;
let emulator: ConflictEmulator;
const userIds: string[] = [];
const groupIds: string[] = [];
const failures: string[] = [];

beforeAll(async () => {
  fixture = await createScimFixture('scimsync');
  emulator = installConflictEmulator(fixture.platform.store.dynamodb, { holdMs: 5 });
}, 60_000);

afterAll(() => emulator?.uninstall());

describe('a SCIM initial sync under the conflict rule', () => {
  it('creates 100 users and 10 groups, 20 requests at a time, with zero conflicts', async () => {
    await inParallel(USERS + GROUPS, IN_FLIGHT, async (index) => {
      const answer =
        index < GROUPS
          ? await fixture.scim('POST', '/Groups', { schemas: [], displayName: `Sync Group ${index}` })
          : await fixture.scim('POST', '/Users', {
              userName: `sync.user.${index - GROUPS}@example.com`,
              emails: [{ value: `sync.user.${index - GROUPS}@example.com`, type: 'work', primary: true }],
              active: true,
            });
      if (answer.status !== 201) failures.push(`${index}: ${answer.status} ${JSON.stringify(answer.body)}`);
      else if (index < GROUPS) groupIds[index] = answer.body.id;
      else userIds[index - GROUPS] = answer.body.id;
    });
    expect(failures).toEqual([]);
    expect(emulator.conflictsByItem()).toEqual([]);
    expect((await fixture.scim('GET', '/Users?count=0')).body.totalResults).toBe(USERS);
  }, 120_000);

  it('adds every user to a group by single-member PATCHes, 20 at a time, losing none', async () => {
    emulator.resetCounts();
    await inParallel(USERS, IN_FLIGHT, async (index) => {
      const answer = await fixture.scim('PATCH', `/Groups/${groupIds[index % GROUPS]}`, {
        schemas: [PATCH],
        Operations: [{ op: 'add', path: 'members', value: [{ value: userIds[index] }] }],
      });
      if (answer.status !== 204) failures.push(`${index}: ${answer.status} ${JSON.stringify(answer.body)}`);
    });
    expect(failures).toEqual([]);
    expect(emulator.conflictsByItem()).toEqual([]);
    for (const [group, id] of groupIds.entries()) {
      const read = await fixture.scim('GET', `/Groups/${id}`);
      const members = read.body.members.map((member: { value: string }) => member.value).sort();
      expect(members).toEqual(userIds.filter((_, index) => index % GROUPS === group).sort());
    }
  }, 120_000);
});
