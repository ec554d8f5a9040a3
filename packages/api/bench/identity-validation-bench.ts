/**
 * `npx tsx packages/api/bench/identity-validation-bench.ts` (issue #12, item 1): what validating an
 * identity route's input twice costs. A REST request is checked by the route's schema (REST field
 * names, wire shapes, unknown fields refused) and then by the operation's own `parseInput` (AWS member
 * names, the one contract the Query API shares). This times each alone, warm, per request, for
 * representative bodies; compare with a request's server time (`npm run bench:iam`).
 */
import { createSecretBox, parseMasterKey } from '@palisade/credentials';
import { checkPolicyWithEngine, defaultQuotas, type IamContext, iamOperations } from '@palisade/iam';
import { parseInput } from '@palisade/principals';
import { createStoreContext } from '@palisade/store';
import { safeParse } from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { identityRouteSpec } from '../src/rest/identity-handler.ts';
import { identityRoutes } from '../src/rest/identity-routes.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20_000);
const DOCUMENT = {
  Version: '2012-10-17',
  Statement: Array.from({ length: 10 }, (_, i) => ({
    Sid: `S${i}`,
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:PutObject'],
    Resource: `arn:aws:s3:::bucket-${i}/*`,
  })),
};
const TAGS = Array.from({ length: 50 }, (_, i) => ({ key: `team-${i}`, value: `value-${i}` }));

/** Each case: the route, its REST body, and the same input under AWS member names. */
const CASES = [
  {
    route: 'post /v1/users',
    body: { userName: 'ada', path: '/engineering/', tags: TAGS.slice(0, 5) },
    input: {
      UserName: 'ada',
      Path: '/engineering/',
      Tags: TAGS.slice(0, 5).map(({ key, value }) => ({ Key: key, Value: value })),
    },
  },
  {
    route: 'put /v1/users/{userName}/inline-policies/{policyName}',
    body: { document: DOCUMENT },
    input: { UserName: 'ada', PolicyName: 'inline', PolicyDocument: JSON.stringify(DOCUMENT) },
  },
  {
    route: 'put /v1/users/{userName}/tags',
    body: { tags: TAGS },
    input: { UserName: 'ada', Tags: TAGS.map(({ key, value }) => ({ Key: key, Value: value })) },
  },
];

function microseconds(run: () => unknown): number {
  for (let i = 0; i < 2_000; i++) run();
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) run();
  return Number(process.hrtime.bigint() - start) / 1_000 / ROUNDS;
}

// Schemas only: nothing here reaches the table (a store client connects on its first request).
const context: IamContext = {
  store: createStoreContext({ tableName: 'bench-unused', endpoint: 'http://127.0.0.1:9' }),
  partition: 'aws',
  now: () => new Date(),
  quotas: defaultQuotas,
  checkPolicy: checkPolicyWithEngine,
  secrets: createSecretBox([parseMasterKey(Buffer.alloc(32, 1).toString('base64'))]),
  passwordHashing: { ln: 10, r: 8, p: 1 },
};
const operations = iamOperations(context);
const routes = identityRoutes();
console.log('| route | route schema (µs) | operation parseInput (µs) |');
console.log('|---|---:|---:|');
for (const { route: key, body, input } of CASES) {
  const route = routes.find((candidate) => `${candidate.method} ${candidate.path}` === key);
  if (!route) throw new Error(`no route ${key}`);
  const config = identityRouteSpec(route, operations).route();
  const media = config.request?.body?.content['application/json'];
  const schema = (media && 'schema' in media ? media.schema : undefined) as $ZodType;
  const routed = safeParse(schema, body);
  const operated = parseInput(operations[route.operation].schema, input);
  if (!routed.success || !operated.ok) throw new Error(`${key}: the sample input is refused`);
  const routeCost = microseconds(() => safeParse(schema, body));
  const operationCost = microseconds(() => parseInput(operations[route.operation].schema, input));
  console.log(`| ${key} | ${routeCost.toFixed(2)} | ${operationCost.toFixed(2)} |`);
}
