/**
 * The shape of one decision question, as the REST API and the batch route accept it (and as the
 * OpenAPI document describes it). Written with zod's tree-shakable `zod/mini` API: this module is
 * on the authorize function's cold path, where the full zod build would be most of the bundle
 * (see `npm run bench:authorize`).
 */
import * as z from 'zod/mini';
import { CONTEXT_LIMITS, CONTEXT_TOTALS_MESSAGE, withinContextTotals } from './context-limits.ts';

// Built on first use, not at import: constructing zod schemas is a few milliseconds of the
// authorize function's cold start, which the first question pays once instead.
function buildDecisionRequestSchema() {
  const scalar = z.union([
    z.string().check(z.maxLength(CONTEXT_LIMITS.valueLength)),
    z.number(),
    z.boolean(),
  ]);
  const contextValue = z.union([scalar, z.array(scalar).check(z.maxLength(100))]);
  return z
    .strictObject({
      principal: z.optional(
        z
          .string()
          .check(
            z.minLength(1),
            z.maxLength(2048),
            z.describe(
              'The ARN of the user, role, root or role session (assumed-role ARN) the question is about. Defaults to the caller. Exclusive with `token`.',
            ),
          ),
      ),
      token: z.optional(
        z
          .string()
          .check(
            z.minLength(1),
            z.maxLength(8192),
            z.describe(
              'A sign-in access token (JWT): the question is about its session. Exclusive with `principal`.',
            ),
          ),
      ),
      action: z
        .string()
        .check(
          z.maxLength(256),
          z.regex(/^[A-Za-z0-9-]{1,64}:[A-Za-z0-9_-]{1,128}$/, 'must be "service:Action" without wildcards'),
          z.describe('`service:Action`, without wildcards.'),
        ),
      resource: z
        .string()
        .check(
          z.minLength(1),
          z.maxLength(2048),
          z.describe('The resource ARN, or `*` for an action without a resource.'),
        ),
      context: z.optional(
        z
          .record(z.string().check(z.minLength(1), z.maxLength(256)), contextValue)
          .check(
            z.describe(
              'Condition keys and their values (at most 100 keys, 1,000 values and 65,536 characters in all, 1,024 characters a value; a list makes a multivalued key). Keys the platform owns (`aws:PrincipalTag/*`, `aws:MultiFactorAuthPresent`, `aws:CurrentTime`, …) are ignored and listed in `ignoredContextKeys`.',
            ),
          ),
      ),
    })
    .check(
      z.refine((body) => !(body.principal !== undefined && body.token !== undefined), {
        message: 'give "principal" or "token", not both',
      }),
      z.refine((body) => Object.keys(body.context ?? {}).length <= CONTEXT_LIMITS.keys, {
        message: `at most ${CONTEXT_LIMITS.keys} context keys`,
      }),
      z.refine((body) => withinContextTotals(Object.values(body.context ?? {})), {
        message: CONTEXT_TOTALS_MESSAGE,
      }),
    );
}

let built: ReturnType<typeof buildDecisionRequestSchema> | undefined;

/** `{principal | token, action, resource, context}`; `principal` and `token` are mutually exclusive (built once, on first use). */
export function decisionRequestSchema(): ReturnType<typeof buildDecisionRequestSchema> {
  built ??= buildDecisionRequestSchema();
  return built;
}

/** One parsed decision question. */
export type DecisionRequest = z.output<ReturnType<typeof buildDecisionRequestSchema>>;

/** The most requests one batch may carry. */
export const MAX_BATCH = 100;
