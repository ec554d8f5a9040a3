/**
 * The one translation of a zod error into a failure, in a module of its own: it needs zod's types
 * only, so the authorize function's bundle (zod/mini) can use it without any input schema.
 */
import { type Failure, fail } from '@palisade/failures';
import type { z } from 'zod';

/**
 * The one translation of a zod error into a failure, for every interface: the first few problems
 * as one `request.invalid`, in the wording IAM uses for ValidationError. Never quotes a value (a
 * body may hold a password).
 */
export function validationFailure(error: z.core.$ZodError): Failure {
  // A value the schema reads but IAM refuses as InvalidInput (a reserved tag key), not ValidationError.
  const invalidInput = error.issues.find(
    (issue) => issue.code === 'custom' && issue.params?.[INVALID_INPUT] === true,
  );
  if (invalidInput) return fail('request.invalid-input', invalidInput.message);
  const problems = error.issues.slice(0, 5).map((issue) => {
    const at = issue.path.length ? issue.path.map(String).join('.') : 'input';
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      return `Value null at '${lowerFirst(at)}' failed to satisfy constraint: Member must not be null`;
    }
    return `Value at '${lowerFirst(at)}' failed to satisfy constraint: ${issue.message}`;
  });
  const count = error.issues.length;
  return fail(
    'request.invalid',
    `${count} validation error${count === 1 ? '' : 's'} detected: ${problems.join('; ')}`,
  );
}

const INVALID_INPUT = 'palisadeInvalidInput';

/**
 * A refinement's issue that `validationFailure` answers as IAM's InvalidInput with `message`:
 * `schema.refine(check, invalidInputIssue('…'))`.
 */
export function invalidInputIssue(message: string): { message: string; params: Record<string, boolean> } {
  return { message, params: { [INVALID_INPUT]: true } };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
