/**
 * GetMFADevice (an enabled device of a user, or of the root) and ResyncMFADevice (two consecutive
 * codes bring the device's last used step forward; wrong codes count towards the device's lockout
 * exactly as at sign-in, so a resync cannot be used to guess codes faster).
 */
import { verifyTwoConsecutiveCodes } from '@palisade/credentials';
import { type Failure, fail, ok } from '@palisade/failures';
import { type OperationTable, operation } from '@palisade/principals';
import { getAssignedMfaDevice, type MfaDeviceOwner, resyncMfaDevice } from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { mfaSerialNumber, userName } from './iam-inputs.ts';
import { deviceBySerial } from './mfa-devices.ts';
import { beginMfaAttempt, mfaAttemptFailed, mfaAttemptSucceeded } from './mfa-throttle.ts';
import { loadAuthorized, resolveCredentialOwner } from './principal-lifecycle.ts';

const authenticationCode = z
  .string()
  .regex(/^\d{6}$/, 'Member must satisfy regular expression pattern: [\\d]+ of length 6');

const notAssigned = (serial: string): Failure =>
  fail('entity.not-found', `MFA Device with serial number ${serial} cannot be found.`);

function isOwner(assignedTo: MfaDeviceOwner | undefined, owner: MfaDeviceOwner): boolean {
  if (assignedTo?.kind !== owner.kind) return false;
  return owner.kind === 'root' || (assignedTo.kind === 'user' && assignedTo.userId === owner.userId);
}

/** The GetMFADevice and ResyncMFADevice operations, by AWS action name. */
export function mfaDeviceSyncOperations(context: IamContext) {
  return {
    GetMFADevice: operation(
      z.object({ SerialNumber: mfaSerialNumber, UserName: userName.optional() }),
      async (caller, input) => {
        const target = await resolveCredentialOwner(context, caller, input.UserName, 'iam:GetMFADevice');
        if (!target.ok) return target;
        const device = await deviceBySerial(context, caller, input.SerialNumber);
        if (!device.ok || !isOwner(device.value.assignedTo, target.value.owner) || !device.value.enabledAt) {
          return notAssigned(input.SerialNumber);
        }
        return ok({
          UserName: target.value.displayName,
          SerialNumber: device.value.serialNumber,
          EnableDate: new Date(device.value.enabledAt),
        });
      },
    ),

    ResyncMFADevice: operation(
      z.object({
        UserName: userName,
        SerialNumber: mfaSerialNumber,
        AuthenticationCode1: authenticationCode,
        AuthenticationCode2: authenticationCode,
      }),
      async (caller, input) => {
        const user = await loadAuthorized(context, caller, 'user', input.UserName, 'iam:ResyncMFADevice');
        if (!user.ok) return user;
        const owner: MfaDeviceOwner = { kind: 'user', userId: user.value.id };
        const device = await deviceBySerial(context, caller, input.SerialNumber);
        if (!device.ok || !isOwner(device.value.assignedTo, owner)) return notAssigned(input.SerialNumber);
        const assigned = await getAssignedMfaDevice(
          context.store,
          caller.accountId,
          owner,
          input.SerialNumber,
        );
        if (!assigned) return notAssigned(input.SerialNumber);
        const seed = context.secrets.open(assigned.sealedSeed, assigned.serialNumber);
        if (!seed.ok) return seed;
        const now = context.now();
        const attempt = await beginMfaAttempt(context.store, assigned.serialNumber, now);
        if (!attempt) {
          return fail(
            'credentials.throttled',
            'Too many wrong codes for this MFA device. Wait a while before trying again.',
          );
        }
        const checked = verifyTwoConsecutiveCodes({
          seed: seed.value,
          code1: input.AuthenticationCode1,
          code2: input.AuthenticationCode2,
          now,
        });
        // INVARIANT: a code at or before the last used step was spent; a resync never revives it.
        if (!checked.ok || checked.value.step <= assigned.lastUsedStep) {
          await mfaAttemptFailed(context.store, attempt, now);
          return fail(
            'credentials.invalid-authentication-code',
            'Authentication code for device is not valid.',
          );
        }
        await mfaAttemptSucceeded(context.store, attempt);
        const synced = await resyncMfaDevice(context.store, assigned, checked.value.step, now.toISOString());
        return synced.ok ? ok(undefined) : synced;
      },
    ),
  } satisfies OperationTable;
}
