/** Zod problems as the typed `request.invalid` failure, in the wording IAM uses for ValidationError. */
import { type Failure, fail } from '@palisade/failures';
import type { z } from 'zod';

/** The first few problems of a failed parse, as one `request.invalid` failure. */
export function validationFailure(error: z.ZodError): Failure {
  const problems = error.issues.slice(0, 5).map((issue) => {
    const at = issue.path.length ? issue.path.map(String).join('.') : 'input';
    return `Value at '${at}' failed to satisfy constraint: ${issue.message}`;
  });
  const count = error.issues.length;
  return fail(
    'request.invalid',
    `${count} validation error${count === 1 ? '' : 's'} detected: ${problems.join('; ')}`,
  );
}
