/**
 * Batching the strongly consistent point reads a piece of work starts together. Inside a
 * `withFirstReadsBatched` scope, the consistent GetItem and BatchGetItem requests sent on the
 * store's client before the event loop's next turn leave as one BatchGetItem (100 keys a request,
 * unprocessed keys retried), and each is answered with exactly the items it would have read alone.
 * On Node an SDK request costs about half a millisecond of CPU whatever it reads, so two reads
 * started together are cheaper as one. A read joins at the client's `send`, before the SDK builds
 * its command's middleware chain, so a joined read costs none of that either.
 *
 * Only one turn of a scope is batched, the first in which a read joins: later reads go straight
 * out, so a chain of dependent reads is never held. A read that cannot join (a Query, an eventually consistent read, another
 * table, a nested projection, any option beyond key, consistency and projection) goes on its own
 * at once, and a read left alone in its batch goes out unchanged.
 *
 * A scope opened by `withReadsBatchedOnDemand` batches nothing until `gatherPointReads()` is
 * called in it: work that may or may not have a read worth waiting for (a caller's revalidation)
 * sends its reads at once when it has none, instead of one turn late with nothing to batch.
 *
 * The reads on the hot paths (a principal by name, a revalidation's stamps) go through
 * `consistentPointRead`, which joins without building the SDK command at all: the command is made
 * only when the read goes out on its own.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  type GetCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { batchGetItems } from './batch-get-items.ts';
import type { StoreContext } from './client.ts';
import type { ItemKey } from './keys.ts';

/** One joinable request, as its caller asked it. */
export interface PointRead {
  readonly shape: 'get' | 'batch-get';
  readonly keys: readonly ItemKey[];
  /** The top-level attributes asked for; absent: whole items. */
  readonly projection?: readonly string[];
}

interface Member {
  readonly read: PointRead;
  /** Sends the request as it was given, past the batcher. */
  readonly alone: () => Promise<unknown>;
  readonly resolve: (answer: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface Scope {
  open: boolean;
  batch?: { readonly store: StoreContext; readonly members: Member[] };
}

const scopes = new AsyncLocalStorage<Scope>();
// The client's own send, by batched client: a read that goes alone bypasses the batcher with it.
const batching = new WeakMap<StoreContext['documents'], (command: unknown) => Promise<unknown>>();

/** Runs `work` so that the consistent point reads it sends in its first turn share one BatchGetItem. */
export function withFirstReadsBatched<T>(work: () => Promise<T>): Promise<T> {
  return scopes.run({ open: true }, work);
}

/** Runs `work` in a scope whose reads go straight out until `gatherPointReads()` opens its batch. */
export function withReadsBatchedOnDemand<T>(work: () => Promise<T>): Promise<T> {
  return scopes.run({ open: false }, work);
}

/**
 * Opens the batch of the scope it is called in (once; nothing outside a `withReadsBatchedOnDemand`
 * scope or after its batch): the consistent point reads sent from here to the next turn share one
 * BatchGetItem.
 */
export function gatherPointReads(): void {
  const scope = scopes.getStore();
  if (scope && !scope.batch) scope.open = true;
}

/** Makes the store's client batch the reads of `withFirstReadsBatched` scopes (once per store). */
export function batchPointReads(store: StoreContext): void {
  const documents = store.documents;
  if (batching.has(documents)) return;
  const send = documents.send.bind(documents) as (...args: unknown[]) => Promise<unknown>;
  batching.set(documents, send);
  // The client's own send, in front: a read that joins a batch never builds its SDK command chain.
  const batchPointRead = (command: unknown, ...options: unknown[]): Promise<unknown> => {
    const scope = scopes.getStore();
    // Options or a callback: the SDK's other call shapes go as they came.
    if (!scope?.open || options.length > 0) return send(command, ...options);
    const read = joinableCommand(command, store.tableName);
    const alone = () => send(command);
    return (read && join(scope, store, read, alone)) ?? alone();
  };
  documents.send = batchPointRead as typeof documents.send;
}

/**
 * Sends a strongly consistent point read of the store's table: `read` says what it asks (keys, and
 * the top-level attributes when projected) and `command` builds the very request that asks it. In
 * the open batch of a scope the read joins as is and the command is never built; otherwise the
 * command goes out as the store's client sends it.
 */
export function consistentPointRead(
  store: StoreContext,
  read: PointRead & { readonly shape: 'get' },
  command: () => GetCommand,
): Promise<GetCommandOutput>;
export function consistentPointRead(
  store: StoreContext,
  read: PointRead & { readonly shape: 'batch-get' },
  command: () => BatchGetCommand,
): Promise<BatchGetCommandOutput>;
export function consistentPointRead(
  store: StoreContext,
  read: PointRead,
  command: () => GetCommand | BatchGetCommand,
): Promise<unknown> {
  const scope = scopes.getStore();
  const send = batching.get(store.documents);
  if (scope?.open && send) {
    const joined = join(scope, store, read, () => send(command()));
    if (joined) return joined;
  }
  return store.documents.send(command() as never);
}

/** Adds `read` to the scope's batch (opening it), or undefined when it must go alone. */
function join(
  scope: Scope,
  store: StoreContext,
  read: PointRead,
  alone: () => Promise<unknown>,
): Promise<unknown> | undefined {
  if (scope.batch && scope.batch.store !== store) return undefined;
  let batch = scope.batch;
  if (!batch) {
    const opened: NonNullable<Scope['batch']> = { store, members: [] };
    batch = opened;
    scope.batch = opened;
    // setImmediate runs once every microtask of this turn has, so reads started together all join.
    setImmediate(() => {
      scope.open = false;
      // INVARIANT: no member waits forever; whatever goes wrong fails every one still waiting.
      sendBatch(opened.store, opened.members).catch((error: unknown) => {
        for (const member of opened.members) member.reject(error);
      });
    });
  }
  const members = batch.members;
  return new Promise<unknown>((resolve, reject) => {
    members.push({ read, alone, resolve, reject });
  });
}

async function sendBatch(store: StoreContext, members: readonly Member[]): Promise<void> {
  const [only] = members;
  if (only && members.length === 1) {
    only.alone().then(only.resolve, only.reject);
    return;
  }
  const keys = new Map<string, ItemKey>();
  for (const member of members) for (const key of member.read.keys) keys.set(keyId(key), key);
  const projections = members.map((member) => member.read.projection);
  // Whole items when any member wants them; else what any member wants, and the keys to match by.
  const projection = projections.every((attributes) => attributes !== undefined)
    ? [...new Set(['pk', 'sk', ...projections.flat()])]
    : undefined;
  let items: Record<string, unknown>[];
  try {
    items = await batchGetItems(store, [...keys.values()], Math.ceil(keys.size / 100), projection);
  } catch (error) {
    // A batch refused as invalid may be one member's doing: each asks alone, so it fails only itself.
    if (error instanceof Error && error.name === 'ValidationException') {
      for (const member of members) member.alone().then(member.resolve, member.reject);
    } else {
      for (const member of members) member.reject(error);
    }
    return;
  }
  const found = new Map(items.map((item) => [keyId({ pk: String(item.pk), sk: String(item.sk) }), item]));
  for (const member of members) member.resolve(answerOf(member.read, found, store.tableName));
}

/** What the member's own request would have returned, as the client's send returns it. */
function answerOf(
  read: PointRead,
  found: ReadonlyMap<string, Record<string, unknown>>,
  tableName: string,
): Record<string, unknown> {
  const items = read.keys.flatMap((key) => {
    const item = found.get(keyId(key));
    return item ? [projected(item, read.projection)] : [];
  });
  if (read.shape === 'batch-get')
    return { $metadata: {}, Responses: { [tableName]: items }, UnprocessedKeys: {} };
  return items[0] ? { $metadata: {}, Item: items[0] } : { $metadata: {} };
}

/** The member's own copy of an item (whole, or the attributes it asked for): members never share one. */
function projected(item: Record<string, unknown>, attributes: readonly string[] | undefined) {
  if (!attributes) return Object.assign({}, item);
  const copy: Record<string, unknown> = {};
  for (const name of attributes) if (name in item) copy[name] = item[name];
  return copy;
}

function keyId(key: ItemKey): string {
  return `${key.pk}\u0000${key.sk}`;
}

/** The document client's command as a point read that may join a batch, or undefined. */
function joinableCommand(command: unknown, tableName: string): PointRead | undefined {
  if (command instanceof GetCommand) return joinableRead('get', command.input, tableName);
  if (command instanceof BatchGetCommand) return joinableRead('batch-get', command.input, tableName);
  return undefined;
}

/** The request as a point read that may join a batch, or undefined when it must go alone. */
function joinableRead(shape: PointRead['shape'], input: unknown, tableName: string): PointRead | undefined {
  if (!isRecord(input)) return undefined;
  if (shape === 'get') {
    const { TableName, Key, ...options } = input;
    const key = itemKey(Key);
    return TableName === tableName && key ? readOf('get', [key], options) : undefined;
  }
  const { RequestItems, ...others } = input;
  if (Object.keys(others).length > 0 || !isRecord(RequestItems)) return undefined;
  const [table, ...moreTables] = Object.keys(RequestItems);
  const request = RequestItems[tableName];
  if (table !== tableName || moreTables.length > 0 || !isRecord(request)) return undefined;
  const { Keys, ...options } = request;
  if (!Array.isArray(Keys) || Keys.length === 0) return undefined;
  const keys = Keys.map(itemKey);
  // A malformed or duplicated key is DynamoDB's to refuse: such a request goes alone.
  if (!keys.every((key) => key !== undefined) || new Set(keys.map(keyId)).size !== keys.length)
    return undefined;
  return readOf('batch-get', keys, options);
}

function readOf(
  shape: PointRead['shape'],
  keys: readonly ItemKey[],
  options: Record<string, unknown>,
): PointRead | undefined {
  const { ConsistentRead, ProjectionExpression, ExpressionAttributeNames, ...others } = options;
  if (ConsistentRead !== true || Object.keys(others).length > 0) return undefined;
  if (ProjectionExpression === undefined)
    return ExpressionAttributeNames === undefined ? { shape, keys } : undefined;
  const projection = topLevelAttributes(ProjectionExpression, ExpressionAttributeNames);
  return projection ? { shape, keys, projection } : undefined;
}

/** The attributes of a projection of top-level attributes only (else undefined). */
function topLevelAttributes(expression: unknown, names: unknown): string[] | undefined {
  if (typeof expression !== 'string' || (names !== undefined && !isRecord(names))) return undefined;
  const aliases = names ?? {};
  const used = new Set<string>();
  const attributes: string[] = [];
  for (const token of expression.split(',').map((part) => part.trim())) {
    const alias = aliases[token];
    if (/^#\w+$/.test(token) && typeof alias === 'string') {
      used.add(token);
      attributes.push(alias);
    } else if (/^[A-Za-z]\w*$/.test(token)) {
      attributes.push(token);
    } else {
      return undefined;
    }
  }
  // DynamoDB refuses a name the expression does not use: such a read goes alone, to be refused.
  return used.size === Object.keys(aliases).length ? attributes : undefined;
}

function itemKey(value: unknown): ItemKey | undefined {
  if (!isRecord(value)) return undefined;
  const { pk, sk, ...others } = value;
  // The document client's keys are plain strings; a marshalled key ({S: …}) is not joinable.
  return typeof pk === 'string' && typeof sk === 'string' && Object.keys(others).length === 0
    ? { pk, sk }
    : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
