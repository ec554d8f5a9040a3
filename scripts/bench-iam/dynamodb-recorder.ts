/**
 * Sees every DynamoDB request the platform makes (an SDK middleware on the store's client), and
 * replays recorded requests with a document client: the raw DynamoDB cost of an operation is the
 * same requests sent directly, with nothing of Palisade around them.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { AUDIT_EVENT_ENTITY } from '@palisade/store';

/** One DynamoDB request as the document client was given it, and how long the client took. */
export interface RecordedCall {
  /** The low-level command name, e.g. `GetItemCommand`. */
  readonly commandName: string;
  /** The document-level input (before marshalling), as the store passed it. */
  readonly input: Readonly<Record<string, unknown>>;
  /** When the client was given the request (performance.now()). */
  readonly startedAt: number;
  readonly durationMs: number;
  readonly error?: string;
}

/** Collects the DynamoDB requests made between `start()` and `take()`. */
export interface DynamoDbRecorder {
  start(): void;
  /** The calls since `start()`, in the order they were sent; recording stops. */
  take(): RecordedCall[];
}

/** Adds a recording middleware to the client (shared with its document client). */
export function attachRecorder(client: DynamoDBClient): DynamoDbRecorder {
  let calls: RecordedCall[] | undefined;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const sink = calls;
      if (!sink) return next(args);
      const commandName = String(context.commandName);
      // Initialize runs before the document client marshals, so this is the store's own input.
      const input = args.input as Record<string, unknown>;
      const started = performance.now();
      try {
        const result = await next(args);
        sink.push({ commandName, input, startedAt: started, durationMs: performance.now() - started });
        return result;
      } catch (error) {
        const name = error instanceof Error ? error.name : 'Error';
        sink.push({
          commandName,
          input,
          startedAt: started,
          durationMs: performance.now() - started,
          error: name,
        });
        throw error;
      }
    },
    { step: 'initialize', name: 'benchIamRecorder', priority: 'high' },
  );
  return {
    start() {
      calls = [];
    },
    take() {
      const taken = calls ?? [];
      calls = undefined;
      return taken;
    },
  };
}

/** `GetItem×3, UpdateItem×1`: what a list of calls consists of. */
export function describeCalls(calls: readonly { commandName: string }[]): string {
  const counts = new Map<string, number>();
  for (const call of calls) {
    const name = call.commandName.replace(/Command$/, '');
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, count]) => `${name}×${count}`).join(', ');
}

type Sender = (documents: DynamoDBDocumentClient, input: never) => Promise<unknown>;

const SENDERS: Record<string, Sender> = {
  GetItemCommand: (documents, input) => documents.send(new GetCommand(input)),
  PutItemCommand: (documents, input) => documents.send(new PutCommand(input)),
  UpdateItemCommand: (documents, input) => documents.send(new UpdateCommand(input)),
  DeleteItemCommand: (documents, input) => documents.send(new DeleteCommand(input)),
  QueryCommand: (documents, input) => documents.send(new QueryCommand(input)),
  ScanCommand: (documents, input) => documents.send(new ScanCommand(input)),
  BatchGetItemCommand: (documents, input) => documents.send(new BatchGetCommand(input)),
  BatchWriteItemCommand: (documents, input) => documents.send(new BatchWriteCommand(input)),
  TransactGetItemsCommand: (documents, input) => documents.send(new TransactGetCommand(input)),
  TransactWriteItemsCommand: (documents, input) => documents.send(new TransactWriteCommand(input)),
};

/** A recorded request ready to send again, with every string rewritten by `rewrite`. */
export interface PreparedCall {
  readonly commandName: string;
  readonly input: Record<string, unknown>;
  /** The error name the original request ended with (a replay may end the same way). */
  readonly expectedError?: string;
  /**
   * Which wave of the replay it goes in: calls the original had in flight together (overlapping
   * spans, chained) share a wave and are sent together, as the operation sent them.
   */
  readonly wave: number;
}

/** Prepares recorded calls for replay (outside any timing): deep copies with strings rewritten. */
export function prepareReplay(
  calls: readonly RecordedCall[],
  rewrite: (text: string) => string,
): PreparedCall[] {
  return inFlightGroups(calls).flatMap((group, wave) =>
    group.calls.map((call) => {
      if (!SENDERS[call.commandName]) {
        throw new Error(`bench:iam cannot replay ${call.commandName}: no document-client command for it`);
      }
      return {
        commandName: call.commandName,
        input: rewriteStrings(call.input, rewrite) as Record<string, unknown>,
        ...(call.error ? { expectedError: call.error } : {}),
        wave,
      };
    }),
  );
}

/**
 * The calls with the audit event left out of each TransactWriteItems (a change's event rides in its
 * transaction); undefined when no call carried one (reads, refusals), so nothing differs.
 */
export function withoutAuditEvents(calls: readonly PreparedCall[]): PreparedCall[] | undefined {
  let stripped = false;
  const isEvent = (item: { Put?: { Item?: Record<string, unknown> } }) =>
    item.Put?.Item?.entity === AUDIT_EVENT_ENTITY;
  const result = calls.map((call) => {
    const items = call.input.TransactItems;
    if (call.commandName !== 'TransactWriteItemsCommand' || !Array.isArray(items) || !items.some(isEvent))
      return call;
    stripped = true;
    return { ...call, input: { ...call.input, TransactItems: items.filter((item) => !isEvent(item)) } };
  });
  return stripped ? result : undefined;
}

/**
 * Sends prepared calls wave by wave (a wave's calls together, as the original sent them; see
 * PreparedCall.wave); returns the errors that the originals did not have.
 */
export async function replay(
  documents: DynamoDBDocumentClient,
  calls: readonly PreparedCall[],
): Promise<string[]> {
  const surprises: string[] = [];
  const sendOne = async (call: PreparedCall) => {
    const send = SENDERS[call.commandName] as (
      documents: DynamoDBDocumentClient,
      input: Readonly<Record<string, unknown>>,
    ) => Promise<unknown>;
    try {
      await send(documents, call.input);
      if (call.expectedError) surprises.push(`${call.commandName} succeeded (was ${call.expectedError})`);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      if (name !== call.expectedError) surprises.push(`${call.commandName}: ${name}`);
    }
  };
  for (let start = 0; start < calls.length; ) {
    const wave = (calls[start] as PreparedCall).wave;
    let end = start;
    while (end < calls.length && (calls[end] as PreparedCall).wave === wave) end++;
    await Promise.all(calls.slice(start, end).map(sendOne));
    start = end;
  }
  return surprises;
}

function rewriteStrings(value: unknown, rewrite: (text: string) => string): unknown {
  if (typeof value === 'string') return rewrite(value);
  if (Array.isArray(value)) return value.map((item) => rewriteStrings(item, rewrite));
  if (value instanceof Set) return new Set([...value].map((item) => rewriteStrings(item, rewrite)));
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      key,
      rewriteStrings(item, rewrite),
    ]),
  );
}

/**
 * How many DynamoDB round trips an operation waited for one after another: the longest chain of
 * calls each starting after the previous one ended (calls sent together count once).
 */
export function sequentialRoundTrips(calls: readonly RecordedCall[]): number {
  const byEnd = [...calls].sort((a, b) => a.startedAt + a.durationMs - (b.startedAt + b.durationMs));
  let chain = 0;
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const call of byEnd) {
    if (call.startedAt >= lastEnd) {
      chain++;
      lastEnd = call.startedAt + call.durationMs;
    }
  }
  return chain;
}

/** Milliseconds during which at least one of the calls was in flight (the union of their spans). */
export function inFlight(calls: readonly RecordedCall[]): number {
  return inFlightGroups(calls).reduce((total, group) => total + group.end - group.start, 0);
}

/**
 * The calls in groups that were in flight together, in time order: a call sent once every call
 * before it had come back starts the next group (the spans of one group overlap, chained).
 */
function inFlightGroups(
  calls: readonly RecordedCall[],
): { readonly calls: RecordedCall[]; readonly start: number; end: number }[] {
  const groups: { calls: RecordedCall[]; start: number; end: number }[] = [];
  for (const call of [...calls].sort((a, b) => a.startedAt - b.startedAt)) {
    const end = call.startedAt + call.durationMs;
    const last = groups.at(-1);
    if (last && call.startedAt < last.end) {
      last.calls.push(call);
      last.end = Math.max(last.end, end);
    } else groups.push({ calls: [call], start: call.startedAt, end });
  }
  return groups;
}
