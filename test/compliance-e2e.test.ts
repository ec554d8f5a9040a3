/**
 * The compliance operations with the unchanged AWS SDK v3 against a running Palisade: GetRole's
 * RoleLastUsed, the credential report and access advisor (service last accessed details).
 */
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetRoleCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './fixtures/eventually.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

let running: RunningPlatform;
let root: IAMClient;
let accountId: string;
let alice: { accessKeyId: string; secretAccessKey: string };

const ADMIN = 'arn:aws:iam::palisade:policy/AdministratorAccess';

function iamClient(credentials: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1') {
  return new IAMClient({ endpoint: running.url, region, credentials, maxAttempts: 1 });
}

function stsClient(credentials: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1') {
  return new STSClient({ endpoint: running.url, region, credentials, maxAttempts: 1 });
}

beforeAll(async () => {
  running = await startPlatform();
  const account = await running.createAccount('compliance-e2e');
  accountId = account.accountId;
  root = iamClient(account);
  await root.send(new CreateUserCommand({ UserName: 'alice' }));
  await root.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: ADMIN }));
  const key = await root.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = {
    accessKeyId: key.AccessKey?.AccessKeyId ?? '',
    secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
  };
});
afterAll(() => running?.close());

describe('GetRole RoleLastUsed', () => {
  it('is empty until the role is assumed, then names when and in which region', async () => {
    await root.send(
      new CreateRoleCommand({
        RoleName: 'deployer',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: accountId }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    const before = await root.send(new GetRoleCommand({ RoleName: 'deployer' }));
    expect(before.Role?.RoleLastUsed).toEqual({});

    const startedAt = Date.now();
    await stsClient(alice, 'eu-west-1').send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/deployer`,
        RoleSessionName: 'deploy-1',
      }),
    );
    const used = await eventually(async () => {
      const got = await root.send(new GetRoleCommand({ RoleName: 'deployer' }));
      return got.Role?.RoleLastUsed?.LastUsedDate ? got.Role.RoleLastUsed : undefined;
    }, 'RoleLastUsed');
    expect(used.Region).toBe('eu-west-1');
    expect(used.LastUsedDate?.getTime()).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(used.LastUsedDate?.getTime()).toBeLessThanOrEqual(Date.now());
  });
});
