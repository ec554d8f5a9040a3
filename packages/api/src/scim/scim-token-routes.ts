/**
 * The SCIM token routes of the REST API: `POST /v1/scim/tokens` (the secret is in that answer
 * only), `GET /v1/scim/tokens` (no secrets; last use) and `DELETE /v1/scim/tokens/{tokenId}`,
 * authorized as `palisade:CreateScimToken`, `ListScimTokens` and `DeleteScimToken` (root: always).
 */
import type { RouteConfig } from '@hono/zod-openapi';
import type { Caller } from '@palisade/principals';
import { createScimTokenSchema, type ScimTokens } from '@palisade/scim';
import { z } from 'zod';
import { runAsChange } from '../change-origin.ts';
import { failureResponse } from '../error-responses.ts';
import { errorResponses, jsonSchemaOf } from '../rest/openapi-document.ts';
import { routeHeading } from '../rest/route-docs.ts';
import { type Method, once, type RouteSpec } from '../rest/route-spec.ts';

const TAG = 'SCIM provisioning';

const tokenSchema = z.object({
  tokenId: z.string(),
  name: z.string(),
  createdAt: z.string().describe('ISO 8601'),
  lastUsedAt: z.string().optional().describe('ISO 8601; recorded at most once a minute.'),
});
const createdSchema = tokenSchema
  .omit({ lastUsedAt: true })
  .extend({ token: z.string().describe('The bearer token for /scim/v2: shown in this answer only.') });
const tokenIdParams = z.object({
  tokenId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{22}$/, 'a token id')
    .describe('The token to revoke.'),
});

function tokenRoute(
  method: 'get' | 'post' | 'delete',
  path: string,
  summary: string,
  action: string,
  rest: Partial<RouteConfig> & Pick<RouteConfig, 'responses'>,
): RouteConfig {
  return {
    ...routeHeading(
      {
        method,
        path,
        summary,
        description: `Needs \`${action}\` (the account's root always may).`,
        tag: TAG,
      },
      action,
    ),
    ...rest,
  };
}

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema: jsonSchemaOf(schema) } },
});

/** The SCIM token routes as specs. */
export function scimTokenRoutes(tokens: ScimTokens): RouteSpec[] {
  const routes: (Omit<RouteSpec, 'method' | 'path' | 'route'> & { route: RouteConfig })[] = [
    {
      route: tokenRoute(
        'post',
        '/v1/scim/tokens',
        'Create a SCIM token for an identity provider',
        'palisade:CreateScimToken',
        {
          request: {
            body: { required: true, content: { 'application/json': { schema: createScimTokenSchema } } },
          },
          responses: {
            201: json(createdSchema, 'Created; the token is shown only here.'),
            ...errorResponses([400, 401, 403, 409]),
          },
        },
      ),
      noStore: true,
      async handle(c, { caller, body }) {
        const created = await runAsChange(
          c,
          'rest',
          'CreateScimToken',
          caller,
          () => tokens.create(caller as Caller, body),
          {
            // Managing tokens is one of Palisade's own REST operations; what tokens do is scim.palisade.
            eventSource: 'palisade',
            requestParameters: () => ({ name: body.name }),
          },
        );
        if (!created.ok) return failureResponse(c, created, 'rest');
        return c.json(created.value, 201, { location: `/v1/scim/tokens/${created.value.tokenId}` });
      },
    },
    {
      route: tokenRoute(
        'get',
        '/v1/scim/tokens',
        "List the account's SCIM tokens (never their secrets)",
        'palisade:ListScimTokens',
        {
          responses: {
            200: json(z.object({ items: z.array(tokenSchema) }), 'The tokens.'),
            ...errorResponses([401, 403]),
          },
        },
      ),
      refusesBody: true,
      async handle(c, { caller }) {
        const listed = await tokens.list(caller as Caller);
        if (!listed.ok) return failureResponse(c, listed, 'rest');
        return c.json({
          items: listed.value.map(({ tokenId, name, createdAt, lastUsedAt }) => ({
            tokenId,
            name,
            createdAt,
            ...(lastUsedAt ? { lastUsedAt } : {}),
          })),
        });
      },
    },
    {
      route: tokenRoute(
        'delete',
        '/v1/scim/tokens/{tokenId}',
        'Revoke a SCIM token',
        'palisade:DeleteScimToken',
        {
          request: { params: tokenIdParams },
          responses: {
            204: { description: 'Revoked: its next request is refused.' },
            ...errorResponses([400, 401, 403, 404]),
          },
        },
      ),
      refusesBody: true,
      async handle(c, { caller, params }) {
        const tokenId = String(params.tokenId);
        const revoked = await runAsChange(
          c,
          'rest',
          'DeleteScimToken',
          caller,
          () => tokens.revoke(caller as Caller, tokenId),
          {
            // Managing tokens is one of Palisade's own REST operations; what tokens do is scim.palisade.
            eventSource: 'palisade',
            requestParameters: () => ({ tokenId }),
            resources: [tokenId],
          },
        );
        if (!revoked.ok) return failureResponse(c, revoked, 'rest');
        return c.body(null, 204);
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
