/**
 * The sealer as a change consumer: the trails a batch of change records filed events in are
 * sealed, so the chain follows the stream within one delivery (locally `npm start`'s stream reader,
 * in AWS the stream subscriber function). A throw makes the stream deliver the batch again.
 */
import type { ChangeConsumer, ChangeRecord, StoreContext } from '@palisade/store';
import { sealAuditTrail } from './chain.ts';
import type { AuditTrailId } from './trail.ts';

const ACCOUNT_PARTITION = /^ACCT#(\d{12})(?:#|$)/;
const ACCOUNT_ID = /^\d{12}$/;

/**
 * The trails a change may have filed its call's event in: the accounts its items belong to, the
 * caller's account, and the platform's for the operator (as change-records.ts's auditScopesOf).
 */
export function auditTrailsOfChange(record: ChangeRecord): AuditTrailId[] {
  const trails = new Set<AuditTrailId>();
  if (ACCOUNT_ID.test(record.accountId)) trails.add(record.accountId);
  for (const item of record.items) {
    const account = ACCOUNT_PARTITION.exec(item.key.pk)?.[1];
    if (account) trails.add(account);
  }
  const caller = record.origin.principal?.accountId;
  if (caller && ACCOUNT_ID.test(caller)) trails.add(caller);
  if (record.origin.via === 'operator' || trails.size === 0) trails.add('platform');
  return [...trails];
}

/** A change consumer that seals every trail a batch of changes touched, one trail at a time. */
export function sealChangedTrails(store: StoreContext): ChangeConsumer {
  return async function sealAuditTrails(records) {
    const trails = new Set(records.flatMap(auditTrailsOfChange));
    for (const trail of trails) await sealAuditTrail(store, trail);
  };
}
