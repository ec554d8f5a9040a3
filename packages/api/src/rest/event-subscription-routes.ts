/**
 * Outbound event subscriptions over REST: create (the `whsec_` secret is in that answer only),
 * list with health, delete, a subscription's deliveries with their attempts, and redelivery of one.
 * A tenant manages its own account's subscriptions; the operator, with its own key, its
 * subscriptions to account events of every account.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import { redact } from '@palisade/audit';
import {
  ACCOUNT_EVENT_TYPES,
  type EventSubscriptions,
  IAM_EVENT_TYPES,
  MAX_LISTED_DELIVERIES,
  MAX_TYPES_PER_SUBSCRIPTION,
  MAX_URL_LENGTH,
} from '@palisade/events';
import type { Caller } from '@palisade/principals';
import type { Context } from 'hono';
import { z } from 'zod';
import { runAsChange } from '../change-origin.ts';
import { failureResponse } from '../error-responses.ts';
import { errorResponses, jsonSchemaOf } from './openapi-document.ts';
import { routeHeading } from './route-docs.ts';
import { type Method, once, type RouteSpec } from './route-spec.ts';

/** What the event subscription routes need. */
export interface EventSubscriptionRouteDependencies {
  readonly subscriptions: EventSubscriptions;
}

const TAG = 'Event subscriptions';
const WHO =
  "A tenant manages its own account's subscriptions: its root, or a principal allowed the action on `arn:<partition>:palisade::<account>:event-subscription/<id>`. The operator's subscriptions take account events of every account.";

const subscriptionIdParams = z.object({
  id: z.string().regex(/^sub_[0-9a-f]{24}$/, 'Member must be a subscription id (sub_…)'),
});
const deliveryParams = subscriptionIdParams.extend({
  deliveryId: z.string().regex(/^msg_[0-9a-z]{31}$/, 'Member must be a delivery id (msg_…)'),
});

/** The body of `POST /v1/event-subscriptions`. */
export const createEventSubscriptionSchema = z.strictObject({
  url: z
    .string()
    .min(1)
    .max(MAX_URL_LENGTH)
    .describe('Where events are POSTed: https, a public address (checked again on every attempt).'),
  types: z
    .array(z.string().min(1).max(64))
    .min(1)
    .max(MAX_TYPES_PER_SUBSCRIPTION)
    .describe(
      `The event types to receive, or \`["*"]\` for all. A tenant: ${IAM_EVENT_TYPES.join(', ')}. The operator: ${ACCOUNT_EVENT_TYPES.join(', ')}.`,
    ),
});

const subscriptionSchema = z.object({
  id: z.string(),
  url: z.string(),
  types: z.array(z.string()),
  state: z
    .enum(['active', 'failing', 'disabled'])
    .describe('`failing` once a delivery gave up, `disabled` after several gave up in a row.'),
  failedDeliveries: z.number().int().describe('Deliveries that gave up since the last success.'),
  failingSince: z.string().optional(),
  createdAt: z.string(),
});

const attemptSchema = z.object({
  at: z.string(),
  outcome: z.enum(['delivered', 'failed', 'timeout', 'refused']),
  statusCode: z.number().int().optional().describe("The receiver's HTTP status, when it answered."),
  error: z.string().optional(),
  durationMs: z.number().int(),
});

const deliverySchema = z.object({
  id: z.string().describe('The `webhook-id` header: the same on every attempt.'),
  type: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  createdAt: z.string(),
  nextAttemptAt: z.string().optional(),
  attempts: z.array(attemptSchema),
});

const deliveriesQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_LISTED_DELIVERIES)
    .optional()
    .describe(`Deliveries to list, newest first (1–${MAX_LISTED_DELIVERIES}, default 50).`),
});

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema: jsonSchemaOf(schema, 'input') } },
});

function subscriptionRoute(
  method: 'get' | 'post' | 'delete',
  path: string,
  summary: string,
  action: string,
  rest: Pick<RouteConfig, 'request' | 'responses'> & { description?: string },
): RouteConfig {
  const { description, ...parts } = rest;
  return {
    ...routeHeading(
      {
        method,
        path,
        summary,
        description: `${description ? `${description} ` : ''}Needs \`${action}\`. ${WHO}`,
        tag: TAG,
      },
      action,
    ),
    ...parts,
  };
}

/** Runs a call that may change something as the caller, through the operator's or the tenant's interface. */
function asChange<T>(
  c: Context,
  operation: string,
  caller: Caller | undefined,
  parameters: Record<string, unknown>,
  run: () => Promise<T>,
): Promise<T> {
  return runAsChange(c, caller?.kind === 'operator' ? 'operator' : 'rest', operation, caller, run, {
    eventSource: 'palisade',
    requestParameters: () => redact(parameters),
  });
}

/** The event subscription routes as specs. */
export function eventSubscriptionRoutes(deps: EventSubscriptionRouteDependencies): RouteSpec[] {
  const { subscriptions } = deps;
  const routes: (Omit<RouteSpec, 'method' | 'path' | 'route'> & { route: RouteConfig })[] = [
    {
      route: subscriptionRoute(
        'post',
        '/v1/event-subscriptions',
        'Subscribe a URL to events',
        'palisade:CreateEventSubscription',
        {
          description:
            'The answer holds the signing secret (`whsec_…`, Standard Webhooks) once; it is stored encrypted and never shown again.',
          request: {
            body: {
              required: true,
              content: { 'application/json': { schema: createEventSubscriptionSchema } },
            },
          },
          responses: {
            201: json(subscriptionSchema.extend({ secret: z.string() }), 'Subscribed.'),
            ...errorResponses([400, 401, 403, 409]),
          },
        },
      ),
      noStore: true,
      async handle(c, { caller, body }) {
        const input = body as { url: string; types: string[] };
        const created = await asChange(
          c,
          'CreateEventSubscription',
          caller,
          { url: input.url.split('?')[0], types: input.types },
          () => subscriptions.create(caller as Caller, input),
        );
        if (!created.ok) return failureResponse(c, created, 'rest');
        return c.json({ ...created.value.subscription, secret: created.value.secret }, 201, {
          location: `/v1/event-subscriptions/${created.value.subscription.id}`,
        });
      },
    },
    {
      route: subscriptionRoute(
        'get',
        '/v1/event-subscriptions',
        'List event subscriptions, with their health',
        'palisade:ListEventSubscriptions',
        {
          responses: {
            200: json(z.object({ items: z.array(subscriptionSchema) }), 'OK.'),
            ...errorResponses([401, 403]),
          },
        },
      ),
      refusesBody: true,
      async handle(c, { caller }) {
        const listed = await subscriptions.list(caller as Caller);
        if (!listed.ok) return failureResponse(c, listed, 'rest');
        return c.json({ items: listed.value });
      },
    },
    {
      route: subscriptionRoute(
        'delete',
        '/v1/event-subscriptions/{id}',
        'Delete an event subscription',
        'palisade:DeleteEventSubscription',
        {
          description: 'Pending deliveries are given up.',
          request: { params: subscriptionIdParams },
          responses: { 204: { description: 'Deleted.' }, ...errorResponses([400, 401, 403, 404]) },
        },
      ),
      refusesBody: true,
      async handle(c, { caller, params }) {
        const id = String(params.id);
        const deleted = await asChange(c, 'DeleteEventSubscription', caller, { id }, () =>
          subscriptions.delete(caller as Caller, id),
        );
        if (!deleted.ok) return failureResponse(c, deleted, 'rest');
        return c.body(null, 204);
      },
    },
    {
      route: subscriptionRoute(
        'get',
        '/v1/event-subscriptions/{id}/deliveries',
        "List a subscription's deliveries and their attempts, newest first",
        'palisade:ListEventDeliveries',
        {
          request: { params: subscriptionIdParams, query: deliveriesQuery },
          responses: {
            200: json(z.object({ items: z.array(deliverySchema) }), 'OK.'),
            ...errorResponses([400, 401, 403, 404]),
          },
        },
      ),
      refusesBody: true,
      async handle(c, { caller, params, query }) {
        const limit = typeof query.limit === 'number' ? query.limit : 50;
        const listed = await subscriptions.deliveries(caller as Caller, String(params.id), limit);
        if (!listed.ok) return failureResponse(c, listed, 'rest');
        return c.json({ items: listed.value });
      },
    },
    {
      route: subscriptionRoute(
        'post',
        '/v1/event-subscriptions/{id}/deliveries/{deliveryId}/redeliver',
        'Deliver an event again',
        'palisade:RedeliverEvent',
        {
          description:
            'Queues a delivered or given-up delivery for a new round of attempts, with the same `webhook-id` (receivers deduplicate on it).',
          request: { params: deliveryParams },
          responses: { 202: { description: 'Queued.' }, ...errorResponses([400, 401, 403, 404]) },
        },
      ),
      refusesBody: true,
      async handle(c, { caller, params }) {
        const id = String(params.id);
        const deliveryId = String(params.deliveryId);
        const queued = await asChange(c, 'RedeliverEvent', caller, { id, deliveryId }, () =>
          subscriptions.redeliver(caller as Caller, id, deliveryId),
        );
        if (!queued.ok) return failureResponse(c, queued, 'rest');
        return c.body(null, 202);
      },
    },
  ];
  return routes.map(({ route, ...spec }) => ({
    ...spec,
    method: route.method as Method,
    path: route.path,
    route: once(() => route),
  }));
}
