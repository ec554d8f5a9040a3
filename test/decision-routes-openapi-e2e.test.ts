/**
 * The decision API answers what /openapi.json says: real requests to a running platform, each
 * answer parsed with the schema the document publishes for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  allowedActionsSchema,
  batchResultSchema,
  decisionLogPageSchema,
  decisionLogSettingsSchema,
  decisionResultSchema,
  findingsSchema,
  resourceRegistrationSchema,
  serviceDefinitionSchema,
} from '../packages/api/src/rest/decision-schemas.ts';
import { errorSchema } from '../packages/api/src/rest/response-schemas.ts';
import { serviceDefinitionRequestSchema } from '../packages/decisions/src/service-catalogs.ts';
import { type Credentials, signedJson } from '../packages/decisions/test/support/signed-client.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
let running: RunningPlatform;
let A: string;
let root: Credentials;

const call = (method: string, path: string, body?: unknown) =>
  signedJson(running.url, root, method, path, body, NOW);

/** Sends a request and parses its answer with the documented schema. */
async function documented<T extends z.ZodType>(
  schema: T,
  method: string,
  path: string,
  body?: unknown,
  status = 200,
) {
  const response = await call(method, path, body);
  expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBe(status);
  return schema.parse(response.body) as z.output<T>;
}

beforeAll(async () => {
  running = await startPlatform({ now: () => NOW });
  const account = await running.createAccount('decision-contract');
  A = account.accountId;
  root = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
});
afterAll(() => running?.close());

describe('decision routes against their published schemas', () => {
  it('answers every decision route in the documented shape', async () => {
    const doc = `arn:aws:notes:us-east-1:${A}:note/1`;
    const rootArn = `arn:aws:iam::${A}:root`;
    const service = await documented(
      serviceDefinitionSchema(serviceDefinitionRequestSchema),
      'PUT',
      '/v1/service-catalog/notes',
      {
        actions: ['Read', 'Write'],
        resourceTypes: [
          // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS's ARN-pattern placeholders, not a template
          { name: 'note', arnPattern: 'arn:${Partition}:notes:us-east-1:${Account}:note/${Id}' },
        ],
        conditionKeys: [{ name: 'notes:Stage', type: 'String' }],
      },
    );
    expect(service.prefix).toBe('notes');
    await documented(
      serviceDefinitionSchema(serviceDefinitionRequestSchema),
      'GET',
      '/v1/service-catalog/notes',
    );
    const listed = await call('GET', '/v1/service-catalog');
    expect(listed.body.services.map((s: { prefix: string }) => s.prefix)).toContain('notes');

    const registration = await documented(
      resourceRegistrationSchema,
      'PUT',
      `/v1/resource-policies/${encodeURIComponent(doc)}`,
      {
        policy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: rootArn }, Action: 'notes:Read', Resource: doc }],
        },
        tags: [{ Key: 'team', Value: 'blue' }],
      },
    );
    expect(registration.version).toBe(1);
    await documented(resourceRegistrationSchema, 'GET', `/v1/resource-policies/${encodeURIComponent(doc)}`);

    const decided = await documented(decisionResultSchema, 'POST', '/v1/authorize', {
      action: 'notes:Write',
      resource: doc,
      context: { 'notes:Stage': 'draft', 'aws:CurrentTime': 'now' },
    });
    expect(decided).toMatchObject({ decision: 'allowed', ignoredContextKeys: ['aws:CurrentTime'] });
    const batch = await documented(batchResultSchema, 'POST', '/v1/authorize/batch', {
      requests: [
        { action: 'notes:Read', resource: doc },
        { action: 'not an action', resource: doc },
      ],
    });
    expect(batch.results[1]).toMatchObject({ error: { code: 'request.invalid' } });

    const allowed = await documented(allowedActionsSchema, 'POST', '/v1/allowed-actions', {
      resourceType: 'notes:note',
    });
    expect(allowed.allowedActions.map((a) => a.action)).toEqual(['notes:Read', 'notes:Write']);
    const findings = await documented(findingsSchema, 'POST', '/v1/validate-policy', {
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'notes:Raed', Resource: '*' }],
      },
      policyType: 'IDENTITY_POLICY',
    });
    expect(findings.findings.length).toBeGreaterThan(0);

    await documented(decisionLogSettingsSchema, 'PUT', '/v1/decision-log/settings', { sampleRate: 1 });
    // The new rate reaches the decision service when its cached account state is next revalidated.
    const logPath = '/v1/decision-log?from=2026-11-28T11:00:00Z&to=2026-11-28T13:00:00Z';
    await expect
      .poll(
        async () => {
          await documented(decisionResultSchema, 'POST', '/v1/authorize', {
            action: 'notes:Read',
            resource: doc,
          });
          return (await documented(decisionLogPageSchema, 'GET', logPath)).decisions.length;
        },
        { timeout: 5000, interval: 250 },
      )
      .toBeGreaterThan(0);

    const removed = await call('DELETE', `/v1/resource-policies/${encodeURIComponent(doc)}`);
    expect(removed.status).toBe(204);
    const refused = await documented(
      errorSchema,
      'GET',
      `/v1/resource-policies/${encodeURIComponent(doc)}`,
      undefined,
      404,
    );
    expect(refused.error.code).toBe('entity.not-found');
  });
});
