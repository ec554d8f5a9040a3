/** Which trail a service call reads: an account's (12-digit id) or the platform's (`platform`). */
import { type AuditScope, isAccountId } from '@palisade/store';

/** An account id, or `platform` for the operator's own trail (account creation, suspension, …). */
export type AuditTrailId = string;

/** The store's scope of a trail id; throws for anything else, as callers pass authenticated ids only. */
export function auditScopeOf(trail: AuditTrailId): AuditScope {
  if (trail === 'platform') return 'platform';
  if (!isAccountId(trail)) throw new Error(`invalid audit trail ${JSON.stringify(trail)}`);
  return { accountId: trail };
}
