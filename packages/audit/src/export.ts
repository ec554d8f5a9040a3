/**
 * An export of a trail for a time range: the CloudTrail records oldest first, read page by page
 * so a long range never sits in memory, bounded in events and range.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { queryAuditEvents, type StoreContext } from '@palisade/store';
import { type AuditTrailId, auditScopeOf } from './trail.ts';

/** The range an export covers and how it reads. */
export interface AuditExportRange {
  readonly from: Date;
  readonly to: Date;
  /** Events read per DynamoDB request (default 500). */
  readonly pageSize?: number;
  /** The most events one export yields (default 1,000,000); the consumer asks again from the last time. */
  readonly maxEvents?: number;
}

/** The longest range one export may cover (the longest retention a deployment sets, with room). */
export const MAX_AUDIT_EXPORT_DAYS = 400;

/**
 * The records of a trail between two instants (inclusive), oldest first, each the stored JSON
 * (one JSON Lines line); a bad range is a typed failure before anything is read.
 */
export function exportAuditEvents(
  store: StoreContext,
  trail: AuditTrailId,
  range: AuditExportRange,
): Result<AsyncIterable<string>> {
  const from = range.from.getTime();
  const to = range.to.getTime();
  if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) {
    return fail('audit.invalid-time-range', 'The export range needs a start before its end.');
  }
  if (to - from > MAX_AUDIT_EXPORT_DAYS * 86_400_000) {
    return fail('audit.invalid-time-range', `An export covers at most ${MAX_AUDIT_EXPORT_DAYS} days.`);
  }
  const scope = auditScopeOf(trail);
  const pageSize = Math.min(Math.max(range.pageSize ?? 500, 1), 1000);
  const maxEvents = range.maxEvents ?? 1_000_000;
  async function* records(): AsyncGenerator<string> {
    let after: string | undefined;
    let yielded = 0;
    do {
      const page = await queryAuditEvents(store, scope, {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        limit: Math.min(pageSize, maxEvents - yielded),
        order: 'oldest-first',
        ...(after ? { after } : {}),
      });
      for (const event of page.events) {
        yield event.event;
        yielded++;
      }
      after = page.next;
    } while (after && yielded < maxEvents);
  }
  return ok({ [Symbol.asyncIterator]: records });
}
