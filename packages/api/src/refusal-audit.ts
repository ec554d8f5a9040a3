/**
 * Audit events of refused calls: a call that changed nothing because it was refused (AccessDenied,
 * a failed sign-in) files its event best-effort after its answer is computed, never awaited by it.
 */
import type { AuditDetails } from '@palisade/audit';
import type { MiddlewareHandler } from 'hono';

/** Files the current call's event with `outcome` added (the store's recordUnchangedCall); never rejects. */
export type RecordRefusal = (outcome: Partial<AuditDetails>) => Promise<boolean>;

declare module 'hono' {
  interface ContextVariableMap {
    recordRefusal?: RecordRefusal;
  }
}

/** Makes `record` available to the interfaces' runAsChange for the request. */
export function refusalAudit(record: RecordRefusal): MiddlewareHandler {
  // Not async: nothing to do after the request (see clientAddress).
  return function refusalAudit(c, next) {
    c.set('recordRefusal', record);
    return next();
  };
}
