/**
 * The Query API with a remembered key (the management interfaces revalidate it on every call): the
 * revalidation overlaps the operation's own reads, so reads take one sequential DynamoDB round trip
 * and writes two, while nothing is written or answered for a caller the fresh state would refuse.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../functions/wiring/platform.ts';
import {
  attachRecorder,
  type DynamoDbRecorder,
  sequentialRoundTrips,
} from '../scripts/bench-iam/dynamodb-recorder.ts';
import { type SigningKey, signedQueryRequest } from './fixtures/signed-requests.ts';
import { createTestAccount, createTestPlatform } from './fixtures/test-platform.ts';

let platform: Platform;
let recorder: DynamoDbRecorder;
let root: SigningKey;
let accountId: string;

async function query(key: SigningKey, parameters: Record<string, string>) {
  const response = await platform.app.request(await signedQueryRequest(key, 'iam', parameters));
  return { status: response.status, body: await response.text() };
}

async function must(key: SigningKey, parameters: Record<string, string>) {
  const answer = await query(key, parameters);
  if (answer.status !== 200) throw new Error(`${parameters.Action}: ${answer.status} ${answer.body}`);
  return answer.body;
}

/** The sequential DynamoDB round trips and requests one signed call makes. */
async function measure(key: SigningKey, parameters: Record<string, string>) {
  recorder.start();
  const answer = await query(key, parameters);
  const calls = recorder.take();
  expect(answer.status, answer.body).toBe(200);
  return { sequential: sequentialRoundTrips(calls), requests: calls.length };
}

async function userKey(user: string): Promise<SigningKey> {
  await must(root, { Action: 'CreateUser', UserName: user });
  const body = await must(root, { Action: 'CreateAccessKey', UserName: user });
  const accessKeyId = /<AccessKeyId>([^<]+)</.exec(body)?.[1];
  const secretAccessKey = /<SecretAccessKey>([^<]+)</.exec(body)?.[1];
  if (!accessKeyId || !secretAccessKey) throw new Error(body);
  return { accessKeyId, secretAccessKey };
}

const iamPolicy = 'arn:aws:iam::palisade:policy/AdministratorAccess';

beforeAll(async () => {
  platform = await createTestPlatform({ prefix: 'overlap' });
  recorder = attachRecorder(platform.store.dynamodb);
  const account = await createTestAccount(platform, 'overlap-tests');
  accountId = account.accountId;
  root = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
  await must(root, {
    Action: 'CreatePolicy',
    PolicyName: 'bench',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
    }),
  });
  await must(root, { Action: 'CreateGroup', GroupName: 'crew' });
  for (let i = 0; i < 3; i++) await must(root, { Action: 'CreateUser', UserName: `seed-${i}` });
  // Warm the root key, and its last-use record, so measured calls see a remembered key.
  await must(root, { Action: 'GetUser', UserName: 'seed-0' });
});

describe('round trips of IAM calls with a remembered key', () => {
  it('answers GetUser and a ListUsers page in one sequential DynamoDB round trip', async () => {
    expect((await measure(root, { Action: 'GetUser', UserName: 'seed-1' })).sequential).toBe(1);
    expect((await measure(root, { Action: 'ListUsers', MaxItems: '2' })).sequential).toBe(1);
  });

  it("sends GetUser's read and the caller's revalidation to DynamoDB as one BatchGetItem", async () => {
    recorder.start();
    const answer = await query(root, { Action: 'GetUser', UserName: 'seed-2' });
    const calls = recorder.take();
    expect(answer.status, answer.body).toBe(200);
    expect(answer.body).toContain('<UserName>seed-2</UserName>');
    expect(calls.map((call) => call.commandName)).toEqual(['BatchGetItemCommand']);
  });

  it.each([
    ['CreateUser', { Action: 'CreateUser', UserName: 'rt-new' }],
    ['AttachUserPolicy', { Action: 'AttachUserPolicy', UserName: 'seed-1', PolicyArn: '' }],
    ['AddUserToGroup', { Action: 'AddUserToGroup', UserName: 'seed-1', GroupName: 'crew' }],
    [
      'PutUserPolicy',
      {
        Action: 'PutUserPolicy',
        UserName: 'seed-2',
        PolicyName: 'inline',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
        }),
      },
    ],
  ] as const)('performs %s in at most two sequential DynamoDB round trips', async (_, parameters) => {
    const input: Record<string, string> = { ...parameters };
    if (input.Action === 'AttachUserPolicy') input.PolicyArn = `arn:aws:iam::${accountId}:policy/bench`;
    expect((await measure(root, input)).sequential).toBeLessThanOrEqual(2);
  });
});

/**
 * The setImmediate turns that had passed, since the call began, when each DynamoDB request left the
 * store's client (seen after the read batcher, so a read it holds is seen when it is let go).
 */
async function turnsBeforeEachRequest(key: SigningKey, parameters: Record<string, string>) {
  const request = await signedQueryRequest(key, 'iam', parameters);
  const left: number[] = [];
  let turns = 0;
  let counting = true;
  const tick = () => {
    turns++;
    if (counting) setImmediate(tick);
  };
  const watcher = (next: (args: unknown) => Promise<unknown>) => (args: unknown) => {
    if (counting) left.push(turns);
    return next(args);
  };
  platform.store.dynamodb.middlewareStack.add(watcher as never, { step: 'build', name: 'turnWatcher' });
  try {
    setImmediate(tick);
    const response = await platform.app.request(request);
    expect(response.status, await response.text()).toBe(200);
  } finally {
    counting = false;
    platform.store.dynamodb.middlewareStack.remove('turnWatcher');
  }
  return left;
}

describe('reads of a caller with no revalidation pending', () => {
  it("sends a key's first lookup in the call's first turn, with nothing to wait for", async () => {
    // A key this process has never seen: authentication reads it, and no confirmation is pending.
    const key = await userKey('first-use');
    await must(root, { Action: 'AttachUserPolicy', UserName: 'first-use', PolicyArn: iamPolicy });
    const left = await turnsBeforeEachRequest(key, { Action: 'GetUser' });
    expect(left[0]).toBe(0);
  });
});

describe('a caller that changes while its call runs', () => {
  it('refuses the write of a key deactivated meanwhile, and changes nothing', async () => {
    const key = await userKey('writer');
    await must(root, { Action: 'AttachUserPolicy', UserName: 'writer', PolicyArn: iamPolicy });
    await must(key, { Action: 'GetUser', UserName: 'writer' });
    await must(root, {
      Action: 'UpdateAccessKey',
      UserName: 'writer',
      AccessKeyId: key.accessKeyId,
      Status: 'Inactive',
    });
    const answer = await query(key, { Action: 'CreateUser', UserName: 'never-created' });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('InvalidClientTokenId');
    expect((await query(root, { Action: 'GetUser', UserName: 'never-created' })).status).toBe(404);
  });

  it("withholds what the caller's fresh policies no longer allow", async () => {
    const key = await userKey('reader');
    await must(root, { Action: 'AttachUserPolicy', UserName: 'reader', PolicyArn: iamPolicy });
    await must(key, { Action: 'GetUser', UserName: 'seed-0' });
    await must(root, { Action: 'DetachUserPolicy', UserName: 'reader', PolicyArn: iamPolicy });
    const answer = await query(key, { Action: 'GetUser', UserName: 'seed-0' });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('AccessDenied');
    expect(answer.body).not.toContain('seed-0</UserName>');
  });

  it('discards a read that left with the revalidation of a key deactivated meanwhile', async () => {
    const key = await userKey('batched-reader');
    await must(root, { Action: 'AttachUserPolicy', UserName: 'batched-reader', PolicyArn: iamPolicy });
    await must(key, { Action: 'GetUser', UserName: 'seed-0' });
    await must(root, {
      Action: 'UpdateAccessKey',
      UserName: 'batched-reader',
      AccessKeyId: key.accessKeyId,
      Status: 'Inactive',
    });
    recorder.start();
    const answer = await query(key, { Action: 'GetUser', UserName: 'seed-0' });
    const calls = recorder.take();
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('InvalidClientTokenId');
    expect(answer.body).not.toContain('seed-0</UserName>');
    // The user's read rode with the revalidation; the fresh attempt only looked the key up.
    expect(calls.map((call) => call.commandName)).toEqual(['BatchGetItemCommand', 'GetItemCommand']);
  });

  it('runs a batched read again for the caller as it is now, and answers what that caller may see', async () => {
    const key = await userKey('batched-grantee');
    expect((await query(key, { Action: 'GetUser', UserName: 'seed-1' })).status).toBe(403);
    await must(root, { Action: 'AttachUserPolicy', UserName: 'batched-grantee', PolicyArn: iamPolicy });
    recorder.start();
    const answer = await query(key, { Action: 'GetUser', UserName: 'seed-1' });
    const calls = recorder.take();
    expect(answer.status, answer.body).toBe(200);
    expect(answer.body).toContain('<UserName>seed-1</UserName>');
    expect(calls[0]?.commandName).toBe('BatchGetItemCommand');
  });

  it('re-checks a denial with the fresh caller before answering it', async () => {
    const key = await userKey('grantee');
    expect((await query(key, { Action: 'GetUser', UserName: 'seed-0' })).status).toBe(403);
    await must(root, { Action: 'AttachUserPolicy', UserName: 'grantee', PolicyArn: iamPolicy });
    const answer = await query(key, { Action: 'CreateUser', UserName: 'made-by-grantee' });
    expect(answer.status, answer.body).toBe(200);
    expect((await query(root, { Action: 'GetUser', UserName: 'made-by-grantee' })).status).toBe(200);
  });
});

describe('round trips of a role session', () => {
  it('loads the account, sign-in standing and role of a session in one round trip after the session', async () => {
    const assumer = await userKey('assumer');
    await must(root, { Action: 'AttachUserPolicy', UserName: 'assumer', PolicyArn: iamPolicy });
    await must(root, {
      Action: 'CreateRole',
      RoleName: 'session-reader',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
    await must(root, { Action: 'AttachRolePolicy', RoleName: 'session-reader', PolicyArn: iamPolicy });
    const assumed = await platform.app.request(
      await signedQueryRequest(assumer, 'sts', {
        Action: 'AssumeRole',
        RoleArn: `arn:aws:iam::${accountId}:role/session-reader`,
        RoleSessionName: 'round-trips',
      }),
    );
    const body = await assumed.text();
    const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(body)?.[1] ?? '';
    const session: SigningKey = {
      accessKeyId: field('AccessKeyId'),
      secretAccessKey: field('SecretAccessKey'),
      sessionToken: field('SessionToken'),
    };
    expect(session.accessKeyId).toMatch(/^ASIA/);
    // The first call records the session's last access; the measured one is an ordinary call.
    await must(session, { Action: 'GetUser', UserName: 'seed-0' });
    // The session (1); its account, sign-in standing and role together (2); GetUser's read (3).
    expect(await measure(session, { Action: 'GetUser', UserName: 'seed-0' })).toMatchObject({
      sequential: 3,
    });
  });
});
