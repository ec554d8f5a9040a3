/**
 * Recording last access (access advisor) and role use (RoleLastUsed): at most one write per
 * principal, service and hour, from the in-process memo and the table's conditional update alike,
 * and never a failure of the request being recorded.
 */
import { iamOperations } from '@palisade/iam';
import { createAccessRecorder, recordingAccess, rootCaller } from '@palisade/principals';
import {
  createStoreContext,
  getRoleLastUsed,
  listServiceLastAccess,
  type StoreContext,
} from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext, loadUserCaller } from './fixtures/iam-context.ts';
import { mustRunOperation } from './fixtures/run-operation.ts';
import { TEST_CHANGE_ORIGIN } from './fixtures/test-table.ts';

const START = Date.parse('2026-12-07T10:00:00.000Z');
const ACCOUNT = '123456789012';
let clock = START;
const now = () => new Date(clock);

let store: StoreContext;
let ops: ReturnType<typeof iamOperations>;
let userId: string;
let roleId: string;
let writes = 0;

beforeAll(async () => {
  const iam = await createIamTestContext('access-recording', now);
  store = iam.store;
  ops = iamOperations(iam);
  const root = rootCaller('aws', ACCOUNT, now);
  const created = await mustRunOperation<{ User: { UserId: string } }>(ops, root, 'CreateUser', {
    UserName: 'alice',
  });
  userId = created.User.UserId;
  await mustRunOperation(ops, root, 'PutUserPolicy', {
    UserName: 'alice',
    PolicyName: 'read',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }],
    }),
  });
  const role = await mustRunOperation<{ Role: { RoleId: string } }>(ops, root, 'CreateRole', {
    RoleName: 'deployer',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' }],
    }),
  });
  roleId = role.Role.RoleId;
  store.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand') writes++;
      return next(args);
    },
    { step: 'initialize', name: 'countUpdates' },
  );
});

describe('recordingAccess', () => {
  it('makes one last-access write for 100 calls by one principal to one service', async () => {
    const recorder = createAccessRecorder({ store, now });
    const recorded = recordingAccess(ops, 'iam', recorder);
    const alice = await loadUserCaller(store, ACCOUNT, 'alice', now);
    writes = 0;
    for (let n = 0; n < 100; n++) {
      const got = await recorded.GetUser(alice, { UserName: 'alice' });
      expect(got.ok).toBe(true);
    }
    // The first call's write is not awaited by the operation: wait for it to land.
    for (let tries = 0; tries < 100 && writes === 0; tries++) await new Promise((r) => setTimeout(r, 20));
    expect(writes).toBe(1);
    const accessed = await listServiceLastAccess(store, { accountId: ACCOUNT, kind: 'USER', id: userId });
    expect(accessed).toEqual([
      {
        service: 'iam',
        lastAccessedAt: new Date(START).toISOString(),
        region: 'us-east-1',
        lastAction: 'iam:GetUser',
      },
    ]);
  });
});

describe('createAccessRecorder', () => {
  it('lets another process record within the hour only as a refused conditional write', async () => {
    const alice = await loadUserCaller(store, ACCOUNT, 'alice', now);
    const first = createAccessRecorder({ store, now });
    await first.serviceAccess(alice, 'sts', 'eu-west-1', 'sts:GetCallerIdentity');
    clock = START + 10 * 60_000;
    // A second process has its own memo: it tries once, and the table keeps the first use.
    const second = createAccessRecorder({ store, now });
    await Promise.all(
      Array.from({ length: 20 }, () =>
        second.serviceAccess(alice, 'sts', 'us-west-2', 'sts:GetCallerIdentity'),
      ),
    );
    const accessed = await listServiceLastAccess(store, { accountId: ACCOUNT, kind: 'USER', id: userId });
    expect(accessed.find((a) => a.service === 'sts')).toEqual({
      service: 'sts',
      lastAccessedAt: new Date(START).toISOString(),
      region: 'eu-west-1',
      lastAction: 'sts:GetCallerIdentity',
    });
    clock = START;
  });

  it('moves the last access forward once the hour has passed', async () => {
    const alice = await loadUserCaller(store, ACCOUNT, 'alice', now);
    const recorder = createAccessRecorder({ store, now });
    await recorder.serviceAccess(alice, 'billing', 'us-east-1', 'billing:View');
    clock = START + 61 * 60_000;
    await recorder.serviceAccess(alice, 'billing', 'ap-south-1', 'billing:Pay');
    const accessed = await listServiceLastAccess(store, { accountId: ACCOUNT, kind: 'USER', id: userId });
    expect(accessed.find((a) => a.service === 'billing')).toEqual({
      service: 'billing',
      lastAccessedAt: new Date(START + 61 * 60_000).toISOString(),
      region: 'ap-south-1',
      lastAction: 'billing:Pay',
    });
    clock = START;
  });

  it('does not track the root or the operator', async () => {
    const recorder = createAccessRecorder({ store, now });
    writes = 0;
    await recorder.serviceAccess(rootCaller('aws', ACCOUNT, now), 'iam', 'us-east-1', 'iam:GetUser');
    expect(writes).toBe(0);
  });

  it('records a role use once per hour', async () => {
    const recorder = createAccessRecorder({ store, now });
    writes = 0;
    await Promise.all(Array.from({ length: 10 }, () => recorder.roleUse(ACCOUNT, roleId, 'eu-central-1')));
    expect(writes).toBe(1);
    expect(await getRoleLastUsed(store, ACCOUNT, roleId)).toEqual({
      lastUsedAt: new Date(START).toISOString(),
      region: 'eu-central-1',
    });
  });

  it('reports a failed write to onError and resolves, so the request goes on', async () => {
    const endpoint = await store.dynamodb.config.endpoint?.();
    const missing = createStoreContext({
      tableName: 'no-such-table-for-access-recording',
      endpoint: `${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`,
      systemOrigin: TEST_CHANGE_ORIGIN,
      maxAttempts: 1,
    });
    const errors: unknown[] = [];
    const recorder = createAccessRecorder({ store: missing, now, onError: (error) => errors.push(error) });
    await expect(recorder.roleUse(ACCOUNT, roleId, 'us-east-1')).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).name).toBe('ResourceNotFoundException');
  });
});
