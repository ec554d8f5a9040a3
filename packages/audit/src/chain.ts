/**
 * The integrity of a trail: a hash chain built after the commit (never in a change's write path),
 * in the spirit of CloudTrail's digest files. The sealer links each unsealed event to the chain:
 * link n = sha256(digest of link n-1 ‖ sha256(event JSON) ‖ n); only sealers move the head, with
 * a condition, so racing sealers never fork it. Verify walks the links of a time range.
 */
import { createHash } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';
import {
  type AuditChainLink,
  type AuditScope,
  appendAuditChainLink,
  getAuditChainHead,
  listUnsealedAuditEvents,
  queryAuditChainLinks,
  queryAuditEvents,
  queryAuditLinkSeqsByTime,
  type StoreContext,
  type StoredAuditEvent,
} from '@palisade/store';
import { type AuditTrailId, auditScopeOf } from './trail.ts';

/** The digest before the first link. */
export const GENESIS_DIGEST = '0'.repeat(64);

/** How long an event may stay unsealed before verify reports it (the sealer runs off the stream). */
export const DEFAULT_SEAL_GRACE_MS = 60_000;

/** SHA-256 (hex) of an event's stored JSON. */
export function eventDigestOf(event: string): string {
  return createHash('sha256').update(event, 'utf8').digest('hex');
}

/** The digest of link `seq`, chaining it to its predecessor's. */
export function linkDigestOf(previousDigest: string, eventDigest: string, seq: number): string {
  return createHash('sha256').update(`${previousDigest}${eventDigest}${seq}`, 'utf8').digest('hex');
}

/** What one sealing pass did. */
export interface AuditSealReport {
  readonly sealed: number;
  /** The chain's head after the pass (0: no event sealed yet). */
  readonly headSeq: number;
}

/** Links expire a day after their event, so a verify of the oldest events still finds them. */
function linkExpiresAt(event: StoredAuditEvent, retentionDays: number): number {
  return Math.floor(Date.parse(event.eventTime) / 1000) + Math.round((retentionDays + 1) * 86_400);
}

/**
 * Seals a trail's unsealed events, oldest first, at most `maxEvents` in one pass: each in one
 * transaction (link, head, event off the unsealed index, its lookup copies). Safe to run from
 * several places at once.
 */
export async function sealAuditTrail(
  store: StoreContext,
  trail: AuditTrailId,
  options: { readonly maxEvents?: number; readonly retentionDays?: number } = {},
): Promise<AuditSealReport> {
  const scope = auditScopeOf(trail);
  const retentionDays = options.retentionDays ?? store.auditRetentionDays ?? 90;
  const maxEvents = options.maxEvents ?? 10_000;
  let head = (await getAuditChainHead(store, scope)) ?? { seq: 0, digest: GENESIS_DIGEST };
  let sealed = 0;
  let conflicts = 0;
  while (sealed < maxEvents) {
    const unsealed = await listUnsealedAuditEvents(store, scope, Math.min(100, maxEvents - sealed));
    if (unsealed.length === 0) break;
    let progressed = false;
    for (const event of unsealed) {
      const eventDigest = eventDigestOf(event.event);
      const seq = head.seq + 1;
      const link: AuditChainLink = {
        seq,
        eventSk: event.sk,
        eventDigest,
        previousDigest: head.digest,
        digest: linkDigestOf(head.digest, eventDigest, seq),
      };
      const outcome = await appendAuditChainLink(
        store,
        scope,
        link,
        linkExpiresAt(event, retentionDays),
        event,
      );
      if (outcome === 'appended') {
        head = { seq, digest: link.digest };
        sealed++;
        progressed = true;
        continue;
      }
      // Another sealer moved the head (or sealed this event): start again from the head it left.
      head = (await getAuditChainHead(store, scope)) ?? { seq: 0, digest: GENESIS_DIGEST };
      if (outcome === 'head-moved' && ++conflicts > 20)
        throw new Error('audit sealer: the chain head keeps moving');
      break;
    }
    // The unsealed index is eventually consistent: a page of only already-sealed events ends the pass.
    if (!progressed && conflicts === 0) break;
  }
  return { sealed, headSeq: head.seq };
}

/** What verify found wrong, by kind. */
export type AuditFindingKind =
  | 'event-altered'
  | 'event-missing'
  | 'event-unsealed'
  | 'link-missing'
  | 'link-altered'
  | 'chain-broken'
  | 'head-mismatch';

/** One finding of a verify. */
export interface AuditFinding {
  readonly kind: AuditFindingKind;
  readonly seq?: number;
  readonly eventId?: string;
  readonly detail: string;
}

/** A verify's report: what it checked and what it found (valid when nothing). */
export interface AuditVerifyReport {
  readonly trail: AuditTrailId;
  readonly from: string;
  readonly to: string;
  readonly valid: boolean;
  readonly eventsChecked: number;
  readonly linksChecked: number;
  /** The chain's sequence range the events of the range span (absent: none sealed). */
  readonly firstSeq?: number;
  readonly lastSeq?: number;
  readonly headSeq: number;
  readonly findings: readonly AuditFinding[];
}

/** Options of a verify. */
export interface AuditVerifyOptions {
  /** The instant unsealed events are judged against (default: now). */
  readonly now?: Date;
  /** How long an event may stay unsealed (default DEFAULT_SEAL_GRACE_MS). */
  readonly graceMs?: number;
  /** The most events one verify reads (default 1,000,000). */
  readonly maxEvents?: number;
}

async function eventsBetween(
  store: StoreContext,
  scope: AuditScope,
  from: string,
  to: string,
  maxEvents: number,
): Promise<StoredAuditEvent[]> {
  const events: StoredAuditEvent[] = [];
  let after: string | undefined;
  do {
    const page = await queryAuditEvents(store, scope, {
      from,
      to,
      limit: 1000,
      order: 'oldest-first',
      ...(after ? { after } : {}),
    });
    events.push(...page.events);
    after = page.next;
  } while (after && events.length < maxEvents);
  return events;
}

/**
 * Verifies a trail's events between two instants: seals first, then checks every link the range
 * spans (each event exists with the digest its link records, each link chains from its
 * predecessor, no sequence is missing) and that the head matches the last link.
 */
export async function verifyAuditTrail(
  store: StoreContext,
  trail: AuditTrailId,
  from: Date,
  to: Date,
  options: AuditVerifyOptions = {},
): Promise<Result<AuditVerifyReport>> {
  if (!Number.isFinite(from.getTime()) || !Number.isFinite(to.getTime()) || from > to) {
    return fail('audit.invalid-time-range', 'The range to verify needs a start before its end.');
  }
  const scope = auditScopeOf(trail);
  await sealAuditTrail(store, trail);
  const lower = from.toISOString();
  const upper = to.toISOString();
  const now = (options.now ?? new Date()).getTime();
  const grace = options.graceMs ?? DEFAULT_SEAL_GRACE_MS;
  const findings: AuditFinding[] = [];
  const events = await eventsBetween(store, scope, lower, upper, options.maxEvents ?? 1_000_000);
  const bySk = new Map(events.map((event) => [event.sk, event]));
  const seqs = new Set(await queryAuditLinkSeqsByTime(store, scope, lower, upper));
  for (const event of events) {
    if (event.seq !== undefined) seqs.add(event.seq);
    else if (now - Date.parse(event.eventTime) > grace) {
      findings.push({
        kind: 'event-unsealed',
        eventId: event.eventId,
        detail: 'The event was never sealed into the chain.',
      });
    }
  }
  const head = await getAuditChainHead(store, scope);
  const headSeq = head?.seq ?? 0;
  let linksChecked = 0;
  let firstSeq: number | undefined;
  let lastSeq: number | undefined;
  if (seqs.size > 0) {
    firstSeq = Math.min(...seqs);
    lastSeq = Math.max(...seqs);
    const links = await queryAuditChainLinks(store, scope, Math.max(1, firstSeq - 1), lastSeq);
    const bySeq = new Map(links.map((link) => [link.seq, link]));
    for (let seq = firstSeq; seq <= lastSeq; seq++) {
      const link = bySeq.get(seq);
      if (!link) {
        findings.push({ kind: 'link-missing', seq, detail: `Chain link ${seq} is missing.` });
        continue;
      }
      linksChecked++;
      if (link.digest !== linkDigestOf(link.previousDigest, link.eventDigest, seq)) {
        findings.push({
          kind: 'link-altered',
          seq,
          detail: `Chain link ${seq} does not match its own digest.`,
        });
      }
      const previous = seq === 1 ? { digest: GENESIS_DIGEST } : bySeq.get(seq - 1);
      // A predecessor before the range that TTL removed cannot be checked, and is no finding.
      if (previous && link.previousDigest !== previous.digest) {
        findings.push({
          kind: 'chain-broken',
          seq,
          detail: `Chain link ${seq} does not follow link ${seq - 1}.`,
        });
      }
      if (link.eventSk < lower || link.eventSk > `${upper}~`) continue;
      const event = bySk.get(link.eventSk);
      const eventId = link.eventSk.split('#')[1];
      if (!event) {
        findings.push({
          kind: 'event-missing',
          seq,
          ...(eventId ? { eventId } : {}),
          detail: 'A sealed event is missing.',
        });
      } else if (eventDigestOf(event.event) !== link.eventDigest) {
        findings.push({
          kind: 'event-altered',
          seq,
          eventId: event.eventId,
          detail: 'The event differs from what was sealed.',
        });
      }
    }
    for (const event of events) {
      if (event.seq !== undefined && bySeq.get(event.seq)?.eventSk !== event.sk && bySeq.has(event.seq)) {
        findings.push({
          kind: 'link-altered',
          seq: event.seq,
          eventId: event.eventId,
          detail: "The event's link names another event.",
        });
      }
    }
  }
  findings.push(...(await headFindings(store, scope, head, lastSeq)));
  return ok({
    trail,
    from: lower,
    to: upper,
    valid: findings.length === 0,
    eventsChecked: events.length,
    linksChecked,
    ...(firstSeq === undefined ? {} : { firstSeq }),
    ...(lastSeq === undefined ? {} : { lastSeq }),
    headSeq,
    findings,
  });
}

/** The head must name the chain's last link, with its digest. */
async function headFindings(
  store: StoreContext,
  scope: AuditScope,
  head: { seq: number; digest: string } | undefined,
  lastSeq: number | undefined,
): Promise<AuditFinding[]> {
  if (!head) {
    return lastSeq === undefined
      ? []
      : [{ kind: 'head-mismatch', detail: 'The chain has links but no head.' }];
  }
  if (lastSeq !== undefined && head.seq < lastSeq) {
    return [{ kind: 'head-mismatch', seq: head.seq, detail: `The head is behind link ${lastSeq}.` }];
  }
  const [last] = await queryAuditChainLinks(store, scope, head.seq, head.seq);
  if (!last || last.digest !== head.digest) {
    return [
      { kind: 'head-mismatch', seq: head.seq, detail: "The head does not match the chain's last link." },
    ];
  }
  return [];
}
