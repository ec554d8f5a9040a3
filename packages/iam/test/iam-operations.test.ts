import { type Caller, type OperationTable, rootCaller } from '@palisade/principals';
import { putNewAccount, type StoreContext } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext, loadUserCaller } from '../../../test/fixtures/iam-context.ts';
import { runOperation } from '../../../test/fixtures/run-operation.ts';
import { defaultQuotas, iamOperations } from '../src/index.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
let store: StoreContext;
let ops: OperationTable;
let rootA: Caller;
let rootB: Caller;
const A = '100000000001';
const B = '100000000002';

const allowAll = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});
const allowIam = (action: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

beforeAll(async () => {
  const context = await createIamTestContext('iam', () => NOW);
  store = context.store;
  ops = iamOperations(context);
  await putNewAccount(store, { accountId: A, alias: 'tenant-a', createdAt: NOW.toISOString() });
  await putNewAccount(store, { accountId: B, alias: 'tenant-b', createdAt: NOW.toISOString() });
  rootA = rootCaller('aws', A);
  rootB = rootCaller('aws', B);
});

const call = (caller: Caller, action: string, input: object) => runOperation(ops, caller, action, input);
const userAs = (accountId: string, name: string) => loadUserCaller(store, accountId, name, () => NOW);

describe('IAM users', () => {
  it('creates a user with AWS ids and ARNs and reads it back', async () => {
    const created = await call(rootA, 'CreateUser', {
      UserName: 'alice',
      Path: '/eng/',
      Tags: [{ Key: 'team', Value: 'core' }],
    });
    expect(created).toMatchObject({
      ok: true,
      value: { User: { UserName: 'alice', Path: '/eng/', Arn: `arn:aws:iam::${A}:user/eng/alice` } },
    });
    const user = (created as { value: { User: { UserId: string } } }).value.User;
    expect(user.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(await call(rootA, 'GetUser', { UserName: 'ALICE' })).toMatchObject({
      ok: true,
      value: { User: { UserName: 'alice', Tags: [{ Key: 'team', Value: 'core' }] } },
    });
  });

  it('refuses a name that differs only in case', async () => {
    expect(await call(rootA, 'CreateUser', { UserName: 'Alice' })).toMatchObject({
      ok: false,
      code: 'entity.already-exists',
    });
  });

  it('lets exactly one of 50 concurrent CreateUser calls with one name succeed', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => call(rootA, 'CreateUser', { UserName: 'racer' })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === 'entity.already-exists')).toBe(true);
  });

  it('refuses bad names and paths with a typed validation error and creates nothing', async () => {
    for (const input of [
      { UserName: 'bad name' },
      { UserName: 'x'.repeat(65) },
      { UserName: 'ok', Path: 'no-slashes' },
      {},
    ]) {
      expect(await call(rootA, 'CreateUser', input)).toMatchObject({ ok: false, code: 'request.invalid' });
    }
    expect(await call(rootA, 'GetUser', { UserName: 'ok' })).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
  });

  it('refuses to delete a user that still has an access key, then deletes it once the key is gone', async () => {
    await call(rootA, 'CreateUser', { UserName: 'keyed' });
    const key = await call(rootA, 'CreateAccessKey', { UserName: 'keyed' });
    expect(key).toMatchObject({ ok: true, value: { AccessKey: { Status: 'Active' } } });
    const keyId = (key as { value: { AccessKey: { AccessKeyId: string } } }).value.AccessKey.AccessKeyId;
    expect(await call(rootA, 'DeleteUser', { UserName: 'keyed' })).toMatchObject({
      ok: false,
      code: 'entity.delete-conflict',
    });
    expect(await call(rootA, 'DeleteAccessKey', { UserName: 'keyed', AccessKeyId: keyId })).toMatchObject({
      ok: true,
    });
    expect(await call(rootA, 'DeleteUser', { UserName: 'keyed' })).toMatchObject({ ok: true });
  });

  it('caps access keys at two per user', async () => {
    await call(rootA, 'CreateUser', { UserName: 'twokeys' });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => call(rootA, 'CreateAccessKey', { UserName: 'twokeys' })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.find((r) => !r.ok)).toMatchObject({ code: 'quota.exceeded' });
  });
});

describe('IAM listings', () => {
  it('pages with Marker and says IsTruncated false on a full last page', async () => {
    const C = '100000000003';
    await putNewAccount(store, { accountId: C, alias: 'tenant-c', createdAt: NOW.toISOString() });
    const rootC = rootCaller('aws', C);
    for (const name of ['u1', 'u2', 'u3']) await call(rootC, 'CreateUser', { UserName: name });
    const whole = (await call(rootC, 'ListUsers', { MaxItems: 3 })) as {
      value: { Users: unknown[]; IsTruncated: boolean };
    };
    expect(whole.value.Users).toHaveLength(3);
    expect(whole.value.IsTruncated).toBe(false);
    const first = (await call(rootC, 'ListUsers', { MaxItems: '2' })) as {
      value: { Users: { UserName: string }[]; IsTruncated: boolean; Marker: string };
    };
    expect(first.value.Users.map((u) => u.UserName)).toEqual(['u1', 'u2']);
    expect(first.value.IsTruncated).toBe(true);
    const rest = (await call(rootC, 'ListUsers', { MaxItems: 2, Marker: first.value.Marker })) as {
      value: { Users: { UserName: string }[]; IsTruncated: boolean };
    };
    expect(rest.value.Users.map((u) => u.UserName)).toEqual(['u3']);
    expect(rest.value.IsTruncated).toBe(false);
  });

  it('refuses a marker that does not continue the listing', async () => {
    const forged = Buffer.from('zzz').toString('base64url');
    expect(await call(rootA, 'ListUsers', { Marker: forged })).toMatchObject({
      ok: false,
      code: 'request.invalid',
    });
  });
});

describe('IAM managed policies', () => {
  it('refuses a malformed document with the engine message and stores nothing', async () => {
    const result = await call(rootA, 'CreatePolicy', {
      PolicyName: 'broken',
      PolicyDocument: '{"Statement":[{"Effect":"Maybe"}]}',
    });
    expect(result).toMatchObject({ ok: false, code: 'policy.malformed' });
    expect(await call(rootA, 'GetPolicy', { PolicyArn: `arn:aws:iam::${A}:policy/broken` })).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
  });

  it("refuses documents past their size quotas with IAM's quota names and stores nothing", async () => {
    // White space is not counted: the padding is in the resource string (6,144 and 2,048 characters).
    const sized = (action: string, length: number) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: action, Resource: `arn:aws:s3:::${'b'.repeat(length)}` }],
      });
    const trust = (length: number) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${A}:root` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': 'x'.repeat(length) } },
          },
        ],
      });
    expect(
      await call(rootA, 'CreatePolicy', {
        PolicyName: 'too-big',
        PolicyDocument: sized('s3:GetObject', 6_100),
      }),
    ).toMatchObject({
      ok: false,
      code: 'quota.exceeded',
      message: 'Cannot exceed quota for PolicySize: 6144',
    });
    expect(
      await call(rootA, 'CreateRole', { RoleName: 'too-trusting', AssumeRolePolicyDocument: trust(2_000) }),
    ).toMatchObject({
      ok: false,
      code: 'quota.exceeded',
      message: 'Cannot exceed quota for ACLSizePerRole: 2048',
    });
    expect(await call(rootA, 'GetPolicy', { PolicyArn: `arn:aws:iam::${A}:policy/too-big` })).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
    expect(await call(rootA, 'GetRole', { RoleName: 'too-trusting' })).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
    // Just under the limits, both are accepted.
    expect(
      await call(rootA, 'CreatePolicy', { PolicyName: 'fits', PolicyDocument: sized('s3:GetObject', 6_000) }),
    ).toMatchObject({ ok: true });
    expect(
      await call(rootA, 'CreateRole', { RoleName: 'fits', AssumeRolePolicyDocument: trust(1_800) }),
    ).toMatchObject({ ok: true });
  });

  it('never holds more than five versions under concurrent CreatePolicyVersion', async () => {
    const arn = `arn:aws:iam::${A}:policy/versioned`;
    expect(
      await call(rootA, 'CreatePolicy', { PolicyName: 'versioned', PolicyDocument: allowIam('iam:GetUser') }),
    ).toMatchObject({ ok: true });
    const attempts = await Promise.all(
      Array.from({ length: 12 }, () =>
        call(rootA, 'CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: allowIam('iam:ListUsers') }),
      ),
    );
    expect(attempts.filter((r) => r.ok).length).toBeLessThanOrEqual(4);
    const versions = await call(rootA, 'ListPolicyVersions', { PolicyArn: arn });
    expect((versions as { value: { Versions: unknown[] } }).value.Versions.length).toBeLessThanOrEqual(5);
  });

  it('keeps the default version and refuses to delete it', async () => {
    const arn = `arn:aws:iam::${A}:policy/versioned`;
    expect(await call(rootA, 'DeletePolicyVersion', { PolicyArn: arn, VersionId: 'v1' })).toMatchObject({
      ok: false,
      code: 'entity.delete-conflict',
    });
  });

  it('never attaches more than the quota under concurrent attaches', async () => {
    await call(rootA, 'CreateUser', { UserName: 'attachee' });
    for (let i = 0; i < 14; i++)
      await call(rootA, 'CreatePolicy', { PolicyName: `p${i}`, PolicyDocument: allowIam('iam:GetUser') });
    const results = await Promise.all(
      Array.from({ length: 14 }, (_, i) =>
        call(rootA, 'AttachUserPolicy', {
          UserName: 'attachee',
          PolicyArn: `arn:aws:iam::${A}:policy/p${i}`,
        }),
      ),
    );
    const listed = await call(rootA, 'ListAttachedUserPolicies', { UserName: 'attachee' });
    const attached = (listed as { value: { AttachedPolicies: unknown[] } }).value.AttachedPolicies;
    expect(attached.length).toBe(results.filter((r) => r.ok).length);
    expect(attached.length).toBeLessThanOrEqual(defaultQuotas.attachedPoliciesPerUser);
  });

  it('refuses to delete an attached policy or one used as a boundary', async () => {
    // Which of the raced attaches won is up to the race; any attached policy will do.
    const listed = await call(rootA, 'ListAttachedUserPolicies', { UserName: 'attachee' });
    const attached = (listed as { value: { AttachedPolicies: { PolicyArn: string }[] } }).value
      .AttachedPolicies;
    const arn = attached[0]?.PolicyArn ?? '';
    expect(arn).toMatch(/policy\/p\d+$/);
    expect(await call(rootA, 'DeletePolicy', { PolicyArn: arn })).toMatchObject({
      ok: false,
      code: 'entity.delete-conflict',
    });
    await call(rootA, 'CreatePolicy', { PolicyName: 'fence', PolicyDocument: allowIam('iam:*') });
    await call(rootA, 'CreateUser', {
      UserName: 'fenced',
      PermissionsBoundary: `arn:aws:iam::${A}:policy/fence`,
    });
    expect(await call(rootA, 'DeletePolicy', { PolicyArn: `arn:aws:iam::${A}:policy/fence` })).toMatchObject({
      ok: false,
      code: 'entity.delete-conflict',
    });
  });

  it('caps a user’s inline policies at 2,048 characters in aggregate', async () => {
    await call(rootA, 'CreateUser', { UserName: 'inliner' });
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iam:GetUser', Resource: `arn:aws:iam::${A}:user/${'x'.repeat(1200)}` },
      ],
    });
    expect(
      await call(rootA, 'PutUserPolicy', { UserName: 'inliner', PolicyName: 'one', PolicyDocument: big }),
    ).toMatchObject({ ok: true });
    expect(
      await call(rootA, 'PutUserPolicy', { UserName: 'inliner', PolicyName: 'two', PolicyDocument: big }),
    ).toMatchObject({
      ok: false,
      code: 'policy.too-large',
    });
    // Replacing the one policy with itself stays within the quota.
    expect(
      await call(rootA, 'PutUserPolicy', { UserName: 'inliner', PolicyName: 'ONE', PolicyDocument: big }),
    ).toMatchObject({ ok: true });
  });
});

describe('authorization of IAM operations', () => {
  it('denies a user without policies in AWS words, then allows once a policy is attached', async () => {
    await call(rootA, 'CreateUser', { UserName: 'bob' });
    const before = await call(await userAs(A, 'bob'), 'ListUsers', {});
    expect(before).toMatchObject({ ok: false, code: 'access.denied' });
    expect(!before.ok && before.message).toBe(
      `User: arn:aws:iam::${A}:user/bob is not authorized to perform: iam:ListUsers on resource: * because no identity-based policy allows the iam:ListUsers action`,
    );
    await call(rootA, 'AttachUserPolicy', {
      UserName: 'bob',
      PolicyArn: 'arn:aws:iam::palisade:policy/ReadOnlyAccess',
    });
    expect(await call(await userAs(A, 'bob'), 'ListUsers', {})).toMatchObject({ ok: true });
    expect(await call(await userAs(A, 'bob'), 'CreateUser', { UserName: 'mallory' })).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
  });

  it('applies group policies and permissions boundaries', async () => {
    await call(rootA, 'CreateGroup', { GroupName: 'admins' });
    await call(rootA, 'PutGroupPolicy', { GroupName: 'admins', PolicyName: 'all', PolicyDocument: allowAll });
    await call(rootA, 'CreateUser', { UserName: 'carol' });
    await call(rootA, 'AddUserToGroup', { GroupName: 'admins', UserName: 'carol' });
    expect(await call(await userAs(A, 'carol'), 'CreateUser', { UserName: 'dave' })).toMatchObject({
      ok: true,
    });
    await call(rootA, 'CreatePolicy', { PolicyName: 'readonly-fence', PolicyDocument: allowIam('iam:Get*') });
    await call(rootA, 'PutUserPermissionsBoundary', {
      UserName: 'carol',
      PermissionsBoundary: `arn:aws:iam::${A}:policy/readonly-fence`,
    });
    const fenced = await call(await userAs(A, 'carol'), 'CreateUser', { UserName: 'erin' });
    expect(fenced).toMatchObject({ ok: false, code: 'access.denied' });
    expect(!fenced.ok && fenced.message).toContain('permissions boundary');
    expect(await call(await userAs(A, 'carol'), 'GetUser', { UserName: 'dave' })).toMatchObject({ ok: true });
  });
});

describe('tenant isolation', () => {
  it('shows one account nothing of another, even when given its ARNs and names', async () => {
    expect(await call(rootB, 'GetUser', { UserName: 'alice' })).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
    const listed = await call(rootB, 'ListUsers', {});
    expect((listed as { value: { Users: unknown[] } }).value.Users).toEqual([]);
    await call(rootB, 'CreateUser', { UserName: 'alice' });
    expect(
      await call(rootB, 'AttachUserPolicy', { UserName: 'alice', PolicyArn: `arn:aws:iam::${A}:policy/p1` }),
    ).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
    // Another account's ARN is denied the same way whether or not the policy exists.
    const existing = await call(rootB, 'GetPolicy', { PolicyArn: `arn:aws:iam::${A}:policy/p1` });
    const missing = await call(rootB, 'GetPolicy', { PolicyArn: `arn:aws:iam::${A}:policy/nothing-here` });
    expect(existing).toMatchObject({ ok: false, code: 'access.denied' });
    expect(missing).toMatchObject({ ok: false, code: 'access.denied' });
    expect(!existing.ok && existing.message.replace('p1', 'X')).toBe(
      !missing.ok && missing.message.replace('nothing-here', 'X'),
    );
  });
});
