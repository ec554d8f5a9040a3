/**
 * The decision routes as route specs: the HTTP behaviour every spec shares (405 with Allow for a
 * known path, the caller handed to the service) and the fail-closed status from the failure table.
 */

import { ok } from '@palisade/failures';
import { type Caller, rootCaller } from '@palisade/principals';
import { describe, expect, it } from 'vitest';
import { createDecisionsApp, type DecisionRouteInput } from '../src/decisions-app.ts';
import { errorTable } from '../src/error-table.ts';
import { createPlatformApp } from '../src/platform-app.ts';

const caller = rootCaller('aws', '123456789012');

function platformWith(decisionsApp: ReturnType<typeof createDecisionsApp>) {
  const app = createPlatformApp({ checkHealth: async () => ({ ok: true }), log: () => {} });
  app.route('/', decisionsApp);
  return app;
}

describe('decision routes', () => {
  it('answers another method on a decision route 405 with the methods it allows', async () => {
    const app = platformWith(
      createDecisionsApp({
        authenticate: async () => ok({ caller }),
        authorize: async () => ok({ reason: 'no-grant' }),
        getResourcePolicy: async () => ok({}),
      }),
    );
    const wrong = await app.request('/v1/authorize', { method: 'GET' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe(
      'request.method-not-allowed',
    );
    const post = await app.request('/v1/resource-policies/arn%3Aaws%3Adocs%3A%3A1%3Adoc%2Fa', {
      method: 'POST',
    });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it("hands the service the caller and the ARN, and answers an unmade decision with the table's status", async () => {
    const heard: { caller: Caller; input: DecisionRouteInput }[] = [];
    const app = platformWith(
      createDecisionsApp({
        authenticate: async () => ok({ caller }),
        authorize: async () => ok({ decision: 'implicitDeny', reason: 'platform-unavailable' }),
        getResourcePolicy: async (who, input) => {
          heard.push({ caller: who, input });
          return ok({ resourceArn: input.params.arn });
        },
      }),
    );
    const unmade = await app.request('/v1/authorize', { method: 'POST', body: '{}' });
    expect(unmade.status).toBe(errorTable['platform.unavailable'].status);
    expect(await unmade.json()).toEqual({ decision: 'implicitDeny', reason: 'platform-unavailable' });
    const read = await app.request('/v1/resource-policies/arn%3Aaws%3Adocs%3A%3A1%3Adoc%2Fa');
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ resourceArn: 'arn:aws:docs::1:doc/a' });
    expect(heard[0]?.caller).toBe(caller);
  });
});
