/**
 * Virtual MFA devices: CreateVirtualMFADevice, EnableMFADevice (two consecutive codes),
 * DeactivateMFADevice, ListMFADevices, ListVirtualMFADevices, DeleteVirtualMFADevice, and the one
 * code check every MFA-protected flow uses (`verifyMfaCode`): TOTP per RFC 6238, each time step
 * accepted at most once per device, decided by a conditional write so concurrent replays lose, and
 * wrong codes counted per device with a lockout (mfa-throttle.ts) whichever flow checked them.
 * As the root, omitting UserName enables, deactivates or lists the root's own devices.
 */
import {
  generateTotpSeed,
  type SecretBox,
  totpQrCodePng,
  totpUri,
  verifyTotp,
  verifyTwoConsecutiveCodes,
} from '@palisade/credentials';
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import {
  type Caller,
  checkMarker,
  denialOf,
  listing,
  mfaSerialArn,
  type OperationTable,
  operation,
  rootArn,
} from '@palisade/principals';
import {
  type AssignedMfaDeviceRecord,
  claimMfaStep,
  deactivateMfaDevice,
  deleteVirtualMfaDevice,
  enableMfaDevice,
  getAccount,
  getAssignedMfaDevice,
  getPrincipalById,
  getVirtualMfaDevice,
  listAssignedMfaDevices,
  listVirtualMfaDevices,
  type MfaDeviceOwner,
  parseMfaSerial,
  putNewVirtualMfaDevice,
  type StoreContext,
  type VirtualMfaDeviceRecord,
} from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { paging, path, mfaSerialNumber as serialNumber, tags, userName } from './iam-inputs.ts';
import { beginMfaAttempt, mfaAttemptFailed, mfaAttemptSucceeded } from './mfa-throttle.ts';
import { resolveCredentialOwner } from './principal-lifecycle.ts';

/** IAM's limit on MFA devices per user (and for the root). */
export const MFA_DEVICES_PER_OWNER = 8;

const deviceName = z
  .string()
  .min(1, 'Member must have length greater than or equal to 1')
  .max(226, 'Member must have length less than or equal to 226')
  .regex(/^[\w+=,.@-]+$/, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
const authenticationCode = z
  .string()
  .regex(/^\d{6}$/, 'Member must satisfy regular expression pattern: [\\d]+ of length 6');

const invalidCode = (): Failure => fail('credentials.invalid-mfa', 'The MFA code is not valid.');
const lockedDevice = (): Failure =>
  fail(
    'credentials.throttled',
    'Too many wrong codes for this MFA device. Wait a while before trying again.',
  );

function sameOwner(a: MfaDeviceOwner | undefined, b: MfaDeviceOwner): boolean {
  if (!a || a.kind !== b.kind) return false;
  return a.kind === 'root' || (b.kind === 'user' && a.userId === b.userId);
}

/**
 * Accepts `code` from one enabled device if it matches a step later than the device's last used
 * one, and claims that step with a conditional write (of concurrent uses, one wins).
 */
async function acceptCode(
  store: StoreContext,
  secrets: SecretBox,
  device: AssignedMfaDeviceRecord,
  code: string,
  now: Date,
): Promise<boolean> {
  const seed = secrets.open(device.sealedSeed, device.serialNumber);
  // A seed that cannot be opened verifies nothing (fail closed).
  if (!seed.ok) return false;
  const matched = verifyTotp({ seed: seed.value, code, now, lastUsedStep: device.lastUsedStep });
  if (!matched.ok) return false;
  return claimMfaStep(store, device, matched.value.step, now.toISOString());
}

/**
 * `acceptCode` under the device's lockout: 'locked' when the device refuses every code for now
 * (the code is not even checked), else whether the code was accepted, counted as a failure if not.
 */
async function acceptCodeUnlessLocked(
  store: StoreContext,
  secrets: SecretBox,
  device: AssignedMfaDeviceRecord,
  code: string,
  now: Date,
): Promise<boolean | 'locked'> {
  const attempt = await beginMfaAttempt(store, device.serialNumber, now);
  if (!attempt) return 'locked';
  const accepted = await acceptCode(store, secrets, device, code, now);
  if (accepted) await mfaAttemptSucceeded(store, attempt);
  else await mfaAttemptFailed(store, attempt, now);
  return accepted;
}

/**
 * Checks an MFA code for the device `serialNumber` of `accountId` (for AssumeRole, GetSessionToken
 * and sign-in). The device must be enabled; its owner is returned so the caller can insist it is
 * the requesting principal's own device (pass `expectedOwner` to have it checked here).
 * `credentials.invalid-mfa` for every refusal, `credentials.throttled` while the device is locked.
 */
export async function verifyMfaCode(
  store: StoreContext,
  secrets: SecretBox,
  accountId: string,
  serial: string,
  code: string,
  now: Date,
  expectedOwner?: MfaDeviceOwner,
): Promise<Result<{ authTime: Date; owner: MfaDeviceOwner }>> {
  const parts = parseMfaSerial(serial);
  if (!parts || parts.accountId !== accountId || !/^\d{6}$/.test(code)) return invalidCode();
  const device = await getVirtualMfaDevice(store, accountId, parts.name);
  if (!device?.assignedTo || device.serialNumber !== serial) return invalidCode();
  if (expectedOwner && !sameOwner(device.assignedTo, expectedOwner)) return invalidCode();
  const assigned = await getAssignedMfaDevice(store, accountId, device.assignedTo, serial);
  if (!assigned) return invalidCode();
  const accepted = await acceptCodeUnlessLocked(store, secrets, assigned, code, now);
  if (accepted === 'locked') return lockedDevice();
  return accepted ? ok({ authTime: now, owner: device.assignedTo }) : invalidCode();
}

/** True when `owner` has at least one enabled MFA device. */
export async function hasMfaDevice(
  store: StoreContext,
  accountId: string,
  owner: MfaDeviceOwner,
): Promise<boolean> {
  return (await listAssignedMfaDevices(store, accountId, owner)).length > 0;
}

/**
 * Sign-in's check: `code` from any of the owner's enabled devices (a user types a code, not a
 * serial number); locked devices are skipped unchecked. `credentials.invalid-mfa` when no device
 * accepts it, `credentials.throttled` when every device is locked.
 */
export async function verifyOwnerMfaCode(
  store: StoreContext,
  secrets: SecretBox,
  accountId: string,
  owner: MfaDeviceOwner,
  code: string,
  now: Date,
): Promise<Result<{ authTime: Date; serialNumber: string }>> {
  if (!/^\d{6}$/.test(code)) return invalidCode();
  const devices = await listAssignedMfaDevices(store, accountId, owner);
  let locked = 0;
  for (const device of devices) {
    const accepted = await acceptCodeUnlessLocked(store, secrets, device, code, now);
    if (accepted === true) return ok({ authTime: now, serialNumber: device.serialNumber });
    if (accepted === 'locked') locked++;
  }
  return devices.length > 0 && locked === devices.length ? lockedDevice() : invalidCode();
}

/** Loads the caller's account's device named by a serial number; other accounts' devices do not exist. */
export async function deviceBySerial(
  context: IamContext,
  caller: Caller,
  serial: string,
): Promise<Result<VirtualMfaDeviceRecord>> {
  const parts = parseMfaSerial(serial);
  const device =
    parts && parts.accountId === caller.accountId
      ? await getVirtualMfaDevice(context.store, caller.accountId, parts.name)
      : undefined;
  return device && device.serialNumber === serial
    ? ok(device)
    : fail('entity.not-found', `VirtualMFADevice with serial number ${serial} doesn't exist.`);
}

/** The MFA device operations, by AWS action name. */
export function mfaDeviceOperations(context: IamContext) {
  return {
    CreateVirtualMFADevice: operation(
      z.object({ VirtualMFADeviceName: deviceName, Path: path.optional(), Tags: tags.optional() }),
      async (caller, input) => {
        const devicePath = input.Path ?? '/';
        const serial = mfaSerialArn(
          context.partition,
          caller.accountId,
          devicePath,
          input.VirtualMFADeviceName,
        );
        const denied = denialOf(
          caller,
          'iam:CreateVirtualMFADevice',
          serial,
          input.Tags ? { requestTags: input.Tags } : {},
        );
        if (denied) return denied;
        const seed = generateTotpSeed();
        const created = await putNewVirtualMfaDevice(context.store, {
          accountId: caller.accountId,
          name: input.VirtualMFADeviceName,
          path: devicePath,
          serialNumber: serial,
          sealedSeed: context.secrets.seal(seed, serial),
          createdAt: context.now().toISOString(),
          tags: input.Tags ?? [],
        });
        if (!created.ok) return created;
        const account = await getAccount(context.store, caller.accountId);
        const uri = totpUri({
          seed,
          accountAlias: account?.alias ?? caller.accountId,
          userName: input.VirtualMFADeviceName,
        });
        return ok({
          VirtualMFADevice: {
            SerialNumber: serial,
            // Blobs on the wire (base64 in XML), as IAM returns them.
            Base32StringSeed: new Uint8Array(Buffer.from(seed, 'ascii')),
            QRCodePNG: new Uint8Array(Buffer.from(await totpQrCodePng(uri), 'base64')),
            ...(input.Tags?.length ? { Tags: input.Tags } : {}),
          },
        });
      },
    ),

    EnableMFADevice: operation(
      z.object({
        UserName: userName.optional(),
        SerialNumber: serialNumber,
        AuthenticationCode1: authenticationCode,
        AuthenticationCode2: authenticationCode,
      }),
      async (caller, input) => {
        const target = await resolveCredentialOwner(context, caller, input.UserName, 'iam:EnableMFADevice');
        if (!target.ok) return target;
        const device = await deviceBySerial(context, caller, input.SerialNumber);
        if (!device.ok) return device;
        if (device.value.assignedTo) return fail('entity.already-exists', 'MFA Device is already in use.');
        const seed = context.secrets.open(device.value.sealedSeed, device.value.serialNumber);
        if (!seed.ok) return seed;
        const now = context.now();
        const attempt = await beginMfaAttempt(context.store, device.value.serialNumber, now);
        if (!attempt) return lockedDevice();
        const checked = verifyTwoConsecutiveCodes({
          seed: seed.value,
          code1: input.AuthenticationCode1,
          code2: input.AuthenticationCode2,
          now,
        });
        if (!checked.ok) {
          await mfaAttemptFailed(context.store, attempt, now);
          return fail(
            'credentials.invalid-authentication-code',
            'Authentication code for device is not valid.',
          );
        }
        await mfaAttemptSucceeded(context.store, attempt);
        const enabled = await enableMfaDevice(
          context.store,
          device.value,
          target.value.owner,
          checked.value.step,
          now.toISOString(),
          MFA_DEVICES_PER_OWNER,
        );
        return enabled.ok ? ok(undefined) : enabled;
      },
    ),

    DeactivateMFADevice: operation(
      z.object({ UserName: userName.optional(), SerialNumber: serialNumber }),
      async (caller, input) => {
        const target = await resolveCredentialOwner(
          context,
          caller,
          input.UserName,
          'iam:DeactivateMFADevice',
        );
        if (!target.ok) return target;
        const device = await deviceBySerial(context, caller, input.SerialNumber);
        if (!device.ok) return device;
        if (!sameOwner(device.value.assignedTo, target.value.owner)) {
          return fail(
            'entity.not-found',
            `MFA Device with serial number ${input.SerialNumber} cannot be found.`,
          );
        }
        const deactivated = await deactivateMfaDevice(context.store, device.value, target.value.owner);
        return deactivated.ok ? ok(undefined) : deactivated;
      },
    ),

    ListMFADevices: operation(
      z.object({ UserName: userName.optional(), ...paging }),
      async (caller, input) => {
        const target = await resolveCredentialOwner(context, caller, input.UserName, 'iam:ListMFADevices');
        if (!target.ok) return target;
        const devices = await listAssignedMfaDevices(context.store, caller.accountId, target.value.owner);
        return ok({
          MFADevices: devices.map((d) => ({
            UserName: target.value.displayName,
            SerialNumber: d.serialNumber,
            EnableDate: new Date(d.enabledAt),
          })),
          IsTruncated: false,
        });
      },
    ),

    ListVirtualMFADevices: operation(
      z.object({ AssignmentStatus: z.enum(['Assigned', 'Unassigned', 'Any']).optional(), ...paging }),
      async (caller, input) => {
        const denied = denialOf(caller, 'iam:ListVirtualMFADevices', '*');
        if (denied) return denied;
        const after = checkMarker(input.Marker, '');
        if (!after.ok) return after;
        const page = await listVirtualMfaDevices(context.store, caller.accountId, {
          limit: input.MaxItems ?? 100,
          ...(after.value ? { after: after.value } : {}),
        });
        const status = input.AssignmentStatus ?? 'Any';
        const wanted = page.items.filter(
          (d) => status === 'Any' || (status === 'Assigned') === (d.assignedTo !== undefined),
        );
        const shaped = await Promise.all(wanted.map((d) => virtualDeviceShape(context, d)));
        return ok(listing('VirtualMFADevices', shaped, page.next));
      },
    ),

    DeleteVirtualMFADevice: operation(z.object({ SerialNumber: serialNumber }), async (caller, input) => {
      // Read before authorizing so the device's tags are context; a denial still comes first.
      const device = await deviceBySerial(context, caller, input.SerialNumber);
      const denied = denialOf(
        caller,
        'iam:DeleteVirtualMFADevice',
        input.SerialNumber,
        device.ok ? { resourceTags: device.value.tags } : {},
      );
      if (denied) return denied;
      if (!device.ok) return device;
      if (device.value.assignedTo) {
        return fail('entity.delete-conflict', 'MFA device is in use; deactivate it before deleting it.');
      }
      const deleted = await deleteVirtualMfaDevice(context.store, device.value);
      return deleted.ok ? ok(undefined) : deleted;
    }),
  } satisfies OperationTable;
}

/** IAM's VirtualMFADevice structure (never the seed or QR code after creation). */
async function virtualDeviceShape(context: IamContext, device: VirtualMfaDeviceRecord) {
  const owner = device.assignedTo;
  let user: Record<string, unknown> | undefined;
  if (owner?.kind === 'root') {
    user = {
      Path: '/',
      UserName: device.accountId,
      UserId: device.accountId,
      Arn: rootArn(context.partition, device.accountId),
      CreateDate: new Date(0),
    };
  } else if (owner?.kind === 'user') {
    const record = await getPrincipalById(context.store, device.accountId, 'user', owner.userId);
    if (record) {
      user = {
        Path: record.path,
        UserName: record.name,
        UserId: record.id,
        Arn: record.arn,
        CreateDate: new Date(record.createdAt),
      };
    }
  }
  return {
    SerialNumber: device.serialNumber,
    ...(user ? { User: user } : {}),
    ...(device.enabledAt ? { EnableDate: new Date(device.enabledAt) } : {}),
    ...(device.tags.length > 0 ? { Tags: device.tags } : {}),
  };
}
