/**
 * Provisioning over REST: the operator's webhook secrets and blueprints (SigV4), the signed inbound
 * webhook (Standard Webhooks headers, no SigV4: the signature is the proof) and the owner's setup
 * (`POST /v1/sign-in/setup`, unsigned: the setup token is the proof), which answers like a sign-in.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import { redact } from '@palisade/audit';
import type { Caller } from '@palisade/principals';
import type { ProvisioningService } from '@palisade/provisioning';
import { blueprintSchema } from '@palisade/provisioning';
import { z } from 'zod';
import { runAsChange } from '../change-origin.ts';
import { failureResponse } from '../error-responses.ts';
import { errorResponses, jsonSchemaOf } from './openapi-document.ts';
import { routeHeading } from './route-docs.ts';
import { once, type RouteSpec } from './route-spec.ts';
import { consoleLogin, type SignInDependencies, signInTokensSchema } from './sign-in-routes.ts';

/** What the provisioning routes need. */
export interface ProvisioningDependencies {
  readonly provisioning: ProvisioningService;
  /** The sign-in the owner's setup answers with; absent, `/v1/sign-in/setup` is not served. */
  readonly signIn?: SignInDependencies['signIn'];
}

/** The largest webhook body read (the contract's 256 KB), refused with 413 before any parsing. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const ONLY = 'Only the operator may call this.';

const secretIdParams = z.object({ secretId: z.string().max(64).describe('The id `POST` answered.') });
const blueprintParams = z.object({
  name: z.string().max(64).describe('The blueprint name ([\\w.-], 1–64).'),
});
const setupBody = z.strictObject({
  account: z.string().min(1).max(128).describe('The account alias or 12-digit id'),
  userName: z.string().min(1).max(128),
  setupToken: z.string().min(1).max(128).describe('The `owner.setupToken` of the tenant.created answer'),
  password: z.string().min(1).max(1024).describe("Must meet the account's password policy"),
});
const createdSecret = z.object({
  secretId: z.string(),
  secret: z.string().describe('`whsec_…`: shown only in this answer'),
  createdAt: z.iso.datetime(),
});
const secretList = z.object({
  items: z.array(z.object({ secretId: z.string(), createdAt: z.iso.datetime() })),
});
const applied = z.looseObject({
  status: z.literal('applied'),
  accountId: z.string().optional(),
  owner: z
    .object({
      userName: z.string(),
      setupToken: z.string().optional(),
      setupExpiresAt: z.string().optional(),
    })
    .optional(),
});
const event = z.object({
  type: z.enum([
    'tenant.created',
    'tenant.suspended',
    'tenant.reactivated',
    'tenant.deleted',
    'member.upserted',
    'member.removed',
  ]),
  timestamp: z.iso.datetime(),
  data: z.record(z.string(), z.unknown()),
});

/** One provisioning route's document. */
function provisioningRoute(
  method: 'get' | 'post' | 'put' | 'delete',
  path: string,
  summary: string,
  shape: {
    readonly tag: string;
    readonly description: string;
    readonly security?: 'none';
    readonly params?: z.ZodObject;
    readonly body?: z.ZodType | Record<string, unknown>;
    readonly answer?: { readonly status: 200 | 201; readonly schema: z.ZodType };
    readonly errors: readonly number[];
  },
): () => RouteConfig {
  return once(() => {
    const schema = shape.body;
    return {
      ...routeHeading({ method, path, summary, description: shape.description, tag: shape.tag }, undefined),
      ...(shape.security === 'none' ? { security: [] } : {}),
      request: {
        ...(shape.params ? { params: shape.params } : {}),
        ...(schema ? { body: { required: true, content: { 'application/json': { schema } } } } : {}),
      },
      responses: {
        ...(shape.answer
          ? {
              [shape.answer.status]: {
                description: 'OK.',
                content: { 'application/json': { schema: jsonSchemaOf(shape.answer.schema, 'input') } },
              },
            }
          : { 204: { description: 'Done; no content.' } }),
        ...errorResponses(shape.errors),
      },
    } as RouteConfig;
  });
}

/** The operator's routes over webhook secrets and blueprints, and the webhook and setup routes. */
export function provisioningRoutes(deps: ProvisioningDependencies): RouteSpec[] {
  const { provisioning } = deps;
  const SECRETS = 'Provisioning (operator)';
  const routes: RouteSpec[] = [
    {
      method: 'post',
      path: '/v1/provisioning/secrets',
      refusesBody: true,
      noStore: true,
      route: provisioningRoute('post', '/v1/provisioning/secrets', 'Create an inbound webhook secret', {
        tag: SECRETS,
        description: `${ONLY} The \`whsec_…\` secret is in this answer only; several may be live at once (rotation).`,
        answer: { status: 201, schema: createdSecret },
        errors: [400, 401, 403, 409],
      }),
      async handle(c, { caller }) {
        const created = await runAsChange(c, 'operator', 'CreateWebhookSecret', caller, () =>
          provisioning.secrets.createSecret(caller as Caller),
        );
        if (!created.ok) return failureResponse(c, created, 'rest');
        return c.json(created.value, 201, NO_STORE);
      },
    },
    {
      method: 'get',
      path: '/v1/provisioning/secrets',
      route: provisioningRoute('get', '/v1/provisioning/secrets', 'List the inbound webhook secrets', {
        tag: SECRETS,
        description: `${ONLY} Ids and creation times; never a secret.`,
        answer: { status: 200, schema: secretList },
        errors: [401, 403],
      }),
      async handle(c, { caller }) {
        const listed = await provisioning.secrets.listSecrets(caller as Caller);
        if (!listed.ok) return failureResponse(c, listed, 'rest');
        return c.json({ items: listed.value });
      },
    },
    {
      method: 'delete',
      path: '/v1/provisioning/secrets/{secretId}',
      route: provisioningRoute(
        'delete',
        '/v1/provisioning/secrets/{secretId}',
        'Delete an inbound webhook secret',
        {
          tag: SECRETS,
          description: `${ONLY} Deliveries signed with it stop verifying at once.`,
          params: secretIdParams,
          errors: [401, 403, 404],
        },
      ),
      async handle(c, { caller, params }) {
        const secretId = String(params.secretId);
        const deleted = await runAsChange(
          c,
          'operator',
          'DeleteWebhookSecret',
          caller,
          () => provisioning.secrets.deleteSecret(caller as Caller, secretId),
          { requestParameters: () => ({ secretId }), resources: [secretId] },
        );
        if (!deleted.ok) return failureResponse(c, deleted, 'rest');
        return c.body(null, 204);
      },
    },
    {
      method: 'post',
      path: '/v1/provisioning/webhooks',
      unsigned: true,
      rawBody: true,
      noStore: true,
      bodyLimit: WEBHOOK_BODY_LIMIT,
      route: provisioningRoute('post', '/v1/provisioning/webhooks', 'Receive a signed provisioning event', {
        tag: 'Provisioning webhooks',
        security: 'none',
        description:
          'Standard Webhooks: `webhook-id`, `webhook-timestamp` (within 5 minutes), `webhook-signature` by a live secret. ' +
          'A bad signature is 401, a body over 256 KB 413, an unknown type or invalid data 422 with `error.fields`; ' +
          'none of these changes anything. The same webhook-id again answers its first 200 or 422.',
        body: jsonSchemaOf(event, 'input'),
        answer: { status: 200, schema: applied },
        errors: [401, 404, 409, 413, 422],
      }),
      async handle(c) {
        const answer = await provisioning.webhooks.receive(
          {
            headers: {
              id: c.req.header('webhook-id'),
              timestamp: c.req.header('webhook-timestamp'),
              signature: c.req.header('webhook-signature'),
            },
            body: String(c.get('body')),
          },
          (verified, apply) =>
            runAsChange(c, 'provisioning', verified.type, undefined, apply, {
              eventName: verified.type,
              requestParameters: () => redact({ ...verified.data }),
            }),
        );
        if (!answer.ok) return failureResponse(c, answer, 'rest');
        return c.json(answer.value, 200);
      },
    },
    {
      method: 'put',
      path: '/v1/blueprints/{name}',
      route: provisioningRoute('put', '/v1/blueprints/{name}', 'Create or replace a blueprint', {
        tag: 'Blueprints (operator)',
        description: `${ONLY} Every policy document is checked as IAM checks it (policy.malformed, with \`error.fields\`).`,
        params: blueprintParams,
        body: jsonSchemaOf(blueprintSchema, 'input'),
        answer: { status: 200, schema: blueprintAnswer() },
        errors: [400, 401, 403],
      }),
      async handle(c, { caller, params }) {
        const name = String(params.name);
        const put = await runAsChange(
          c,
          'operator',
          'PutBlueprint',
          caller,
          () => provisioning.blueprints.putBlueprint(caller as Caller, name, c.get('body')),
          { requestParameters: () => ({ name }), resources: [name] },
        );
        if (!put.ok) return failureResponse(c, put, 'rest');
        return c.json(put.value);
      },
    },
    {
      method: 'get',
      path: '/v1/blueprints/{name}',
      route: provisioningRoute('get', '/v1/blueprints/{name}', 'Read a blueprint', {
        tag: 'Blueprints (operator)',
        description: ONLY,
        params: blueprintParams,
        answer: { status: 200, schema: blueprintAnswer() },
        errors: [401, 403, 404],
      }),
      async handle(c, { caller, params }) {
        const found = await provisioning.blueprints.getBlueprint(caller as Caller, String(params.name));
        if (!found.ok) return failureResponse(c, found, 'rest');
        return c.json(found.value);
      },
    },
    {
      method: 'delete',
      path: '/v1/blueprints/{name}',
      route: provisioningRoute('delete', '/v1/blueprints/{name}', 'Delete a blueprint', {
        tag: 'Blueprints (operator)',
        description: `${ONLY} Tenants built from it keep what it gave them.`,
        params: blueprintParams,
        errors: [401, 403, 404],
      }),
      async handle(c, { caller, params }) {
        const name = String(params.name);
        const deleted = await runAsChange(
          c,
          'operator',
          'DeleteBlueprint',
          caller,
          () => provisioning.blueprints.deleteBlueprint(caller as Caller, name),
          { requestParameters: () => ({ name }), resources: [name] },
        );
        if (!deleted.ok) return failureResponse(c, deleted, 'rest');
        return c.body(null, 204);
      },
    },
  ];
  const signIn = deps.signIn;
  if (!signIn) return routes;
  const setup = {
    method: 'post',
    path: '/v1/sign-in/setup',
    unsigned: true,
    noStore: true,
    bodyLimit: 16 * 1024,
    route: provisioningRoute('post', '/v1/sign-in/setup', "Set a provisioned owner's first password", {
      tag: 'Sign-in',
      security: 'none',
      description:
        "Trades the owner's single-use setup token (7 days) for a first password, which must meet the account's " +
        'password policy, and answers exactly as `POST /v1/sign-in` does.',
      body: setupBody,
      answer: { status: 200, schema: signInTokensSchema },
      errors: [400, 401, 403, 429],
    }),
    async handle(c, { body }) {
      const { account, userName, setupToken, password } = body;
      const set = await runAsChange(
        c,
        'provisioning',
        'CompleteSetup',
        undefined,
        () => provisioning.completeSetup({ account, userName, setupToken, password }),
        { requestParameters: () => ({ account, userName }) },
      );
      if (!set.ok) return failureResponse(c, set, 'rest');
      const { sourceIp } = c.get('origin');
      const signedIn = await runAsChange(
        c,
        'sign-in',
        'SignIn',
        undefined,
        () => signIn({ account, userName, password }, sourceIp ? { sourceIp } : {}),
        consoleLogin(false),
      );
      if (!signedIn.ok) return failureResponse(c, signedIn, 'rest');
      return c.json(signedIn.value, 200, NO_STORE);
    },
  } satisfies RouteSpec<z.output<typeof setupBody>>;
  return [...routes, setup];
}

function blueprintAnswer() {
  return z.looseObject({ name: z.string(), updatedAt: z.iso.datetime() });
}
