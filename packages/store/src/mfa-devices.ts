/**
 * Virtual MFA devices. A device is created unassigned at account level (its item holds the sealed
 * seed, listed on GSI1); enabling it for a user (or the root) writes, in one transaction, the
 * assignment onto the device item, the device's item in the owner's partition (sk `MFA#<serial>`,
 * with the sealed seed and the last used TOTP step) and the owner's `counters.mfaDevices`.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import {
  assignedMfaDeviceKey,
  type CredentialOwnerKey,
  credentialOwnerPartition,
  credentialOwnerRecordKey,
  mfaAssignmentPrefix,
  parseMfaSerial,
  virtualMfaDeviceKey,
  virtualMfaListKey,
  virtualMfaListPartition,
} from './keys.ts';
import type { Tag } from './principals.ts';
import { transact, updateIfCondition } from './transactions.ts';

/** Who an MFA device is enabled for. */
export type MfaDeviceOwner = CredentialOwnerKey;

/** A virtual MFA device as stored at account level. */
export interface VirtualMfaDeviceRecord {
  readonly accountId: string;
  readonly name: string;
  readonly path: string;
  readonly serialNumber: string;
  /** The base32 seed sealed by the secret box with owner = serial number. */
  readonly sealedSeed: string;
  readonly createdAt: string;
  readonly assignedTo?: MfaDeviceOwner;
  readonly enabledAt?: string;
  readonly tags: readonly Tag[];
  /** Moves with every change of the tags (resource-tags.ts); absent until the first. */
  readonly tagRevision?: number;
}

/** An enabled device in its owner's partition. */
export interface AssignedMfaDeviceRecord {
  readonly accountId: string;
  readonly owner: MfaDeviceOwner;
  readonly serialNumber: string;
  readonly sealedSeed: string;
  readonly enabledAt: string;
  /** The last TOTP step accepted; a code at or before it is refused. */
  readonly lastUsedStep: number;
}

/** Creates an unassigned virtual device if the name is free in the account. */
export async function putNewVirtualMfaDevice(
  context: StoreContext,
  device: Omit<VirtualMfaDeviceRecord, 'assignedTo' | 'enabledAt' | 'tagRevision'>,
): Promise<Result<VirtualMfaDeviceRecord>> {
  const written = await transact(context, [
    {
      write: {
        Put: {
          Item: {
            ...virtualMfaDeviceKey(device.accountId, device.name),
            ...virtualMfaListKey(device.accountId, device.name),
            entity: 'virtual-mfa-device',
            ...device,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail(
        'entity.already-exists',
        'MFADevice entity at the same path and name already exists.',
      ),
    },
  ]);
  return written.ok ? ok(device) : written;
}

/** Reads a virtual device by name (case-insensitive), strongly consistent. */
export async function getVirtualMfaDevice(
  context: StoreContext,
  accountId: string,
  name: string,
): Promise<VirtualMfaDeviceRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: virtualMfaDeviceKey(accountId, name),
      ConsistentRead: true,
    }),
  );
  return result.Item ? toVirtualMfaDevice(result.Item) : undefined;
}

/** Lists an account's virtual devices in name order, a page at a time. */
export async function listVirtualMfaDevices(
  context: StoreContext,
  accountId: string,
  page: { limit: number; after?: string },
): Promise<{ items: VirtualMfaDeviceRecord[]; next?: string }> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: page.after ? 'gsi1pk = :p AND gsi1sk > :after' : 'gsi1pk = :p',
      ExpressionAttributeValues: {
        ':p': virtualMfaListPartition(accountId),
        ...(page.after ? { ':after': page.after } : {}),
      },
      Limit: page.limit,
    }),
  );
  const items = (result.Items ?? []).map(toVirtualMfaDevice);
  const last = result.Items?.at(-1);
  return result.LastEvaluatedKey && last ? { items, next: String(last.gsi1sk) } : { items };
}

/**
 * Enables an unassigned device for `owner`, with `lastUsedStep` the step of the enrolment's second
 * code (so neither enrolment code can sign in). At most `maxPerOwner` devices per owner.
 */
export async function enableMfaDevice(
  context: StoreContext,
  device: VirtualMfaDeviceRecord,
  owner: MfaDeviceOwner,
  lastUsedStep: number,
  enabledAt: string,
  maxPerOwner: number,
): Promise<Result<AssignedMfaDeviceRecord>> {
  const assigned: AssignedMfaDeviceRecord = {
    accountId: device.accountId,
    owner,
    serialNumber: device.serialNumber,
    sealedSeed: device.sealedSeed,
    enabledAt,
    lastUsedStep,
  };
  const written = await transact(context, [
    {
      write: {
        Update: {
          Key: virtualMfaDeviceKey(device.accountId, device.name),
          UpdateExpression: 'SET assignedTo = :owner, enabledAt = :at',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(assignedTo) AND serialNumber = :serial',
          ExpressionAttributeValues: { ':owner': owner, ':at': enabledAt, ':serial': device.serialNumber },
        },
      },
      onConditionFailed: fail('entity.already-exists', 'MFA Device is already in use.'),
    },
    {
      write: {
        Put: {
          Item: {
            ...assignedMfaDeviceKey(device.accountId, owner, device.serialNumber),
            entity: 'mfa-device',
            ...assigned,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.already-exists', 'MFA Device is already in use.'),
    },
    {
      write: {
        Update: {
          Key: credentialOwnerRecordKey(device.accountId, owner),
          UpdateExpression: 'SET counters.mfaDevices = if_not_exists(counters.mfaDevices, :zero) + :one',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(counters.mfaDevices) OR counters.mfaDevices < :max)',
          ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':max': maxPerOwner },
        },
      },
      onConditionFailed: fail(
        'quota.exceeded',
        `Cannot exceed quota for MFADevicesPerUser: ${maxPerOwner}, or the user no longer exists.`,
      ),
    },
  ]);
  return written.ok ? ok(assigned) : written;
}

/** Deactivates an enabled device: it becomes unassigned again and the owner's counter drops. */
export async function deactivateMfaDevice(
  context: StoreContext,
  device: VirtualMfaDeviceRecord,
  owner: MfaDeviceOwner,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Delete: {
          Key: assignedMfaDeviceKey(device.accountId, owner, device.serialNumber),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: fail(
        'entity.not-found',
        `MFA Device with serial number ${device.serialNumber} cannot be found.`,
      ),
    },
    {
      write: {
        Update: {
          Key: virtualMfaDeviceKey(device.accountId, device.name),
          UpdateExpression: 'REMOVE assignedTo, enabledAt',
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: fail(
        'entity.not-found',
        `MFA Device with serial number ${device.serialNumber} cannot be found.`,
      ),
    },
    {
      write: {
        Update: {
          Key: credentialOwnerRecordKey(device.accountId, owner),
          UpdateExpression: 'SET counters.mfaDevices = counters.mfaDevices - :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
    },
  ]);
}

/**
 * Deactivates an owner's enabled device and deletes its virtual device in one transaction, as the
 * console does when it deletes a user (a left-over unassigned device would block a re-created
 * user's device of the same name). The owner's counter drops with it; a virtual device already
 * gone (or replaced under the same name) is left alone.
 */
export async function removeMfaDevice(
  context: StoreContext,
  accountId: string,
  owner: MfaDeviceOwner,
  serialNumber: string,
): Promise<Result<void>> {
  const device = parseMfaSerial(serialNumber);
  const gone = fail('entity.not-found', `MFA Device with serial number ${serialNumber} cannot be found.`);
  if (!device || device.accountId !== accountId) return gone;
  const virtual = await getVirtualMfaDevice(context, accountId, device.name);
  const ours = virtual?.serialNumber === serialNumber;
  return transact(context, [
    {
      write: {
        Delete: {
          Key: assignedMfaDeviceKey(accountId, owner, serialNumber),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: gone,
    },
    ...(ours
      ? [
          {
            write: {
              Delete: {
                Key: virtualMfaDeviceKey(accountId, device.name),
                // INVARIANT: only the device this assignment names goes (never a namesake).
                ConditionExpression: 'serialNumber = :serial',
                ExpressionAttributeValues: { ':serial': serialNumber },
              },
            },
            onConditionFailed: fail(
              'entity.concurrent-modification',
              `MFA device ${device.name} changed meanwhile; retry.`,
            ),
          },
        ]
      : []),
    {
      write: {
        Update: {
          Key: credentialOwnerRecordKey(accountId, owner),
          UpdateExpression: 'SET counters.mfaDevices = counters.mfaDevices - :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
    },
  ]);
}

/** Deletes an unassigned virtual device; DeleteConflict while it is enabled for someone. */
export async function deleteVirtualMfaDevice(
  context: StoreContext,
  device: VirtualMfaDeviceRecord,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Delete: {
          Key: virtualMfaDeviceKey(device.accountId, device.name),
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(assignedTo)',
        },
      },
      onConditionFailed: fail(
        'entity.delete-conflict',
        'MFA device is in use; deactivate it before deleting it (or it no longer exists).',
      ),
    },
  ]);
}

/** Reads an enabled device in its owner's partition (strongly consistent). */
export async function getAssignedMfaDevice(
  context: StoreContext,
  accountId: string,
  owner: MfaDeviceOwner,
  serialNumber: string,
): Promise<AssignedMfaDeviceRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: assignedMfaDeviceKey(accountId, owner, serialNumber),
      ConsistentRead: true,
    }),
  );
  return result.Item ? toAssignedMfaDevice(result.Item) : undefined;
}

/** Every device enabled for an owner. */
export async function listAssignedMfaDevices(
  context: StoreContext,
  accountId: string,
  owner: MfaDeviceOwner,
): Promise<AssignedMfaDeviceRecord[]> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': credentialOwnerPartition(accountId, owner),
        ':prefix': mfaAssignmentPrefix,
      },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map(toAssignedMfaDevice);
}

/**
 * Records `step` as the device's last used step only if it is later than the stored one, so a code
 * is accepted once even when two requests present it at the same moment. False when it was not.
 */
export async function claimMfaStep(
  context: StoreContext,
  device: AssignedMfaDeviceRecord,
  step: number,
  at: string,
): Promise<boolean> {
  return updateIfCondition(context, {
    Key: assignedMfaDeviceKey(device.accountId, device.owner, device.serialNumber),
    UpdateExpression: 'SET lastUsedStep = :step, lastUsedAt = :at',
    ConditionExpression: 'attribute_exists(pk) AND lastUsedStep < :step',
    ExpressionAttributeValues: { ':step': step, ':at': at },
  });
}

/**
 * ResyncMFADevice: records `step` (the second code's) as the device's last used step, only if it is
 * later than the stored one, so a resync can never make spent codes valid again.
 */
export async function resyncMfaDevice(
  context: StoreContext,
  device: AssignedMfaDeviceRecord,
  step: number,
  at: string,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Update: {
          Key: assignedMfaDeviceKey(device.accountId, device.owner, device.serialNumber),
          UpdateExpression: 'SET lastUsedStep = :step, lastUsedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND lastUsedStep < :step',
          ExpressionAttributeValues: { ':step': step, ':at': at },
        },
      },
      onConditionFailed: fail(
        'credentials.invalid-authentication-code',
        'Authentication code for device is not valid.',
      ),
    },
  ]);
}

/** Converts a stored item into a virtual device record. */
export function toVirtualMfaDevice(item: Record<string, unknown>): VirtualMfaDeviceRecord {
  return {
    accountId: String(item.accountId),
    name: String(item.name),
    path: String(item.path),
    serialNumber: String(item.serialNumber),
    sealedSeed: String(item.sealedSeed),
    createdAt: String(item.createdAt),
    ...(item.assignedTo ? { assignedTo: item.assignedTo as MfaDeviceOwner } : {}),
    ...(typeof item.enabledAt === 'string' ? { enabledAt: item.enabledAt } : {}),
    tags: (item.tags as Tag[] | undefined) ?? [],
    ...(typeof item.tagRevision === 'number' ? { tagRevision: item.tagRevision } : {}),
  };
}

/** Converts a stored item into an enabled device record. */
export function toAssignedMfaDevice(item: Record<string, unknown>): AssignedMfaDeviceRecord {
  return {
    accountId: String(item.accountId),
    owner: item.owner as MfaDeviceOwner,
    serialNumber: String(item.serialNumber),
    sealedSeed: String(item.sealedSeed),
    enabledAt: String(item.enabledAt),
    lastUsedStep: Number(item.lastUsedStep),
  };
}
