/**
 * Transactions with typed outcomes. Every invariant (uniqueness, quotas, no dangling references)
 * is a condition inside one TransactWriteItems call, never a read followed by a write; when a
 * condition fails, the cancellation reason's index says which invariant it was.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import { changeRecordItem, pendingAuditEvent } from './change-records.ts';
import type { StoreContext } from './client.ts';

/** One write of a transaction, without the table name (added here), and the failure its condition means. */
export interface GuardedWrite {
  readonly write: TransactItem;
  /** What a failed condition on this write means to the caller; absent: it cannot fail. */
  readonly onConditionFailed?: Failure;
}

type SdkTransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** One transaction item without its table name: the store adds its own. */
export interface TransactItem {
  readonly Put?: Omit<NonNullable<SdkTransactItem['Put']>, 'TableName'>;
  readonly Update?: Omit<NonNullable<SdkTransactItem['Update']>, 'TableName'>;
  readonly Delete?: Omit<NonNullable<SdkTransactItem['Delete']>, 'TableName'>;
  readonly ConditionCheck?: Omit<NonNullable<SdkTransactItem['ConditionCheck']>, 'TableName'>;
}

/**
 * Runs the writes atomically, with the change record of the current origin (change-records.ts);
 * a failed condition becomes the failure its write names.
 */
export async function transact(
  context: StoreContext,
  writes: readonly GuardedWrite[],
): Promise<Result<void>> {
  const own = writes.map(({ write }) => write);
  // The change's record rides in the same transaction (change-records.ts); appended last, so
  // cancellation indexes keep their meaning.
  const at = new Date();
  const record = changeRecordItem(context, own, at);
  // The call's audit event rides here too (once per call), after the record for the same reason.
  const audit = pendingAuditEvent(context, own, at);
  const items = [...own, ...(record ? [record] : []), ...(audit?.writes ?? [])].map((write) =>
    withTable(write, context.tableName),
  );
  let result: Result<void> = fail('entity.concurrent-modification', 'The change was not committed.');
  try {
    result = await sendWithRetries(context, items, writes);
  } finally {
    audit?.settle(result.ok);
  }
  return result;
}

/** Sends a transaction, retrying brief conflicts; a failed condition becomes the failure its write names. */
async function sendWithRetries(
  context: StoreContext,
  items: SdkTransactItem[],
  writes: readonly GuardedWrite[],
): Promise<Result<void>> {
  for (let attempt = 0; ; attempt++) {
    try {
      await context.documents.send(new TransactWriteCommand({ TransactItems: items }));
      return ok(undefined);
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failedIndex = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
      if (failedIndex >= 0) {
        return (
          writes[failedIndex]?.onConditionFailed ??
          fail('entity.concurrent-modification', 'Conflicting change; retry.')
        );
      }
      // Another transaction touched the same items at the same moment: retry briefly, then give up typed.
      if (reasons.some((reason) => reason.Code === 'TransactionConflict') && attempt < 4) {
        await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt + Math.random() * 20));
        continue;
      }
      if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
        return fail('entity.concurrent-modification', 'The entity is being modified concurrently; retry.');
      }
      throw error;
    }
  }
}

function withTable(write: TransactItem, tableName: string): SdkTransactItem {
  if (write.Put) return { Put: { ...write.Put, TableName: tableName } };
  if (write.Update) return { Update: { ...write.Update, TableName: tableName } };
  if (write.Delete) return { Delete: { ...write.Delete, TableName: tableName } };
  if (write.ConditionCheck) return { ConditionCheck: { ...write.ConditionCheck, TableName: tableName } };
  throw new Error('a transaction item needs one of Put, Update, Delete or ConditionCheck');
}

/** True for a single-item write whose condition failed. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * Sends one conditional single-item update; false when its condition failed, which callers treat
 * as an answer ("already claimed", "no longer current") rather than an error.
 */
export async function updateIfCondition(
  context: StoreContext,
  input: Omit<UpdateCommandInput, 'TableName'>,
): Promise<boolean> {
  try {
    await context.documents.send(new UpdateCommand({ ...input, TableName: context.tableName }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The pieces of an optimistic `SET` update: each defined field, plus `version = version + 1`. */
export function versionedSet(
  changes: Readonly<Record<string, unknown>>,
  expectedVersion: number,
): { names: Record<string, string>; values: Record<string, unknown>; sets: string[] } {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1 };
  const sets = ['version = version + :one'];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  return { names, values, sets };
}
