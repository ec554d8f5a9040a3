/** The role-session index: sessions filed under their assumed-role ARN in the put that creates them. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable } from '../../../test/fixtures/test-table.ts';
import {
  findRoleSessions,
  putStsSession,
  roleSessionIndexKey,
  type StoreContext,
  type StsSessionRecord,
  stsSessionKey,
} from '../src/index.ts';

let store: StoreContext;
beforeAll(async () => {
  store = await createTestTable('role-sessions');
});

const ACCOUNT = '111122223333';
const NOW = new Date('2026-11-28T12:00:00.000Z');
let serial = 0;

function roleSession(sessionName: string, expiresInSeconds: number, roleName = 'Worker'): StsSessionRecord {
  serial++;
  return {
    accessKeyId: `ASIATEST${String(serial).padStart(12, '0')}`,
    accountId: ACCOUNT,
    subject: {
      kind: 'role',
      roleName,
      roleId: 'AROATESTROLE00000001',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
      sessionName,
    },
    encryptedSecret: 'sealed',
    sessionTokenHash: 'a'.repeat(64),
    issuedAt: NOW.toISOString(),
    expiration: new Date(NOW.getTime() + expiresInSeconds * 1000).toISOString(),
    sessionPolicies: [],
    tags: [{ Key: 'team', Value: 'ops' }],
    transitiveTagKeys: [],
    chained: false,
  };
}

const named = (sessionName: string, roleName = 'Worker') => ({ accountId: ACCOUNT, roleName, sessionName });

describe('role session index', () => {
  it('files a role session under its ARN in the same put and finds it by role name in any case', async () => {
    const record = roleSession('build-1', 3600);
    expect(await putStsSession(store, record)).toEqual({ ok: true, value: undefined });
    const item = await store.documents.send(
      new GetCommand({ TableName: store.tableName, Key: stsSessionKey(record.accessKeyId) }),
    );
    expect(item.Item).toMatchObject(roleSessionIndexKey(ACCOUNT, 'Worker', 'build-1', record.expiration));
    const found = await findRoleSessions(store, named('build-1', 'worker'), NOW, 21);
    expect(found).toEqual([record]);
  });

  it('does not list sessions that have expired by the given time, though the table still holds them', async () => {
    const expired = roleSession('build-2', 60);
    const live = roleSession('build-2', 7200);
    await putStsSession(store, expired);
    await putStsSession(store, live);
    expect((await findRoleSessions(store, named('build-2'), NOW, 21)).map((s) => s.accessKeyId)).toEqual([
      expired.accessKeyId,
      live.accessKeyId,
    ]);
    const later = new Date(NOW.getTime() + 60_000);
    expect((await findRoleSessions(store, named('build-2'), later, 21)).map((s) => s.accessKeyId)).toEqual([
      live.accessKeyId,
    ]);
  });

  it('keeps session names case-sensitive and reads at most the limit', async () => {
    for (let i = 0; i < 3; i++) await putStsSession(store, roleSession('Crowd', 3600 + i));
    expect(await findRoleSessions(store, named('crowd'), NOW, 21)).toEqual([]);
    expect(await findRoleSessions(store, named('Crowd'), NOW, 2)).toHaveLength(2);
  });

  it('does not index GetSessionToken sessions, which are not assumed-role sessions', async () => {
    const record: StsSessionRecord = {
      ...roleSession('unused', 3600),
      subject: { kind: 'user', userName: 'alice', userId: 'AIDATESTUSER00000001' },
    };
    await putStsSession(store, record);
    const item = await store.documents.send(
      new GetCommand({ TableName: store.tableName, Key: stsSessionKey(record.accessKeyId) }),
    );
    expect(item.Item?.gsi1pk).toBeUndefined();
    expect(item.Item?.gsi1sk).toBeUndefined();
  });
});
