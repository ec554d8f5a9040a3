/**
 * The one way a JSON request body is parsed on every interface: bounded in depth (a 100,000-deep
 * body must be a 400, not a stack overflow in whatever walks it next) and answered as a typed
 * failure when it is not JSON.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { MAX_JSON_DEPTH, parseBoundedJson } from '@palisade/policy';

/** Parses a request body as JSON; an empty (or blank) body is `{}`. */
export function parseJsonBody(bodyText: string): Result<unknown> {
  if (bodyText.trim() === '') return ok({});
  const parsed = parseBoundedJson(bodyText);
  if (parsed.ok) return ok(parsed.value);
  return parsed.reason === 'too-deep'
    ? fail('request.invalid', `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`)
    : fail('request.malformed-body', 'The request body is not valid JSON.');
}
