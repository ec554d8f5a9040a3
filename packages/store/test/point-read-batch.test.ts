/**
 * The point-read batcher on DynamoDB Local: the consistent point reads of a scope's first turn leave
 * as one BatchGetItem and each gets exactly what it would have read alone; anything else goes alone.
 */
import { randomUUID } from 'node:crypto';
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { attachRecorder, type DynamoDbRecorder } from '../../../scripts/bench-iam/dynamodb-recorder.ts';
import { createTestTable } from '../../../test/fixtures/test-table.ts';
import {
  batchPointReads,
  consistentPointRead,
  createStoreContext,
  gatherPointReads,
  type StoreContext,
  withFirstReadsBatched,
  withReadsBatchedOnDemand,
} from '../src/index.ts';

let store: StoreContext;
let other: StoreContext;
let recorder: DynamoDbRecorder;

const item = (pk: string, extra: Record<string, unknown> = {}) => ({
  pk,
  sk: 'ITEM',
  version: 3,
  name: pk,
  ...extra,
});

beforeAll(async () => {
  store = await createTestTable('read-batch');
  other = await createTestTable('read-batch-other');
  batchPointReads(store);
  // Added after the batcher, so it sees what actually leaves for DynamoDB.
  recorder = attachRecorder(store.dynamodb);
  for (const pk of ['A', 'B', 'C']) {
    await store.documents.send(new PutCommand({ TableName: store.tableName, Item: item(pk) }));
  }
  await other.documents.send(
    new PutCommand({ TableName: other.tableName, Item: item('A', { name: 'other' }) }),
  );
});

const get = (pk: string, extra: Record<string, unknown> = {}) =>
  store.documents.send(
    new GetCommand({ TableName: store.tableName, Key: { pk, sk: 'ITEM' }, ConsistentRead: true, ...extra }),
  );

/** Runs `work` in a batching scope and returns its result with the requests DynamoDB received. */
async function recorded<T>(work: () => Promise<T>) {
  recorder.start();
  const result = await withFirstReadsBatched(work);
  return { result, sent: recorder.take() };
}

describe('the point-read batcher', () => {
  it('sends the consistent point reads of one turn as one BatchGetItem and answers each its own', async () => {
    const { result, sent } = await recorded(() =>
      Promise.all([
        get('A'),
        get('missing'),
        store.documents.send(
          new BatchGetCommand({
            RequestItems: {
              [store.tableName]: {
                Keys: [
                  { pk: 'B', sk: 'ITEM' },
                  { pk: 'C', sk: 'ITEM' },
                  { pk: 'gone', sk: 'ITEM' },
                ],
                ConsistentRead: true,
                ProjectionExpression: 'pk, #version',
                ExpressionAttributeNames: { '#version': 'version' },
              },
            },
          }),
        ),
        get('B', { ProjectionExpression: '#name', ExpressionAttributeNames: { '#name': 'name' } }),
      ]),
    );
    expect(sent.map((call) => call.commandName)).toEqual(['BatchGetItemCommand']);
    const [a, missing, batch, b] = result;
    expect(a.Item).toEqual(item('A'));
    expect(missing.Item).toBeUndefined();
    const projected = batch.Responses?.[store.tableName] ?? [];
    expect([...projected].sort((x, y) => String(x.pk).localeCompare(String(y.pk)))).toEqual([
      { pk: 'B', version: 3 },
      { pk: 'C', version: 3 },
    ]);
    expect(batch.UnprocessedKeys).toEqual({});
    expect(b.Item).toEqual({ name: 'B' });
  });

  it('asks only for the attributes its reads name when every read names them', async () => {
    const { result, sent } = await recorded(() =>
      Promise.all([
        get('A', { ProjectionExpression: '#name', ExpressionAttributeNames: { '#name': 'name' } }),
        get('B', { ProjectionExpression: 'version' }),
      ]),
    );
    expect(result.map((answer) => answer.Item)).toEqual([{ name: 'A' }, { version: 3 }]);
    const requestItems = (sent[0]?.input.RequestItems ?? {}) as Record<string, Record<string, unknown>>;
    const requested = requestItems[store.tableName];
    expect(sent.map((call) => call.commandName)).toEqual(['BatchGetItemCommand']);
    expect(Object.values(requested?.ExpressionAttributeNames ?? {}).sort()).toEqual([
      'name',
      'pk',
      'sk',
      'version',
    ]);
  });

  it('sends a read alone in its turn unchanged, and the reads after the first turn straight out', async () => {
    const { result, sent } = await recorded(async () => {
      const first = await get('A');
      const later = await Promise.all([get('B'), get('C')]);
      return [first, ...later].map((answer) => answer.Item?.pk);
    });
    expect(result).toEqual(['A', 'B', 'C']);
    expect(sent.map((call) => call.commandName)).toEqual([
      'GetItemCommand',
      'GetItemCommand',
      'GetItemCommand',
    ]);
  });

  it('sends a Query, an eventually consistent read, a nested projection and another table on their own', async () => {
    const { result, sent } = await recorded(() =>
      Promise.all([
        store.documents.send(
          new QueryCommand({
            TableName: store.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': 'A' },
            ConsistentRead: true,
          }),
        ),
        store.documents.send(new GetCommand({ TableName: store.tableName, Key: { pk: 'B', sk: 'ITEM' } })),
        get('C', { ProjectionExpression: 'tags[0]' }),
        store.documents.send(
          new GetCommand({ TableName: other.tableName, Key: { pk: 'A', sk: 'ITEM' }, ConsistentRead: true }),
        ),
      ]),
    );
    const [query, eventual, nested, elsewhere] = result;
    expect(query.Items).toEqual([item('A')]);
    expect(eventual.Item).toEqual(item('B'));
    expect(nested.Item).toEqual({});
    expect(elsewhere.Item).toEqual(item('A', { name: 'other' }));
    expect(sent.map((call) => call.commandName).sort()).toEqual([
      'GetItemCommand',
      'GetItemCommand',
      'GetItemCommand',
      'QueryCommand',
    ]);
  });

  it('sends the reads of an on-demand scope straight out until gatherPointReads opens its one batch', async () => {
    recorder.start();
    const result = await withReadsBatchedOnDemand(async () => {
      const before = await Promise.all([get('A'), get('B')]);
      gatherPointReads();
      const gathered = await Promise.all([get('B'), get('C')]);
      // Its batch is spent: asking again opens no second one.
      gatherPointReads();
      const after = await Promise.all([get('A'), get('C')]);
      return [...before, ...gathered, ...after].map((answer) => answer.Item?.pk);
    });
    expect(result).toEqual(['A', 'B', 'B', 'C', 'A', 'C']);
    expect(recorder.take().map((call) => call.commandName)).toEqual([
      'GetItemCommand',
      'GetItemCommand',
      'BatchGetItemCommand',
      'GetItemCommand',
      'GetItemCommand',
    ]);
  });

  it("answers joined reads without running them through the client's middleware", async () => {
    const fresh = createStoreContext({ tableName: store.tableName, endpoint: inject('dynamodbEndpoint') });
    const entered: string[] = [];
    fresh.documents.middlewareStack.add(
      (next, context) => (args) => {
        entered.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', priority: 'high', name: 'enteredTheChain' },
    );
    batchPointReads(fresh);
    const read = (pk: string) =>
      fresh.documents.send(
        new GetCommand({ TableName: fresh.tableName, Key: { pk, sk: 'ITEM' }, ConsistentRead: true }),
      );
    const answers = await withFirstReadsBatched(() => Promise.all([read('A'), read('B')]));
    expect(answers.map((answer) => answer.Item)).toEqual([item('A'), item('B')]);
    // Only the batch itself went through the SDK's chain: the joined reads never built theirs.
    expect(entered).toEqual(['BatchGetItemCommand']);
  });

  it('joins a consistentPointRead to the batch without building its command, answering it the same', async () => {
    let built = 0;
    const principal = () =>
      consistentPointRead(store, { shape: 'get', keys: [{ pk: 'A', sk: 'ITEM' }] }, () => {
        built++;
        return new GetCommand({
          TableName: store.tableName,
          Key: { pk: 'A', sk: 'ITEM' },
          ConsistentRead: true,
        });
      });
    const stamps = () =>
      consistentPointRead(
        store,
        { shape: 'batch-get', keys: [{ pk: 'B', sk: 'ITEM' }], projection: ['pk', 'version'] },
        () => {
          built++;
          return new BatchGetCommand({
            RequestItems: {
              [store.tableName]: {
                Keys: [{ pk: 'B', sk: 'ITEM' }],
                ConsistentRead: true,
                ProjectionExpression: 'pk, #version',
                ExpressionAttributeNames: { '#version': 'version' },
              },
            },
          });
        },
      );
    const joined = await recorded(() => Promise.all([principal(), stamps()]));
    expect(built).toBe(0);
    expect(joined.sent.map((call) => call.commandName)).toEqual(['BatchGetItemCommand']);
    // Outside a scope each builds its command and sends it as it always did: the same answers.
    const alone = await Promise.all([principal(), stamps()]);
    expect(built).toBe(2);
    expect(joined.result[0].Item).toEqual(alone[0].Item);
    expect(joined.result[1].Responses).toEqual(alone[1].Responses);
    expect(joined.result[1].Responses?.[store.tableName]).toEqual([{ pk: 'B', version: 3 }]);
  });

  it('sends a consistentPointRead alone in its turn as its own command', async () => {
    const { result, sent } = await recorded(() =>
      consistentPointRead(
        store,
        { shape: 'get', keys: [{ pk: 'C', sk: 'ITEM' }] },
        () =>
          new GetCommand({ TableName: store.tableName, Key: { pk: 'C', sk: 'ITEM' }, ConsistentRead: true }),
      ),
    );
    expect(result.Item).toEqual(item('C'));
    expect(sent.map((call) => call.commandName)).toEqual(['GetItemCommand']);
  });

  it('leaves reads outside a scope as they are', async () => {
    recorder.start();
    const answers = await Promise.all([get('A'), get('B')]);
    expect(answers.map((answer) => answer.Item?.pk)).toEqual(['A', 'B']);
    expect(recorder.take().map((call) => call.commandName)).toEqual(['GetItemCommand', 'GetItemCommand']);
  });

  it('completes a batch that DynamoDB answers only in part (UnprocessedKeys)', async () => {
    // Past 16 MB an answer stops and returns the rest as unprocessed keys: 50 items of 390 KB.
    const blob = 'x'.repeat(390_000);
    const keys = Array.from({ length: 50 }, (_, n) => `BIG-${n}`);
    for (const pk of keys) {
      await store.documents.send(new PutCommand({ TableName: store.tableName, Item: item(pk, { blob }) }));
    }
    const { result, sent } = await recorded(() => Promise.all(keys.map((pk) => get(pk))));
    expect(result.map((answer) => [answer.Item?.pk, String(answer.Item?.blob).length])).toEqual(
      keys.map((pk) => [pk, blob.length]),
    );
    const asked = sent.map((call) => {
      const requests = call.input.RequestItems as Record<string, { Keys: unknown[] }>;
      return [call.commandName, requests[store.tableName]?.Keys.length];
    });
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(asked[0]).toEqual(['BatchGetItemCommand', 50]);
    // What came back unprocessed was asked for again, and nothing else.
    const again = asked.slice(1).map(([, count]) => Number(count));
    expect(again[0]).toBeGreaterThan(0);
    expect(again[0]).toBeLessThan(50);
  });

  it('fails only the read DynamoDB refuses when it refuses the batch', async () => {
    const [refused, fine] = await withFirstReadsBatched(() =>
      Promise.allSettled([
        store.documents.send(
          new GetCommand({ TableName: store.tableName, Key: { pk: 'A', sk: '' }, ConsistentRead: true }),
        ),
        get('A'),
      ]),
    );
    expect(refused.status === 'rejected' && (refused.reason as Error).name).toBe('ValidationException');
    expect(fine.status === 'fulfilled' && fine.value.Item).toEqual(item('A'));
  });

  it('fails every read of a batch the store cannot answer', async () => {
    const missingTable = createStoreContext({
      tableName: `absent-${randomUUID()}`,
      endpoint: inject('dynamodbEndpoint'),
    });
    batchPointReads(missingTable);
    const read = (pk: string) =>
      missingTable.documents.send(
        new GetCommand({ TableName: missingTable.tableName, Key: { pk, sk: 'ITEM' }, ConsistentRead: true }),
      );
    const settled = await withFirstReadsBatched(() => Promise.allSettled([read('A'), read('B')]));
    expect(settled.map((outcome) => outcome.status === 'rejected' && (outcome.reason as Error).name)).toEqual(
      ['ResourceNotFoundException', 'ResourceNotFoundException'],
    );
  });
});
