/** Writing audit events straight into a test table, and the callers the tests record them for. */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AuditDetails,
  type AuditScope,
  auditEventWrite,
  auditLookupCopyWrites,
  type ChangeOrigin,
  recordAuditEvents,
  type StoreContext,
  toStoredAuditEvent,
} from '@palisade/store';
import { buildAuditEvent } from '../../src/index.ts';

/** An IAM user calling through the IAM Query API. */
export const USER_ORIGIN: ChangeOrigin = {
  via: 'iam-query',
  operation: 'CreateUser',
  requestId: 'req-user-1',
  sourceIp: '192.0.2.10',
  userAgent: 'aws-cli/2.9.19',
  principal: {
    type: 'user',
    arn: 'arn:aws:iam::111122223333:user/alice',
    accountId: '111122223333',
    principalId: 'AIDAEXAMPLEALICE0001',
    accessKeyId: 'AKIAEXAMPLEALICE0001',
    userName: 'alice',
  },
};

/** The account's root. */
export const ROOT_ORIGIN: ChangeOrigin = {
  via: 'iam-query',
  operation: 'CreateUser',
  requestId: 'req-root-1',
  sourceIp: '192.0.2.11',
  principal: {
    type: 'root',
    arn: 'arn:aws:iam::111122223333:root',
    accountId: '111122223333',
    principalId: '111122223333',
    accessKeyId: 'AKIAEXAMPLEROOT00001',
  },
};

/** A role session with MFA. */
export const ROLE_ORIGIN: ChangeOrigin = {
  via: 'iam-query',
  operation: 'CreateUser',
  requestId: 'req-role-1',
  sourceIp: '192.0.2.12',
  principal: {
    type: 'assumed-role',
    arn: 'arn:aws:sts::111122223333:assumed-role/deployer/ci-run',
    accountId: '111122223333',
    principalId: 'AROAEXAMPLEDEPLOYER1:ci-run',
    accessKeyId: 'ASIAEXAMPLESESSION01',
    sessionIssuedAt: '2026-12-07T07:00:00.000Z',
    mfaAuthenticated: true,
  },
};

/** CreateUser's details as the IAM Query interface sets them. */
export function createUserDetails(userName: string): AuditDetails {
  return {
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateUser',
    readOnly: false,
    requestParameters: { userName },
  };
}

/**
 * A CreateUser carrying 20 tags of IAM's longest keys and values (~8 KB of event): few events
 * fill several of DynamoDB's 1 MB pages, so a trail that proves paging is quick to write.
 */
export function taggedCreateUserDetails(userName: string): AuditDetails {
  const tags = Array.from({ length: 20 }, (_, n) => ({
    key: `${String(n).padStart(2, '0')}${'k'.repeat(126)}`,
    value: 'v'.repeat(256),
  }));
  return { ...createUserDetails(userName), requestParameters: { userName, tags } };
}

/** Records one event in a trail through the store, at `at`. */
export async function recordEvent(
  store: StoreContext,
  scope: AuditScope,
  origin: ChangeOrigin,
  details: AuditDetails,
  at: Date,
): Promise<string> {
  const entry = buildAuditEvent({ origin, details, scope, at });
  await recordAuditEvents(store, [{ scope, entry }]);
  return entry.eventId;
}

/** Records `count` CreateUser events through the store, a second apart from `start`, unsealed. */
export async function recordEvents(
  store: StoreContext,
  scope: AuditScope,
  count: number,
  start: Date,
): Promise<void> {
  const entries = Array.from({ length: count }, (_, i) => ({
    scope,
    entry: buildAuditEvent({
      origin: USER_ORIGIN,
      details: createUserDetails(`user-${i}`),
      scope,
      at: new Date(start.getTime() + i * 1000),
    }),
  }));
  // One transaction holds at most 100 events.
  for (let i = 0; i < entries.length; i += 100) await recordAuditEvents(store, entries.slice(i, i + 100));
}

/**
 * Writes many events fast (BatchWrite, several at once) as a sealed trail holds them: each event
 * off the unsealed index, with its EventName copy (all a trail-wide or EventName lookup reads),
 * without chain links (no verify reads this trail).
 */
export async function writeManyEvents(
  store: StoreContext,
  scope: AuditScope,
  count: number,
  start: Date,
  details: (userName: string) => AuditDetails = createUserDetails,
): Promise<void> {
  const items = [];
  for (let i = 0; i < count; i++) {
    const entry = buildAuditEvent({
      origin: USER_ORIGIN,
      details: details(`user-${i}`),
      scope,
      at: new Date(start.getTime() + i * 1000),
    });
    const { gsi2pk: _pk, gsi2sk: _sk, ...sealed } = auditEventWrite(scope, entry, 90).Put?.Item ?? {};
    const copies = auditLookupCopyWrites(scope, toStoredAuditEvent(sealed));
    items.push(
      { Put: { Item: sealed } },
      ...copies.filter((copy) => String(copy.Put?.Item?.pk).includes('#EVENT-NAME#')),
    );
  }
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) {
    batches.push(items.slice(i, i + 25).map((write) => ({ PutRequest: { Item: write.Put?.Item } })));
  }
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++] as Record<string, unknown>[];
      let pending: Record<string, unknown>[] | undefined = batch;
      while (pending && pending.length > 0) {
        const result = await store.documents.send(
          new BatchWriteCommand({ RequestItems: { [store.tableName]: pending as never } }),
        );
        pending = result.UnprocessedItems?.[store.tableName] as Record<string, unknown>[] | undefined;
      }
    }
  };
  // Two writers: the suite's other files share this DynamoDB Local.
  await Promise.all(Array.from({ length: 2 }, worker));
}
