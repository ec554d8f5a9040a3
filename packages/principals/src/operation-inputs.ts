/**
 * The input parsers every service's operations share. One schema validates a REST JSON body and a
 * Query API form (where every scalar arrives as a string, and an empty list as `Member=`), so both
 * interfaces refuse the same inputs with the same ValidationError.
 */
import { ok, type Result } from '@palisade/failures';
import { z } from 'zod';
import { invalidInputIssue, validationFailure } from './validation-failure.ts';

const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const RESERVED_TAG_KEY = 'Tag keys beginning with aws: are reserved for use by AWS.';

/** A tag schema whose reserved `aws:` keys are refused with `reserved` (a message, or an InvalidInput issue). */
function tagSchema(reserved: string | ReturnType<typeof invalidInputIssue>) {
  return z.object({
    Key: z
      .string()
      .min(1, 'Member must have length greater than or equal to 1')
      .max(128, 'Member must have length less than or equal to 128')
      .regex(TAG_CHARS, 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+')
      .refine((key) => !key.toLowerCase().startsWith('aws:'), reserved),
    Value: z
      .string()
      .max(256, 'Member must have length less than or equal to 256')
      .regex(TAG_CHARS, 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*'),
  });
}

/** One IAM tag; a key beginning with `aws:` is IAM's InvalidInput. */
export const tag = tagSchema(invalidInputIssue(RESERVED_TAG_KEY));

/** One STS session tag: the same rules, a reserved key refused as a ValidationError (STS has no InvalidInput). */
export const sessionTagSchema = tagSchema(RESERVED_TAG_KEY);

/** A list member: the Query protocol sends an empty list as an empty string (`Tags=`). */
export function list<T extends z.ZodType>(item: T, max: number) {
  return z.preprocess(
    (value) => (value === '' ? [] : value),
    z.array(item).max(max, `Member must have length less than or equal to ${max}`),
  );
}

/** An integer, from JSON or from a Query form's text. */
export function integer(min: number, max: number) {
  return z
    .union([
      z.number(),
      z
        .string()
        .regex(/^-?\d+$/, 'Member must be an integer')
        .transform(Number),
    ])
    .pipe(
      z
        .number()
        .int('Member must be an integer')
        .min(min, `Member must have value greater than or equal to ${min}`)
        .max(max, `Member must have value less than or equal to ${max}`),
    );
}

/** A boolean, from JSON or from a Query form's `true`/`false`. */
export const boolean = z.union([
  z.boolean(),
  z.enum(['true', 'false', 'True', 'False']).transform((value) => value.toLowerCase() === 'true'),
]);

/** Parses an operation's input, turning the first problems into IAM's ValidationError text. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Result<z.output<S>> {
  const parsed = schema.safeParse(input ?? {});
  return parsed.success ? ok(parsed.data) : validationFailure(parsed.error);
}
