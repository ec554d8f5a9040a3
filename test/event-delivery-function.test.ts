/**
 * The AWS side of event delivery without AWS: the delivery function's batch handling over DynamoDB
 * Local and a loopback receiver (attempts, retries and early messages announced again, a malformed
 * message dropped, a failing store reported for SQS to retry), and the SQS announcer against a
 * loopback stand-in for SQS's JSON protocol (each message delayed until its delivery is due).
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSecretBoxFromConfig } from '@palisade/credentials';
import { type DeliveryOptions, eventSubscriptionService, fileEventDeliveries } from '@palisade/events';
import { rootCaller } from '@palisade/principals';
import {
  type ChangeRecord,
  type EventDeliveryRef,
  entityRecordKey,
  getEventDelivery,
  listChangeRecords,
  putEventDeliveries,
  type StoreContext,
} from '@palisade/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  announceOverdueDeliveries,
  deliverQueuedEvents,
  OVERDUE_AFTER_MS,
  sqsAnnouncer,
} from '../functions/wiring/event-delivery.ts';
import { createMissingTableStore, createTestTable } from './fixtures/test-table.ts';

const ACCOUNT = '123456789012';
const MASTER_KEY = Buffer.alloc(32, 5).toString('base64');
let store: StoreContext;
let receiver: Server;
let receiverUrl: string;
let answer = 200;
let received = 0;
let serial = 0;

beforeAll(async () => {
  store = await createTestTable('event-delivery-fn');
  receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      response.writeHead(answer).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise((done) => receiver.close(done)));

const options = (over: Partial<DeliveryOptions> = {}): DeliveryOptions => ({
  store,
  secrets: createSecretBoxFromConfig(MASTER_KEY),
  allowPrivate: true,
  retrySchedule: [60_000],
  random: () => 0.5,
  ...over,
});

/** A subscription to the receiver with one delivery filed, due at `createdAt`. */
async function filedDelivery(createdAt = new Date()): Promise<EventDeliveryRef> {
  const subscriptions = eventSubscriptionService({
    store,
    secrets: createSecretBoxFromConfig(MASTER_KEY),
    partition: 'aws',
    now: () => new Date(Date.now() - 60_000),
    allowPrivate: true,
  });
  const created = await subscriptions.create(rootCaller('aws', ACCOUNT), { url: receiverUrl, types: ['*'] });
  if (!created.ok) throw new Error(created.message);
  serial++;
  const ref = {
    scope: { accountId: ACCOUNT },
    subscriptionId: created.value.subscription.id,
    deliveryId: `msg_${Date.now().toString(36).padStart(11, '0')}${String(serial).padStart(20, '0')}`,
  };
  await putEventDeliveries(store, [
    { ...ref, eventType: 'iam.user.created', payload: '{}', createdAt: createdAt.toISOString() },
  ]);
  return ref;
}

describe('the event delivery function', () => {
  it('attempts each queued delivery and announces its retry when the receiver fails', async () => {
    const announced: { ref: EventDeliveryRef; dueAt: string }[] = [];
    const deliver = deliverQueuedEvents(options(), async (deliveries) => {
      announced.push(...deliveries);
    });
    const ok = await filedDelivery();
    answer = 200;
    expect(await deliver({ Records: [{ messageId: 'm1', body: JSON.stringify(ok) }] })).toEqual({
      batchItemFailures: [],
    });
    expect((await getEventDelivery(store, ok))?.status).toBe('delivered');
    expect(announced).toEqual([]);

    const failing = await filedDelivery();
    answer = 500;
    const before = Date.now();
    await deliver({ Records: [{ messageId: 'm2', body: JSON.stringify(failing) }] });
    expect(announced).toHaveLength(1);
    expect(announced[0]?.ref).toEqual(failing);
    // Due one schedule step (60 s, no jitter at random 0.5) after the attempt.
    const due = Date.parse(announced[0]?.dueAt ?? '');
    expect(due - before).toBeGreaterThanOrEqual(59_000);
    expect(due - Date.now()).toBeLessThanOrEqual(60_000);
    expect((await getEventDelivery(store, failing))?.nextAttemptAt).toBe(announced[0]?.dueAt);
  });

  it('announces an early message again for when its delivery is due, without attempting it', async () => {
    const later = new Date(Date.now() + 3_600_000);
    const ref = await filedDelivery(later);
    const announced: { ref: EventDeliveryRef; dueAt: string }[] = [];
    const sent = received;
    await deliverQueuedEvents(options(), async (deliveries) => {
      announced.push(...deliveries);
    })({ Records: [{ messageId: 'm3', body: JSON.stringify(ref) }] });
    expect(received).toBe(sent);
    expect(announced).toEqual([{ ref, dueAt: later.toISOString() }]);
  });

  it('drops a message it did not send and reports one whose attempt failed, for SQS to retry', async () => {
    const announced: unknown[] = [];
    const announce = async (deliveries: readonly unknown[]) => {
      announced.push(...deliveries);
    };
    const ref = await filedDelivery();
    const result = await deliverQueuedEvents(
      options({ store: createMissingTableStore() }),
      announce,
    )({
      Records: [
        {
          messageId: 'junk',
          body: '{"scope":{"accountId":"x"},"subscriptionId":"sub_1","deliveryId":"msg_1"}',
        },
        { messageId: 'not-json', body: 'hello' },
        { messageId: 'store-down', body: JSON.stringify(ref) },
      ],
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'store-down' }] });
    expect(announced).toEqual([]);
  });
});

describe('the events consumer', () => {
  it('announces a delivery requeued through the API from its change record', async () => {
    const ref = await filedDelivery();
    answer = 200;
    await deliverQueuedEvents(options(), async () => {})({
      Records: [{ messageId: 'm', body: JSON.stringify(ref) }],
    });
    const subscriptions = eventSubscriptionService({
      store,
      secrets: createSecretBoxFromConfig(MASTER_KEY),
      partition: 'aws',
      now: () => new Date(),
    });
    const since = new Date().toISOString();
    const queued = await subscriptions.redeliver(
      rootCaller('aws', ACCOUNT),
      ref.subscriptionId,
      ref.deliveryId,
    );
    expect(queued.ok).toBe(true);
    const records = (await listChangeRecords(store, { accountId: ACCOUNT }, since.slice(0, 10))).filter(
      (record) => record.at >= since,
    );
    const announced: { ref: EventDeliveryRef; dueAt: string }[] = [];
    await fileEventDeliveries(store, async (deliveries) => {
      announced.push(...deliveries);
    })(records);
    expect(announced.map((delivery) => delivery.ref)).toEqual([ref]);
    expect((await getEventDelivery(store, ref))?.status).toBe('pending');
  });

  it('announces the deliveries of a batch consumed again, which an earlier try filed but may not have announced', async () => {
    const subscriptions = eventSubscriptionService({
      store,
      secrets: createSecretBoxFromConfig(MASTER_KEY),
      partition: 'aws',
      now: () => new Date(Date.now() - 60_000),
      allowPrivate: true,
    });
    const account = '210987654321';
    const created = await subscriptions.create(rootCaller('aws', account), {
      url: receiverUrl,
      types: ['*'],
    });
    if (!created.ok) throw new Error(created.message);
    const record: ChangeRecord = {
      recordId: 'record-consumed-twice',
      accountId: account,
      at: new Date().toISOString(),
      operation: 'CreateUser',
      origin: { via: 'rest', operation: 'CreateUser', requestId: 'req-twice' },
      items: [
        {
          entity: 'user',
          key: entityRecordKey(account, 'USER', 'AIDAABCDEFGHIJKLMNOP'),
          change: 'put',
          subject: { name: 'twice' },
        },
      ],
    };
    const announced: EventDeliveryRef[] = [];
    const consume = fileEventDeliveries(store, async (deliveries) => {
      announced.push(...deliveries.map((delivery) => delivery.ref));
    });
    await consume([record]);
    await consume([record]);
    expect(announced).toHaveLength(2);
    expect(announced[1]).toEqual(announced[0]);
    expect(announced[0]?.subscriptionId).toBe(created.value.subscription.id);
    // Filed once: the delivery id is derived from the record.
    const listed = await subscriptions.deliveries(
      rootCaller('aws', account),
      created.value.subscription.id,
      10,
    );
    expect(listed.ok && listed.value.map((delivery) => delivery.type)).toEqual(['iam.user.created']);
  });
});

describe('the sweep of overdue deliveries', () => {
  it('announces again only the pending deliveries overdue past the grace period', async () => {
    const now = new Date();
    const overdue = await filedDelivery(new Date(now.getTime() - OVERDUE_AFTER_MS - 60_000));
    const announced: { ref: EventDeliveryRef; dueAt: string }[] = [];
    const count = await announceOverdueDeliveries(
      store,
      async (deliveries) => {
        announced.push(...deliveries);
      },
      now,
    );
    expect(announced).toEqual([{ ref: overdue, dueAt: now.toISOString() }]);
    expect(count).toBe(1);
  });
});

describe('the SQS announcer', () => {
  it('sends each delivery in batches of ten, delayed until due and never past 15 minutes', async () => {
    const batches: { Entries: { Id: string; MessageBody: string; DelaySeconds: number }[] }[] = [];
    const sqs = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        const batch = JSON.parse(body) as (typeof batches)[number];
        batches.push(batch);
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(
          JSON.stringify({
            Successful: batch.Entries.map((entry) => ({
              Id: entry.Id,
              MessageId: `id-${entry.Id}`,
              MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
            })),
            Failed: [],
          }),
        );
      });
    });
    await new Promise<void>((done) => sqs.listen(0, '127.0.0.1', done));
    try {
      const client = new SQSClient({
        endpoint: `http://127.0.0.1:${(sqs.address() as AddressInfo).port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const ref = { scope: { accountId: ACCOUNT }, subscriptionId: 'sub_x', deliveryId: 'msg_x' };
      const now = Date.now();
      const deliveries = [
        ...Array.from({ length: 10 }, () => ({ ref, dueAt: new Date(now - 1_000).toISOString() })),
        { ref, dueAt: new Date(now + 120_000).toISOString() },
        { ref, dueAt: new Date(now + 7_200_000).toISOString() },
      ];
      await sqsAnnouncer('https://sqs.us-east-1.amazonaws.com/123456789012/deliveries', client)(deliveries);
      expect(batches.map((batch) => batch.Entries.length)).toEqual([10, 2]);
      expect(batches[0]?.Entries.every((entry) => entry.DelaySeconds === 0)).toBe(true);
      const [soon, later] = batches[1]?.Entries ?? [];
      expect(soon?.DelaySeconds).toBeGreaterThan(110);
      expect(soon?.DelaySeconds).toBeLessThanOrEqual(120);
      expect(later?.DelaySeconds).toBe(900);
      expect(JSON.parse(soon?.MessageBody ?? '')).toEqual(ref);
    } finally {
      await new Promise((done) => sqs.close(done));
    }
  });
});
