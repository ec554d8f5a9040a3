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

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
