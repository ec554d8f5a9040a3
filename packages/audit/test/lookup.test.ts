import { getAuditChainHead, listUnsealedAuditEvents, type StoreContext } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { onEverySend } from '../../../test/fixtures/store-sends.ts';
import { createTestTable } from '../../../test/fixtures/test-table.ts';
import {
  AUDIT_LOOKUP_MAX_UNSEALED,
  type AuditEventSummary,
  exportAuditEvents,
  lookupAuditEvents,
  sealAuditTrail,
} from '../src/index.ts';
import {
  createUserDetails,
  ROLE_ORIGIN,
  ROOT_ORIGIN,
  recordEvent,
  recordEvents,
  taggedCreateUserDetails,
  USER_ORIGIN,
  writeManyEvents,
} from './support/audit-events.ts';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

let store: StoreContext;
/** Event ids in the order they were recorded (oldest first). */
const ids: string[] = [];

beforeAll(async () => {
  store = await createTestTable('audit-lookup');
  const scope = { accountId: ACCOUNT };
  const steps = [
    [USER_ORIGIN, createUserDetails('bob'), 1],
    [ROOT_ORIGIN, { ...createUserDetails('carol'), eventName: 'DeleteUser' }, 2],
    [ROLE_ORIGIN, { ...createUserDetails('dave'), resources: ['arn:aws:iam::111122223333:user/dave'] }, 3],
    [
      USER_ORIGIN,
      { eventSource: 'iam.amazonaws.com', eventName: 'GetUser', readOnly: true, requestParameters: null },
      4,
    ],
    [ROOT_ORIGIN, createUserDetails('erin'), 5],
  ] as const;
  for (const [origin, details, minute] of steps) {
    ids.push(await recordEvent(store, scope, origin, details, at(minute)));
  }
  // Another tenant's event, which no lookup of ACCOUNT may see.
  await recordEvent(store, { accountId: OTHER }, USER_ORIGIN, createUserDetails('bob'), at(3));
});

const idsOf = (events: readonly AuditEventSummary[]) => events.map((event) => event.eventId);
const lookup = async (query: Parameters<typeof lookupAuditEvents>[2], trail = ACCOUNT) => {
  const page = await lookupAuditEvents(store, trail, query);
  if (!page.ok) throw new Error(page.message);
  return page.value;
};

describe('lookupAuditEvents', () => {
  it("lists an account's events newest first, and only its own", async () => {
    const page = await lookup({});
    expect(idsOf(page.events)).toEqual([...ids].reverse());
    expect(page.events[0]).toMatchObject({
      eventName: 'CreateUser',
      readOnly: 'false',
      eventSource: 'iam.amazonaws.com',
      username: 'root',
      accessKeyId: 'AKIAEXAMPLEROOT00001',
      eventTime: at(5),
      resources: [{ resourceName: 'erin' }],
    });
    expect(JSON.parse(page.events[0]?.cloudTrailEvent ?? '{}')).toMatchObject({ eventID: ids[4] });
  });

  it.each([
    ['EventName', 'DeleteUser', [1]],
    ['Username', 'alice', [3, 0]],
    ['Username', 'ci-run', [2]],
    ['ReadOnly', 'true', [3]],
    ['ReadOnly', 'false', [4, 2, 1, 0]],
    ['AccessKeyId', 'AKIAEXAMPLEROOT00001', [4, 1]],
    ['ResourceName', 'arn:aws:iam::111122223333:user/dave', [2]],
    ['ResourceName', 'bob', [0]],
  ] as const)('finds events by %s = %s', async (key, value, expected) => {
    const page = await lookup({ lookupAttributes: [{ AttributeKey: key, AttributeValue: value }] });
    expect(idsOf(page.events)).toEqual(expected.map((i) => ids[i]));
  });

  it('finds one event by its EventId, within the time range only', async () => {
    const byId = { lookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: ids[2] as string }] };
    expect(idsOf((await lookup(byId)).events)).toEqual([ids[2]]);
    expect((await lookup({ ...byId, startTime: at(4) })).events).toEqual([]);
    expect((await lookup(byId, OTHER)).events).toEqual([]);
  });

  it('keeps to a time range, both ends included', async () => {
    const page = await lookup({ startTime: at(2), endTime: at(4) });
    expect(idsOf(page.events)).toEqual([ids[3], ids[2], ids[1]]);
  });

  it('pages with NextToken, each page continuing where the last ended', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await lookup({ maxResults: 2, ...(nextToken ? { nextToken } : {}) });
      seen.push(...idsOf(page.events));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it.each([
    [
      'two lookup attributes',
      {
        lookupAttributes: [
          { AttributeKey: 'EventName', AttributeValue: 'CreateUser' },
          { AttributeKey: 'Username', AttributeValue: 'alice' },
        ],
      },
      'audit.invalid-lookup-attributes',
    ],
    [
      'an unknown key',
      { lookupAttributes: [{ AttributeKey: 'Color', AttributeValue: 'x' }] },
      'audit.invalid-lookup-attributes',
    ],
    [
      'an empty value',
      { lookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: '' }] },
      'audit.invalid-lookup-attributes',
    ],
    [
      'a ReadOnly that is no boolean',
      { lookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'yes' }] },
      'audit.invalid-lookup-attributes',
    ],
    ['a start after the end', { startTime: at(5), endTime: at(1) }, 'audit.invalid-time-range'],
    ['an invalid date', { startTime: new Date(Number.NaN) }, 'audit.invalid-time-range'],
    ['MaxResults 0', { maxResults: 0 }, 'audit.invalid-max-results'],
    ['MaxResults 51', { maxResults: 51 }, 'audit.invalid-max-results'],
    [
      'a forged NextToken',
      { nextToken: Buffer.from('x|2026-12-01T00:00:00.000Z').toString('base64url') },
      'audit.invalid-next-token',
    ],
  ] as const)('refuses %s with a typed failure', async (_name, query, code) => {
    const page = await lookupAuditEvents(store, ACCOUNT, query);
    expect(page).toMatchObject({ ok: false, code });
  });

  it('refuses a NextToken of another lookup', async () => {
    const first = await lookup({ maxResults: 1 });
    const other = await lookupAuditEvents(store, ACCOUNT, {
      maxResults: 1,
      lookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateUser' }],
      ...(first.nextToken ? { nextToken: first.nextToken } : {}),
    });
    expect(first.nextToken).toBeDefined();
    expect(other).toMatchObject({ ok: false, code: 'audit.invalid-next-token' });
  });
});

describe('a trail partly sealed', () => {
  let mixed: StoreContext;
  /** Event ids by minute (1..7): the even minutes sealed, the odd ones not. */
  const byMinute = new Map<number, string>();
  const all = async (query: Parameters<typeof lookupAuditEvents>[2]) => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await lookupAuditEvents(mixed, ACCOUNT, { ...query, ...(nextToken ? { nextToken } : {}) });
      if (!page.ok) throw new Error(page.message);
      expect(page.value.events.length).toBeLessThanOrEqual(query.maxResults ?? 50);
      seen.push(...idsOf(page.value.events));
      nextToken = page.value.nextToken;
    } while (nextToken);
    return seen;
  };

  beforeAll(async () => {
    mixed = await createTestTable('audit-mixed');
    const scope = { accountId: ACCOUNT };
    const record = async (minute: number) => {
      const origin = minute % 3 === 0 ? ROOT_ORIGIN : USER_ORIGIN;
      byMinute.set(
        minute,
        await recordEvent(mixed, scope, origin, createUserDetails(`u${minute}`), at(minute)),
      );
    };
    for (const minute of [2, 4, 6]) await record(minute);
    expect((await sealAuditTrail(mixed, ACCOUNT)).sealed).toBe(3);
    for (const minute of [1, 3, 5, 7]) await record(minute);
    expect(await listUnsealedAuditEvents(mixed, scope, 10)).toHaveLength(4);
  });

  it('pages an attribute lookup over sealed and unsealed events: each once, newest first', async () => {
    const minutes = (list: number[]) => list.map((minute) => byMinute.get(minute));
    expect(
      await all({
        maxResults: 2,
        lookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateUser' }],
      }),
    ).toEqual(minutes([7, 6, 5, 4, 3, 2, 1]));
    expect(
      await all({ maxResults: 2, lookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'alice' }] }),
    ).toEqual(minutes([7, 5, 4, 2, 1]));
    expect(
      await all({ maxResults: 1, lookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'root' }] }),
    ).toEqual(minutes([6, 3]));
    expect(
      await all({
        maxResults: 2,
        startTime: at(2),
        endTime: at(6),
        lookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'u5' }],
      }),
    ).toEqual(minutes([5]));
  });

  it('finds a sealed and an unsealed event by EventId', async () => {
    for (const minute of [4, 5]) {
      const id = byMinute.get(minute) as string;
      expect(await all({ lookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: id }] })).toEqual([
        id,
      ]);
    }
  });
});

describe('a trail with more unsealed events than a lookup reads', () => {
  // The bound is a parameter (AUDIT_LOOKUP_MAX_UNSEALED in production): 21 events over a bound of
  // 20 exercise the same path as 1,001 over 1,000, without sealing a thousand events in the suite.
  const maxUnsealed = 20;

  it('is sealed by an attribute lookup, which then answers from the copies', async () => {
    expect(AUDIT_LOOKUP_MAX_UNSEALED).toBe(1000);
    const backlog = await createTestTable('audit-backlog');
    const scope = { accountId: ACCOUNT };
    const count = maxUnsealed + 1;
    await recordEvents(backlog, scope, count, new Date(T0));
    const page = await lookupAuditEvents(
      backlog,
      ACCOUNT,
      {
        maxResults: 3,
        lookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateUser' }],
      },
      { maxUnsealed },
    );
    if (!page.ok) throw new Error(page.message);
    expect(page.value.events.map((event) => event.eventTime)).toEqual(
      [1, 2, 3].map((back) => new Date(T0 + (count - back) * 1000)),
    );
    expect(await getAuditChainHead(backlog, scope)).toMatchObject({ seq: count });
    expect(await listUnsealedAuditEvents(backlog, scope, 10)).toEqual([]);
  });
});

// 600 events of ~8 KB (and their EventName copies) are several of DynamoDB's 1 MB pages: a lookup
// that read the trail instead of the newest events would show it here as it would for 1,000,000
// (many small events say the same but take the suite's one DynamoDB Local far longer to write).
const BIG_TRAIL = 600;

describe(`a ${BIG_TRAIL.toLocaleString('en')}-event trail`, () => {
  it('answers its newest 50 events in at most 2 DynamoDB requests', { timeout: 180_000 }, async () => {
    const big = await createTestTable('audit-big');
    const start = new Date('2026-11-20T00:00:00.000Z');
    await writeManyEvents(big, { accountId: ACCOUNT }, BIG_TRAIL, start, taggedCreateUserDetails);
    let requests = 0;
    onEverySend(big, () => {
      requests++;
    });
    const page = await lookupAuditEvents(big, ACCOUNT, {});
    const byName = await lookupAuditEvents(big, ACCOUNT, {
      lookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateUser' }],
    });
    if (!page.ok || !byName.ok) throw new Error('lookup failed');
    expect(requests).toBeLessThanOrEqual(4);
    expect(page.value.events).toHaveLength(50);
    expect(page.value.events[0]?.eventTime).toEqual(new Date(start.getTime() + (BIG_TRAIL - 1) * 1000));
    expect(page.value.events[49]?.eventTime).toEqual(new Date(start.getTime() + (BIG_TRAIL - 50) * 1000));
    expect(byName.value.events.map((event) => event.eventTime)).toEqual(
      page.value.events.map((event) => event.eventTime),
    );
    requests = 0;
    await lookupAuditEvents(big, ACCOUNT, {});
    expect(requests).toBeLessThanOrEqual(2);
  });
});

describe('exportAuditEvents', () => {
  it("streams a range's records oldest first, page by page", async () => {
    const exported = exportAuditEvents(store, ACCOUNT, { from: at(2), to: at(5), pageSize: 2 });
    if (!exported.ok) throw new Error(exported.message);
    const lines: string[] = [];
    for await (const line of exported.value) lines.push(line);
    expect(lines.map((line) => (JSON.parse(line) as { eventID: string }).eventID)).toEqual(ids.slice(1));
  });

  it('stops at maxEvents', async () => {
    const exported = exportAuditEvents(store, ACCOUNT, { from: at(0), to: at(9), pageSize: 2, maxEvents: 3 });
    if (!exported.ok) throw new Error(exported.message);
    const lines: string[] = [];
    for await (const line of exported.value) lines.push(line);
    expect(lines).toHaveLength(3);
  });

  it('refuses a range that ends before it starts', () => {
    expect(exportAuditEvents(store, ACCOUNT, { from: at(5), to: at(1) })).toMatchObject({
      ok: false,
      code: 'audit.invalid-time-range',
    });
  });
});
