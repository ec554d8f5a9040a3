// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${...} inside plain strings.
/**
 * Fuzzing every route's inputs on a whole platform over DynamoDB Local: whatever arrives (bodies,
 * query strings, path parameters, Authorization variants), the answer is never 5xx, and a request
 * answered 4xx leaves the table as it found it.
 *
 * The REST routes come from the platform's own `/openapi.json` (sign-in's among them), the Query API actions from the operation tables the platform serves, each with its
 * input schema; values are drawn from those schemas and mutated. Runs are bounded and the seed is
 * fixed (override with FUZZ_SEED); a failure prints the seed, the request and the logged error.
 */

import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { iamOperations } from '@palisade/iam';
import { type Caller, rootCaller } from '@palisade/principals';
import fc from 'fast-check';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Platform } from '../functions/wiring/platform.ts';
import { mustRunOperation } from './fixtures/run-operation.ts';
import { type SigningKey, signedRequest } from './fixtures/signed-requests.ts';
import { createTestAccount, createTestPlatform, TEST_OPERATOR } from './fixtures/test-platform.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 1_100_911);
const HOST = 'http://palisade.test';

type JsonSchema = { readonly [key: string]: unknown };

let platform: Platform;
let accountId: string;
let root: SigningKey;
let alice: SigningKey;
/** Alice's sign-in session: an access JWT for Bearer requests. */
let session: { accessToken: string; refreshToken: string };
/**
 * Stands in for a real refresh token in drawn values; each request that carries it gets a token
 * from a sign-in of its own. One token replayed would revoke its family (the reuse rule, a refused
 * request that writes on purpose), so its second use would depend on which test drew it first.
 */
const FRESH_REFRESH_TOKEN = `${'FreshRefreshToken'.padEnd(22, '0')}.${'StandsInForARealOne'.padEnd(43, '0')}`;
const loggedErrors: unknown[] = [];

beforeAll(async () => {
  platform = await createTestPlatform({
    prefix: 'fuzz',
    log: (entry) => {
      if (entry.level === 'error') loggedErrors.push(entry);
    },
  });
  const account = await createTestAccount(platform, 'fuzz-acme');
  accountId = account.accountId;
  root = account;
  // Something to find, so that lookups by name or ARN reach the code behind a hit as well as a miss.
  const ops = iamOperations(platform.iam);
  const asRoot = (action: string, input: object) =>
    mustRunOperation(ops, rootCaller('aws', accountId) as Caller, action, input);
  await asRoot('CreateUser', { UserName: 'alice', Tags: [{ Key: 'team', Value: 'blue' }] });
  const key = (await asRoot('CreateAccessKey', { UserName: 'alice' })) as {
    AccessKey: { AccessKeyId: string; SecretAccessKey: string };
  };
  alice = { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };
  await asRoot('CreateGroup', { GroupName: 'admins' });
  await asRoot('AddUserToGroup', { GroupName: 'admins', UserName: 'alice' });
  await asRoot('CreateRole', { RoleName: 'deployer', AssumeRolePolicyDocument: trustPolicy() });
  await asRoot('CreatePolicy', { PolicyName: 'ReadDocs', PolicyDocument: POLICY });
  await asRoot('PutUserPolicy', { UserName: 'alice', PolicyName: 'inline1', PolicyDocument: POLICY });
  await asRoot('CreateLoginProfile', { UserName: 'alice', Password: PASSWORD });
  // A user no drawn value names, so fuzzed sign-ins and password changes cannot lock it out.
  await asRoot('CreateUser', { UserName: TOKEN_USER });
  await asRoot('CreateLoginProfile', { UserName: TOKEN_USER, Password: PASSWORD });
  session = await signInAs('alice');
}, 60_000);

/** The user whose sign-ins mint the refresh tokens drawn values stand in for. */
const TOKEN_USER = 'token-minter-0q7z';

/** Signs a user in: a new sign-in session, with a refresh token nothing has used yet. */
async function signInAs(userName: string): Promise<{ accessToken: string; refreshToken: string }> {
  const signedIn = await platform.app.request(`${HOST}/v1/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // By id: drawn requests may change the account's alias.
    body: JSON.stringify({ account: accountId, userName, password: PASSWORD }),
  });
  expect(signedIn.status).toBe(200);
  return (await signedIn.json()) as { accessToken: string; refreshToken: string };
}

const PASSWORD = 'Correct-Horse-9-Battery';

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Read', Effect: 'Allow', Action: 'docs:Read', Resource: '*' }],
});
const trustPolicy = () =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' },
    ],
  });
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Values that mean something to some route: names, ARNs, documents, numbers, dates, cursors. */
function interestingStrings(): string[] {
  const arn = (resource: string) => `arn:aws:iam::${accountId}:${resource}`;
  return [
    'alice',
    'Alice',
    'admins',
    'deployer',
    'ReadDocs',
    'inline1',
    'nobody',
    '/',
    '/team/',
    '',
    ' ',
    '.',
    '..',
    'a/b',
    'a#b',
    `ACCT#${accountId}`,
    '__proto__',
    'constructor',
    '\u0000',
    '\uD800',
    'ü😀',
    'a'.repeat(129),
    'x'.repeat(5000),
    arn('user/alice'),
    arn('group/admins'),
    arn('role/deployer'),
    arn('policy/ReadDocs'),
    arn('root'),
    arn('policy/missing'),
    `arn:aws:sts::${accountId}:assumed-role/deployer/s1`,
    `arn:aws:docs:us-east-1:${accountId}:doc/readme`,
    'arn:aws:iam::palisade:policy/ReadOnlyAccess',
    'arn:aws:iam::aws:policy/AdministratorAccess',
    'arn:aws:iam::999999999999:role/other',
    'arn:aws:iam::*:role/*',
    'arn:',
    `${arn('policy/')}${'p'.repeat(2000)}`,
    POLICY,
    trustPolicy(),
    '{}',
    '[]',
    'null',
    '{"Version":"2012-10-17","Statement":[]}',
    '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:username":"*a*a*a*"}}}}',
    '{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"*","NotResource":"*","Condition":{"ForAnyValue:IpAddress":{"aws:SourceIp":"::/0"}}}}',
    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":${nested(40)}}}}]}`,
    nested(40),
    '{',
    'docs:Read',
    'iam:*',
    '*',
    '${aws:username}',
    '-1',
    '0',
    '3600',
    '43200',
    '99999999999999999999',
    '1e309',
    'NaN',
    'true',
    '2024-01-01T00:00:00Z',
    '2024-02-31T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    'v1',
    'v2',
    'v0',
    Buffer.from('2030-01-01T00:00:00.000Z#r#1').toString('base64url'),
    Buffer.from('/zzz').toString('base64url'),
    '%%%',
    alice.accessKeyId,
    alice.accessKeyId.toLowerCase(),
    'AKIA1',
    'ASIAAAAAAAAAAAAAAAAA',
    '123456',
    'e30.e30.e30',
    FRESH_REFRESH_TOKEN,
    `${FRESH_REFRESH_TOKEN}x`,
    PASSWORD,
    'fuzz-acme',
  ];
}

const text = () =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...interestingStrings()) },
    { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  );

/**
 * Values for a JSON schema. Clean values follow it (pool strings that fit the pattern and length,
 * numbers in range, required members present) so requests reach the operations; dirty ones stray
 * from it at any node.
 */
function fromSchema(
  schema: JsonSchema | undefined,
  root: JsonSchema,
  clean: boolean,
  depth = 0,
): fc.Arbitrary<unknown> {
  const anything = fc.jsonValue({ maxDepth: 2 });
  if (schema === undefined || depth > 6) return clean ? text() : anything;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').at(-1) ?? '';
    const defs = { ...(root.$defs as object), ...((root.components as JsonSchema)?.schemas as object) };
    return fromSchema((defs as Record<string, JsonSchema>)[name], root, clean, depth + 1);
  }
  const shaped = shapedBy(schema, root, clean, depth);
  return clean
    ? shaped
    : fc.oneof(
        { weight: 6, arbitrary: shaped },
        { weight: 1, arbitrary: text() },
        { weight: 1, arbitrary: anything },
      );
}

function shapedBy(
  schema: JsonSchema,
  root: JsonSchema,
  clean: boolean,
  depth: number,
): fc.Arbitrary<unknown> {
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (branches) return fc.oneof(...branches.map((branch) => fromSchema(branch, root, clean, depth + 1)));
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const members = Object.fromEntries(
        Object.entries(properties).map(([name, inner]) => [name, fromSchema(inner, root, clean, depth + 1)]),
      );
      const required = ((schema.required ?? []) as string[]).filter((name) => name in members);
      return fc.record(members, { requiredKeys: clean ? required : [] });
    }
    case 'array': {
      const minLength = Math.min(Number(schema.minItems ?? 0), 3);
      return fc.array(fromSchema(schema.items as JsonSchema, root, clean, depth + 1), {
        minLength: clean ? minLength : 0,
        maxLength: Math.max(minLength, Math.min(Number(schema.maxItems ?? 3), 3)),
      });
    }
    case 'integer':
    case 'number': {
      if (!clean) return fc.oneof(fc.integer(), fc.constantFrom(0, -1, 900, 3600, 2 ** 53, 1.5, 1e300));
      const min = Number(schema.minimum ?? 0);
      const max = Number(schema.maximum ?? 100_000);
      return fc.integer({ min: Math.ceil(min), max: Math.max(Math.ceil(min), Math.floor(max)) });
    }
    case 'boolean':
      return fc.boolean();
    case 'string':
      return clean ? fittingText(schema) : text();
    default:
      return clean ? text() : fc.jsonValue({ maxDepth: 2 });
  }
}

/** Pool strings that satisfy a string schema (pattern, length), or strings built from its pattern. */
function fittingText(schema: JsonSchema): fc.Arbitrary<string> {
  const min = Number(schema.minLength ?? 0);
  const max = Number(schema.maxLength ?? Number.POSITIVE_INFINITY);
  let pattern: RegExp | undefined;
  try {
    pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern, 'u') : undefined;
  } catch {
    pattern = undefined;
  }
  const fitting = interestingStrings().filter(
    (value) => value.length >= min && value.length <= max && (pattern?.test(value) ?? true),
  );
  if (fitting.length > 0) return fc.constantFrom(...fitting);
  if (pattern)
    return fc.stringMatching(pattern).filter((value) => value.length >= min && value.length <= max);
  return fc.string({ minLength: min, maxLength: Math.min(max, min + 24) });
}

/** How a request proves (or fails to prove) who sends it. */
type Proof =
  | { readonly kind: 'root' | 'alice' | 'operator' | 'bearer' | 'presigned' | 'unsigned' }
  | { readonly kind: 'key-id'; readonly accessKeyId: string }
  | { readonly kind: 'header'; readonly name: string; readonly value: string };

const proof: fc.Arbitrary<Proof> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'root' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'alice' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'operator' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'bearer' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'presigned' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'unsigned' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          'akiaabcdefghijklmnop',
          'AKIA1',
          'ASIA',
          'ASIAabc',
          'AKIAAAAAAAAAAAAAAAAA',
          'AKIDEXAMPLE',
        ),
        fc.stringMatching(/^[A-Za-z0-9]{1,40}$/),
      )
      .map((accessKeyId) => ({ kind: 'key-id' as const, accessKeyId })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'),
        fc.oneof(
          fc.constantFrom(
            'Bearer e30.e30.e30',
            'Bearer ',
            'AWS4-HMAC-SHA256 Credential=akiaabcdefghijklmnop/20240101/us-east-1/palisade/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
            `AWS4-HMAC-SHA256 Credential=AKIA1/20240101/us-east-1/palisade/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
            'AWS4-HMAC-SHA256 Credential=/, SignedHeaders=, Signature=',
            '20241301T250000Z',
            'UNSIGNED-PAYLOAD',
          ),
          fc.string({ maxLength: 60 }),
        ),
      )
      .map(([name, value]) => ({ kind: 'header' as const, name, value })),
  },
);

/** The keys a clean request is signed with. */
const cleanProof: fc.Arbitrary<Proof> = fc.constantFrom<Proof>(
  { kind: 'root' },
  { kind: 'root' },
  { kind: 'alice' },
);

/** A generated request before it is signed. */
interface Draft {
  readonly service: 'palisade' | 'iam' | 'sts';
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly proof: Proof;
}

async function build(draft: Draft): Promise<Request> {
  const base = { service: draft.service, method: draft.method, path: draft.path, body: draft.body };
  const sign = (key: SigningKey, presign = false) =>
    signedRequest({ ...base, key, contentType: draft.contentType, headers: draft.headers, presign });
  switch (draft.proof.kind) {
    case 'root':
      return sign(root);
    case 'alice':
      return sign(alice);
    case 'operator':
      return sign(TEST_OPERATOR);
    case 'presigned':
      return sign(root, true);
    case 'key-id':
      return sign({ accessKeyId: draft.proof.accessKeyId, secretAccessKey: root.secretAccessKey });
    case 'unsigned':
    case 'bearer':
    case 'header': {
      const headers = new Headers({ 'content-type': draft.contentType, ...draft.headers });
      if (draft.proof.kind === 'bearer') headers.set('authorization', `Bearer ${session.accessToken}`);
      let request = new Request(`${HOST}${draft.path}`, {
        method: draft.method,
        headers,
        ...(draft.method === 'GET' || draft.method === 'HEAD' ? {} : { body: draft.body }),
      });
      if (draft.proof.kind === 'header') {
        const signed = await sign(root);
        const mutated = new Headers(signed.headers);
        mutated.set(draft.proof.name, draft.proof.value);
        request = new Request(signed, { headers: mutated });
      }
      return request;
    }
  }
}

/** The table's items as comparable text, without what legitimately moves on a refused request. */
async function snapshot(): Promise<string[]> {
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await platform.store.documents.send(
      new ScanCommand({
        TableName: platform.store.tableName,
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) {
      const pk = String(item.pk);
      // Refused sign-ins are counted on purpose (throttling), a refused refresh with a reused token
      // revokes its family on purpose, and a key's last use is written on authentication, before
      // the operation is refused.
      if (pk.startsWith('SIGN-IN-THROTTLE#') || pk.includes('SIGN-IN-ATTEMPTS#')) continue;
      if (pk.startsWith('SIGN-IN-SESSION#')) continue;
      // A refused call files its audit event on purpose (the audit trail's contract): the event
      // alone, in its trail's partition (its lookup copies are the sealer's).
      if (pk.endsWith('#AUDIT')) continue;
      // Access advisor counts attempts, refused ones too (as AWS does): telemetry written off the
      // request path, at most hourly per principal and service.
      if (pk.includes('#LAST-ACCESS#')) continue;
      const { lastUsedAt: _at, lastUsedService: _service, lastUsedRegion: _region, ...stable } = item;
      items.push(JSON.stringify(stable, Object.keys(stable).sort()));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort();
}

let before: string[] | undefined;
/** Answers by status class, so a run that never gets past authentication shows up as vacuous. */
const answered = { success: 0, refused: 0 };

/** Sends a draft and checks the two promises; returns a description when one is broken. */
async function check(drawn: Draft): Promise<void> {
  let draft = drawn;
  if (draft.path.includes(FRESH_REFRESH_TOKEN) || draft.body.includes(FRESH_REFRESH_TOKEN)) {
    const { refreshToken } = await signInAs(TOKEN_USER);
    const fresh = (value: string) => value.replaceAll(FRESH_REFRESH_TOKEN, refreshToken);
    draft = { ...draft, path: fresh(draft.path), body: fresh(draft.body) };
    // The sign-in is set-up, not the request under test: compare against the table after it.
    before = undefined;
  }
  before ??= await snapshot();
  loggedErrors.length = 0;
  const response = await platform.app.request(await build(draft));
  const answer = await response.text();
  const describe = () =>
    `seed ${SEED}: ${draft.method} ${draft.path} (${draft.service}, ${JSON.stringify(draft.proof)})\n` +
    `body: ${draft.body.slice(0, 500)}\nanswer ${response.status}: ${answer.slice(0, 300)}\n` +
    `logged: ${JSON.stringify(loggedErrors).slice(0, 1500)}`;
  if (response.status >= 500) throw new Error(`5xx answer\n${describe()}`);
  const after = await snapshot();
  if (response.status >= 400 && JSON.stringify(after) !== JSON.stringify(before)) {
    const added = after.filter((item) => !before?.includes(item));
    const removed = before.filter((item) => !after.includes(item));
    throw new Error(
      `a refused request changed the table\n${describe()}\n+ ${added.join('\n+ ')}\n- ${removed.join('\n- ')}`,
    );
  }
  before = after;
  if (response.status < 400) answered.success++;
  else answered.refused++;
}

/** A fuzz run that reached the operations: some requests succeeded, and some were refused. */
function expectBothOutcomes(runs: number) {
  expect(answered.success + answered.refused).toBe(runs);
  expect(answered.success).toBeGreaterThan(runs / 40);
  expect(answered.refused).toBeGreaterThan(runs / 10);
}

// Sized for under a minute on two cores; FUZZ_RUNS scales them for a longer hunt.
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const REST_RUNS = Math.round(260 * SCALE);
const QUERY_RUNS = Math.round(220 * SCALE);
const runs = (count: number) => ({ seed: SEED, numRuns: count, endOnFailure: true });

/** A named parameter with its schema. */
interface Parameter {
  readonly name: string;
  readonly schema?: JsonSchema;
}

interface RestRoute {
  readonly method: string;
  readonly path: string;
  readonly params: readonly Parameter[];
  readonly query: readonly Parameter[];
  readonly body?: JsonSchema;
  readonly signed: boolean;
}

/** Every REST route /openapi.json documents (sign-in's among them). */
async function restRoutes(): Promise<{ routes: RestRoute[]; document: JsonSchema }> {
  const response = await platform.app.request(`${HOST}/openapi.json`);
  const document = (await response.json()) as JsonSchema;
  const routes: RestRoute[] = [];
  for (const [path, operations] of Object.entries(document.paths as Record<string, JsonSchema>)) {
    for (const [method, operation] of Object.entries(operations as Record<string, JsonSchema>)) {
      const parameters = (operation.parameters ?? []) as (Parameter & { in: string })[];
      const named = (where: string) =>
        parameters
          .filter((p) => p.in === where)
          .map(({ name, schema }) => ({ name, ...(schema ? { schema } : {}) }));
      const content = (operation.requestBody as JsonSchema | undefined)?.content as JsonSchema | undefined;
      const body = (content?.['application/json'] as JsonSchema | undefined)?.schema as
        | JsonSchema
        | undefined;
      routes.push({
        method: method.toUpperCase(),
        path,
        params: named('path'),
        query: named('query'),
        ...(body ? { body } : {}),
        signed: !(Array.isArray(operation.security) && operation.security.length === 0),
      });
    }
  }
  return { routes, document };
}

describe('every input to every route', () => {
  beforeEach(() => {
    before = undefined;
    answered.success = 0;
    answered.refused = 0;
  });

  it('never answers the REST and decision routes with 5xx, and a refusal changes nothing', async () => {
    const { routes, document } = await restRoutes();
    expect(routes.length).toBeGreaterThan(90);
    const request = fc.tuple(fc.constantFrom(...routes), fc.boolean()).chain(([route, clean]) => {
      const params = route.params.map((param) =>
        clean
          ? fromSchema(param.schema ?? { type: 'string' }, document, true).map((v) => pathSegment(String(v)))
          : fc.oneof(
              { weight: 9, arbitrary: text().map(pathSegment) },
              { weight: 1, arbitrary: fc.constantFrom('%', '%ZZ', '..', '%2e%2e', 'a%00b', '%2F') },
            ),
      );
      const query = clean
        ? fc.record(
            Object.fromEntries(
              route.query.map((q) => [q.name, fromSchema(q.schema, document, true).map(String)]),
            ),
            { requiredKeys: [] },
          )
        : fc.dictionary(
            fc.oneof(
              { weight: 4, arbitrary: fc.constantFrom(...route.query.map((q) => q.name), 'x') },
              { weight: 1, arbitrary: fc.string() },
            ),
            text(),
            { maxKeys: 3 },
          );
      const shapedBody = route.body
        ? fromSchema(route.body, document, clean).map((value) => JSON.stringify(value) ?? '')
        : fc.constant('');
      const body = clean
        ? shapedBody
        : fc.oneof(
            { weight: 8, arbitrary: shapedBody },
            {
              weight: 1,
              arbitrary: fc.constantFrom(
                '',
                '{',
                'null',
                '[]',
                '"x"',
                '{"a":1,"a":2}',
                nested(100_000),
                '\uFEFF{}',
              ),
            },
          );
      return fc.record({
        route: fc.constant(route),
        params: fc.tuple(...params),
        query: query as fc.Arbitrary<Record<string, string>>,
        body,
        ifMatch: clean
          ? fc.constant(undefined)
          : fc.option(fc.constantFrom('"1"', '*', 'W/"x"', '"999999999999"'), { nil: undefined }),
        contentType: clean
          ? fc.constant('application/json')
          : fc.constantFrom('application/json', 'text/plain', ''),
        proof: !route.signed ? fc.constant<Proof>({ kind: 'unsigned' }) : clean ? cleanProof : proof,
      });
    });
    await fc.assert(
      fc.asyncProperty(request, async (drawn) => {
        let index = 0;
        const path = drawn.route.path.replace(/\{\w+\}/g, () => drawn.params[index++] ?? '');
        const search = new URLSearchParams(drawn.query).toString().replace(/\+/g, '%20');
        await check({
          service: 'palisade',
          method: drawn.route.method,
          path: search ? `${path}?${search}` : path,
          body: drawn.route.method === 'GET' || drawn.route.method === 'HEAD' ? '' : drawn.body,
          contentType: drawn.contentType,
          headers: drawn.ifMatch ? { 'if-match': drawn.ifMatch } : {},
          proof: drawn.proof,
        });
      }),
      runs(REST_RUNS),
    );
    expectBothOutcomes(REST_RUNS);
  }, 120_000);

  it('never answers the Query API (IAM and STS) with 5xx, and a refusal changes nothing', async () => {
    const { document } = await restRoutes();
    const webIdentity = (
      (document.paths as JsonSchema)['/v1/sts/assume-role-with-web-identity'] as JsonSchema
    ).post as JsonSchema;
    const webIdentityBody = (
      ((webIdentity.requestBody as JsonSchema).content as JsonSchema)['application/json'] as JsonSchema
    ).schema as JsonSchema;
    // The unsigned action has no schema of its own: its REST body names the same members.
    const pascal = (schema: JsonSchema): JsonSchema => ({
      type: 'object',
      properties: Object.fromEntries(
        Object.entries(schema.properties as Record<string, JsonSchema>).map(([name, inner]) => [
          name.charAt(0).toUpperCase() + name.slice(1),
          inner,
        ]),
      ),
    });
    const toJson = (schema: z.ZodType) =>
      z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    const actions: { service: 'iam' | 'sts'; action: string; schema: JsonSchema; signed: boolean }[] = [
      ...Object.entries(platform.queryActions.iam).map(([action, handler]) => ({
        service: 'iam' as const,
        action,
        schema: toJson(handler.schema),
        signed: true,
      })),
      ...Object.entries(platform.queryActions.sts).map(([action, handler]) => ({
        service: 'sts' as const,
        action,
        schema: toJson(handler.schema),
        signed: true,
      })),
      ...platform.queryActions.unsignedSts.map((action) => ({
        service: 'sts' as const,
        action,
        schema: pascal(webIdentityBody),
        signed: false,
      })),
    ];
    expect(actions.length).toBeGreaterThan(80);
    const request = fc.tuple(fc.constantFrom(...actions), fc.boolean()).chain(([entry, clean]) => {
      const version = entry.service === 'iam' ? '2010-05-08' : '2011-06-15';
      return fc.record({
        entry: fc.constant(entry),
        input: fromSchema(entry.schema, entry.schema, clean),
        extra: clean
          ? fc.constant<Record<string, string>>({})
          : fc.dictionary(
              fc.oneof(
                fc.string({ maxLength: 12 }),
                fc.constantFrom('Tags.member.0.Key', 'A.member.1', 'Action'),
              ),
              text(),
              { maxKeys: 2 },
            ),
        version: clean
          ? fc.constant(version)
          : fc.oneof(
              { weight: 6, arbitrary: fc.constant(version) },
              { weight: 1, arbitrary: fc.constantFrom('2010-05-08', '2011-06-15', '', 'x') },
            ),
        method: clean ? fc.constant('POST') : fc.constantFrom('POST', 'GET'),
        proof: !entry.signed ? fc.constant<Proof>({ kind: 'unsigned' }) : clean ? cleanProof : proof,
      });
    });
    await fc.assert(
      fc.asyncProperty(request, async (drawn) => {
        const form = new URLSearchParams({ Action: drawn.entry.action, Version: drawn.version });
        flatten(form, '', drawn.input);
        for (const [name, value] of Object.entries(drawn.extra)) form.append(name, value);
        const encoded = form.toString().replace(/\+/g, '%20');
        const get = drawn.method === 'GET';
        await check({
          service: drawn.entry.service,
          method: drawn.method,
          path: get ? `/?${encoded}` : '/',
          body: get ? '' : encoded,
          contentType: 'application/x-www-form-urlencoded; charset=utf-8',
          headers: {},
          proof: drawn.proof,
        });
      }),
      runs(QUERY_RUNS),
    );
    expectBothOutcomes(QUERY_RUNS);
  }, 120_000);
});

/** Percent-encodes a path segment; a lone surrogate (which encodeURIComponent refuses) as U+FFFD's bytes. */
function pathSegment(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** Writes a value as Query protocol parameters: lists as `X.member.N`, structures as `X.Y`. */
function flatten(form: URLSearchParams, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      flatten(form, `${name}.member.${index + 1}`, item);
    });
  } else if (typeof value === 'object') {
    for (const [member, inner] of Object.entries(value))
      flatten(form, name ? `${name}.${member}` : member, inner);
  } else if (name !== '') {
    form.append(name, String(value));
  }
}
