/**
 * Access keys of users and of the root: CreateAccessKey (the secret is returned once and stored
 * only sealed), ListAccessKeys, UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed.
 */
import { generateAccessKeyId, generateSecretAccessKey, isAccessKeyId } from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import {
  denialOf,
  listing,
  type OperationTable,
  operation,
  pageInMemory,
  rootArn,
} from '@palisade/principals';
import {
  type AccessKeyOwner,
  type AccessKeyRecord,
  deleteAccessKey,
  getAccessKey,
  getPrincipalById,
  listAccessKeys,
  putNewAccessKey,
  setAccessKeyStatus,
  setAuditResponseElements,
} from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { accessKeyId, paging, userName } from './iam-inputs.ts';
import { loadAuthorized, resolveCredentialOwner } from './principal-lifecycle.ts';

/** A freshly created key: the only moment its secret is known in plain text. */
export interface CreatedAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly createdAt: string;
}

/** Creates and stores a key for an owner; the secret is sealed under the master key, bound to the key id. */
export async function issueAccessKey(
  context: IamContext,
  accountId: string,
  owner: AccessKeyOwner,
): Promise<Result<CreatedAccessKey>> {
  const id = generateAccessKeyId('long-term');
  const secret = generateSecretAccessKey();
  const createdAt = context.now().toISOString();
  // The call's audit event shows the key as AWS does: its id, never its secret.
  setAuditResponseElements({ accessKey: { accessKeyId: id, status: 'Active', createDate: createdAt } });
  const stored = await putNewAccessKey(
    context.store,
    {
      accessKeyId: id,
      accountId,
      owner,
      status: 'Active',
      encryptedSecret: context.secrets.seal(secret, id),
      createdAt,
    },
    context.quotas.accessKeysPerUser,
  );
  return stored.ok ? ok({ accessKeyId: id, secretAccessKey: secret, createdAt }) : stored;
}

/** The key with this id; an id Palisade never issues (AWS's pattern is looser) is simply not found. */
async function findAccessKey(context: IamContext, id: string): Promise<AccessKeyRecord | undefined> {
  return isAccessKeyId(id) ? getAccessKey(context.store, id) : undefined;
}

/** Loads a key only if it belongs to `owner` in the caller's account (others' keys do not exist). */
async function ownedKey(
  context: IamContext,
  accountId: string,
  owner: AccessKeyOwner,
  id: string,
): Promise<Result<AccessKeyRecord>> {
  const key = await findAccessKey(context, id);
  const sameOwner =
    key !== undefined &&
    key.accountId === accountId &&
    key.owner.kind === owner.kind &&
    (owner.kind === 'root' || (key.owner.kind === 'user' && key.owner.userId === owner.userId));
  return sameOwner ? ok(key) : fail('entity.not-found', `The Access Key with id ${id} cannot be found.`);
}

/** The access-key operations, by AWS action name. */
export function accessKeyOperations(context: IamContext) {
  return {
    CreateAccessKey: operation(z.object({ UserName: userName.optional() }), async (caller, input) => {
      const target = await resolveCredentialOwner(context, caller, input.UserName, 'iam:CreateAccessKey');
      if (!target.ok) return target;
      const created = await issueAccessKey(context, caller.accountId, target.value.owner);
      if (!created.ok) return created;
      return ok({
        AccessKey: {
          UserName: target.value.displayName,
          AccessKeyId: created.value.accessKeyId,
          Status: 'Active',
          SecretAccessKey: created.value.secretAccessKey,
          CreateDate: new Date(created.value.createdAt),
        },
      });
    }),

    ListAccessKeys: operation(
      z.object({ UserName: userName.optional(), ...paging }),
      async (caller, input) => {
        const target = await resolveCredentialOwner(context, caller, input.UserName, 'iam:ListAccessKeys');
        if (!target.ok) return target;
        const keys = await listAccessKeys(context.store, caller.accountId, target.value.owner);
        // At most accessKeysPerUser keys: paged in memory.
        const page = pageInMemory(keys, (k) => k.accessKeyId, input.Marker, input.MaxItems);
        if (!page.ok) return page;
        return ok(
          listing(
            'AccessKeyMetadata',
            page.value.items.map((k) => ({
              UserName: target.value.displayName,
              AccessKeyId: k.accessKeyId,
              Status: k.status,
              CreateDate: new Date(k.createdAt),
            })),
            page.value.next,
          ),
        );
      },
    ),

    UpdateAccessKey: operation(
      z.object({
        UserName: userName.optional(),
        AccessKeyId: accessKeyId,
        Status: z.enum(['Active', 'Inactive']),
      }),
      async (caller, input) => {
        const target = await resolveCredentialOwner(context, caller, input.UserName, 'iam:UpdateAccessKey');
        if (!target.ok) return target;
        const key = await ownedKey(context, caller.accountId, target.value.owner, input.AccessKeyId);
        if (!key.ok) return key;
        const updated = await setAccessKeyStatus(context.store, key.value, input.Status);
        return updated.ok ? ok(undefined) : updated;
      },
    ),

    DeleteAccessKey: operation(
      z.object({ UserName: userName.optional(), AccessKeyId: accessKeyId }),
      async (caller, input) => {
        const target = await resolveCredentialOwner(context, caller, input.UserName, 'iam:DeleteAccessKey');
        if (!target.ok) return target;
        const key = await ownedKey(context, caller.accountId, target.value.owner, input.AccessKeyId);
        if (!key.ok) return key;
        const deleted = await deleteAccessKey(context.store, key.value);
        return deleted.ok ? ok(undefined) : deleted;
      },
    ),

    GetAccessKeyLastUsed: operation(z.object({ AccessKeyId: accessKeyId }), async (caller, input) => {
      const key = await findAccessKey(context, input.AccessKeyId);
      // INVARIANT: another account's key is indistinguishable from a missing one.
      if (!key || key.accountId !== caller.accountId) {
        return fail('entity.not-found', `The Access Key with id ${input.AccessKeyId} cannot be found.`);
      }
      // Keys name their owner by id: the user's record gives the name to authorize on and answer with.
      const owner =
        key.owner.kind === 'user'
          ? ((await getPrincipalById(context.store, key.accountId, 'user', key.owner.userId))?.name ?? '')
          : undefined;
      const resource = owner
        ? await loadAuthorized(context, caller, 'user', owner, 'iam:GetAccessKeyLastUsed')
        : (denialOf(caller, 'iam:GetAccessKeyLastUsed', rootArn(context.partition, caller.accountId)) ??
          ok(undefined));
      if (!resource.ok) return resource;
      return ok({
        UserName: owner ?? caller.accountId,
        AccessKeyLastUsed: {
          ...(key.lastUsedAt ? { LastUsedDate: new Date(key.lastUsedAt) } : {}),
          ServiceName: key.lastUsedService ?? 'N/A',
          Region: key.lastUsedRegion ?? 'N/A',
        },
      });
    }),
  } satisfies OperationTable;
}
