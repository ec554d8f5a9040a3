/**
 * IAM OIDC identity providers: one item per provider in its account's provider partition, keyed by
 * the provider's host/path (unique per account, as in IAM). A shard of the account's provider
 * counter counts each for the quota, in the same transaction as the write (counter-shards.ts).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { releaseCount, transactCounted } from './counter-shards.ts';
import { oidcProviderKey, oidcProviderPartition } from './keys.ts';
import { queryWholePartition } from './partition-queries.ts';
import type { Tag } from './principals.ts';
import { transact } from './transactions.ts';

/** An OIDC provider as stored. */
export interface OidcProviderRecord {
  readonly accountId: string;
  /** host[:port][/path]: what follows `oidc-provider/` in the ARN, and the issuer without its scheme. */
  readonly providerId: string;
  /** The issuer URL tokens must carry in `iss` (scheme included). */
  readonly issuer: string;
  readonly arn: string;
  readonly clientIds: readonly string[];
  readonly thumbprints: readonly string[];
  readonly tags: readonly Tag[];
  readonly createdAt: string;
  readonly version: number;
  /** The shard of the account's provider counter this provider is counted in. */
  readonly quotaShard?: number;
}

function notFound(arn: string) {
  return fail('entity.not-found', `OpenIDConnect Provider not found for arn ${arn}`);
}

/** Creates a provider unless one with the same host/path exists or the account is at its quota. */
export async function putNewOidcProvider(
  context: StoreContext,
  record: Omit<OidcProviderRecord, 'version' | 'quotaShard'>,
  quota: number,
): Promise<Result<OidcProviderRecord>> {
  const counted = await transactCounted(
    context,
    record.accountId,
    'oidcProviders',
    quota,
    fail('quota.exceeded', `Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${quota}.`),
    (quotaShard) => [
      {
        write: {
          Put: {
            Item: {
              ...oidcProviderKey(record.accountId, record.providerId),
              entity: 'oidc-provider',
              ...record,
              version: 1,
              quotaShard,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        onConditionFailed: fail(
          'entity.already-exists',
          `Provider with url ${record.issuer} already exists.`,
        ),
      },
    ],
  );
  return counted.ok ? ok({ ...record, version: 1, quotaShard: counted.value }) : counted;
}

/** Reads a provider by host/path, strongly consistent. */
export async function getOidcProvider(
  context: StoreContext,
  accountId: string,
  providerId: string,
): Promise<OidcProviderRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: oidcProviderKey(accountId, providerId),
      ConsistentRead: true,
    }),
  );
  return result.Item ? toOidcProvider(result.Item) : undefined;
}

/** Every provider of an account (IAM's quota is 100, so one page). */
export async function listOidcProviders(
  context: StoreContext,
  accountId: string,
): Promise<OidcProviderRecord[]> {
  const items = await queryWholePartition(context, oidcProviderPartition(accountId), 'OIDC#');
  return items.map(toOidcProvider);
}

/** Replaces a provider's client ids and thumbprints if nobody changed it since `expected` was read. */
export async function updateOidcProvider(
  context: StoreContext,
  expected: OidcProviderRecord,
  change: { clientIds?: readonly string[]; thumbprints?: readonly string[] },
): Promise<Result<OidcProviderRecord>> {
  const next: OidcProviderRecord = {
    ...expected,
    ...(change.clientIds ? { clientIds: change.clientIds } : {}),
    ...(change.thumbprints ? { thumbprints: change.thumbprints } : {}),
    version: expected.version + 1,
  };
  const written = await transact(context, [
    {
      write: {
        Update: {
          Key: oidcProviderKey(expected.accountId, expected.providerId),
          UpdateExpression: 'SET clientIds = :c, thumbprints = :t, version = :next',
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: {
            ':c': next.clientIds,
            ':t': next.thumbprints,
            ':next': next.version,
            ':version': expected.version,
          },
        },
      },
      onConditionFailed: fail('entity.concurrent-modification', 'The provider changed concurrently; retry.'),
    },
  ]);
  return written.ok ? ok(next) : written;
}

/** Deletes a provider and releases its slot in the quota. */
export async function deleteOidcProvider(
  context: StoreContext,
  current: OidcProviderRecord,
): Promise<Result<void>> {
  return transact(context, [
    {
      write: {
        Delete: {
          Key: oidcProviderKey(current.accountId, current.providerId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: notFound(current.arn),
    },
    ...releaseCount(current.accountId, 'oidcProviders', current.quotaShard),
  ]);
}

/** Converts a stored item into a provider record. */
export function toOidcProvider(item: Record<string, unknown>): OidcProviderRecord {
  return {
    accountId: String(item.accountId),
    providerId: String(item.providerId),
    issuer: String(item.issuer),
    arn: String(item.arn),
    clientIds: (item.clientIds as string[] | undefined) ?? [],
    thumbprints: (item.thumbprints as string[] | undefined) ?? [],
    tags: (item.tags as Tag[] | undefined) ?? [],
    createdAt: String(item.createdAt),
    version: Number(item.version ?? 1),
    ...(typeof item.quotaShard === 'number' ? { quotaShard: item.quotaShard } : {}),
  };
}
