/**
 * The audit sealer as a change consumer on DynamoDB Local's stream (what `npm start` runs), the
 * trails a change's event may be filed in, and the retention the deployment configures.
 */
import { auditTrailsOfChange, buildAuditEvent, verifyAuditTrail } from '@palisade/audit';
import {
  auditPartition,
  type ChangeRecord,
  getAuditChainHead,
  listUnsealedAuditEvents,
  queryWholePartition,
  startChangeStreamReader,
  transact,
  withChangeOrigin,
} from '@palisade/store';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { changeConsumers } from '../functions/wiring/change-consumers.ts';
import { readStoreConfig } from '../functions/wiring/config.ts';
import type { Platform } from '../functions/wiring/platform.ts';
import { storeFor } from '../functions/wiring/store.ts';
import { signedQueryRequest } from './fixtures/signed-requests.ts';
import { createTestAccount, createTestPlatform } from './fixtures/test-platform.ts';

async function until<T>(read: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the audit sealer on the change stream', () => {
  let platform: Platform;
  let reader: ReturnType<typeof startChangeStreamReader>;

  beforeAll(async () => {
    platform = await createTestPlatform({ prefix: 'audit-sealer', stream: true });
    reader = startChangeStreamReader({
      tableName: platform.store.tableName,
      endpoint: inject('dynamodbEndpoint'),
      pollMs: 50,
      consume: changeConsumers(() => {}, platform.store),
    });
    await reader.ready;
  });
  afterAll(() => reader.stop());

  it('seals the events of committed calls as it reads the stream', async () => {
    const account = await createTestAccount(platform, 'audit-sealer');
    const root = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
    for (const name of ['alice', 'bob']) {
      const response = await platform.app.request(
        await signedQueryRequest(root, 'iam', { Action: 'CreateUser', UserName: name }),
      );
      expect(response.status).toBe(200);
    }
    const scope = { accountId: account.accountId };
    const head = await until(async () => {
      const current = await getAuditChainHead(platform.store, scope);
      return current && current.seq >= 2 ? current : undefined;
    });
    expect(head.seq).toBe(2);
    expect(await listUnsealedAuditEvents(platform.store, scope, 10)).toEqual([]);
    const report = await verifyAuditTrail(
      platform.store,
      account.accountId,
      new Date(Date.now() - 60_000),
      new Date(Date.now() + 60_000),
    );
    expect(report).toMatchObject({ ok: true, value: { valid: true, eventsChecked: 2, linksChecked: 2 } });
  });
});

describe('auditTrailsOfChange', () => {
  const record = (origin: ChangeRecord['origin'], pks: string[]): ChangeRecord => ({
    recordId: 'r',
    accountId: '111122223333',
    at: '2026-12-07T08:00:00.000Z',
    operation: origin.operation,
    origin,
    items: pks.map((pk) => ({ entity: 'thing', key: { pk, sk: 'X' }, change: 'put' as const })),
  });

  it("names the account changed and the caller's own, for a cross-account call", () => {
    const trails = auditTrailsOfChange(
      record(
        {
          via: 'sts-query',
          operation: 'AssumeRole',
          requestId: 'q',
          principal: { type: 'user', accountId: '444455556666' },
        },
        ['AKID#ASIAEXAMPLE'],
      ),
    );
    expect(trails).toEqual(['111122223333', '444455556666']);
  });

  it("adds the platform's trail for the operator", () => {
    const trails = auditTrailsOfChange(
      record(
        {
          via: 'operator',
          operation: 'SuspendAccount',
          requestId: 'q',
          principal: { type: 'operator', accountId: 'operator' },
        },
        ['ACCT#111122223333'],
      ),
    );
    expect(trails).toEqual(['111122223333', 'platform']);
  });
});

describe('audit retention', () => {
  it('reads PALISADE_AUDIT_RETENTION_DAYS and expires events that many days after them', async () => {
    const config = readStoreConfig({
      TABLE_NAME: (await createTestPlatform({ prefix: 'audit-retention', stream: true })).store.tableName,
      DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
      PALISADE_AUDIT_RETENTION_DAYS: '30',
    });
    expect(config.auditRetentionDays).toBe(30);
    const store = storeFor(config);
    const origin = {
      via: 'iam-query' as const,
      operation: 'CreateUser',
      requestId: 'req-retention',
      principal: { type: 'root', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' },
    };
    await withChangeOrigin(
      origin,
      () =>
        transact(store, [
          { write: { Put: { Item: { pk: 'ACCT#111122223333#THINGS', sk: 'T', entity: 'thing' } } } },
        ]),
      {
        details: {
          eventSource: 'iam.amazonaws.com',
          eventName: 'CreateUser',
          readOnly: false,
          requestParameters: null,
        },
        build: buildAuditEvent,
      },
    );
    const [event] = await queryWholePartition(store, auditPartition({ accountId: '111122223333' }));
    expect(event?.expiresAt).toBe(Math.floor(Date.parse(String(event?.eventTime)) / 1000) + 30 * 86_400);
  });

  it('refuses a retention that is not a positive number of days', () => {
    expect(() => readStoreConfig({ TABLE_NAME: 't', PALISADE_AUDIT_RETENTION_DAYS: '0' })).toThrow(
      /PALISADE_AUDIT_RETENTION_DAYS/,
    );
  });
});
