/**
 * An IdP's initial sync through SCIM under DynamoDB's transaction-conflict rule (issue #13), at the
 * smallest size that shows it: 5 groups and 100 users (five times the requests in flight) created
 * with 20 requests in flight, then every user added to its group by single-member PATCHes, 20 at a
 * time, most of them on the same group at once. Every request succeeds, no transaction meets a
 * conflict (the emulator counts them even when transact() would retry), and every membership reads
 * back both ways. `npm run bench:scim` runs the same phases at the size (5,000 users, 200
 * groups), which takes minutes on DynamoDB Local's one SQLite thread: a bench, not a test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConflictEmulator, installConflictEmulator } from './fixtures/conflict-emulator.ts';
import { createScimFixture, type ScimFixture } from './fixtures/scim-client.ts';
import {
  createSyncResources,
  pushMemberships,
  type SyncedIds,
  type SyncShape,
  verifyMemberships,
} from './fixtures/scim-sync.ts';

const SHAPE: SyncShape = { users: 100, groups: 5, inFlight: 20, membersPerPatch: 1, memberPageSize: 7 };

let fixture: ScimFixture;
let emulator: ConflictEmulator;
let synced: SyncedIds;

beforeAll(async () => {
  fixture = await createScimFixture('scimsync');
  emulator = installConflictEmulator(fixture.platform.store.dynamodb, { holdMs: 5 });
}, 60_000);

afterAll(() => emulator?.uninstall());

describe('a SCIM initial sync under the conflict rule', () => {
  it('creates 5 groups and 100 users, 20 requests at a time, with zero conflicts', async () => {
    const created = await createSyncResources(fixture.scim, SHAPE, 'Sync');
    synced = created;
    expect(created.failures).toEqual([]);
    expect(emulator.conflictsByItem()).toEqual([]);
    expect(emulator.requestsByOperation().TransactWriteItems?.seen).toBeGreaterThanOrEqual(2 * 105);
    expect((await fixture.scim('GET', '/Users?count=0')).body.totalResults).toBe(SHAPE.users);
  }, 120_000);

  it('adds every user to its group by single-member PATCHes, 20 at a time, losing none', async () => {
    emulator.resetCounts();
    expect(await pushMemberships(fixture.scim, SHAPE, synced)).toEqual([]);
    expect(emulator.conflictsByItem()).toEqual([]);
    expect(emulator.requestsByOperation().TransactWriteItems?.seen).toBe(SHAPE.users);
    expect(emulator.inFlightItems()).toBe(0);
    expect(await verifyMemberships(fixture.scim, SHAPE, synced)).toEqual([]);
  }, 120_000);
});
