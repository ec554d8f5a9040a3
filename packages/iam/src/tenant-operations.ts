/**
 * The operator manages accounts but belongs to none: IAM's operations act inside a tenant account
 * and refuse it.
 */
import { fail } from '@palisade/failures';
import type { Caller, OperationTable } from '@palisade/principals';

/**
 * The operations of a table that act inside the caller's account, refused to the operator: it
 * manages accounts but belongs to none, so no lookup is ever keyed by its placeholder account.
 */
export function tenantOperations<T extends OperationTable>(table: T): T {
  return Object.fromEntries(
    Object.entries(table).map(([action, handler]) => {
      const guarded = async (caller: Caller, input: unknown) =>
        caller.kind === 'operator'
          ? fail(
              'access.denied',
              `The operator has no account: iam:${action} acts inside a tenant account, with that account's credentials.`,
            )
          : handler(caller, input);
      return [action, Object.assign(guarded, { schema: handler.schema })];
    }),
  ) as T;
}
