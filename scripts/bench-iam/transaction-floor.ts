/**
 * `npm run bench:iam:transactions` (issue #10 item 5): what DynamoDB Local itself charges for a write
 * on this machine, the floor under Palisade's writes. p50/p99 of a conditional PutItem, of
 * TransactWriteItems of 1 to 7 conditional Puts, and of a transaction shaped like CreateUser's
 * (two conditional Puts, a counter Update, two 1 KB record Puts: change record and audit event),
 * next to moto_server's whole CreateUser; the variants interleaved round by round in one run, so a
 * noisy machine disturbs them alike. Synthetic items on a table of their own (no Palisade key).
 *
 * Environment: BENCH_ITERATIONS (default 200), BENCH_WARMUP (default 20).
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createStoreContext, ensureTable } from '@palisade/store';
import { type BenchStart, runOnDynamoDbLocal } from '../bench-platform.ts';
import { startMotoServer, stopOnExit } from './child-processes.ts';
import { median, ms, percentile, ratio, renderTable } from './statistics.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const TABLE = 'bench-transaction-floor';
// About the sizes of Palisade's own items: a principal record, and a change record or audit event.
const SMALL = 'x'.repeat(300);
const RECORD = 'x'.repeat(1_100);

const stops = stopOnExit();
const progress = (text: string) => process.stderr.write(`bench:iam:transactions: ${text}\n`);
await runOnDynamoDbLocal(stops, progress, main);

type Write = { Put: Record<string, unknown> } | { Update: Record<string, unknown> };

async function main({ dynamodb, loadAtStart }: BenchStart): Promise<void> {
  const store = createStoreContext({ tableName: TABLE, endpoint: dynamodb.endpoint });
  await ensureTable(store);
  const documents = store.documents;
  progress('starting moto_server');
  const moto = await startMotoServer(stops);
  const motoClient = moto.server
    ? new IAMClient({
        endpoint: moto.server.endpoint,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      })
    : undefined;

  const fresh = () => `floor-${randomUUID()}`;
  const put = (pk: string, sk: string, payload: string, conditional: boolean): Write => ({
    Put: {
      TableName: TABLE,
      Item: { pk, sk, entity: 'bench', payload, version: 1 },
      ...(conditional ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
    },
  });
  const counter: Write = {
    Update: {
      TableName: TABLE,
      Key: { pk: 'floor-counters', sk: 'users#00' },
      UpdateExpression: 'SET entity = :entity ADD n :one',
      ConditionExpression: 'attribute_not_exists(n) OR n < :cap',
      ExpressionAttributeValues: { ':entity': 'bench', ':one': 1, ':cap': 1_000_000_000 },
    },
  };
  const transact = (items: Write[]) =>
    documents.send(new TransactWriteCommand({ TransactItems: items as never }));
  const createUserShaped = (withEvent: boolean) => {
    const id = fresh();
    const items: Write[] = [
      put(id, 'USER', SMALL, true),
      put(`${id}-name`, 'NAME', SMALL, true),
      counter,
      put(`${id}-changes`, 'change', RECORD, false),
    ];
    if (withEvent) items.push(put(`${id}-audit`, 'event', RECORD, false));
    return transact(items);
  };
  const readKey = { pk: 'floor-read', sk: 'USER' };
  await documents.send(new PutCommand({ TableName: TABLE, Item: { ...readKey, payload: SMALL } }));

  const variants: { name: string; run: () => Promise<unknown> }[] = [
    {
      name: 'GetItem (consistent)',
      run: () => documents.send(new GetCommand({ TableName: TABLE, Key: readKey, ConsistentRead: true })),
    },
    {
      name: 'BatchGetItem 1 key (consistent)',
      run: () =>
        documents.send(
          new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: [readKey], ConsistentRead: true } } }),
        ),
    },
    {
      name: 'PutItem, conditional',
      run: () =>
        documents.send(
          new PutCommand({
            TableName: TABLE,
            Item: { pk: fresh(), sk: 'USER', payload: SMALL },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
    },
    ...[1, 2, 3, 4, 5, 6, 7].map((count) => ({
      name: `TransactWriteItems ${count} conditional Put${count > 1 ? 's' : ''}`,
      run: () => {
        const pk = fresh();
        return transact(Array.from({ length: count }, (_, i) => put(`${pk}-${i}`, 'USER', SMALL, true)));
      },
    })),
    { name: 'TransactWriteItems CreateUser-shaped (5)', run: () => createUserShaped(true) },
    { name: 'the same without the audit event (4)', run: () => createUserShaped(false) },
    ...(motoClient
      ? [
          {
            name: "moto_server's whole CreateUser (HTTP + SDK)",
            run: () => motoClient.send(new CreateUserCommand({ UserName: fresh().slice(0, 60) })),
          },
        ]
      : []),
  ];
  const samples = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
  progress(`${variants.length} variants, ${WARMUP} warm-up + ${ITERATIONS} measured rounds, interleaved`);
  for (let round = 0; round < WARMUP + ITERATIONS; round++) {
    for (const variant of variants) {
      const started = performance.now();
      await variant.run();
      if (round >= WARMUP) samples.get(variant.name)?.push(performance.now() - started);
    }
  }
  const putP50 = median(samples.get('PutItem, conditional') ?? []);
  const motoP50 = motoClient ? median(samples.get(variants.at(-1)?.name ?? '') ?? []) : undefined;
  console.log(
    `\nDynamoDB Local write floor — Node ${process.version}, ${availableParallelism()} CPUs, load ` +
      `${loadAtStart.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}, ${ITERATIONS} interleaved rounds; times in ms\n`,
  );
  console.log(
    renderTable(
      ['request', 'p50', 'p99', '/ conditional PutItem', '/ moto CreateUser'],
      variants.map((variant) => {
        const values = samples.get(variant.name) ?? [];
        return [
          variant.name,
          ms(median(values)),
          ms(percentile(values, 99)),
          ratio(median(values), putP50),
          ratio(median(values), motoP50),
        ];
      }),
    ),
  );
  if (!motoClient) console.log(`\nmoto_server unavailable: ${moto.unavailable}`);
  console.log(
    "\nA write within 1.5x of moto's CreateUser must fit its DynamoDB requests, the IAM SDK's own " +
      'cost and Palisade in that budget; the rows above are the DynamoDB part alone.',
  );
}
