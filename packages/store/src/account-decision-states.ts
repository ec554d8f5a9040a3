/**
 * What a decision (or a cached credential) needs to know about an account: its status and its
 * decision-log sampling rate, with the stamps of the two items they come from. Read together with
 * whatever else a revalidation reads, through a stamp reader (record-stamps.ts).
 */
import type { StoreContext } from './client.ts';
import { accountKey, decisionLogSettingsKey, isAccountId } from './keys.ts';
import { currentStamp, type RecordStamp, readStamps, type StampReader, stampId } from './record-stamps.ts';

/** An account's state as decisions see it. */
export interface AccountDecisionState {
  /** `missing` when the account does not exist. */
  readonly status: 'active' | 'suspended' | 'closed' | 'missing';
  /** Fraction of decisions to log, 0 to 1. */
  readonly logSampleRate: number;
  /** The account item and its decision-log settings, as read. */
  readonly stamps: readonly RecordStamp[];
}

/** The keys an account's decision state is read from. */
export function accountStateKeys(accountId: string): ReturnType<typeof accountKey>[] {
  return [accountKey(accountId), decisionLogSettingsKey(accountId)];
}

/** The stamp of an account's own item (status changes bump its version). */
export function accountStampKey(accountId: string): ReturnType<typeof accountKey> {
  return accountKey(accountId);
}

/** Reads the statuses and log settings of several accounts in one strongly consistent batch. */
export async function readAccountDecisionStates(
  context: StoreContext,
  accountIds: readonly string[],
  read: StampReader = (keys) => readStamps(context, keys),
): Promise<Map<string, AccountDecisionState>> {
  const ids = [...new Set(accountIds)].filter(isAccountId);
  const current = await read(ids.flatMap(accountStateKeys));
  const states = new Map<string, AccountDecisionState>();
  for (const id of ids) {
    const [accountItemKey, settingsKey] = accountStateKeys(id) as [
      ReturnType<typeof accountKey>,
      ReturnType<typeof accountKey>,
    ];
    const account = current.get(stampId(accountItemKey));
    const settings = current.get(stampId(settingsKey));
    const status = account?.status;
    states.set(id, {
      status: status === 'active' || status === 'suspended' || status === 'closed' ? status : 'missing',
      logSampleRate: Number(settings?.sampleRate ?? 0),
      stamps: [currentStamp(accountItemKey, account), currentStamp(settingsKey, settings)],
    });
  }
  return states;
}
