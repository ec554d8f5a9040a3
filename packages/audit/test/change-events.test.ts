import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { fail } from '@palisade/failures';
import {
  auditPartition,
  auditScopesOf,
  queryWholePartition,
  type StoreContext,
  transact,
  withChangeOrigin,
} from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable } from '../../../test/fixtures/test-table.ts';
import { buildAuditEvent, lookupAuditEvents, sealAuditTrail } from '../src/index.ts';
import { createUserDetails, USER_ORIGIN } from './support/audit-events.ts';

const ACCOUNT = '111122223333';
let store: StoreContext;
let n = 0;

beforeAll(async () => {
  store = await createTestTable('audit-change');
});

/** A put of a fresh item in the account (or, with `taken`, of one that exists, so its condition fails). */
function put(taken?: string) {
  const sk = taken ?? `THING#${++n}`;
  return {
    write: {
      Put: {
        Item: { pk: `ACCT#${ACCOUNT}#THINGS`, sk, entity: 'thing' },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    onConditionFailed: fail('entity.already-exists', 'taken'),
  };
}

/** Runs `run` as a call with CreateUser's audit details, returning the events its trail gained. */
async function eventsOfCall(run: () => Promise<unknown>, requestId: string): Promise<unknown[]> {
  await withChangeOrigin({ ...USER_ORIGIN, requestId }, run, {
    details: createUserDetails('bob'),
    build: buildAuditEvent,
  });
  const items = await queryWholePartition(store, auditPartition({ accountId: ACCOUNT }));
  return items.filter((item) => JSON.parse(String(item.event)).requestID === requestId);
}

describe("a call's audit event in its transactions", () => {
  it('rides in the first transaction only', async () => {
    const events = await eventsOfCall(async () => {
      expect((await transact(store, [put()])).ok).toBe(true);
      expect((await transact(store, [put()])).ok).toBe(true);
    }, 'req-two');
    expect(events).toHaveLength(1);
  });

  it('moves to the next transaction when the first one fails', async () => {
    await store.documents.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { pk: `ACCT#${ACCOUNT}#THINGS`, sk: 'TAKEN', entity: 'thing' },
      }),
    );
    const events = await eventsOfCall(async () => {
      expect(await transact(store, [put('TAKEN')])).toMatchObject({
        ok: false,
        code: 'entity.already-exists',
      });
      expect((await transact(store, [put()])).ok).toBe(true);
    }, 'req-retry');
    expect(events).toHaveLength(1);
  });

  it('is not filed by a call whose only transaction fails', async () => {
    const events = await eventsOfCall(async () => {
      expect((await transact(store, [put('TAKEN')])).ok).toBe(false);
    }, 'req-failed');
    expect(events).toEqual([]);
  });

  it('writes the event as the one audit item of the transaction; the sealer adds its lookup copies', async () => {
    const auditItemsOf = async (requestId: string) => {
      const scanned = await store.documents.send(new ScanCommand({ TableName: store.tableName }));
      return (scanned.Items ?? [])
        .filter((item) => typeof item.event === 'string' && JSON.parse(item.event).requestID === requestId)
        .map((item) => String(item.pk).replace(`ACCT#${ACCOUNT}#`, ''))
        .sort();
    };
    const byUsername = async () => {
      const page = await lookupAuditEvents(store, ACCOUNT, {
        lookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'alice' }],
      });
      if (!page.ok) throw new Error(page.message);
      return page.value.events.map((event) => JSON.parse(event.cloudTrailEvent).requestID);
    };
    await eventsOfCall(async () => {
      expect((await transact(store, [put()])).ok).toBe(true);
    }, 'req-one-item');
    expect(await auditItemsOf('req-one-item')).toEqual(['AUDIT']);
    expect(await byUsername()).toContain('req-one-item');
    await sealAuditTrail(store, ACCOUNT);
    const items = await auditItemsOf('req-one-item');
    expect(items.filter((pk) => !pk.startsWith('AUDIT-EVENT#'))).toEqual([
      'AUDIT',
      'AUDIT#ACCESS-KEY-ID#AKIAEXAMPLEALICE0001',
      'AUDIT#EVENT-NAME#CreateUser',
      'AUDIT#READ-ONLY#false',
      'AUDIT#RESOURCE-NAME#bob',
      'AUDIT#USERNAME#alice',
    ]);
    expect(items.filter((pk) => pk.startsWith('AUDIT-EVENT#'))).toHaveLength(1);
    expect(await byUsername()).toContain('req-one-item');
  });

  it("carries a 97-item change, its record and its one event in DynamoDB's 100 items", async () => {
    const events = await eventsOfCall(async () => {
      const result = await transact(
        store,
        Array.from({ length: 97 }, () => put()),
      );
      expect(result.ok).toBe(true);
    }, 'req-large');
    expect(events).toHaveLength(1);
  });
});

describe('auditScopesOf', () => {
  const role = { via: 'sts-query' as const, operation: 'AssumeRole', requestId: 'q' };

  it("files a cross-account AssumeRole in the role's account and the caller's", () => {
    const writes = [
      { Put: { Item: { pk: 'AKID#ASIAEXAMPLE0000001', sk: 'STS-SESSION', accountId: '444455556666' } } },
    ];
    expect(auditScopesOf(writes, { ...role, principal: { type: 'user', accountId: ACCOUNT } })).toEqual([
      { accountId: '444455556666' },
      { accountId: ACCOUNT },
    ]);
  });

  it('files a same-account call once', () => {
    const writes = [{ Put: { Item: { pk: `ACCT#${ACCOUNT}#USER#AIDAEXAMPLE`, sk: 'USER' } } }];
    expect(auditScopesOf(writes, { ...role, principal: { type: 'root', accountId: ACCOUNT } })).toEqual([
      { accountId: ACCOUNT },
    ]);
  });

  it("files the operator's calls in the platform's trail too", () => {
    const writes = [{ Put: { Item: { pk: `ACCT#${ACCOUNT}`, sk: 'ACCOUNT' } } }];
    expect(
      auditScopesOf(writes, {
        via: 'operator',
        operation: 'CreateAccount',
        requestId: 'q',
        principal: { type: 'operator', accountId: 'operator' },
      }),
    ).toEqual(['platform', { accountId: ACCOUNT }]);
  });
});
