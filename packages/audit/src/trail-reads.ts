/**
 * Who may read which trail, and the reads behind every interface (CloudTrail's LookupEvents, the
 * REST lookup, export and verify): a tenant reads its own account's trail when its policies allow
 * `cloudtrail:LookupEvents` on `*`; the operator reads any account's and the platform's own. The
 * account is always the credentials', never the request's alone.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { type Caller, denialOf } from '@palisade/principals';
import { isAccountId, type StoreContext } from '@palisade/store';
import { type AuditVerifyOptions, type AuditVerifyReport, verifyAuditTrail } from './chain.ts';
import { type AuditExportRange, exportAuditEvents } from './export.ts';
import { type AuditLookupPage, type AuditLookupQuery, lookupAuditEvents } from './lookup.ts';
import type { AuditTrailId } from './trail.ts';

/** CloudTrail's action for reading events: what every read of a trail is authorized as. */
export const LOOKUP_EVENTS_ACTION = 'cloudtrail:LookupEvents';

/** The trail id of the operator's own events. */
export const PLATFORM_TRAIL: AuditTrailId = 'platform';

/**
 * The trail `caller` reads when it names `requested` (absent: its own; the operator's own is the
 * platform's): AccessDenied for a tenant its policies refuse or that names another account.
 */
export function readableTrail(caller: Caller, requested?: string): Result<AuditTrailId> {
  if (caller.kind === 'operator') {
    if (requested === undefined || requested === PLATFORM_TRAIL) return ok(PLATFORM_TRAIL);
    return isAccountId(requested)
      ? ok(requested)
      : fail('request.invalid', 'accountId must be a 12-digit account id or "platform".');
  }
  const denied = denialOf(caller, LOOKUP_EVENTS_ACTION, '*');
  if (denied) return denied;
  if (requested !== undefined && requested !== caller.accountId) {
    return fail(
      'access.denied',
      `User: ${caller.arn} is not authorized to read the audit trail of ${JSON.stringify(requested.slice(0, 64))}: a tenant reads only its own account's trail`,
    );
  }
  return ok(caller.accountId);
}

/** The reads of the audit trail as a caller makes them, each authorized by `readableTrail`. */
export interface AuditReads {
  /** One page of LookupEvents. */
  lookup(caller: Caller, query: AuditLookupQuery, trail?: string): Promise<Result<AuditLookupPage>>;
  /** The records of a range, oldest first, read page by page (JSON Lines, one record a line). */
  export(caller: Caller, range: AuditExportRange, trail?: string): Result<AsyncIterable<string>>;
  /** Checks a range against the integrity chain (sealing what is unsealed first). */
  verify(
    caller: Caller,
    range: { readonly from: Date; readonly to: Date },
    trail?: string,
    options?: AuditVerifyOptions,
  ): Promise<Result<AuditVerifyReport>>;
}

/** The reads of the audit trail over a store. */
export function auditReads(store: StoreContext): AuditReads {
  return {
    async lookup(caller, query, trail) {
      const readable = readableTrail(caller, trail);
      return readable.ok ? lookupAuditEvents(store, readable.value, query) : readable;
    },
    export(caller, range, trail) {
      const readable = readableTrail(caller, trail);
      return readable.ok ? exportAuditEvents(store, readable.value, range) : readable;
    },
    async verify(caller, range, trail, options) {
      const readable = readableTrail(caller, trail);
      return readable.ok ? verifyAuditTrail(store, readable.value, range.from, range.to, options) : readable;
    },
  };
}
