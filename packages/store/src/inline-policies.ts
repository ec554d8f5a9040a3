/**
 * Inline policies live in their principal's partition. The principal's counters hold their number
 * and aggregate size, so the size quota holds under any concurrency.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import { inlinePolicyKey, inlinePolicyPrefix } from './keys.ts';
import {
  nameVersionBump,
  type PrincipalKind,
  type PrincipalRef,
  principalKey,
  principalPartitionOf,
} from './principals.ts';
import { transact } from './transactions.ts';

/** An inline policy as stored. */
export interface InlinePolicyRecord {
  readonly name: string;
  readonly document: string;
  /** Size as IAM counts it (whitespace excluded), for the aggregate quota. */
  readonly size: number;
}

const KIND_KEY = { user: 'USER', group: 'GROUP', role: 'ROLE' } as const;

/** A principal addressed by id (the partition) with its name (for messages). */
type Owner = Pick<PrincipalRef, 'accountId' | 'kind' | 'id'> & { readonly name?: string };

function inlineKey(owner: Owner, policyName: string) {
  return inlinePolicyKey(owner.accountId, KIND_KEY[owner.kind as PrincipalKind], owner.id, policyName);
}

/** Reads one inline policy of a principal. */
export async function getInlinePolicy(
  context: StoreContext,
  principal: Owner,
  policyName: string,
): Promise<InlinePolicyRecord | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: inlineKey(principal, policyName),
      ConsistentRead: true,
    }),
  );
  return result.Item ? toInline(result.Item) : undefined;
}

/** Lists a principal's inline policies by name. */
export async function listInlinePolicies(
  context: StoreContext,
  principal: Owner,
): Promise<InlinePolicyRecord[]> {
  const result = await context.documents.send(
    new QueryCommand({
      TableName: context.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :inline)',
      ExpressionAttributeValues: {
        ':pk': principalPartitionOf(principal),
        ':inline': inlinePolicyPrefix,
      },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map(toInline);
}

/**
 * Creates or replaces an inline policy. `previous` is what the caller read: the write fails as a
 * concurrent modification if that changed, and as too large if the aggregate would pass `maxBytes`.
 */
export async function putInlinePolicy(
  context: StoreContext,
  target: PrincipalRef,
  policy: InlinePolicyRecord,
  previous: InlinePolicyRecord | undefined,
  maxBytes: number,
): Promise<Result<void>> {
  const delta = policy.size - (previous?.size ?? 0);
  const key = inlineKey(target, policy.name);
  return transact(context, [
    {
      write: {
        Put: {
          Item: { ...key, entity: 'inline-policy', ...policy },
          ConditionExpression: previous ? '#size = :previous' : 'attribute_not_exists(pk)',
          ...(previous
            ? {
                ExpressionAttributeNames: { '#size': 'size' },
                ExpressionAttributeValues: { ':previous': previous.size },
              }
            : {}),
        },
      },
      onConditionFailed: fail(
        'entity.concurrent-modification',
        `Inline policy ${policy.name} changed meanwhile; retry.`,
      ),
    },
    {
      write: {
        Update: {
          Key: principalKey(target.accountId, target.kind, target.id),
          UpdateExpression:
            'SET counters.inlinePolicyBytes = counters.inlinePolicyBytes + :delta, counters.inlinePolicies = counters.inlinePolicies + :added, version = version + :one',
          // DynamoDB conditions cannot add, so the bound moves instead: bytes + delta <= max.
          ConditionExpression: 'attribute_exists(pk) AND counters.inlinePolicyBytes <= :room',
          ExpressionAttributeValues: {
            ':delta': delta,
            ':added': previous ? 0 : 1,
            ':one': 1,
            ':room': maxBytes - delta,
          },
        },
      },
      onConditionFailed: fail(
        'policy.too-large',
        `Maximum policy size of ${maxBytes} bytes exceeded for ${target.kind} ${target.name}.`,
      ),
    },
    nameVersionBump(target),
  ]);
}

/** Deletes an inline policy and releases its share of the aggregate size. */
export async function deleteInlinePolicy(
  context: StoreContext,
  target: PrincipalRef,
  existing: InlinePolicyRecord,
): Promise<Result<void>> {
  const result = await transact(context, [
    {
      write: {
        Delete: {
          Key: inlineKey(target, existing.name),
          ConditionExpression: '#size = :size',
          ExpressionAttributeNames: { '#size': 'size' },
          ExpressionAttributeValues: { ':size': existing.size },
        },
      },
      onConditionFailed: fail(
        'entity.not-found',
        `The ${target.kind} policy with name ${existing.name} cannot be found.`,
      ),
    },
    {
      write: {
        Update: {
          Key: principalKey(target.accountId, target.kind, target.id),
          UpdateExpression:
            'SET counters.inlinePolicyBytes = counters.inlinePolicyBytes - :size, counters.inlinePolicies = counters.inlinePolicies - :one, version = version + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':size': existing.size, ':one': 1 },
        },
      },
    },
    nameVersionBump(target),
  ]);
  return result.ok ? ok(undefined) : result;
}

function toInline(item: Record<string, unknown>): InlinePolicyRecord {
  return { name: String(item.name), document: String(item.document), size: Number(item.size) };
}
