/**
 * An IAM operation: an input schema in AWS's member names and a function from a caller and the
 * parsed input to a typed result in AWS's output shape. Both the REST and the Query interface call
 * operations through this one signature.
 */
import { fail, ok, type Result } from '@palisade/failures';
import type { Caller } from '@palisade/principals';
import type { z } from 'zod';
import { parseInput } from './iam-inputs.ts';

/**
 * An operation as the interfaces call it: it takes what arrived (and validates it with `schema`,
 * which also describes it for OpenAPI) and answers `Out`, AWS's output shape.
 */
export interface Operation<In = unknown, Out extends object | undefined = object | undefined> {
  (caller: Caller, input: unknown): Promise<Result<Out>>;
  readonly schema: z.ZodType<In>;
}

/** An operation of any input and output. */
export type OperationHandler = Operation;

/** A table of operations by AWS action name (`CreateUser`, …); concrete tables keep their keys. */
export type OperationTable = Readonly<Record<string, Operation>>;

/** What an operation answers when it succeeds. */
export type OperationOutput<O> = O extends Operation<unknown, infer Out> ? Out : never;

/** Builds an operation that validates its input with `schema` before running. */
export function operation<S extends z.ZodType, O extends object | undefined>(
  schema: S,
  run: (caller: Caller, input: z.output<S>) => Promise<Result<O>>,
): Operation<z.output<S>, O> {
  const handler = async (caller: Caller, input: unknown) => {
    const parsed = parseInput(schema, input);
    if (!parsed.ok) return parsed;
    return run(caller, parsed.value);
  };
  return Object.assign(handler, { schema: schema as z.ZodType<z.output<S>> });
}

/**
 * The operations of a table that act inside the caller's account, refused to the operator: it
 * manages accounts but belongs to none, so no lookup is ever keyed by its placeholder account.
 */
export function tenantOperations<T extends OperationTable>(table: T): T {
  return Object.fromEntries(
    Object.entries(table).map(([action, handler]) => {
      const guarded = async (caller: Caller, input: unknown) =>
        caller.kind === 'operator'
          ? fail(
              'access.denied',
              `The operator has no account: iam:${action} acts inside a tenant account, with that account's credentials.`,
            )
          : handler(caller, input);
      return [action, Object.assign(guarded, { schema: handler.schema })];
    }),
  ) as T;
}

/** An opaque paging marker from a store cursor. */
export function encodeMarker(cursor: string | undefined): string | undefined {
  return cursor === undefined ? undefined : Buffer.from(cursor, 'utf8').toString('base64url');
}

/** The store cursor inside a marker (callers can only page within their own account's listing). */
export function decodeMarker(marker: string | undefined): string | undefined {
  return marker === undefined ? undefined : Buffer.from(marker, 'base64url').toString('utf8');
}

/** A marker this listing can continue from: it decodes to a cursor inside the listed path prefix. */
export function checkMarker(marker: string | undefined, pathPrefix = '/'): Result<string | undefined> {
  const cursor = decodeMarker(marker);
  if (cursor !== undefined && !cursor.startsWith(pathPrefix)) {
    return fail('request.invalid', 'Invalid Marker: it does not continue this listing.');
  }
  return ok(cursor);
}

/** IAM's listing envelope: IsTruncated, and Marker when there is more. */
export function listing<K extends string, T>(
  key: K,
  items: T[],
  next: string | undefined,
): { [P in K]: T[] } & { IsTruncated: boolean; Marker?: string } {
  const marker = encodeMarker(next);
  return { [key]: items, IsTruncated: marker !== undefined, ...(marker ? { Marker: marker } : {}) } as {
    [P in K]: T[];
  } & { IsTruncated: boolean; Marker?: string };
}
