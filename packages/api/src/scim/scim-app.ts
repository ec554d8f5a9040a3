/**
 * SCIM 2.0 (RFC 7643/7644) at `/scim/v2`: `Authorization: Bearer <SCIM token>` alone selects the
 * account; bodies up to 1 MiB; per-token throttling (429 with Retry-After); answers in
 * `application/scim+json` with SCIM error bodies. Every change runs as a change of interface
 * `scim` whose actor is the token (change records and the audit event name its id).
 */
import type { Failure, Result } from '@palisade/failures';
import { parseBoundedJson } from '@palisade/policy';
import type { ChangePrincipal } from '@palisade/principals';
import {
  ERROR_SCHEMA,
  excludes,
  LIST_SCHEMA,
  MAX_PAGE_SIZE,
  matchesIfNoneMatch,
  type PageRequest,
  type Projection,
  pageOf,
  parseScimFilter,
  project,
  projectionOf,
  resourceTypeDocuments,
  type ScimFilter,
  type ScimGroups,
  type ScimPage,
  type ScimRequester,
  type ScimTokenOwner,
  type ScimTokens,
  type ScimUsers,
  schemaDocuments,
  serviceProviderConfig,
} from '@palisade/scim';
import { type Context, Hono } from 'hono';
import { type CallAudit, runAsPrincipal } from '../change-origin.ts';
import { errorTable } from '../error-table.ts';
import { readSignedRequest } from '../signed-request.ts';
import { DEFAULT_SCIM_THROTTLE, type ScimThrottleSettings, scimThrottle } from './scim-throttle.ts';

/** The SCIM base path. */
export const SCIM_BASE_PATH = '/scim/v2';
/** SCIM's media type. */
export const SCIM_CONTENT_TYPE = 'application/scim+json';
/** The largest SCIM request body. */
export const MAX_SCIM_BODY_BYTES = 1024 * 1024;

/** What the SCIM app needs. */
export interface ScimAppDependencies {
  readonly tokens: ScimTokens;
  readonly users: ScimUsers;
  readonly groups: ScimGroups;
  /** The deployment's ARN partition (the token's ARN in change records). */
  readonly partition: string;
  readonly now?: () => Date;
  readonly throttle?: ScimThrottleSettings;
}

type ScimEnv = { Variables: { owner: ScimTokenOwner; requestId: string } };
type ScimContext = Context<ScimEnv>;

/** RFC 7644 §3.12's scimType of a failure: a `scim.*` code names it; uniqueness for a taken name. */
function scimTypeOf(code: Failure['code']): string | undefined {
  if (code.startsWith('scim.'))
    return code.slice(5).replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
  if (code === 'entity.already-exists') return 'uniqueness';
  if (code === 'request.malformed-body') return 'invalidSyntax';
  if (code === 'request.invalid') return 'invalidValue';
  return undefined;
}

function scimJson(
  c: ScimContext,
  body: unknown,
  status: 200 | 201 = 200,
  headers: Record<string, string> = {},
) {
  return c.body(JSON.stringify(body), status, { 'content-type': SCIM_CONTENT_TYPE, ...headers });
}

/** A failure as a SCIM error body, with the status from the one error table. */
export function scimFailureResponse(c: Context, failure: Pick<Failure, 'code' | 'message'>) {
  const { status } = errorTable[failure.code];
  const scimType = scimTypeOf(failure.code);
  const body = {
    schemas: [ERROR_SCHEMA],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail: failure.message,
  };
  return c.body(JSON.stringify(body), status, {
    'content-type': SCIM_CONTENT_TYPE,
    ...(status === 401 ? { 'www-authenticate': 'Bearer realm="scim"' } : {}),
  });
}

function bearerOf(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S{1,200})$/i.exec(header?.trim() ?? '')?.[1];
}

/** Reads a JSON object body (≤ 1 MiB, bounded depth). */
async function objectBody(c: ScimContext): Promise<Result<Record<string, unknown>>> {
  const read = await readSignedRequest(c, MAX_SCIM_BODY_BYTES);
  if (!read.ok) return read;
  const parsed = parseBoundedJson(read.value.bodyText);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value))
    return { ok: false, code: 'scim.invalid-syntax', message: 'The body must be a JSON object.' };
  return { ok: true, value: parsed.value as Record<string, unknown> };
}

function requesterOf(c: ScimContext): ScimRequester {
  return { owner: c.get('owner'), baseUrl: `${new URL(c.req.url).origin}${SCIM_BASE_PATH}` };
}

function listResponse(c: ScimContext, page: ScimPage, projection: Projection) {
  return scimJson(c, {
    schemas: [LIST_SCHEMA],
    totalResults: page.totalResults,
    startIndex: page.startIndex,
    itemsPerPage: page.resources.length,
    Resources: page.resources.map((resource) => project(resource, projection)),
  });
}

function resourceResponse(
  c: ScimContext,
  resource: Record<string, unknown>,
  projection: Projection,
  status: 200 | 201 = 200,
) {
  const meta = resource.meta as { version?: string; location?: string } | undefined;
  return scimJson(c, project(resource, projection), status, {
    ...(meta?.version ? { etag: meta.version } : {}),
    ...(status === 201 && meta?.location ? { location: meta.location } : {}),
  });
}

/** A GET of one resource: 304 when If-None-Match names its version (RFC 7644 §3.14), else the resource. */
function readResponse(c: ScimContext, resource: Record<string, unknown>, projection: Projection) {
  const version = (resource.meta as { version?: string } | undefined)?.version;
  if (version && matchesIfNoneMatch(c.req.header('if-none-match'), version))
    return c.body(null, 304, { etag: version });
  return resourceResponse(c, resource, projection);
}

/** The query's filter, page and projection, or the failure of the first that is malformed. */
function listQuery(
  c: ScimContext,
): Result<{ filter: ScimFilter | undefined; page: PageRequest; projection: Projection }> {
  const text = c.req.query('filter');
  const filter = text === undefined || text.trim() === '' ? undefined : parseScimFilter(text);
  if (filter && !filter.ok) return filter;
  const projection = projectionOf(c.req.query('attributes'), c.req.query('excludedAttributes'));
  if (!projection.ok) return projection;
  return {
    ok: true,
    value: {
      filter: filter?.value,
      page: pageOf(c.req.query('startIndex'), c.req.query('count')),
      projection: projection.value,
    },
  };
}

/** Builds the SCIM app; mount it with `app.route('/', createScimApp(deps))`. */
export function createScimApp(deps: ScimAppDependencies): Hono {
  const now = deps.now ?? (() => new Date());
  const throttle = scimThrottle(deps.throttle ?? DEFAULT_SCIM_THROTTLE);
  const app = new Hono<ScimEnv>().basePath(SCIM_BASE_PATH);

  app.use('*', async function scimAuthentication(c, next) {
    const owner = await deps.tokens.authenticate(bearerOf(c.req.header('authorization')));
    if (!owner.ok) return scimFailureResponse(c, owner);
    const admitted = throttle(owner.value.tokenId, now().getTime());
    if (!admitted.admitted) {
      const response = scimFailureResponse(c, {
        code: 'platform.throttled',
        message: `Too many requests with this SCIM token; retry after ${admitted.retryAfterSeconds} s.`,
      });
      response.headers.set('retry-after', String(admitted.retryAfterSeconds));
      return response;
    }
    c.set('owner', owner.value);
    await next();
  });

  /** Runs a change as the token (interface `scim`, eventSource `scim.palisade`). */
  const asToken = <T>(c: ScimContext, operation: string, run: () => Promise<T>, audit: CallAudit = {}) => {
    const { accountId, tokenId, name } = c.get('owner');
    const principal: ChangePrincipal = {
      type: 'scim-token',
      arn: `arn:${deps.partition}:palisade::${accountId}:scim-token/${tokenId}`,
      accountId,
      principalId: tokenId,
      userName: `scim:${name}`,
    };
    return runAsPrincipal(c, 'scim', operation, principal, run, audit);
  };

  // Discovery (RFC 7644 §4).
  app.get('/ServiceProviderConfig', (c) =>
    scimJson(
      c,
      serviceProviderConfig(requesterOf(c).baseUrl, {
        maxResults: MAX_PAGE_SIZE,
        maxBytes: MAX_SCIM_BODY_BYTES,
      }),
    ),
  );
  const discovery = (path: string, documents: (baseUrl: string) => Record<string, unknown>[]) => {
    app.get(path, (c) => {
      const all = documents(requesterOf(c).baseUrl);
      return scimJson(c, {
        schemas: [LIST_SCHEMA],
        totalResults: all.length,
        startIndex: 1,
        itemsPerPage: all.length,
        Resources: all,
      });
    });
    app.get(`${path}/:id`, (c) => {
      const one = documents(requesterOf(c).baseUrl).find((document) => document.id === c.req.param('id'));
      return one
        ? scimJson(c, one)
        : scimFailureResponse(c, { code: 'entity.not-found', message: `${c.req.param('id')} not found.` });
    });
  };
  discovery('/ResourceTypes', resourceTypeDocuments);
  discovery('/Schemas', schemaDocuments);

  // Users.
  app.get('/Users', async (c) => {
    const query = listQuery(c);
    if (!query.ok) return scimFailureResponse(c, query);
    const page = await deps.users.list(requesterOf(c), query.value.filter, query.value.page);
    return page.ok ? listResponse(c, page.value, query.value.projection) : scimFailureResponse(c, page);
  });
  app.get('/Users/:id', async (c) => {
    const projection = projectionOf(c.req.query('attributes'), c.req.query('excludedAttributes'));
    if (!projection.ok) return scimFailureResponse(c, projection);
    const user = await deps.users.get(requesterOf(c), c.req.param('id'));
    return user.ok ? readResponse(c, user.value, projection.value) : scimFailureResponse(c, user);
  });
  app.post('/Users', async (c) => {
    const body = await objectBody(c);
    if (!body.ok) return scimFailureResponse(c, body);
    const created = await asToken(c, 'CreateUser', () => deps.users.create(requesterOf(c), body.value), {
      requestParameters: () => ({ userName: body.value.userName ?? null }),
    });
    return created.ok ? resourceResponse(c, created.value, {}, 201) : scimFailureResponse(c, created);
  });
  app.put('/Users/:id', async (c) => {
    const body = await objectBody(c);
    if (!body.ok) return scimFailureResponse(c, body);
    const id = c.req.param('id');
    const replaced = await asToken(
      c,
      'ReplaceUser',
      () => deps.users.replace(requesterOf(c), id, body.value, c.req.header('if-match')),
      {
        requestParameters: () => ({ id }),
      },
    );
    return replaced.ok ? resourceResponse(c, replaced.value, {}) : scimFailureResponse(c, replaced);
  });
  app.patch('/Users/:id', async (c) => {
    const body = await objectBody(c);
    if (!body.ok) return scimFailureResponse(c, body);
    const id = c.req.param('id');
    const patched = await asToken(
      c,
      'PatchUser',
      () => deps.users.patch(requesterOf(c), id, body.value, c.req.header('if-match')),
      {
        requestParameters: () => ({ id }),
      },
    );
    return patched.ok ? resourceResponse(c, patched.value, {}) : scimFailureResponse(c, patched);
  });
  app.delete('/Users/:id', async (c) => {
    const id = c.req.param('id');
    const removed = await asToken(
      c,
      'DeleteUser',
      () => deps.users.remove(requesterOf(c), id, c.req.header('if-match')),
      {
        requestParameters: () => ({ id }),
      },
    );
    return removed.ok ? c.body(null, 204) : scimFailureResponse(c, removed);
  });

  // Groups.
  app.get('/Groups', async (c) => {
    const query = listQuery(c);
    if (!query.ok) return scimFailureResponse(c, query);
    const withMembers = !excludes(query.value.projection, 'members');
    const page = await deps.groups.list(requesterOf(c), query.value.filter, query.value.page, withMembers);
    return page.ok ? listResponse(c, page.value, query.value.projection) : scimFailureResponse(c, page);
  });
  app.get('/Groups/:id', async (c) => {
    const projection = projectionOf(c.req.query('attributes'), c.req.query('excludedAttributes'));
    if (!projection.ok) return scimFailureResponse(c, projection);
    const group = await deps.groups.get(
      requesterOf(c),
      c.req.param('id'),
      !excludes(projection.value, 'members'),
    );
    return group.ok ? readResponse(c, group.value, projection.value) : scimFailureResponse(c, group);
  });
  app.post('/Groups', async (c) => {
    const body = await objectBody(c);
    if (!body.ok) return scimFailureResponse(c, body);
    const created = await asToken(c, 'CreateGroup', () => deps.groups.create(requesterOf(c), body.value), {
      requestParameters: () => ({ displayName: body.value.displayName ?? null }),
    });
    return created.ok ? resourceResponse(c, created.value, {}, 201) : scimFailureResponse(c, created);
  });
  app.put('/Groups/:id', async (c) => {
    const body = await objectBody(c);
    if (!body.ok) return scimFailureResponse(c, body);
    const id = c.req.param('id');
    const replaced = await asToken(
      c,
      'ReplaceGroup',
      () => deps.groups.replace(requesterOf(c), id, body.value, c.req.header('if-match')),
      {
        requestParameters: () => ({ id }),
      },
    );
    return replaced.ok ? resourceResponse(c, replaced.value, {}) : scimFailureResponse(c, replaced);
  });
  app.patch('/Groups/:id', async (c) => {
    const body = await objectBody(c);
    if (!body.ok) return scimFailureResponse(c, body);
    const id = c.req.param('id');
    const requester = requesterOf(c);
    const patched = await asToken(
      c,
      'PatchGroup',
      () => deps.groups.patch(requester, id, body.value, c.req.header('if-match')),
      {
        requestParameters: () => ({ id }),
      },
    );
    if (!patched.ok) return scimFailureResponse(c, patched);
    // No body unless asked for: a big group's member list is not re-sent for every member added.
    const asked = c.req.query('attributes') ?? c.req.query('excludedAttributes');
    if (asked === undefined) return c.body(null, 204, { etag: deps.groups.versionOf(patched.value) });
    const projection = projectionOf(c.req.query('attributes'), c.req.query('excludedAttributes'));
    if (!projection.ok) return scimFailureResponse(c, projection);
    const resource = await deps.groups.resourceOf(
      requester,
      patched.value,
      !excludes(projection.value, 'members'),
    );
    return resourceResponse(c, resource, projection.value);
  });
  app.delete('/Groups/:id', async (c) => {
    const id = c.req.param('id');
    const removed = await asToken(
      c,
      'DeleteGroup',
      () => deps.groups.remove(requesterOf(c), id, c.req.header('if-match')),
      {
        requestParameters: () => ({ id }),
      },
    );
    return removed.ok ? c.body(null, 204) : scimFailureResponse(c, removed);
  });

  // Optional operations ServiceProviderConfig says are not supported (bulk.supported false).
  for (const path of ['/Bulk', '/.search', '/Users/.search', '/Groups/.search'])
    app.post(path, (c) =>
      scimFailureResponse(c, {
        code: 'request.not-implemented',
        message: `${path.slice(1)} is not supported by this service provider (see /ServiceProviderConfig).`,
      }),
    );

  app.all('*', (c) =>
    scimFailureResponse(c, {
      code: 'entity.not-found',
      message: `No SCIM endpoint ${c.req.method} ${new URL(c.req.url).pathname}.`,
    }),
  );
  return app as unknown as Hono;
}
