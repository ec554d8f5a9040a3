/**
 * `npm run bench:events` (issue #14): how long a committed change takes to reach a webhook
 * receiver, and how many deliveries a second one process makes. Starts DynamoDB Local, builds the
 * platform, subscribes a loopback receiver (private destinations allowed for the bench only), and
 * runs what `npm start` runs: the change-stream reader feeding the events consumer, and the
 * in-process delivery worker it wakes. Phase 1 commits CreateUser one at a time and measures each
 * delay from the commit instant (the event's `timestamp`) to its arrival; phase 2 commits a burst
 * concurrently and measures deliveries per second from the first commit to the last arrival.
 *
 * Environment: BENCH_EVENTS (phase 1 changes, default 50), BENCH_BURST (phase 2, default 300),
 * BENCH_CONCURRENCY (phase 2 callers at once, default 20).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { createSecretBoxFromConfig } from '@palisade/credentials';
import { eventSubscriptionService } from '@palisade/events';
import { iamOperations } from '@palisade/iam';
import { rootCaller } from '@palisade/principals';
import { startChangeStreamReader } from '@palisade/store';
import { Webhook } from 'standardwebhooks';
import { changeConsumers } from '../../functions/wiring/change-consumers.ts';
import { deliveryOptionsOf, startLocalEventDelivery } from '../../functions/wiring/event-delivery.ts';
import { stopOnExit } from '../bench-iam/child-processes.ts';
import { ms, percentile, renderTable } from '../bench-iam/statistics.ts';
import { type BenchStart, benchPlatform, runOnDynamoDbLocal } from '../bench-platform.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50);
const BURST = Number(process.env.BENCH_BURST ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
// The bench platform's master key (bench-platform.ts).
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

const stops = stopOnExit();
const progress = (text: string) => process.stderr.write(`bench:events: ${text}\n`);

await runOnDynamoDbLocal(stops, progress, main);

async function main({ dynamodb, loadAtStart }: BenchStart): Promise<void> {
  const { platform, createAccount } = await benchPlatform(dynamodb.endpoint, 'bench-events');
  const { accountId } = await createAccount('events');
  const caller = rootCaller('aws', accountId);
  const iam = iamOperations(platform.iam);

  // The receiver verifies every signature and notes when each event arrived.
  const arrivals = new Map<string, { at: number; committedAt: number }>();
  let secret = '';
  let refused = 0;
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        const event = new Webhook(secret).verify(
          Buffer.concat(chunks).toString('utf8'),
          request.headers as Record<string, string>,
        ) as { timestamp: string; data: { userName: string } };
        arrivals.set(event.data.userName, { at: Date.now(), committedAt: Date.parse(event.timestamp) });
        response.writeHead(204).end();
      } catch {
        refused++;
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  stops.add('receiver', () => new Promise<void>((done) => receiver.close(() => done())));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const secrets = createSecretBoxFromConfig(MASTER_KEY);
  const subscriptions = eventSubscriptionService({
    store: platform.store,
    secrets,
    partition: 'aws',
    now: () => new Date(),
    allowPrivate: true,
  });
  const created = await subscriptions.create(caller, { url, types: ['iam.user.created'] });
  if (!created.ok) throw new Error(created.message);
  secret = created.value.secret;

  // What `npm start` runs (scripts/start.ts), with the same settings.
  const delivery = startLocalEventDelivery(
    deliveryOptionsOf(platform.store, secrets, { allowPrivate: true }),
    (error) => progress(`delivery error: ${String(error)}`),
  );
  stops.add('delivery worker', () => delivery.worker.stop());
  const reader = startChangeStreamReader({
    tableName: platform.store.tableName,
    endpoint: dynamodb.endpoint,
    consume: changeConsumers(() => {}, platform.store, delivery.announce),
  });
  stops.add('change stream reader', () => reader.stop());
  await reader.ready;

  const createUser = async (name: string) => {
    const made = await iam.CreateUser?.(caller, { UserName: name });
    if (!made?.ok) throw new Error(`CreateUser ${name}: ${made?.message}`);
  };
  const waitFor = async (names: readonly string[], timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (names.some((name) => !arrivals.has(name))) {
      if (Date.now() > deadline)
        throw new Error(`${names.filter((n) => !arrivals.has(n)).length} events never arrived`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  progress(`phase 1: ${EVENTS} changes one at a time`);
  const sequential: number[] = [];
  for (let n = 0; n < EVENTS; n++) {
    const name = `one-${n}`;
    await createUser(name);
    await waitFor([name], 30_000);
    const arrival = arrivals.get(name);
    if (arrival) sequential.push(arrival.at - arrival.committedAt);
  }

  progress(`phase 2: a burst of ${BURST} changes, ${CONCURRENCY} at a time`);
  const burst = Array.from({ length: BURST }, (_, n) => `burst-${n}`);
  const queue = [...burst];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) await createUser(name);
    }),
  );
  await waitFor(burst, 120_000);
  const burstArrivals = burst.map((name) => arrivals.get(name) as { at: number; committedAt: number });
  const firstCommit = Math.min(...burstArrivals.map((arrival) => arrival.committedAt));
  const lastArrival = Math.max(...burstArrivals.map((arrival) => arrival.at));
  const lastCommit = Math.max(...burstArrivals.map((arrival) => arrival.committedAt));
  const burstDelays = burstArrivals.map((arrival) => arrival.at - arrival.committedAt);

  console.log(
    `\nOutbound events benchmark — Node ${process.version}, ${availableParallelism()} CPUs, load ${loadAtStart.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}; DynamoDB Local, loopback receiver, npm start's stream reader (poll 250 ms) and worker; times in ms\n`,
  );
  console.log(
    renderTable(
      [
        'phase',
        'events',
        'p50 commit→delivery',
        'p99',
        'max',
        'commits/s',
        'deliveries/s',
        'refused signatures',
      ],
      [
        [
          'one at a time',
          String(sequential.length),
          ms(percentile(sequential, 50)),
          ms(percentile(sequential, 99)),
          ms(Math.max(...sequential)),
          '—',
          '—',
          String(refused),
        ],
        [
          `burst (${CONCURRENCY} callers)`,
          String(burst.length),
          ms(percentile(burstDelays, 50)),
          ms(percentile(burstDelays, 99)),
          ms(Math.max(...burstDelays)),
          (burst.length / ((lastCommit - firstCommit) / 1000)).toFixed(1),
          (burst.length / ((lastArrival - firstCommit) / 1000)).toFixed(1),
          String(refused),
        ],
      ],
    ),
  );
}
