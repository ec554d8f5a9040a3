/**
 * An operation, the kernel every service's API is made of: an input schema in AWS's member names
 * and a function from a caller and the parsed input to a typed result in AWS's output shape. The
 * REST and Query interfaces call IAM, STS and the decision services' operations through this one
 * signature.
 */
import type { Result } from '@palisade/failures';
import type { z } from 'zod';
import type { Caller } from './caller.ts';
import { parseInput } from './operation-inputs.ts';

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
