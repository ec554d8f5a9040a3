/**
 * The account's policy epoch: a counter that every transaction writing in an account bumps, inside
 * the same transaction. A decision cache keeps compiled policies tagged with the epoch it read
 * before loading them and revalidates with one read of this item, so any committed change
 * (policy edit, attachment, membership, boundary, key status, resource policy) is seen within the
 * revalidation window.
 */
import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client.ts';
import { accountKey, decisionLogSettingsKey, type ItemKey, isAccountId, policyEpochKey } from './keys.ts';
import type { TransactItem } from './transactions.ts';

const ACCOUNT_PARTITION = /^ACCT#(\d{12})(?:#|$)/;

function keyOf(write: TransactItem): ItemKey | undefined {
  const key = write.Put?.Item ?? write.Update?.Key ?? write.Delete?.Key;
  if (!key || typeof key.pk !== 'string' || typeof key.sk !== 'string') return undefined;
  return { pk: key.pk, sk: key.sk };
}

/**
 * The epoch bumps a transaction needs: one per account whose partitions it writes (condition
 * checks alone change nothing). Appended after the caller's writes, so cancellation indexes keep
 * their meaning.
 */
export function policyEpochBumps(writes: readonly { readonly write: TransactItem }[]): TransactItem[] {
  const accounts = new Set<string>();
  for (const { write } of writes) {
    const key = keyOf(write);
    const account = key && ACCOUNT_PARTITION.exec(key.pk)?.[1];
    // INVARIANT: a transaction never carries two writes to one item, so skip one that bumps itself.
    if (account && key.sk !== 'POLICY-EPOCH') accounts.add(account);
  }
  return [...accounts].map((accountId) => ({
    Update: {
      Key: policyEpochKey(accountId),
      UpdateExpression: 'ADD epoch :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  }));
}

/** What a decision cache revalidates an account with, read in one round trip. */
export interface AccountDecisionState {
  readonly epoch: number;
  /** `missing` when the account does not exist. */
  readonly status: 'active' | 'suspended' | 'closed' | 'missing';
  /** Fraction of decisions to log, 0 to 1. */
  readonly logSampleRate: number;
}

/** Reads the epochs, statuses and log settings of several accounts in one strongly consistent batch. */
export async function readAccountDecisionStates(
  context: StoreContext,
  accountIds: readonly string[],
): Promise<Map<string, AccountDecisionState>> {
  const ids = [...new Set(accountIds)].filter(isAccountId);
  const keys = ids.flatMap((id) => [policyEpochKey(id), accountKey(id), decisionLogSettingsKey(id)]);
  const items: Record<string, unknown>[] = [];
  let pending: Record<string, unknown>[] | undefined = keys.map((key) => ({ ...key }));
  while (pending && pending.length > 0) {
    const result: BatchGetCommandOutput = await context.documents.send(
      new BatchGetCommand({ RequestItems: { [context.tableName]: { Keys: pending, ConsistentRead: true } } }),
    );
    items.push(...(result.Responses?.[context.tableName] ?? []));
    pending = result.UnprocessedKeys?.[context.tableName]?.Keys;
    if (pending?.length) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const states = new Map<string, AccountDecisionState>();
  for (const id of ids) {
    const pk = accountKey(id).pk;
    const find = (sk: string) => items.find((item) => item.pk === pk && item.sk === sk);
    const account = find('ACCOUNT');
    const status = account?.status;
    states.set(id, {
      epoch: Number(find('POLICY-EPOCH')?.epoch ?? 0),
      status: status === 'active' || status === 'suspended' || status === 'closed' ? status : 'missing',
      logSampleRate: Number(find('DECISION-LOG-SETTINGS')?.sampleRate ?? 0),
    });
  }
  return states;
}
