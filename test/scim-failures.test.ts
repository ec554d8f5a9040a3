/**
 * SCIM fails closed with a SCIM error body (issue #13): an unexpected store error is a 500 whose
 * body is RFC 7644 §3.12's, naming nothing of the cause (a table the DynamoDB Local does not have:
 * every store call fails with an error no route expects).
 */
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../functions/wiring/platform.ts';
import { TEST_OPERATOR } from './fixtures/test-platform.ts';
import { createMissingTableStore } from './fixtures/test-table.ts';

const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

async function missingTablePlatform(log: (entry: Record<string, unknown>) => void) {
  const store = createMissingTableStore();
  const endpoint = await store.dynamodb.config.endpoint?.();
  if (!endpoint) throw new Error('test store has no endpoint');
  return createPlatform(
    {
      tableName: store.tableName,
      dynamodbEndpoint: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`,
      operatorAccessKeyId: TEST_OPERATOR.accessKeyId,
      operatorSecretAccessKey: TEST_OPERATOR.secretAccessKey,
      masterKey: Buffer.alloc(32, 3).toString('base64'),
      partition: 'aws',
    },
    log,
  );
}

describe('SCIM on an unexpected internal error', () => {
  it('answers 500 with a SCIM error body that hides the cause, and logs it', async () => {
    const logged: Record<string, unknown>[] = [];
    const platform = await missingTablePlatform((entry) => logged.push(entry));
    const response = await platform.app.request('http://palisade.test/scim/v2/Users', {
      method: 'POST',
      headers: { authorization: `Bearer pscim_${'a'.repeat(43)}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ userName: 'ada@example.com' }),
    });
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/scim+json');
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      schemas: [SCIM_ERROR],
      status: '500',
      detail: 'We encountered an internal error. Please try again.',
    });
    expect(text).not.toMatch(/no-such-table|ResourceNotFound|dynamo/i);
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'error', requestId: response.headers.get('x-request-id') }),
    );
  });
});
