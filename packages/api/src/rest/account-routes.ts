/**
 * The operator's routes over tenant accounts: create (the root's secret is shown once), list, read
 * (with an ETag from the stored version), suspend, reactivate and close (honouring If-Match).
 */
import { fail, ok, type Result } from '@palisade/failures';
import {
  type CreatedAccount,
  type OperationTable,
  type tenantAccountOperations,
  validationFailure,
} from '@palisade/iam';
import type { Context, Handler } from 'hono';
import { z } from 'zod';
import { runAsChange } from '../change-origin.ts';
import { failureResponse } from '../error-responses.ts';
import type { Authenticate } from '../signed-request.ts';
import { accountTag, versionFromIfMatch } from './entity-tags.ts';
import { authenticateRequest, parseJsonObject, unknownFieldFailure } from './rest-request.ts';
import type { Method } from './route-model.ts';

/** The operator's account operations. */
export type TenantAccounts = ReturnType<typeof tenantAccountOperations>;

/** What the account routes need. */
export interface AccountDependencies {
  readonly operations: OperationTable;
  readonly accounts: TenantAccounts;
  readonly authenticate: Authenticate;
}

/** A route over accounts. */
export interface AccountRoute {
  readonly method: Method;
  readonly path: string;
  readonly handler: Handler;
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
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
});

/** An account as REST answers it. */
function accountJson(account: AccountRecord) {
  return {
    accountId: account.accountId,
    ...(account.alias ? { alias: account.alias } : {}),
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

function accountIdParam(c: Context): Result<string> {
  const accountId = c.req.param('accountId') ?? '';
  return ACCOUNT_ID.test(accountId)
    ? ok(accountId)
    : fail('request.invalid', `Value at 'accountId' failed to satisfy constraint: Member must be 12 digits`);
}

/** The account routes, each a handler over the operator's account operations. */
export function accountRoutes(deps: AccountDependencies): AccountRoute[] {
  const alias = z.object({ alias: aliasRule(deps.operations) });

  const createAccount: Handler = async (c) => {
    const request = await authenticateRequest(c, deps.authenticate);
    if (!request.ok) return failureResponse(c, request, 'rest');
    const body = parseJsonObject(request.value.bodyText);
    if (!body.ok) return failureResponse(c, body, 'rest');
    const unknown = unknownFieldFailure(body.value, ['alias']);
    if (unknown) return failureResponse(c, unknown, 'rest');
    const parsed = alias.safeParse(body.value);
    if (!parsed.success) return failureResponse(c, validationFailure(parsed.error), 'rest');
    const { caller } = request.value;
    const created = await runAsChange(c, 'operator', 'CreateAccount', caller, () =>
      deps.accounts.createAccount(caller, parsed.data.alias),
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
  };

  const listAccounts: Handler = async (c) => {
    const request = await authenticateRequest(c, deps.authenticate);
    if (!request.ok) return failureResponse(c, request, 'rest');
    const query = accountPageSchema.safeParse({ limit: c.req.query('limit'), cursor: c.req.query('cursor') });
    if (!query.success) return failureResponse(c, validationFailure(query.error), 'rest');
    let after: string | undefined;
    if (query.data.cursor !== undefined) {
      const decoded = decodeCursor(query.data.cursor);
      if (!decoded.ok) return failureResponse(c, decoded, 'rest');
      after = decoded.value;
    }
    const page = await deps.accounts.listAccounts(request.value.caller, {
      limit: query.data.limit ?? DEFAULT_PAGE,
      ...(after ? { after } : {}),
    });
    if (!page.ok) return failureResponse(c, page, 'rest');
    return c.json({
      items: page.value.accounts.map(accountJson),
      ...(page.value.next ? { nextCursor: encodeCursor(page.value.next) } : {}),
    });
  };

  const getAccount: Handler = async (c) => {
    const request = await authenticateRequest(c, deps.authenticate);
    if (!request.ok) return failureResponse(c, request, 'rest');
    const accountId = accountIdParam(c);
    if (!accountId.ok) return failureResponse(c, accountId, 'rest');
    const account = await deps.accounts.getAccount(request.value.caller, accountId.value);
    if (!account.ok) return failureResponse(c, account, 'rest');
    return c.json(accountJson(account.value), 200, { etag: accountTag(account.value.version) });
  };

  const changeStatus =
    (status: 'active' | 'suspended' | 'closed'): Handler =>
    async (c) => {
      const request = await authenticateRequest(c, deps.authenticate);
      if (!request.ok) return failureResponse(c, request, 'rest');
      const accountId = accountIdParam(c);
      if (!accountId.ok) return failureResponse(c, accountId, 'rest');
      const ifMatch = c.req.header('if-match');
      const version = ifMatch === undefined ? undefined : versionFromIfMatch(ifMatch);
      if (Number.isNaN(version)) {
        return failureResponse(
          c,
          fail(
            'entity.precondition-failed',
            `If-Match ${ifMatch} names no version of account ${accountId.value}.`,
          ),
          'rest',
        );
      }
      const { caller } = request.value;
      const changed = await runAsChange(c, 'operator', STATUS_OPERATIONS[status], caller, () =>
        deps.accounts.setStatus(caller, accountId.value, status, version),
      );
      if (!changed.ok) return failureResponse(c, changed, 'rest');
      if (status === 'closed') return c.body(null, 204);
      return c.json(accountJson(changed.value), 200, { etag: accountTag(changed.value.version) });
    };

  return [
    { method: 'post', path: '/v1/accounts', handler: createAccount },
    { method: 'get', path: '/v1/accounts', handler: listAccounts },
    { method: 'get', path: '/v1/accounts/{accountId}', handler: getAccount },
    { method: 'post', path: '/v1/accounts/{accountId}/suspend', handler: changeStatus('suspended') },
    { method: 'post', path: '/v1/accounts/{accountId}/reactivate', handler: changeStatus('active') },
    { method: 'delete', path: '/v1/accounts/{accountId}', handler: changeStatus('closed') },
  ];
}
