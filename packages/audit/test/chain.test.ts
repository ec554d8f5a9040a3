import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  auditChainHeadKey,
  auditChainLinkKey,
  auditEventKey,
  getAuditChainHead,
  listUnsealedAuditEvents,
  type StoreContext,
} from '@palisade/store';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTestTable } from '../../../test/fixtures/test-table.ts';
import { type AuditVerifyReport, sealAuditTrail, verifyAuditTrail } from '../src/index.ts';
import { createUserDetails, recordEvent, USER_ORIGIN } from './support/audit-events.ts';

const ACCOUNT = '111122223333';
const SCOPE = { accountId: ACCOUNT };
const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const NOW = at(60);

let store: StoreContext;
/** The recorded events' ids and instants, oldest first. */
let events: { id: string; at: Date }[];

beforeEach(async () => {
  store = await createTestTable('audit-chain');
  events = [];
  for (let minute = 1; minute <= 6; minute++) {
    const id = await recordEvent(store, SCOPE, USER_ORIGIN, createUserDetails(`user-${minute}`), at(minute));
    events.push({ id, at: at(minute) });
  }
});

async function verify(from = at(0), to = at(30)): Promise<AuditVerifyReport> {
  const report = await verifyAuditTrail(store, ACCOUNT, from, to, { now: NOW });
  if (!report.ok) throw new Error(report.message);
  return report.value;
}

const eventKey = (i: number) => {
  const event = events[i] as { id: string; at: Date };
  return auditEventKey(SCOPE, event.at.toISOString(), event.id);
};

describe('sealAuditTrail', () => {
  it('links every unsealed event into the chain, oldest first, once', async () => {
    expect(await sealAuditTrail(store, ACCOUNT)).toEqual({ sealed: 6, headSeq: 6 });
    expect(await listUnsealedAuditEvents(store, SCOPE, 10)).toEqual([]);
    expect(await sealAuditTrail(store, ACCOUNT)).toEqual({ sealed: 0, headSeq: 6 });
    const first = await store.documents.send(
      new GetCommand({ TableName: store.tableName, Key: eventKey(0) }),
    );
    expect(first.Item?.seq).toBe(1);
    expect(first.Item?.gsi2pk).toBeUndefined();
  });

  it('keeps one chain when two sealers race', async () => {
    const results = await Promise.all([sealAuditTrail(store, ACCOUNT), sealAuditTrail(store, ACCOUNT)]);
    expect(results.reduce((sum, result) => sum + result.sealed, 0)).toBe(6);
    expect((await getAuditChainHead(store, SCOPE))?.seq).toBe(6);
    expect((await verify()).findings).toEqual([]);
  });
});

describe('verifyAuditTrail', () => {
  it('finds nothing wrong with an untouched trail, sealing it first', async () => {
    const report = await verify();
    expect(report).toMatchObject({
      valid: true,
      eventsChecked: 6,
      linksChecked: 6,
      firstSeq: 1,
      lastSeq: 6,
      headSeq: 6,
      findings: [],
    });
  });

  it('checks only the links a range spans', async () => {
    const report = await verify(at(2), at(4));
    expect(report).toMatchObject({ valid: true, eventsChecked: 3, firstSeq: 2, lastSeq: 4 });
  });

  it('finds an altered event', async () => {
    await sealAuditTrail(store, ACCOUNT);
    const stored = await store.documents.send(
      new GetCommand({ TableName: store.tableName, Key: eventKey(2) }),
    );
    const record = JSON.parse(String(stored.Item?.event));
    record.requestParameters.userName = 'mallory';
    await store.documents.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: eventKey(2),
        UpdateExpression: 'SET #event = :event',
        ExpressionAttributeNames: { '#event': 'event' },
        ExpressionAttributeValues: { ':event': JSON.stringify(record) },
      }),
    );
    const report = await verify();
    expect(report.valid).toBe(false);
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'event-altered', seq: 3, eventId: events[2]?.id }),
    ]);
  });

  it('finds a deleted event', async () => {
    await sealAuditTrail(store, ACCOUNT);
    await store.documents.send(new DeleteCommand({ TableName: store.tableName, Key: eventKey(3) }));
    const report = await verify();
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'event-missing', seq: 4, eventId: events[3]?.id }),
    ]);
  });

  it('finds a deleted first event of the range', async () => {
    await sealAuditTrail(store, ACCOUNT);
    await store.documents.send(new DeleteCommand({ TableName: store.tableName, Key: eventKey(0) }));
    const report = await verify();
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'event-missing', seq: 1 })]);
  });

  it('finds a deleted link', async () => {
    await sealAuditTrail(store, ACCOUNT);
    await store.documents.send(
      new DeleteCommand({ TableName: store.tableName, Key: auditChainLinkKey(SCOPE, 3) }),
    );
    const report = await verify();
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'link-missing', seq: 3 })]);
  });

  it('finds a rewritten head', async () => {
    await sealAuditTrail(store, ACCOUNT);
    await store.documents.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { ...auditChainHeadKey(SCOPE), entity: 'audit-chain-head', seq: 6, digest: 'f'.repeat(64) },
      }),
    );
    const report = await verify();
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'head-mismatch', seq: 6 })]);
  });

  it('finds a deleted last event and its link, whose head then points nowhere', async () => {
    await sealAuditTrail(store, ACCOUNT);
    await store.documents.send(new DeleteCommand({ TableName: store.tableName, Key: eventKey(5) }));
    await store.documents.send(
      new DeleteCommand({ TableName: store.tableName, Key: auditChainLinkKey(SCOPE, 6) }),
    );
    const report = await verify();
    expect(report.findings.map((finding) => finding.kind)).toEqual(['head-mismatch']);
  });

  it('refuses a range that ends before it starts', async () => {
    expect(await verifyAuditTrail(store, ACCOUNT, at(5), at(1))).toMatchObject({
      ok: false,
      code: 'audit.invalid-time-range',
    });
  });
});
