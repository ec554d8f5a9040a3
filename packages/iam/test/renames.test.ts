import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { generateTotpCode } from '@palisade/credentials';
import type { Result } from '@palisade/failures';
import {
  getAccessKey,
  principalPartition,
  putNewAccount,
  readPrincipalPartition,
  type StoreContext,
} from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import {
  type Caller,
  iamOperations,
  loadEffectivePolicies,
  type OperationTable,
  rootCaller,
  userCaller,
} from '../src/index.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
const A = '200000000001';
let store: StoreContext;
let ops: OperationTable;
let root: Caller;

const allow = (action: string, resource = '*') =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: action, Resource: resource }],
  });

beforeAll(async () => {
  const context = await createIamTestContext('renames', () => NOW);
  store = context.store;
  ops = iamOperations(context);
  await putNewAccount(store, { accountId: A, alias: 'renames', createdAt: NOW.toISOString() });
  root = rootCaller('aws', A);
});

const run = (caller: Caller, action: string, input: object): Promise<Result<unknown>> =>
  runOperation(ops, caller, action, input);
const call = <T = Record<string, unknown>>(caller: Caller, action: string, input: object): Promise<T> =>
  mustRunOperation<T>(ops, caller, action, input);

async function policyPartition(name: string): Promise<Record<string, unknown>[]> {
  const result = await store.documents.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': principalPartition(A, 'POLICY', name) },
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
}

/** A user holding one of everything a user can hold. */
async function fullyEquippedUser(name: string, suffix: string) {
  const created = await call<{ User: { UserId: string } }>(root, 'CreateUser', {
    UserName: name,
    Tags: [{ Key: 'team', Value: 'core' }],
  });
  const key = await call<{ AccessKey: { AccessKeyId: string } }>(root, 'CreateAccessKey', { UserName: name });
  await call(root, 'PutUserPolicy', {
    UserName: name,
    PolicyName: 'inline',
    PolicyDocument: allow('s3:GetObject'),
  });
  const policy = await call<{ Policy: { Arn: string } }>(root, 'CreatePolicy', {
    PolicyName: `managed-${suffix}`,
    PolicyDocument: allow('sqs:*'),
  });
  await call(root, 'AttachUserPolicy', { UserName: name, PolicyArn: policy.Policy.Arn });
  await call(root, 'CreateGroup', { GroupName: `team-${suffix}` });
  await call(root, 'AddUserToGroup', { GroupName: `team-${suffix}`, UserName: name });
  await call(root, 'CreateLoginProfile', { UserName: name, Password: 'Correct-Horse-9-Battery' });
  const device = await call<{ VirtualMFADevice: { SerialNumber: string; Base32StringSeed: Uint8Array } }>(
    root,
    'CreateVirtualMFADevice',
    { VirtualMFADeviceName: `phone-${suffix}` },
  );
  const seed = Buffer.from(device.VirtualMFADevice.Base32StringSeed).toString('ascii');
  await call(root, 'EnableMFADevice', {
    UserName: name,
    SerialNumber: device.VirtualMFADevice.SerialNumber,
    AuthenticationCode1: generateTotpCode(seed, new Date(NOW.getTime() - 30_000)),
    AuthenticationCode2: generateTotpCode(seed, NOW),
  });
  return {
    userId: created.User.UserId,
    accessKeyId: key.AccessKey.AccessKeyId,
    policyArn: policy.Policy.Arn,
    policyName: `managed-${suffix}`,
    group: `team-${suffix}`,
    serial: device.VirtualMFADevice.SerialNumber,
  };
}

describe('UpdateUser with NewUserName', () => {
  it('moves the user and everything it holds to the new name, keeping its id', async () => {
    const held = await fullyEquippedUser('alice', 'a');
    expect(
      await run(root, 'UpdateUser', { UserName: 'ALICE', NewUserName: 'Alicia', NewPath: '/ops/' }),
    ).toEqual({
      ok: true,
      value: undefined,
    });

    expect(await call(root, 'GetUser', { UserName: 'alicia' })).toMatchObject({
      User: {
        UserName: 'Alicia',
        UserId: held.userId,
        Path: '/ops/',
        Arn: `arn:aws:iam::${A}:user/ops/Alicia`,
        Tags: [{ Key: 'team', Value: 'core' }],
      },
    });
    expect(await run(root, 'GetUser', { UserName: 'alice' })).toMatchObject({ code: 'entity.not-found' });
    expect(await readPrincipalPartition(store, A, 'user', 'alice')).toEqual([]);

    expect(await call(root, 'ListUserPolicies', { UserName: 'Alicia' })).toMatchObject({
      PolicyNames: ['inline'],
    });
    expect(await call(root, 'ListAttachedUserPolicies', { UserName: 'Alicia' })).toMatchObject({
      AttachedPolicies: [{ PolicyArn: held.policyArn }],
    });
    expect(await call(root, 'ListGroupsForUser', { UserName: 'Alicia' })).toMatchObject({
      Groups: [{ GroupName: held.group }],
    });
    expect(await call(root, 'GetGroup', { GroupName: held.group })).toMatchObject({
      Users: [{ UserName: 'Alicia', UserId: held.userId }],
    });
    expect(await call(root, 'ListAccessKeys', { UserName: 'Alicia' })).toMatchObject({
      AccessKeyMetadata: [{ AccessKeyId: held.accessKeyId, UserName: 'Alicia' }],
    });
    expect(await call(root, 'ListMFADevices', { UserName: 'Alicia' })).toMatchObject({
      MFADevices: [{ UserName: 'Alicia', SerialNumber: held.serial }],
    });
    expect(await call(root, 'ListVirtualMFADevices', { AssignmentStatus: 'Assigned' })).toMatchObject({
      VirtualMFADevices: [{ SerialNumber: held.serial, User: { UserName: 'Alicia' } }],
    });
    expect(await call(root, 'GetLoginProfile', { UserName: 'Alicia' })).toMatchObject({
      LoginProfile: { UserName: 'Alicia' },
    });
    const reverse = (await policyPartition(held.policyName)).filter((item) =>
      String(item.sk).startsWith('ATTACHMENT#'),
    );
    expect(reverse).toMatchObject([{ sk: 'ATTACHMENT#USER#alicia', principal: 'Alicia' }]);

    // The key now authenticates as the new ARN, with the moved policies.
    const key = await getAccessKey(store, held.accessKeyId);
    expect(key?.owner).toEqual({ kind: 'user', userName: 'Alicia' });
    const effective = await loadEffectivePolicies(store, 'aws', A, 'user', 'Alicia');
    const caller = userCaller(effective ?? expect.fail('no effective policies'), () => NOW);
    expect(caller.arn).toBe(`arn:aws:iam::${A}:user/ops/Alicia`);
    expect(caller.authorize('s3:GetObject', 'arn:aws:s3:::b/k').allowed).toBe(true);
    expect(caller.authorize('sqs:SendMessage', `arn:aws:sqs:us-east-1:${A}:q`).allowed).toBe(true);

    expect(await run(root, 'DeleteUser', { UserName: 'Alicia' })).toMatchObject({
      code: 'entity.delete-conflict',
    });
  });

  it('refuses a name taken in another case and changes nothing', async () => {
    await call(root, 'CreateUser', { UserName: 'bob' });
    await call(root, 'CreateAccessKey', { UserName: 'bob' });
    await call(root, 'CreateUser', { UserName: 'Carol' });
    const bobBefore = await readPrincipalPartition(store, A, 'user', 'bob');
    const carolBefore = await readPrincipalPartition(store, A, 'user', 'carol');
    expect(await run(root, 'UpdateUser', { UserName: 'bob', NewUserName: 'CAROL' })).toMatchObject({
      ok: false,
      code: 'entity.already-exists',
    });
    expect(await readPrincipalPartition(store, A, 'user', 'bob')).toEqual(bobBefore);
    expect(await readPrincipalPartition(store, A, 'user', 'carol')).toEqual(carolBefore);
  });

  it('changes only the case of a name in place', async () => {
    await call(root, 'CreateUser', { UserName: 'dave' });
    await call(root, 'PutUserPolicy', { UserName: 'dave', PolicyName: 'p', PolicyDocument: allow('s3:*') });
    await call(root, 'UpdateUser', { UserName: 'dave', NewUserName: 'Dave' });
    expect(await call(root, 'GetUser', { UserName: 'dave' })).toMatchObject({
      User: { UserName: 'Dave', Arn: `arn:aws:iam::${A}:user/Dave` },
    });
    expect(await call(root, 'ListUserPolicies', { UserName: 'Dave' })).toMatchObject({ PolicyNames: ['p'] });
  });

  it('needs iam:UpdateUser on the new ARN as well as the old one', async () => {
    await call(root, 'CreateUser', { UserName: 'erin' });
    await call(root, 'CreateUser', { UserName: 'admin' });
    await call(root, 'PutUserPolicy', {
      UserName: 'admin',
      PolicyName: 'only-erin',
      PolicyDocument: allow('iam:UpdateUser', `arn:aws:iam::${A}:user/erin`),
    });
    const effective = await loadEffectivePolicies(store, 'aws', A, 'user', 'admin');
    const admin = userCaller(effective ?? expect.fail('no admin'), () => NOW);
    expect(await run(admin, 'UpdateUser', { UserName: 'erin', NewUserName: 'erin2' })).toMatchObject({
      code: 'access.denied',
      message: expect.stringContaining('user/erin2'),
    });
    expect(await call(root, 'GetUser', { UserName: 'erin' })).toMatchObject({ User: { UserName: 'erin' } });
  });

  it('lets at most one of two concurrent renames of a user win, leaving consistent data', async () => {
    const held = await fullyEquippedUser('frank', 'f');
    const [first, second] = await Promise.all([
      run(root, 'UpdateUser', { UserName: 'frank', NewUserName: 'frank-one' }),
      run(root, 'UpdateUser', { UserName: 'frank', NewUserName: 'frank-two' }),
    ]);
    const winners = [first, second].filter((r) => r.ok);
    expect(winners.length).toBeLessThanOrEqual(1);
    const names = ['frank', 'frank-one', 'frank-two'];
    const present = [];
    for (const name of names) {
      if ((await readPrincipalPartition(store, A, 'user', name)).length > 0) present.push(name);
    }
    expect(present).toHaveLength(1);
    const [name] = present as [string];
    expect(name).toBe(winners.length === 1 ? (first.ok ? 'frank-one' : 'frank-two') : 'frank');
    expect((await getAccessKey(store, held.accessKeyId))?.owner).toEqual({ kind: 'user', userName: name });
    expect(await call(root, 'GetGroup', { GroupName: held.group })).toMatchObject({
      Users: [{ UserName: name }],
    });
    expect(await call(root, 'ListUserPolicies', { UserName: name })).toMatchObject({
      PolicyNames: ['inline'],
    });
    const reverse = (await policyPartition(held.policyName)).filter((item) =>
      String(item.sk).startsWith('ATTACHMENT#'),
    );
    expect(reverse).toMatchObject([{ principal: name }]);
  });
});

describe('UpdateGroup with NewGroupName', () => {
  it('moves the group, its policies and its members to the new name', async () => {
    const created = await call<{ Group: { GroupId: string } }>(root, 'CreateGroup', { GroupName: 'devs' });
    await call(root, 'PutGroupPolicy', {
      GroupName: 'devs',
      PolicyName: 'gp',
      PolicyDocument: allow('ec2:*'),
    });
    const policy = await call<{ Policy: { Arn: string } }>(root, 'CreatePolicy', {
      PolicyName: 'group-managed',
      PolicyDocument: allow('sns:*'),
    });
    await call(root, 'AttachGroupPolicy', { GroupName: 'devs', PolicyArn: policy.Policy.Arn });
    for (const user of ['gina', 'hank']) {
      await call(root, 'CreateUser', { UserName: user });
      await call(root, 'AddUserToGroup', { GroupName: 'devs', UserName: user });
    }
    await call(root, 'UpdateGroup', { GroupName: 'devs', NewGroupName: 'Developers', NewPath: '/eng/' });

    expect(await call(root, 'GetGroup', { GroupName: 'developers' })).toMatchObject({
      Group: {
        GroupName: 'Developers',
        GroupId: created.Group.GroupId,
        Arn: `arn:aws:iam::${A}:group/eng/Developers`,
      },
      Users: [{ UserName: 'gina' }, { UserName: 'hank' }],
    });
    expect(await run(root, 'GetGroup', { GroupName: 'devs' })).toMatchObject({ code: 'entity.not-found' });
    expect(await call(root, 'ListGroupsForUser', { UserName: 'gina' })).toMatchObject({
      Groups: [{ GroupName: 'Developers' }],
    });
    expect(await call(root, 'ListGroupPolicies', { GroupName: 'Developers' })).toMatchObject({
      PolicyNames: ['gp'],
    });
    expect(await call(root, 'ListAttachedGroupPolicies', { GroupName: 'Developers' })).toMatchObject({
      AttachedPolicies: [{ PolicyArn: policy.Policy.Arn }],
    });
    expect(
      (await policyPartition('group-managed')).filter((item) => String(item.sk).startsWith('ATTACHMENT#')),
    ).toMatchObject([{ sk: 'ATTACHMENT#GROUP#developers', principal: 'Developers' }]);
    // A member's policies now come through the renamed group.
    const effective = await loadEffectivePolicies(store, 'aws', A, 'user', 'hank');
    const hank = userCaller(effective ?? expect.fail('no hank'), () => NOW);
    expect(hank.authorize('ec2:RunInstances', '*').allowed).toBe(true);
    expect(hank.authorize('sns:Publish', '*').allowed).toBe(true);
  });

  it('refuses a move needing more than 100 transaction items and changes nothing', async () => {
    await call(root, 'CreateGroup', { GroupName: 'crowd' });
    await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        await call(root, 'CreateUser', { UserName: `member-${i}` });
        await call(root, 'AddUserToGroup', { GroupName: 'crowd', UserName: `member-${i}` });
      }),
    );
    const before = await readPrincipalPartition(store, A, 'group', 'crowd');
    expect(await run(root, 'UpdateGroup', { GroupName: 'crowd', NewGroupName: 'throng' })).toMatchObject({
      code: 'quota.exceeded',
      message: expect.stringContaining('too many items to rename in one step'),
    });
    expect(await readPrincipalPartition(store, A, 'group', 'crowd')).toEqual(before);
    expect(await readPrincipalPartition(store, A, 'group', 'throng')).toEqual([]);
  });
});
