/**
 * The operator's routes over tenant accounts: create (the root's secret is shown once), list, read
 * (with an ETag from the stored version), suspend, reactivate and close (honouring If-Match).
 */
import type { RouteConfig } from '@hono/zod-openapi';
import { redact } from '@palisade/audit';
import { fail, ok, type Result } from '@palisade/failures';
import type { CreatedAccount, tenantAccountOperations } from '@palisade/iam';
import type { Caller, OperationTable } from '@palisade/principals';
import { externalIdSchema } from '@palisade/provisioning';
import { z } from 'zod';
import { runAsChange } from '../change-origin.ts';
import { failureResponse } from '../error-responses.ts';
import type { Authenticate } from '../signed-request.ts';
import { accountTag, versionFromIfMatch } from './entity-tags.ts';
import { errorResponses, ref } from './openapi-document.ts';
import type { ProvisioningDependencies } from './provisioning-routes.ts';
import { type Method, operationId, type RouteSpec } from './route-spec.ts';

/** An account route with its OpenAPI route built at once. */
type AccountSpec = Omit<RouteSpec, 'route' | 'method' | 'path'> & { readonly route: RouteConfig };

/** The operator's account operations. */
export type TenantAccounts = ReturnType<typeof tenantAccountOperations>;

/** What the account routes need. */
export interface AccountDependencies {
  readonly operations: OperationTable;
  readonly accounts: TenantAccounts;
  readonly authenticate: Authenticate;
  /** Present: `POST /v1/accounts` also takes an externalId and a blueprint, built as tenant.created builds them. */
  readonly provisioning?: ProvisioningDependencies;
}

type AccountRecord = CreatedAccount['account'];

const ACCOUNT_ID = /^\d{12}$/;
/** What each status change is called in its change records. */
const STATUS_OPERATIONS = {
  active: 'ReactivateAccount',
  suspended: 'SuspendAccount',
  closed: 'CloseAccount',
};
const DEFAULT_PAGE = 100;

/** The alias rule IAM applies to CreateAccountAlias, taken from that operation's schema. */
export function aliasRule(operations: OperationTable): z.ZodType<string> {
  const schema = operations.CreateAccountAlias?.schema;
  const member = schema instanceof z.ZodObject ? schema.shape.AccountAlias : undefined;
  return member instanceof z.ZodType
    ? (member as z.ZodType<string>)
    : z.string().regex(/^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/);
}

/** Query parameters of `GET /v1/accounts`. */
export const accountPageSchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .describe('Largest number of items to return (1–1000, default 100).'),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional()
    .describe('The `nextCursor` of the previous page.'),
  externalId: z
    .string()
    .max(128)
    .optional()
    .describe("Only the account with this externalId (the back office's id for the tenant)."),
});

const accountIdParams = z.object({
  accountId: z.string().regex(ACCOUNT_ID, 'Member must be 12 digits').describe('A 12-digit account id.'),
});

const ifMatchHeader = z.object({
  'If-Match': z
    .string()
    .optional()
    .describe("Apply the change only if the account is still at this ETag's version (412 otherwise)."),
});

const TAG = 'Accounts (operator)';
const ONLY = 'Only the operator may call this.';
const ETAG = {
  ETag: { description: 'Strong ETag of the account; send it back in If-Match.', schema: { type: 'string' } },
} as const;

/** The OpenAPI route of an account route. */
function accountRoute(
  method: 'get' | 'post' | 'delete',
  path: string,
  summary: string,
  rest: Partial<RouteConfig> & Pick<RouteConfig, 'responses'>,
): RouteConfig {
  return {
    method,
    path,
    operationId: operationId(method, path),
    summary,
    description: ONLY,
    tags: [TAG],
    ...rest,
  };
}

/** An account as REST answers it. */
function accountJson(account: AccountRecord) {
  return {
    accountId: account.accountId,
    ...(account.alias ? { alias: account.alias } : {}),
    ...(account.externalId ? { externalId: account.externalId } : {}),
    status: account.status,
    createdAt: account.createdAt,
  };
}

function encodeCursor(after: string): string {
  return Buffer.from(after, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Result<string> {
  const after = Buffer.from(cursor, 'base64url').toString('utf8');
  return ACCOUNT_ID.test(after)
    ? ok(after)
    : fail('request.invalid', 'The cursor is not one this API issued.');
}

/** The account routes, each a spec over the operator's account operations. */
export function accountRoutes(deps: AccountDependencies): RouteSpec[] {
  const provisioning = deps.provisioning?.provisioning;
  const alias = z.strictObject({
    alias: aliasRule(deps.operations),
    ...(provisioning
      ? {
          externalId: externalIdSchema
            .optional()
            .describe("The back office's id for the tenant: unique, found again with ?externalId="),
          blueprint: z.string().max(64).optional().describe('A blueprint to build the account from'),
        }
      : {}),
  });
  const accountResponse = (description: string) => ({
    description,
    content: { 'application/json': { schema: ref('Account') } },
    headers: ETAG,
  });

  const changeStatus = (status: 'active' | 'suspended' | 'closed', route: RouteConfig): AccountSpec => ({
    route,
    async handle(c, { caller, params }) {
      const accountId = String(params.accountId);
      const ifMatch = c.req.header('if-match');
      const version = ifMatch === undefined ? undefined : versionFromIfMatch(ifMatch);
      if (Number.isNaN(version)) {
        return failureResponse(
          c,
          fail('entity.precondition-failed', `If-Match ${ifMatch} names no version of account ${accountId}.`),
          'rest',
        );
      }
      const changed = await runAsChange(
        c,
        'operator',
        STATUS_OPERATIONS[status],
        caller,
        () => deps.accounts.setStatus(caller as Caller, accountId, status, version),
        { requestParameters: () => ({ accountId }), resources: [accountId] },
      );
      if (!changed.ok) return failureResponse(c, changed, 'rest');
      if (status === 'closed') return c.body(null, 204);
      return c.json(accountJson(changed.value), 200, { etag: accountTag(changed.value.version) });
    },
  });
  const statusRoute = (verb: string, summary: string) =>
    accountRoute('post', `/v1/accounts/{accountId}/${verb}`, summary, {
      request: { params: accountIdParams, headers: ifMatchHeader },
      responses: {
        200: accountResponse('The account after the change.'),
        ...errorResponses([400, 401, 403, 404, 409, 412]),
      },
    });

  const specs: AccountSpec[] = [
    {
      route: accountRoute('post', '/v1/accounts', 'Create a tenant account and its root access key', {
        description: `${ONLY} The root's secret access key is in this response only.`,
        request: { body: { required: true, content: { 'application/json': { schema: alias } } } },
        responses: {
          201: {
            description: 'Created.',
            content: { 'application/json': { schema: ref('CreatedAccount') } },
            headers: {
              ...ETAG,
              Location: { description: 'URL of the created resource.', schema: { type: 'string' } },
            },
          },
          ...errorResponses([400, 401, 403, 409]),
        },
      }),
      async handle(c, { caller, body }) {
        const created = await runAsChange(
          c,
          'operator',
          'CreateAccount',
          caller,
          () => {
            const externalId = typeof body.externalId === 'string' ? body.externalId : undefined;
            const blueprint = typeof body.blueprint === 'string' ? body.blueprint : undefined;
            return provisioning && (externalId || blueprint)
              ? provisioning.tenants.provisionAccount(caller as Caller, {
                  alias: String(body.alias),
                  ...(externalId ? { externalId } : {}),
                  ...(blueprint ? { blueprint } : {}),
                })
              : deps.accounts.createAccount(caller as Caller, String(body.alias));
          },
          {
            requestParameters: () =>
              redact({ alias: body.alias, externalId: body.externalId, blueprint: body.blueprint }),
          },
        );
        if (!created.ok) return failureResponse(c, created, 'rest');
        const { account, rootAccessKey } = created.value;
        return c.json(
          {
            ...accountJson(account),
            rootAccessKey: {
              accessKeyId: rootAccessKey.accessKeyId,
              secretAccessKey: rootAccessKey.secretAccessKey,
            },
          },
          201,
          { location: `/v1/accounts/${account.accountId}`, etag: accountTag(account.version) },
        );
      },
    },
    {
      route: accountRoute('get', '/v1/accounts', 'List tenant accounts in id order', {
        request: { query: accountPageSchema },
        responses: {
          200: {
            description: 'OK.',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    items: { type: 'array', items: ref('Account') },
                    nextCursor: { type: 'string', description: 'Present when there is another page.' },
                  },
                  required: ['items'],
                },
              },
            },
          },
          ...errorResponses([400, 401, 403]),
        },
      }),
      async handle(c, { caller, query }) {
        if (typeof query.externalId === 'string') {
          const found = await deps.accounts.findAccountByExternalId(caller as Caller, query.externalId);
          if (!found.ok && found.code !== 'entity.not-found') return failureResponse(c, found, 'rest');
          return c.json({ items: found.ok ? [accountJson(found.value)] : [] });
        }
        let after: string | undefined;
        if (query.cursor !== undefined) {
          const decoded = decodeCursor(String(query.cursor));
          if (!decoded.ok) return failureResponse(c, decoded, 'rest');
          after = decoded.value;
        }
        const limit = typeof query.limit === 'number' ? query.limit : DEFAULT_PAGE;
        const page = await deps.accounts.listAccounts(caller as Caller, {
          limit,
          ...(after ? { after } : {}),
        });
        if (!page.ok) return failureResponse(c, page, 'rest');
        return c.json({
          items: page.value.accounts.map(accountJson),
          ...(page.value.next ? { nextCursor: encodeCursor(page.value.next) } : {}),
        });
      },
    },
    {
      route: accountRoute('get', '/v1/accounts/{accountId}', 'Read a tenant account', {
        request: { params: accountIdParams },
        responses: { 200: accountResponse('OK.'), ...errorResponses([400, 401, 403, 404]) },
      }),
      async handle(c, { caller, params }) {
        const account = await deps.accounts.getAccount(caller as Caller, String(params.accountId));
        if (!account.ok) return failureResponse(c, account, 'rest');
        return c.json(accountJson(account.value), 200, { etag: accountTag(account.value.version) });
      },
    },
    changeStatus(
      'suspended',
      statusRoute('suspend', 'Suspend an account: every credential of it stops working'),
    ),
    changeStatus('active', statusRoute('reactivate', 'Reactivate a suspended account')),
    changeStatus(
      'closed',
      accountRoute('delete', '/v1/accounts/{accountId}', 'Close an account (final)', {
        request: { params: accountIdParams, headers: ifMatchHeader },
        responses: { 204: { description: 'Closed.' }, ...errorResponses([400, 401, 403, 404, 409, 412]) },
      }),
    ),
  ];
  // Six small schemas: built at once, unlike the identity routes' many.
  return specs.map(({ route, ...spec }) => ({
    ...spec,
    method: route.method as Method,
    path: route.path,
    route: () => route,
  }));
}
