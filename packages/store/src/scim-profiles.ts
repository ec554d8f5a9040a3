/**
 * The SCIM attributes of a user or group that IAM has no field for (externalId, name, emails,
 * active, the enterprise extension, a group's display name): one item in the entity's own id
 * partition, versioned for SCIM's ETags, written only while the entity exists.
 */
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { scimProfileKey } from './keys.ts';
import { batchGetItems, type PrincipalKind, principalKey } from './principals.ts';
import { transact } from './transactions.ts';

/** The entity kinds SCIM provisions. */
export type ScimEntityKind = Extract<PrincipalKind, 'user' | 'group'>;

/** A user's or group's SCIM attributes as stored. */
export interface ScimProfileRecord {
  readonly accountId: string;
  readonly kind: ScimEntityKind;
  /** The IAM user's or group's immutable id (AIDA…/AGPA…), which is also its SCIM id. */
  readonly id: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly lastModified: string;
  readonly version: number;
}

const KIND_KEY = { user: 'USER', group: 'GROUP' } as const;

function toProfile(item: Record<string, unknown>): ScimProfileRecord {
  return {
    accountId: String(item.accountId),
    kind: item.kind === 'group' ? 'group' : 'user',
    id: String(item.id),
    attributes: (item.attributes ?? {}) as Record<string, unknown>,
    createdAt: String(item.createdAt),
    lastModified: String(item.lastModified),
    version: Number(item.version),
  };
}

/** The SCIM profiles of entities by id (BatchGet), keyed by id; entities without one are absent. */
export async function getScimProfiles(
  context: StoreContext,
  accountId: string,
  kind: ScimEntityKind,
  ids: readonly string[],
): Promise<Map<string, ScimProfileRecord>> {
  const keys = [...new Set(ids)].map((id) => scimProfileKey(accountId, KIND_KEY[kind], id));
  const items = await batchGetItems(context, keys, 4);
  return new Map(items.map((item) => [String(item.id), toProfile(item)]));
}

/**
 * Writes an entity's SCIM attributes if the profile still has `expectedVersion` (absent: it must
 * not exist yet) and the entity itself still exists; one transaction, so it carries its change record.
 */
export async function putScimProfile(
  context: StoreContext,
  profile: Omit<ScimProfileRecord, 'version'>,
  expectedVersion: number | undefined,
): Promise<Result<ScimProfileRecord>> {
  const { accountId, kind, id } = profile;
  const version = (expectedVersion ?? 0) + 1;
  const written = await transact(context, [
    {
      write: {
        Put: {
          Item: {
            ...scimProfileKey(accountId, KIND_KEY[kind], id),
            entity: 'scim-profile',
            ...profile,
            version,
          },
          ConditionExpression:
            expectedVersion === undefined ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(expectedVersion === undefined
            ? {}
            : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
        },
      },
      onConditionFailed: fail('entity.concurrent-modification', 'The resource changed meanwhile; retry.'),
    },
    {
      write: {
        ConditionCheck: {
          Key: principalKey(accountId, kind, id),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: fail('entity.not-found', `The ${kind} ${id} does not exist.`),
    },
  ]);
  return written.ok ? ok({ ...profile, version }) : written;
}

/** Deletes an entity's SCIM attributes (nothing to delete is fine). */
export function deleteScimProfile(
  context: StoreContext,
  accountId: string,
  kind: ScimEntityKind,
  id: string,
): Promise<Result<void>> {
  return transact(context, [{ write: { Delete: { Key: scimProfileKey(accountId, KIND_KEY[kind], id) } } }]);
}
