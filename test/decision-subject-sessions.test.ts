/**
 * A warm subject is reused across questions about the same principal, but never across the
 * session a question names: a question by ARN has no session keys, a question by access token
 * carries its sign-in session's, whatever was asked before about the same user.
 */
import { iamOperations } from '@palisade/iam';
import { operatorCaller, rootCaller } from '@palisade/principals';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../functions/wiring/platform.ts';
import { mustRunOperation } from './fixtures/run-operation.ts';
import { createTestAccount, createTestPlatform, TEST_OPERATOR } from './fixtures/test-platform.ts';

const PASSWORD = 'Subject-Sessions-Password-7';
const operator = operatorCaller(TEST_OPERATOR.accessKeyId);
let platform: Platform;
let A: string;
let accessToken: string;

beforeAll(async () => {
  platform = await createTestPlatform({ prefix: 'subject-sessions' });
  A = (await createTestAccount(platform, 'subject-sessions')).accountId;
  const iam = (action: string, input: object) =>
    mustRunOperation(iamOperations(platform.iam), rootCaller('aws', A), action, input);
  await iam('CreateUser', { UserName: 'erin' });
  await iam('PutUserPolicy', {
    UserName: 'erin',
    PolicyName: 'signed-in',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'docs:Read',
          Resource: '*',
          // Present only for a question about a session (here: a sign-in's access token).
          Condition: { Null: { 'aws:TokenIssueTime': 'false' } },
        },
      ],
    }),
  });
  await iam('CreateLoginProfile', { UserName: 'erin', Password: PASSWORD });
  const signedIn = await platform.app.request('/v1/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account: 'subject-sessions', userName: 'erin', password: PASSWORD }),
  });
  if (signedIn.status !== 200) throw new Error(`sign-in answered ${signedIn.status}`);
  ({ accessToken } = (await signedIn.json()) as { accessToken: string });
});

describe('a warm subject', () => {
  it('answers by ARN and by access token each with its own session keys, in any order', async () => {
    const resource = `arn:aws:docs:us-east-1:${A}:doc/1`;
    const byArn = { principal: `arn:aws:iam::${A}:user/erin`, action: 'docs:Read', resource };
    const byToken = { token: accessToken, action: 'docs:Read', resource };
    const decide = async (question: object) => {
      const result = await platform.decisions.decisions.authorize(operator, question, 'req');
      return result.ok ? result.value.decision : result.code;
    };
    expect([await decide(byArn), await decide(byToken), await decide(byArn), await decide(byToken)]).toEqual([
      'implicitDeny',
      'allowed',
      'implicitDeny',
      'allowed',
    ]);
  });
});
