/**
 * The conflict emulator against DynamoDB Local: DynamoDB's documented TransactionConflict rule,
 * surfaced with the SDK's own error classes, and counted per item.
 */
import {
  TransactionCanceledException,
  TransactionConflictException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  TransactGetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { createStoreContext, type StoreContext } from '@palisade/store';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ConflictEmulator, installConflictEmulator } from './fixtures/conflict-emulator.ts';
import { createTestTable } from './fixtures/test-table.ts';

// Long enough that two requests sent in the same tick surely overlap on a loaded machine.
const HOLD_MS = 60;

let tableName: string;
let store: StoreContext;
let emulator: ConflictEmulator;

beforeAll(async () => {
  tableName = (await createTestTable('conflicts')).tableName;
});

/** A fresh client on the shared table with the emulator installed (the SDK may retry three times). */
function emulated(holdMs = HOLD_MS): void {
  store = createStoreContext({ tableName, endpoint: inject('dynamodbEndpoint'), maxAttempts: 3 });
  emulator = installConflictEmulator(store.dynamodb, { holdMs });
}

afterEach(() => emulator?.uninstall());

let nextItem = 0;
const freshKey = (label: string) => ({ pk: `ITEM#${label}-${nextItem++}`, sk: 'ITEM' });

function transaction(
  ...writes: { pk: string; sk: string; check?: string }[]
): TransactWriteCommandInput['TransactItems'] {
  return writes.map(({ check, ...key }) => ({
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: 'ADD hits :one',
      ExpressionAttributeValues: { ':one': 1 },
      ...(check ? { ConditionExpression: check } : {}),
    },
  }));
}

const hitsOf = async (key: { pk: string; sk: string }) =>
  (await store.documents.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item
    ?.hits;

const reasonCodes = (error: unknown) =>
  error instanceof TransactionCanceledException
    ? (error.CancellationReasons ?? []).map((reason) => reason.Code)
    : undefined;

describe('conflict emulator', () => {
  it('cancels exactly one of two concurrent transactions on one item with TransactionConflict', async () => {
    emulated();
    const hot = freshKey('hot');
    const [first, second] = await Promise.allSettled([
      store.documents.send(new TransactWriteCommand({ TransactItems: transaction(hot, freshKey('a')) })),
      store.documents.send(new TransactWriteCommand({ TransactItems: transaction(freshKey('b'), hot) })),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(second.status).toBe('rejected');
    const error = second.status === 'rejected' ? second.reason : undefined;
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(reasonCodes(error)).toEqual(['None', 'TransactionConflict']);
    // The cancelled transaction changed nothing; the winner's write landed once.
    expect(await hitsOf(hot)).toBe(1);
  });

  it('surfaces the conflict on the first attempt: the SDK does not retry it', async () => {
    emulated();
    const hot = freshKey('hot');
    const [, lost] = await Promise.allSettled([
      store.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: tableName,
                Key: keyOf(hot),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      ),
      store.documents.send(new TransactWriteCommand({ TransactItems: transaction(hot) })),
    ]);
    expect(lost.status).toBe('rejected');
    const error = lost.status === 'rejected' ? (lost.reason as TransactionCanceledException) : undefined;
    expect(error?.$metadata.httpStatusCode).toBe(400);
    expect(error?.$metadata.attempts).toBe(1);
    expect(error?.$fault).toBe('client');
  });

  it('lets concurrent transactions on distinct items both succeed', async () => {
    emulated();
    const keys = [freshKey('one'), freshKey('two'), freshKey('three'), freshKey('four')];
    const results = await Promise.allSettled([
      store.documents.send(new TransactWriteCommand({ TransactItems: transaction(keys[0]!, keys[1]!) })),
      store.documents.send(new TransactWriteCommand({ TransactItems: transaction(keys[2]!, keys[3]!) })),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(emulator.conflictsByItem()).toEqual([]);
  });

  it('refuses a single-item write during a transaction on that item with TransactionConflictException', async () => {
    emulated();
    const hot = freshKey('hot');
    const [transacted, put] = await Promise.allSettled([
      store.documents.send(new TransactWriteCommand({ TransactItems: transaction(hot) })),
      store.documents.send(new PutCommand({ TableName: tableName, Item: { ...hot, hits: 100 } })),
    ]);
    expect(transacted.status).toBe('fulfilled');
    const error = put.status === 'rejected' ? (put.reason as TransactionConflictException) : undefined;
    expect(error).toBeInstanceOf(TransactionConflictException);
    expect(error?.$metadata.attempts).toBe(1);
    expect(await hitsOf(hot)).toBe(1);
  });

  it('lets concurrent single-item writes of one item through: DynamoDB serialises them', async () => {
    emulated();
    const item = freshKey('plain');
    const results = await Promise.allSettled(
      [1, 2].map((hits) =>
        store.documents.send(new PutCommand({ TableName: tableName, Item: { ...item, hits } })),
      ),
    );
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
  });

  it('cancels a transactional read of an item a single-item write has in flight', async () => {
    emulated();
    const item = freshKey('read');
    const [, read] = await Promise.allSettled([
      store.documents.send(new PutCommand({ TableName: tableName, Item: { ...item, hits: 1 } })),
      store.documents.send(
        new TransactGetCommand({ TransactItems: [{ Get: { TableName: tableName, Key: item } }] }),
      ),
    ]);
    expect(reasonCodes(read.status === 'rejected' ? read.reason : undefined)).toEqual([
      'TransactionConflict',
    ]);
  });

  it('leaves nothing in flight after conflicts and failed conditions', async () => {
    emulated();
    const hot = freshKey('hot');
    const outcomes = await Promise.allSettled([
      store.documents.send(
        new TransactWriteCommand({ TransactItems: transaction({ ...hot, check: 'attribute_exists(pk)' }) }),
      ),
      store.documents.send(new TransactWriteCommand({ TransactItems: transaction(hot) })),
      store.documents.send(new PutCommand({ TableName: tableName, Item: { ...hot, hits: 7 } })),
    ]);
    // The first fails its condition in DynamoDB Local; the other two lose the conflict against it.
    expect(reasonCodes(outcomes[0].status === 'rejected' ? outcomes[0].reason : undefined)).toEqual([
      'ConditionalCheckFailed',
    ]);
    expect(reasonCodes(outcomes[1].status === 'rejected' ? outcomes[1].reason : undefined)).toEqual([
      'TransactionConflict',
    ]);
    expect(outcomes[2].status === 'rejected' ? outcomes[2].reason : undefined).toBeInstanceOf(
      TransactionConflictException,
    );
    expect(emulator.inFlightItems()).toBe(0);
    await store.documents.send(new TransactWriteCommand({ TransactItems: transaction(hot) }));
    expect(await hitsOf(hot)).toBe(1);
    expect(emulator.inFlightItems()).toBe(0);
  });

  it('counts conflicts per item key and rejections per operation', async () => {
    emulated();
    const hot = freshKey('hot');
    const warm = freshKey('warm');
    await Promise.allSettled([
      store.documents.send(new TransactWriteCommand({ TransactItems: transaction(hot, warm) })),
      store.documents.send(new TransactWriteCommand({ TransactItems: transaction(hot, freshKey('c')) })),
      store.documents.send(new TransactWriteCommand({ TransactItems: transaction(freshKey('d'), hot) })),
      store.documents.send(new TransactWriteCommand({ TransactItems: transaction(warm, freshKey('e')) })),
    ]);
    expect(emulator.conflictsByItem()).toEqual([
      { table: tableName, ...hot, conflicts: 2 },
      { table: tableName, ...warm, conflicts: 1 },
    ]);
    expect(emulator.requestsByOperation()).toEqual({ TransactWriteItems: { seen: 4, rejected: 3 } });
    emulator.resetCounts();
    expect(emulator.conflictsByItem()).toEqual([]);
  });
});

function keyOf(key: { pk: string; sk: string }) {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}
