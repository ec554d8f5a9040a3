import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Caller, type OperationTable, rootCaller } from '@palisade/principals';
import {
  attachedPolicyKey,
  attachPolicy,
  getPrincipal,
  migrate,
  migrations,
  platformPolicyAttachmentKey,
  platformPolicyBoundaryKey,
  putNewAccount,
  readPlatformPoliciesUses,
  type StoreContext,
  toPrincipal,
} from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext, loadUserCaller } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import { iamOperations } from '../src/index.ts';

const NOW = new Date('2026-12-07T12:00:00Z');
const found = migrations.find((m) => m.name.startsWith('operator-managed policies'));
if (!found) throw new Error('no migration of operator-managed policies');
const platformPolicyUses = found;
const A = '100000000031';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const LEGACY_READ_ONLY = 'arn:aws:iam::palisade:policy/ReadOnlyAccess';
let store: StoreContext;
let ops: OperationTable;
let root: Caller;

beforeAll(async () => {
  const context = await createIamTestContext('platform-arns', () => NOW);
  store = context.store;
  ops = iamOperations(context);
  await putNewAccount(store, { accountId: A, alias: 'arns-a', createdAt: NOW.toISOString() });
  root = rootCaller('aws', A);
});

const call = (caller: Caller, action: string, input: object) => runOperation(ops, caller, action, input);
const must = <T = Record<string, unknown>>(action: string, input: object) =>
  mustRunOperation<T>(ops, root, action, input);

describe('operator-managed policies as AWS managed policies', () => {
  it('publishes them as arn:aws:iam::aws:policy/<name> and lets root read them and their versions', async () => {
    const got = await must<{ Policy: { Arn: string; DefaultVersionId: string } }>('GetPolicy', {
      PolicyArn: ADMIN,
    });
    expect(got.Policy.Arn).toBe(ADMIN);
    const version = await must<{ PolicyVersion: { VersionId: string; Document: string } }>(
      'GetPolicyVersion',
      { PolicyArn: ADMIN, VersionId: got.Policy.DefaultVersionId },
    );
    expect(JSON.parse(version.PolicyVersion.Document).Statement[0].Action).toBe('*');
    const versions = await must<{ Versions: { VersionId: string }[] }>('ListPolicyVersions', {
      PolicyArn: READ_ONLY,
    });
    expect(versions.Versions.map((v) => v.VersionId)).toEqual(['v1']);
  });

  it('answers an unknown AWS-managed ARN with not-found, and still refuses to change one', async () => {
    expect(
      await call(root, 'GetPolicy', { PolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess' }),
    ).toMatchObject({ ok: false, code: 'entity.not-found' });
    expect(
      await call(root, 'CreatePolicyVersion', {
        PolicyArn: ADMIN,
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
        }),
      }),
    ).toMatchObject({ ok: false, code: 'access.denied' });
  });

  it('accepts the legacy ARN on input and answers with the current one', async () => {
    const got = await must<{ Policy: { Arn: string } }>('GetPolicy', { PolicyArn: LEGACY_READ_ONLY });
    expect(got.Policy.Arn).toBe(READ_ONLY);
    await must('CreateUser', { UserName: 'legacy-input' });
    await must('AttachUserPolicy', { UserName: 'legacy-input', PolicyArn: LEGACY_READ_ONLY });
    await must('PutUserPermissionsBoundary', {
      UserName: 'legacy-input',
      PermissionsBoundary: LEGACY_READ_ONLY,
    });
    const listed = await must<{ AttachedPolicies: { PolicyArn: string }[] }>('ListAttachedUserPolicies', {
      UserName: 'legacy-input',
    });
    expect(listed.AttachedPolicies.map((p) => p.PolicyArn)).toEqual([READ_ONLY]);
    const user = await must<{ User: { PermissionsBoundary?: { PermissionsBoundaryArn: string } } }>(
      'GetUser',
      {
        UserName: 'legacy-input',
      },
    );
    expect(user.User.PermissionsBoundary?.PermissionsBoundaryArn).toBe(READ_ONLY);
  });

  it('rewrites an attachment stored under the legacy ARN on read, and detaches it by the current ARN', async () => {
    await must('CreateUser', { UserName: 'stored-before' });
    const user = await getPrincipal(store, A, 'user', 'stored-before');
    if (!user) throw new Error('no user');
    // What an attachment made before the ARNs changed looks like in the table.
    const legacy = await attachPolicy(
      store,
      user,
      { policyArn: LEGACY_READ_ONLY, policyName: 'ReadOnlyAccess' },
      undefined,
      10,
    );
    expect(legacy.ok).toBe(true);
    const listed = () =>
      must<{ AttachedPolicies: { PolicyArn: string }[] }>('ListAttachedUserPolicies', {
        UserName: 'stored-before',
      });
    expect((await listed()).AttachedPolicies.map((p) => p.PolicyArn)).toEqual([READ_ONLY]);
    // Its explanation cites the current ARN, and it grants what the policy grants.
    const caller = await loadUserCaller(store, A, 'stored-before', () => NOW);
    expect(caller.authorize('iam:ListUsers', '*')).toMatchObject({ allowed: true });
    // Attaching it again by the current ARN changes nothing (no second attachment).
    await must('AttachUserPolicy', { UserName: 'stored-before', PolicyArn: READ_ONLY });
    expect((await listed()).AttachedPolicies).toHaveLength(1);
    await must('DetachUserPolicy', { UserName: 'stored-before', PolicyArn: READ_ONLY });
    expect((await listed()).AttachedPolicies).toEqual([]);
    expect((await getPrincipal(store, A, 'user', 'stored-before'))?.counters.attachedPolicies).toBe(0);
    expect(
      await call(root, 'DetachUserPolicy', { UserName: 'stored-before', PolicyArn: READ_ONLY }),
    ).toMatchObject({ ok: false, code: 'entity.not-found' });
  });

  it('reads a legacy permissions boundary as the current ARN', () => {
    const record = toPrincipal({
      kind: 'user',
      accountId: A,
      name: 'old',
      path: '/',
      id: 'AIDAOLDOLDOLDOLD',
      arn: `arn:aws:iam::${A}:user/old`,
      createdAt: NOW.toISOString(),
      permissionsBoundary: LEGACY_READ_ONLY,
      version: 1,
    });
    expect(record.permissionsBoundary).toBe(READ_ONLY);
  });

  it('migrates an attachment made before: keyed by the AWS-managed ARN, counted in the account', async () => {
    await must('CreateRole', {
      RoleName: 'migrated',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
    await must('PutRolePermissionsBoundary', { RoleName: 'migrated', PermissionsBoundary: ADMIN });
    const role = await getPrincipal(store, A, 'role', 'migrated');
    if (!role) throw new Error('no role');
    const boundaryReverse = platformPolicyBoundaryKey(A, 'AdministratorAccess', 'ROLE', role.id);
    await store.documents.send(new DeleteCommand({ TableName: store.tableName, Key: boundaryReverse }));
    await attachPolicy(
      store,
      role,
      { policyArn: LEGACY_READ_ONLY, policyName: 'ReadOnlyAccess' },
      undefined,
      10,
    );
    const reverse = platformPolicyAttachmentKey(A, 'ReadOnlyAccess', 'ROLE', role.id);
    // As written before reverse items were kept.
    await store.documents.send(new DeleteCommand({ TableName: store.tableName, Key: reverse }));
    const item = async (key: { pk: string; sk: string }) =>
      (
        await store.documents.send(
          new GetCommand({ TableName: store.tableName, Key: key, ConsistentRead: true }),
        )
      ).Item;
    const countBefore = (await readPlatformPoliciesUses(store, A, [{ name: 'ReadOnlyAccess' }]))[0]
      ?.attachments;
    // This table is written by today's code: the earlier layouts' migrations have nothing to do.
    const earlier = Array.from({ length: platformPolicyUses.version - 1 }, (_, i) => ({
      version: i + 1,
      name: `v${i + 1}`,
      run: async () => {},
    }));
    await migrate(store, { migrations: [...earlier, platformPolicyUses], now: () => NOW });
    // Run again from the start (as a resumed run would): nothing changes.
    await platformPolicyUses.run(
      { store, now: () => NOW, resumeFrom: undefined, checkpoint: async () => {} },
      () => {},
    );
    expect(await item(attachedPolicyKey(A, 'ROLE', role.id, LEGACY_READ_ONLY))).toBeUndefined();
    expect(await item(attachedPolicyKey(A, 'ROLE', role.id, READ_ONLY))).toMatchObject({
      policyArn: READ_ONLY,
    });
    expect(await item(reverse)).toMatchObject({ kind: 'role', principalId: role.id });
    expect(await item(boundaryReverse)).toMatchObject({ kind: 'role', principalId: role.id });
    expect((await readPlatformPoliciesUses(store, A, [{ name: 'ReadOnlyAccess' }]))[0]?.attachments).toBe(
      (countBefore ?? 0) + 1,
    );
  });
});
