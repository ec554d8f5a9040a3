/** The shape of one decision question, as the REST API and the batch route accept it. */
import { z } from 'zod';

const contextValue = z.union([
  z.string().max(1024),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string().max(1024), z.number(), z.boolean()])).max(100),
]);

/** `{principal | token, action, resource, context}`; `principal` and `token` are mutually exclusive. */
export const decisionRequestSchema = z
  .object({
    principal: z.string().min(1).max(2048).optional(),
    token: z.string().min(1).max(8192).optional(),
    action: z
      .string()
      .max(256)
      .regex(/^[A-Za-z0-9-]{1,64}:[A-Za-z0-9_-]{1,128}$/, 'must be "service:Action" without wildcards'),
    resource: z.string().min(1).max(2048),
    context: z.record(z.string().min(1).max(256), contextValue).optional(),
  })
  .strict()
  .refine((body) => !(body.principal !== undefined && body.token !== undefined), {
    message: 'give "principal" or "token", not both',
  })
  .refine((body) => Object.keys(body.context ?? {}).length <= 100, { message: 'at most 100 context keys' });

/** One parsed decision question. */
export type DecisionRequest = z.output<typeof decisionRequestSchema>;

/** The most requests one batch may carry. */
export const MAX_BATCH = 100;
