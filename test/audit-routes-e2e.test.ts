/**
 * The audit trail over REST through the platform's app: lookups with LookupEvents' filters and a
 * cursor, a tenant held to its own account, the operator reading any trail and its own, an export
 * that answers before it has read its range, and verify finding a tampered event.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Platform } from '../functions/wiring/platform.ts';
import { writeManyEvents } from '../packages/audit/test/support/audit-events.ts';
import { type SigningKey, signedJsonRequest, signedQueryRequest } from './fixtures/signed-requests.ts';
import { createTestAccount, createTestPlatform, TEST_OPERATOR } from './fixtures/test-platform.ts';

type Json = Record<string, unknown>;
interface EventItem {
  eventId: string;
  eventName: string;
  eventTime: string;
  event: Json;
}

let platform: Platform;
let tenant: { accountId: string } & SigningKey;
let neighbour: { accountId: string } & SigningKey;
/** Pages of a trail read oldest first (the export's reads). */
let exportPagesRead = 0;

async function get(key: SigningKey, path: string): Promise<{ status: number; body: Json }> {
  const response = await platform.app.request(await signedJsonRequest(key, 'GET', path));
  return { status: response.status, body: (await response.json()) as Json };
}

const itemsOf = (body: Json) => body.items as EventItem[];

beforeAll(async () => {
  platform = await createTestPlatform({ prefix: 'audit-routes' });
  tenant = await createTestAccount(platform, 'routes-acme');
  neighbour = await createTestAccount(platform, 'routes-other');
  for (const userName of ['ann', 'ben', 'cat']) {
    const created = await platform.app.request(
      await signedQueryRequest(tenant, 'iam', { Action: 'CreateUser', UserName: userName }),
    );
    expect(created.status).toBe(200);
  }
  await platform.app.request(
    await signedQueryRequest(neighbour, 'iam', { Action: 'CreateUser', UserName: 'nia' }),
  );
  platform.store.documents.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { KeyConditionExpression?: string; ScanIndexForward?: boolean };
      // The export reads its range oldest first: the only Query here that does.
      if (context.commandName === 'QueryCommand' && input.ScanIndexForward === true) exportPagesRead++;
      return next(args);
    },
    { step: 'initialize', name: 'countExportPages' },
  );
});

describe('GET /v1/audit-events', () => {
  it("lists the tenant's own events by a filter, newest first, with their CloudTrail records", async () => {
    const { status, body } = await get(tenant, '/v1/audit-events?eventName=CreateUser');
    expect(status).toBe(200);
    const items = itemsOf(body);
    expect(items.map((item) => item.event.requestParameters)).toEqual([
      { userName: 'cat' },
      { userName: 'ben' },
      { userName: 'ann' },
    ]);
    expect(items[0]).toMatchObject({
      eventName: 'CreateUser',
      eventSource: 'iam.amazonaws.com',
      readOnly: false,
      username: 'root',
      accessKeyId: tenant.accessKeyId,
      resources: [{ resourceType: 'AWS::IAM::User', resourceName: 'cat' }],
      event: { recipientAccountId: tenant.accountId, eventID: items[0]?.eventId },
    });
  });

  it('pages with limit and nextCursor through the same events as one page', async () => {
    const all = itemsOf((await get(tenant, '/v1/audit-events')).body);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(
        tenant,
        `/v1/audit-events?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...itemsOf(page.body).map((item) => item.eventId));
      cursor = page.body.nextCursor as string | undefined;
    } while (cursor && seen.length <= all.length);
    expect(seen).toEqual(all.map((item) => item.eventId));
  });

  it('refuses a tenant that names another account, and two filters at once', async () => {
    const other = await get(tenant, `/v1/audit-events?accountId=${neighbour.accountId}`);
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ error: { code: 'access.denied' } });
    // The refusal is filed in the tenant's own trail, after its answer.
    const [refused] = await vi.waitFor(
      async () => {
        const found = itemsOf((await get(tenant, '/v1/audit-events?eventName=LookupEvents')).body);
        expect(found).not.toEqual([]);
        return found;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(refused?.event).toMatchObject({
      eventSource: 'cloudtrail.amazonaws.com',
      errorCode: 'AccessDenied',
      requestParameters: { accountId: neighbour.accountId },
      recipientAccountId: tenant.accountId,
    });
    const own = await get(tenant, `/v1/audit-events?accountId=${tenant.accountId}`);
    expect(own.status).toBe(200);
    const two = await get(tenant, '/v1/audit-events?eventName=CreateUser&username=root');
    expect(two.status).toBe(400);
    expect(two.body).toMatchObject({ error: { code: 'audit.invalid-lookup-attributes' } });
  });

  it('refuses a limit over 50, an accountId that is not one, and a parameter it does not know', async () => {
    for (const query of ['limit=51', 'accountId=12345', 'eventname=CreateUser', 'startTime=yesterday']) {
      const { status, body } = await get(tenant, `/v1/audit-events?${query}`);
      expect([query, status, (body.error as Json).code]).toEqual([query, 400, 'request.invalid']);
    }
  });

  it("lets the operator read any account's trail by accountId, and the platform's own without it", async () => {
    const theirs = itemsOf(
      (await get(TEST_OPERATOR, `/v1/audit-events?accountId=${neighbour.accountId}`)).body,
    );
    expect(theirs.map((item) => item.event.recipientAccountId)).toEqual(
      theirs.map(() => neighbour.accountId),
    );
    expect(theirs.map((item) => item.event.requestParameters)).toContainEqual({ userName: 'nia' });
    const created = await platform.app.request(
      await signedJsonRequest(TEST_OPERATOR, 'POST', '/v1/accounts', JSON.stringify({ alias: 'routes-new' })),
    );
    expect(created.status).toBe(201);
    const own = itemsOf((await get(TEST_OPERATOR, '/v1/audit-events?eventName=CreateAccount')).body);
    expect(own.map((item) => [item.event.eventSource, item.event.requestParameters])).toContainEqual([
      'palisade',
      { alias: 'routes-new' },
    ]);
    const tenantsView = await get(tenant, '/v1/audit-events?accountId=platform');
    expect(tenantsView.status).toBe(403);
  });
});

describe('GET /v1/audit-events/export', () => {
  it('streams the range as JSON Lines, answering before the range is read to its end', async () => {
    const start = new Date('2026-11-01T00:00:00.000Z');
    await writeManyEvents(platform.store, { accountId: tenant.accountId }, 600, start);
    exportPagesRead = 0;
    const response = await platform.app.request(
      await signedJsonRequest(
        tenant,
        'GET',
        '/v1/audit-events/export?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z',
      ),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    const firstLine = new TextDecoder().decode(first.value).split('\n')[0] as string;
    expect(JSON.parse(firstLine)).toMatchObject({
      eventName: 'CreateUser',
      requestParameters: { userName: 'user-0' },
    });
    // The answer is flowing while the export has read one page of its two (500 events a page).
    expect(exportPagesRead).toBe(1);
    let text = new TextDecoder().decode(first.value);
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    expect(exportPagesRead).toBe(2);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Json);
    expect(lines).toHaveLength(600);
    expect(lines.at(-1)).toMatchObject({ requestParameters: { userName: 'user-599' } });
  });

  it('refuses a range longer than 400 days before reading anything', async () => {
    const { status, body } = await get(
      tenant,
      '/v1/audit-events/export?from=2025-01-01T00:00:00Z&to=2026-12-01T00:00:00Z',
    );
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'audit.invalid-time-range' } });
  });
});

describe('GET /v1/audit-events/verify', () => {
  it('reports a valid range, and an altered event once one is tampered with', async () => {
    const from = '2026-01-01T00:00:00Z';
    const to = new Date(Date.now() + 60_000).toISOString();
    const fresh = await get(neighbour, `/v1/audit-events/verify?from=${from}&to=${to}`);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ trail: neighbour.accountId, valid: true, findings: [] });
    expect(fresh.body.eventsChecked).toBeGreaterThanOrEqual(1);
    const [victim] = itemsOf((await get(neighbour, '/v1/audit-events?eventName=CreateUser')).body);
    const record = { ...(victim?.event as Json), requestParameters: { userName: 'someone-else' } };
    await platform.store.documents.send(
      new UpdateCommand({
        TableName: platform.store.tableName,
        Key: { pk: `ACCT#${neighbour.accountId}#AUDIT`, sk: `${victim?.eventTime}#${victim?.eventId}` },
        UpdateExpression: 'SET #event = :event',
        ExpressionAttributeNames: { '#event': 'event' },
        ExpressionAttributeValues: { ':event': JSON.stringify(record) },
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
    const tampered = await get(neighbour, `/v1/audit-events/verify?from=${from}&to=${to}`);
    expect(tampered.body).toMatchObject({
      valid: false,
      findings: [{ kind: 'event-altered', eventId: victim?.eventId }],
    });
  });
});
