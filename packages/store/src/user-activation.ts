/**
 * A user's activation flag: one attribute on its record (and the name item's copy), so
 * deactivating touches two items whatever the user holds, and reactivating restores exactly what
 * was there (keys keep their own status, the password its hash). Authentication reads the flag
 * with the record it already loads; the version bump makes remembered credentials revalidate.
 */
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { type PrincipalRecord, recordUpdateWrites } from './principals.ts';
import { transact } from './transactions.ts';

/** Sets a user's `active` flag if the record still has `current.version` (entity.concurrent-modification otherwise). */
export async function setUserActiveFlag(
  context: StoreContext,
  current: PrincipalRecord,
  active: boolean,
): Promise<Result<PrincipalRecord>> {
  if (current.kind !== 'user') return fail('request.invalid', 'Only users can be deactivated.');
  const written = await transact(
    context,
    recordUpdateWrites(
      { accountId: current.accountId, kind: 'USER', id: current.id, name: current.name },
      {
        set: ['active = :active', 'version = version + :one'],
        condition: 'attribute_exists(pk) AND version = :expected',
        values: { ':active': active, ':one': 1, ':expected': current.version },
      },
      fail('entity.concurrent-modification', `User ${current.name} changed meanwhile; retry.`),
    ),
  );
  return written.ok ? ok({ ...current, active, version: current.version + 1 }) : written;
}
