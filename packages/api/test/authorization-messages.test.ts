import { type DeniedRequest, fail } from '@palisade/failures';
import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { SealAuthorizationMessage } from '../src/authorization-messages.ts';
import { failureResponse } from '../src/error-responses.ts';
import { createPlatformApp } from '../src/platform-app.ts';

const denied: DeniedRequest = {
  accountId: '123456789012',
  principal: { id: 'AIDAEXAMPLE', name: 'dana', arn: 'arn:aws:iam::123456789012:user/dana' },
  action: 'iam:ListUsers',
  resource: '*',
  explicitDeny: false,
  matchedStatements: [],
  failures: [],
  context: {},
};
const MESSAGE = 'User: arn:aws:iam::123456789012:user/dana is not authorized to perform: iam:ListUsers';

/** An app answering one failure over REST and Query, with `seal` as the platform's sealer when given. */
function appWith(seal: SealAuthorizationMessage | undefined, failure: Parameters<typeof failureResponse>[1]) {
  const app = createPlatformApp({
    checkHealth: async () => ({ ok: true }),
    log: () => {},
    ...(seal ? { sealAuthorizationMessage: seal } : {}),
  });
  app.get('/rest', (c) => failureResponse(c, failure, 'rest'));
  app.get('/query', (c) => failureResponse(c, failure, 'aws-query'));
  return app;
}
const restMessage = async (app: Hono) =>
  ((await (await app.request('/rest')).json()) as { error: { message: string } }).error.message;

describe('the encoded authorization message of AccessDenied answers', () => {
  it('appends the sealed denial to REST AccessDenied messages, never to Query ones (AWS IAM and STS have none)', async () => {
    const app = appWith((d) => `sealed-${d.action}`, {
      ...fail('access.denied', MESSAGE),
      authorization: denied,
    });
    expect(await restMessage(app)).toBe(
      `${MESSAGE} Encoded authorization failure message: sealed-iam:ListUsers`,
    );
    const xml = await (await app.request('/query')).text();
    expect(xml).toContain(`<Message>${MESSAGE}</Message>`);
  });

  it('leaves the message as it is without a sealer, without denial facts, or when sealing fails', async () => {
    const withFacts = { ...fail('access.denied', MESSAGE), authorization: denied };
    expect(await restMessage(appWith(undefined, withFacts))).toBe(MESSAGE);
    expect(await restMessage(appWith(() => 'sealed', fail('access.denied', MESSAGE)))).toBe(MESSAGE);
    expect(await restMessage(appWith(() => undefined, withFacts))).toBe(MESSAGE);
    const throwing: SealAuthorizationMessage = () => {
      throw new Error('no key');
    };
    const answer = await appWith(throwing, withFacts).request('/rest');
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toBe(MESSAGE);
  });
});
