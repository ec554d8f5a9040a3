import { type Caller, type OperationTable, rootCaller } from '@palisade/principals';
import { putNewAccount, type StoreContext } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import { iamOperations } from '../src/index.ts';

const NOW = new Date('2026-12-07T12:00:00Z');
const A = '100000000041';
const LONG_PATH = `/${'deep'.repeat(127)}ab/`;
const ALLOW_ALL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});
let store: StoreContext;
let ops: OperationTable;
let root: Caller;

beforeAll(async () => {
  const context = await createIamTestContext('listing-pages', () => NOW);
  store = context.store;
  ops = iamOperations(context);
  await putNewAccount(store, { accountId: A, alias: 'pages-a', createdAt: NOW.toISOString() });
  root = rootCaller('aws', A);
});

const must = <T = Record<string, unknown>>(action: string, input: object) =>
  mustRunOperation<T>(ops, root, action, input);

/** Every page of a listing with `MaxItems`, checking each marker stays within IAM's 320 characters. */
async function everyPage<T>(action: string, input: object, key: string, maxItems = 1): Promise<T[]> {
  const seen: T[] = [];
  let marker: string | undefined;
  for (let pages = 0; pages < 200; pages++) {
    const page = await must<Record<string, unknown>>(action, {
      ...input,
      MaxItems: maxItems,
      ...(marker ? { Marker: marker } : {}),
    });
    const items = page[key] as T[];
    expect(items.length).toBeLessThanOrEqual(maxItems);
    seen.push(...items);
    if (!page.IsTruncated) {
      expect(page.Marker).toBeUndefined();
      return seen;
    }
    marker = page.Marker as string;
    expect(marker.length).toBeLessThanOrEqual(320);
  }
  throw new Error(`${action} never ended`);
}

describe('listing markers', () => {
  it('pages users under a 512-character path one at a time, each exactly once, markers within 320 characters', async () => {
    expect(LONG_PATH).toHaveLength(512);
    const names = ['u-a', 'u-b', 'u-c', 'u-d'];
    for (const UserName of names) await must('CreateUser', { UserName, Path: LONG_PATH });
    const listed = await everyPage<{ UserName: string }>('ListUsers', { PathPrefix: LONG_PATH }, 'Users');
    expect(listed.map((u) => u.UserName)).toEqual(names);
  });

  it('continues after a user deleted since its page, under the long path, skipping nobody', async () => {
    const first = await must<{ Users: { UserName: string }[]; Marker: string }>('ListUsers', {
      PathPrefix: LONG_PATH,
      MaxItems: 2,
    });
    expect(first.Users.map((u) => u.UserName)).toEqual(['u-a', 'u-b']);
    await must('DeleteUser', { UserName: 'u-b' });
    const rest = await must<{ Users: { UserName: string }[] }>('ListUsers', {
      PathPrefix: LONG_PATH,
      Marker: first.Marker,
    });
    // The marker held a shortened cursor and u-b's id: u-b gone, the listing restarts at the prefix.
    expect(rest.Users.map((u) => u.UserName)).toEqual(expect.arrayContaining(['u-c', 'u-d']));
  });

  it('refuses a forged marker with ValidationError', async () => {
    expect(
      await runOperation(ops, root, 'ListUsers', {
        Marker: Buffer.from('E/zzz').toString('base64url').slice(1),
      }),
    ).toMatchObject({ ok: false, code: 'request.invalid' });
  });
});

describe('ListPolicies with operator-managed policies', () => {
  it('lists them inside MaxItems paging, among the customer policies, each exactly once', async () => {
    for (const PolicyName of ['a-local', 'b-local', 'z-local']) {
      await must('CreatePolicy', { PolicyName, PolicyDocument: ALLOW_ALL });
    }
    const every = await everyPage<{ PolicyName: string }>('ListPolicies', {}, 'Policies');
    expect(every.map((p) => p.PolicyName)).toEqual([
      'a-local',
      'AdministratorAccess',
      'b-local',
      'ReadOnlyAccess',
      'z-local',
    ]);
    const aws = await everyPage<{ PolicyName: string }>('ListPolicies', { Scope: 'AWS' }, 'Policies');
    expect(aws.map((p) => p.PolicyName)).toEqual(['AdministratorAccess', 'ReadOnlyAccess']);
    const local = await everyPage<{ PolicyName: string }>('ListPolicies', { Scope: 'Local' }, 'Policies', 2);
    expect(local.map((p) => p.PolicyName)).toEqual(['a-local', 'b-local', 'z-local']);
  });

  it('counts their attachments in the account, so OnlyAttached and PolicyUsageFilter list them', async () => {
    await must('CreateUser', { UserName: 'reader' });
    await must('CreateGroup', { GroupName: 'readers' });
    await must('AttachUserPolicy', {
      UserName: 'reader',
      PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    });
    await must('AttachGroupPolicy', {
      GroupName: 'readers',
      PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    });
    await must('PutUserPermissionsBoundary', {
      UserName: 'reader',
      PermissionsBoundary: `arn:aws:iam::${A}:policy/b-local`,
    });
    await must('CreateUser', {
      UserName: 'bounded',
      PermissionsBoundary: 'arn:aws:iam::aws:policy/AdministratorAccess',
    });
    const attached = await everyPage<{ PolicyName: string; AttachmentCount: number }>(
      'ListPolicies',
      { OnlyAttached: true },
      'Policies',
    );
    expect(attached.map((p) => [p.PolicyName, p.AttachmentCount])).toEqual([
      ['AdministratorAccess', 0],
      ['b-local', 0],
      ['ReadOnlyAccess', 2],
    ]);
    const permissions = await everyPage<{ PolicyName: string }>(
      'ListPolicies',
      { PolicyUsageFilter: 'PermissionsPolicy' },
      'Policies',
    );
    expect(permissions.map((p) => p.PolicyName)).toEqual(['ReadOnlyAccess']);
    const boundaries = await everyPage<{ PolicyName: string }>(
      'ListPolicies',
      { PolicyUsageFilter: 'PermissionsBoundary' },
      'Policies',
    );
    expect(boundaries.map((p) => p.PolicyName)).toEqual(['AdministratorAccess', 'b-local']);
    const boundaryCount = async () =>
      (
        await must<{ Policy: { PermissionsBoundaryUsageCount: number } }>('GetPolicy', {
          PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        })
      ).Policy.PermissionsBoundaryUsageCount;
    expect(await boundaryCount()).toBe(1);
    await must('PutUserPermissionsBoundary', {
      UserName: 'bounded',
      PermissionsBoundary: `arn:aws:iam::${A}:policy/z-local`,
    });
    expect(await boundaryCount()).toBe(0);
    await must('PutUserPermissionsBoundary', {
      UserName: 'bounded',
      PermissionsBoundary: 'arn:aws:iam::aws:policy/AdministratorAccess',
    });
    expect(await boundaryCount()).toBe(1);
    await must('DeleteUser', { UserName: 'bounded' });
    expect(await boundaryCount()).toBe(0);
    const got = await must<{ Policy: { AttachmentCount: number } }>('GetPolicy', {
      PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    });
    expect(got.Policy.AttachmentCount).toBe(2);
    await must('DetachGroupPolicy', {
      GroupName: 'readers',
      PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    });
    expect(
      (
        await must<{ Policy: { AttachmentCount: number } }>('GetPolicy', {
          PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
        })
      ).Policy.AttachmentCount,
    ).toBe(1);
  });
});

describe('what the listings show', () => {
  const boundary = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
  const tags = [{ Key: 'team', Value: 'blue' }];

  it('lists users and roles without their boundary and tags, which GetUser and GetRole show', async () => {
    await must('CreateUser', {
      UserName: 'shown',
      Path: '/shown/',
      PermissionsBoundary: boundary,
      Tags: tags,
    });
    await must('CreateRole', {
      RoleName: 'shown-role',
      Path: '/shown/',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
      Description: 'listed with its description',
      MaxSessionDuration: 7200,
      PermissionsBoundary: boundary,
      Tags: tags,
    });
    const users = await must<{ Users: Record<string, unknown>[] }>('ListUsers', { PathPrefix: '/shown/' });
    expect(users.Users).toEqual([
      {
        Path: '/shown/',
        UserName: 'shown',
        UserId: expect.stringMatching(/^AIDA/),
        Arn: `arn:aws:iam::${A}:user/shown/shown`,
        CreateDate: NOW,
      },
    ]);
    const roles = await must<{ Roles: Record<string, unknown>[] }>('ListRoles', { PathPrefix: '/shown/' });
    expect(roles.Roles).toEqual([
      {
        Path: '/shown/',
        RoleName: 'shown-role',
        RoleId: expect.stringMatching(/^AROA/),
        Arn: `arn:aws:iam::${A}:role/shown/shown-role`,
        CreateDate: NOW,
        AssumeRolePolicyDocument: expect.stringContaining('ec2.amazonaws.com'),
        Description: 'listed with its description',
        MaxSessionDuration: 7200,
      },
    ]);
    const user = await must<{ User: Record<string, unknown> }>('GetUser', { UserName: 'shown' });
    expect(user.User).toMatchObject({
      PermissionsBoundary: {
        PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
        PermissionsBoundaryArn: boundary,
      },
      Tags: tags,
    });
    const role = await must<{ Role: Record<string, unknown> }>('GetRole', { RoleName: 'shown-role' });
    expect(role.Role).toMatchObject({
      PermissionsBoundary: { PermissionsBoundaryArn: boundary },
      Tags: tags,
    });
  });

  it('lists policies without their description, which GetPolicy shows', async () => {
    const created = await must<{ Policy: { Arn: string } }>('CreatePolicy', {
      PolicyName: 'described',
      Path: '/described/',
      PolicyDocument: ALLOW_ALL,
      Description: 'shown by GetPolicy only',
    });
    const listed = await must<{ Policies: Record<string, unknown>[] }>('ListPolicies', {
      Scope: 'Local',
      PathPrefix: '/described/',
    });
    expect(listed.Policies).toEqual([
      {
        PolicyName: 'described',
        PolicyId: expect.stringMatching(/^ANPA/),
        Arn: created.Policy.Arn,
        Path: '/described/',
        DefaultVersionId: 'v1',
        AttachmentCount: 0,
        PermissionsBoundaryUsageCount: 0,
        IsAttachable: true,
        CreateDate: NOW,
        UpdateDate: NOW,
      },
    ]);
    const platform = await must<{ Policies: Record<string, unknown>[] }>('ListPolicies', { Scope: 'AWS' });
    expect(platform.Policies.length).toBeGreaterThan(0);
    for (const policy of platform.Policies) expect(policy).not.toHaveProperty('Description');
    const got = await must<{ Policy: Record<string, unknown> }>('GetPolicy', {
      PolicyArn: created.Policy.Arn,
    });
    expect(got.Policy.Description).toBe('shown by GetPolicy only');
  });
});
