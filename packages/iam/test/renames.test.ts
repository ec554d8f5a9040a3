import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { generateTotpCode } from '@palisade/credentials';
import type { Result } from '@palisade/failures';
import {
  type Caller,
  loadEffectivePolicies,
  type OperationTable,
  rootCaller,
  userCaller,
} from '@palisade/principals';
import {
  entityNameKey,
  entityPartition,
  getAccessKey,
  getPrincipal,
  putNewAccount,
  readPrincipalPartition,
  type StoreContext,
} from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import { iamOperations } from '../src/index.ts';

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

/** The keys a captured transaction writes, less what every transaction carries (its change record, the epoch). */
function entityWrites(transaction: { TransactItems?: unknown[] }): string[] {
  return (transaction.TransactItems ?? []).flatMap((entry) => {
    const write = entry as Record<string, { Key?: Record<string, unknown>; Item?: Record<string, unknown> }>;
    const op = Object.keys(write)[0] as string;
    const key = write[op]?.Key ?? write[op]?.Item ?? {};
    const pk = String(key.pk);
    if (pk.includes('#CHANGES#')) return [];
    return [`${op} ${pk} ${String(key.sk)}`];
  });
}

/** The TransactWriteItems inputs sent while `capturing` is set (what a rename writes). */
let transactions: { TransactItems?: unknown[] }[] = [];
let capturing = false;

beforeAll(async () => {
  const context = await createIamTestContext('renames', () => NOW);
  store = context.store;
  store.documents.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { TransactItems?: unknown[] };
      if (capturing && Array.isArray(input.TransactItems)) transactions.push(input);
      return next(args);
    },
    { step: 'initialize', name: 'captureTransactions' },
  );
  ops = iamOperations(context);
  await putNewAccount(store, { accountId: A, alias: 'renames', createdAt: NOW.toISOString() });
  root = rootCaller('aws', A);
});

const run = (caller: Caller, action: string, input: object): Promise<Result<unknown>> =>
  runOperation(ops, caller, action, input);
const call = <T = Record<string, unknown>>(caller: Caller, action: string, input: object): Promise<T> =>
  mustRunOperation<T>(ops, caller, action, input);

async function policyPartition(policyId: string): Promise<Record<string, unknown>[]> {
  const result = await store.documents.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': entityPartition(A, 'POLICY', policyId) },
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
}

/** The user's partition (by id) with its record, everything it holds, and nothing else. */
async function userPartition(userId: string): Promise<Record<string, unknown>[]> {
  return readPrincipalPartition(store, { accountId: A, kind: 'user', id: userId });
}

/** The name item of a user or group, as stored (undefined when the name is free). */
async function nameItem(kind: 'USER' | 'GROUP', name: string): Promise<Record<string, unknown> | undefined> {
  const result = await store.documents.send(
    new GetCommand({ TableName: store.tableName, Key: entityNameKey(A, kind, name), ConsistentRead: true }),
  );
  return result.Item;
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
  const policy = await call<{ Policy: { Arn: string; PolicyId: string } }>(root, 'CreatePolicy', {
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
    policyId: policy.Policy.PolicyId,
    group: `team-${suffix}`,
    serial: device.VirtualMFADevice.SerialNumber,
  };
}

describe('UpdateUser with NewUserName', () => {
  it('renames the user in three items, keeping its id and everything it holds in place', async () => {
    const held = await fullyEquippedUser('alice', 'a');
    const before = await userPartition(held.userId);
    transactions = [];
    capturing = true;
    expect(
      await run(root, 'UpdateUser', { UserName: 'ALICE', NewUserName: 'Alicia', NewPath: '/ops/' }),
    ).toEqual({
      ok: true,
      value: undefined,
    });
    capturing = false;
    // The record, the old name item and the new one; the change record rides along.
    expect(transactions).toHaveLength(1);
    expect(entityWrites(transactions[0] ?? {}).sort()).toEqual([
      `Delete ACCT#${A}#USER-NAME#alice NAME`,
      `Put ACCT#${A}#USER-NAME#alicia NAME`,
      `Update ACCT#${A}#USER#${held.userId} USER`,
    ]);
    const after = await userPartition(held.userId);
    const children = (items: Record<string, unknown>[]) => items.filter((item) => item.sk !== 'USER');
    expect(children(after)).toEqual(children(before));
    expect(await nameItem('USER', 'alice')).toBeUndefined();
    expect(await nameItem('USER', 'alicia')).toMatchObject({
      id: held.userId,
      name: 'Alicia',
      path: '/ops/',
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
    // Other tests' users may hold devices in this account too: Alicia's is among the assigned ones.
    expect(await call(root, 'ListVirtualMFADevices', { AssignmentStatus: 'Assigned' })).toMatchObject({
      VirtualMFADevices: expect.arrayContaining([
        expect.objectContaining({
          SerialNumber: held.serial,
          User: expect.objectContaining({ UserName: 'Alicia' }),
        }),
      ]),
    });
    expect(await call(root, 'GetLoginProfile', { UserName: 'Alicia' })).toMatchObject({
      LoginProfile: { UserName: 'Alicia' },
    });
    const reverse = (await policyPartition(held.policyId)).filter((item) =>
      String(item.sk).startsWith('ATTACHMENT#'),
    );
    expect(reverse).toMatchObject([{ sk: `ATTACHMENT#USER#${held.userId}`, principalId: held.userId }]);

    // The key names its owner by id, and now authenticates as the new ARN with the same policies.
    const key = await getAccessKey(store, held.accessKeyId);
    expect(key?.owner).toEqual({ kind: 'user', userId: held.userId });
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
    const bob = await call<{ User: { UserId: string } }>(root, 'CreateUser', { UserName: 'bob' });
    await call(root, 'CreateAccessKey', { UserName: 'bob' });
    const carol = await call<{ User: { UserId: string } }>(root, 'CreateUser', { UserName: 'Carol' });
    const bobBefore = [await userPartition(bob.User.UserId), await nameItem('USER', 'bob')];
    const carolBefore = [await userPartition(carol.User.UserId), await nameItem('USER', 'carol')];
    expect(await run(root, 'UpdateUser', { UserName: 'bob', NewUserName: 'CAROL' })).toMatchObject({
      ok: false,
      code: 'entity.already-exists',
    });
    expect([await userPartition(bob.User.UserId), await nameItem('USER', 'bob')]).toEqual(bobBefore);
    expect([await userPartition(carol.User.UserId), await nameItem('USER', 'carol')]).toEqual(carolBefore);
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
      if (await nameItem('USER', name)) present.push(name);
    }
    expect(present).toHaveLength(1);
    const [name] = present as [string];
    expect(name).toBe(winners.length === 1 ? (first.ok ? 'frank-one' : 'frank-two') : 'frank');
    // The record and its one name item agree, and the name item is an exact copy of it.
    const record = (await userPartition(held.userId)).find((item) => item.sk === 'USER');
    expect(record).toMatchObject({ name, arn: `arn:aws:iam::${A}:user/${name}` });
    const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, counters: _c, entity: _e, ...copied } = record ?? {};
    expect(await nameItem('USER', name)).toMatchObject({ ...copied, entity: 'user-name' });
    expect((await getAccessKey(store, held.accessKeyId))?.owner).toEqual({
      kind: 'user',
      userId: held.userId,
    });
    expect(await call(root, 'GetGroup', { GroupName: held.group })).toMatchObject({
      Users: [{ UserName: name }],
    });
    expect(await call(root, 'ListUserPolicies', { UserName: name })).toMatchObject({
      PolicyNames: ['inline'],
    });
    const reverse = (await policyPartition(held.policyId)).filter((item) =>
      String(item.sk).startsWith('ATTACHMENT#'),
    );
    expect(reverse).toMatchObject([{ principalId: held.userId }]);
  });
});

describe('UpdateGroup with NewGroupName', () => {
  it('renames the group; its policies and members stay where they are and answer to the new name', async () => {
    const created = await call<{ Group: { GroupId: string } }>(root, 'CreateGroup', { GroupName: 'devs' });
    await call(root, 'PutGroupPolicy', {
      GroupName: 'devs',
      PolicyName: 'gp',
      PolicyDocument: allow('ec2:*'),
    });
    const policy = await call<{ Policy: { Arn: string; PolicyId: string } }>(root, 'CreatePolicy', {
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
      (await policyPartition(policy.Policy.PolicyId)).filter((item) =>
        String(item.sk).startsWith('ATTACHMENT#'),
      ),
    ).toMatchObject([
      { sk: `ATTACHMENT#GROUP#${created.Group.GroupId}`, principalId: created.Group.GroupId },
    ]);
    // A member's policies now come through the renamed group.
    const effective = await loadEffectivePolicies(store, 'aws', A, 'user', 'hank');
    const hank = userCaller(effective ?? expect.fail('no hank'), () => NOW);
    expect(hank.authorize('ec2:RunInstances', '*').allowed).toBe(true);
    expect(hank.authorize('sns:Publish', '*').allowed).toBe(true);
  });

  it('renames a group with 300 members in one small transaction', async () => {
    const created = await call<{ Group: { GroupId: string } }>(root, 'CreateGroup', { GroupName: 'crowd' });
    const members = Array.from({ length: 300 }, (_, i) => `member-${i}`);
    for (let start = 0; start < members.length; start += 20) {
      await Promise.all(
        members.slice(start, start + 20).map(async (user) => {
          await call(root, 'CreateUser', { UserName: user });
          await call(root, 'AddUserToGroup', { GroupName: 'crowd', UserName: user });
        }),
      );
    }
    const groupRef = { accountId: A, kind: 'group' as const, id: created.Group.GroupId };
    const childrenBefore = (await readPrincipalPartition(store, groupRef)).filter(
      (item) => item.sk !== 'GROUP',
    );
    expect(childrenBefore.length).toBeGreaterThanOrEqual(300);
    transactions = [];
    capturing = true;
    expect(await run(root, 'UpdateGroup', { GroupName: 'crowd', NewGroupName: 'throng' })).toEqual({
      ok: true,
      value: undefined,
    });
    capturing = false;
    expect(transactions.map(entityWrites)).toEqual([
      [
        `Update ACCT#${A}#GROUP#${created.Group.GroupId} GROUP`,
        `Delete ACCT#${A}#GROUP-NAME#crowd NAME`,
        `Put ACCT#${A}#GROUP-NAME#throng NAME`,
      ],
    ]);
    const childrenAfter = (await readPrincipalPartition(store, groupRef)).filter(
      (item) => item.sk !== 'GROUP',
    );
    expect(childrenAfter).toEqual(childrenBefore);
    const group = await call<{ Group: { GroupName: string }; Users: unknown[] }>(root, 'GetGroup', {
      GroupName: 'THRONG',
      MaxItems: 1000,
    });
    expect(group.Group.GroupName).toBe('throng');
    expect(group.Users).toHaveLength(300);
    expect(await call(root, 'ListGroupsForUser', { UserName: 'member-7' })).toMatchObject({
      Groups: [{ GroupName: 'throng' }],
    });
    expect(await getPrincipal(store, A, 'group', 'crowd')).toBeUndefined();
  }, 180_000);
});
