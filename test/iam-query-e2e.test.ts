/** The unchanged AWS SDK (IAM client) against a running Palisade, end to end. */
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetUserCommand,
  IAMClient,
  ListUsersCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

let running: RunningPlatform;
let root: IAMClient;
let accountId: string;

function client(accessKeyId: string, secretAccessKey: string): IAMClient {
  return new IAMClient({
    endpoint: running.url,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

beforeAll(async () => {
  running = await startPlatform();
  const account = await running.createAccount('e2e-acme');
  accountId = account.accountId;
  root = client(account.accessKeyId, account.secretAccessKey);
});
afterAll(() => running?.close());

describe('IAM Query API with @aws-sdk/client-iam', () => {
  it('takes a user from AccessDenied to allowed by attaching a policy', async () => {
    const created = await root.send(
      new CreateUserCommand({ UserName: 'dana', Tags: [{ Key: 'team', Value: 'blue' }] }),
    );
    expect(created.User?.Arn).toBe(`arn:aws:iam::${accountId}:user/dana`);
    expect(created.User?.CreateDate).toBeInstanceOf(Date);
    const key = await root.send(new CreateAccessKeyCommand({ UserName: 'dana' }));
    const dana = client(key.AccessKey?.AccessKeyId ?? '', key.AccessKey?.SecretAccessKey ?? '');

    const denied = await dana.send(new ListUsersCommand({})).catch((error: unknown) => error);
    expect(denied).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((denied as Error).message).toContain(
      `User: arn:aws:iam::${accountId}:user/dana is not authorized to perform: iam:ListUsers`,
    );

    await root.send(
      new AttachUserPolicyCommand({
        UserName: 'dana',
        PolicyArn: 'arn:aws:iam::palisade:policy/ReadOnlyAccess',
      }),
    );
    const listed = await dana.send(new ListUsersCommand({}));
    expect(listed.Users?.map((u) => u.UserName)).toEqual(['dana']);
    expect(listed.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a deactivated key, an unknown key and a wrong secret with AWS error codes', async () => {
    await root.send(new CreateUserCommand({ UserName: 'eli' }));
    const key = await root.send(new CreateAccessKeyCommand({ UserName: 'eli' }));
    const id = key.AccessKey?.AccessKeyId ?? '';
    await root.send(new UpdateAccessKeyCommand({ UserName: 'eli', AccessKeyId: id, Status: 'Inactive' }));
    await expect(
      client(id, key.AccessKey?.SecretAccessKey ?? '').send(new GetUserCommand({})),
    ).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    });
    await expect(
      client('AKIAUNKNOWNUNKNOWN22', 'x'.repeat(40)).send(new GetUserCommand({})),
    ).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    });
    await expect(client(id, 'y'.repeat(40)).send(new GetUserCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    });
  });

  it('refuses a key on the very next call after it is deactivated, though it was just used', async () => {
    await root.send(new CreateUserCommand({ UserName: 'gail' }));
    await root.send(
      new AttachUserPolicyCommand({
        UserName: 'gail',
        PolicyArn: 'arn:aws:iam::palisade:policy/ReadOnlyAccess',
      }),
    );
    const key = await root.send(new CreateAccessKeyCommand({ UserName: 'gail' }));
    const id = key.AccessKey?.AccessKeyId ?? '';
    const gail = client(id, key.AccessKey?.SecretAccessKey ?? '');
    await gail.send(new ListUsersCommand({}));
    await gail.send(new ListUsersCommand({}));
    await root.send(new UpdateAccessKeyCommand({ UserName: 'gail', AccessKeyId: id, Status: 'Inactive' }));
    await expect(gail.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    await root.send(new UpdateAccessKeyCommand({ UserName: 'gail', AccessKeyId: id, Status: 'Active' }));
    await gail.send(new ListUsersCommand({}));
  });

  it('answers a wrong signature with SignatureDoesNotMatch', async () => {
    await root.send(new CreateUserCommand({ UserName: 'finn' }));
    const key = await root.send(new CreateAccessKeyCommand({ UserName: 'finn' }));
    const wrong = client(key.AccessKey?.AccessKeyId ?? '', 'z'.repeat(40));
    await expect(wrong.send(new GetUserCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
  });

  it('stops every credential of a suspended account at once', async () => {
    const other = await running.createAccount('e2e-suspended');
    const otherRoot = client(other.accessKeyId, other.secretAccessKey);
    await otherRoot.send(new ListUsersCommand({}));
    const { operatorCaller } = await import('@palisade/principals');
    const suspended = await running.platform.accounts.setStatus(
      operatorCaller(running.operator.accessKeyId),
      other.accountId,
      'suspended',
    );
    expect(suspended.ok).toBe(true);
    await expect(otherRoot.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
