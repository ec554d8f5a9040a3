/**
 * Running an operation for a caller whose remembered credential is still being revalidated, so the
 * revalidation's round trip overlaps the operation's own reads instead of preceding them.
 *
 * The operation starts at once with the possibly-stale caller. Every write it makes waits for the
 * confirmation (a middleware on the store's client holds write commands issued inside the run), and
 * so does its answer: confirmed, the answer stands; changed, every held write is refused, the
 * answer (an allow, data, or a denial alike) is discarded, and the operation runs again for the
 * caller as the table now has it. The store failing to answer fails the request (fail closed).
 * The confirmation's read waits one turn so that the operation's first consistent reads leave with it
 * in one BatchGetItem (`gatherPointReads`, @palisade/store): one SDK request instead of two. With no
 * confirmation pending nothing waits: the batch opens only when the confirmation's read starts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Result } from '@palisade/failures';
import { type StoreContext, withReadsBatchedOnDemand } from '@palisade/store';
import type { Caller } from './caller.ts';

const confirmations = new AsyncLocalStorage<Promise<boolean>>();
const gated = new WeakSet<StoreContext['documents']>();

// Both spellings: the document client's commands and the low-level ones it may be given.
const WRITE_COMMANDS = new Set([
  'PutCommand',
  'UpdateCommand',
  'DeleteCommand',
  'TransactWriteCommand',
  'BatchWriteCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);

/** Refused write of a caller whose credential turned out to have changed. */
function callerChanged(): Error {
  return Object.assign(new Error('The caller changed while its request ran; the write was refused.'), {
    name: 'CallerChangedError',
  });
}

/** Makes the store's writes wait for the confirmation of the run they belong to (once per store). */
export function holdWritesUntilConfirmed(store: StoreContext): void {
  if (gated.has(store.documents)) return;
  gated.add(store.documents);
  store.documents.middlewareStack.add(
    (next, context) =>
      async function holdUntilConfirmed(args) {
        const confirmation = confirmations.getStore();
        // INVARIANT: no write of an unconfirmed caller reaches the table.
        if (confirmation && WRITE_COMMANDS.has(String(context.commandName)) && !(await confirmation))
          throw callerChanged();
        return next(args);
      },
    { step: 'initialize', name: 'holdWritesUntilConfirmed', priority: 'high' },
  );
}

/** What an overlapped authentication gives: the caller, and its pending confirmation if any. */
export interface OverlappedCaller {
  readonly caller: Caller;
  /** Resolves true when the caller is confirmed, false when it changed; rejects when unknown. */
  readonly confirmation?: Promise<boolean>;
}

/** Attempts before the run waits for the confirmation instead of overlapping it. */
const OVERLAPPED_ATTEMPTS = 2;

/**
 * Authenticates and runs `run` for the caller, overlapping a pending confirmation (see above).
 * `authenticate` is called again after a change; a remembered credential that changed is forgotten
 * by then, so the second caller is read fresh.
 */
export async function runConfirmed<T>(
  authenticate: () => Promise<Result<OverlappedCaller>>,
  run: (caller: Caller) => Promise<Result<T>>,
): Promise<Result<T>> {
  for (let attempt = 1; ; attempt++) {
    // A pending confirmation's read opens the batch (authentication.ts) and waits one turn for the
    // operation's first reads: one BatchGetItem for all. Without one, every read leaves at once.
    const outcome = await withReadsBatchedOnDemand(() => runAttempt(authenticate, run, attempt));
    if (outcome !== CALLER_CHANGED) return outcome;
  }
}

const CALLER_CHANGED = Symbol('caller changed');

async function runAttempt<T>(
  authenticate: () => Promise<Result<OverlappedCaller>>,
  run: (caller: Caller) => Promise<Result<T>>,
  attempt: number,
): Promise<Result<T> | typeof CALLER_CHANGED> {
  const authenticated = await authenticate();
  if (!authenticated.ok) return authenticated;
  const { caller, confirmation } = authenticated.value;
  if (!confirmation) return run(caller);
  if (attempt > OVERLAPPED_ATTEMPTS) return (await confirmation) ? run(caller) : CALLER_CHANGED;
  const outcome = await confirmations.run(confirmation, () =>
    run(caller).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
  );
  // INVARIANT: nothing is answered before the caller is confirmed (a rejection here fails closed).
  if (!(await confirmation)) return CALLER_CHANGED;
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}
