/** Test support: the OpenAPI document an app publishes at `/openapi.json`, and its operations. */
import type { Hono } from 'hono';
import { expect } from 'vitest';

type Json = Record<string, unknown>;

/** Fetches `/openapi.json` from `app`, which must answer 200. */
export async function documentOf(app: Hono): Promise<Json> {
  const response = await app.request('/openapi.json');
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
}

/** Every operation of `document`, keyed `<method> <path>` in the document's order. */
export function operationsOf(document: Json): Map<string, Json> {
  const paths = document.paths as Record<string, Record<string, Json>>;
  return new Map(
    Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => [`${method} ${path}`, operation] as const),
    ),
  );
}

/** Asserts that `operation` (named `key` in failures) documents a 2xx answer and the 401 Error answer. */
export function expectSuccessAndUnauthorized(operation: Json, key: string): void {
  const responses = operation.responses as Record<string, Json>;
  expect(
    Object.keys(responses).some((status) => /^2\d\d$/.test(status)),
    key,
  ).toBe(true);
  expect(responses['401'], key).toMatchObject({
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
}
