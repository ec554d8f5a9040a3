/** Paging of every IAM listing with the unchanged AWS SDK's paginators (and the AWS CLI), MaxItems 1. */
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  paginateGetAccountAuthorizationDetails,
  paginateGetGroup,
  paginateListAccessKeys,
  paginateListAttachedGroupPolicies,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListGroupPolicies,
  paginateListGroupsForUser,
  paginateListPolicies,
  paginateListPolicyVersions,
  paginateListRolePolicies,
  paginateListRoleTags,
  paginateListUserPolicies,
  paginateListUsers,
  paginateListUserTags,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAwsCli, runAwsCli } from './fixtures/aws-cli.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

const LONG_PATH = `/${'p'.repeat(510)}/`;
const ALLOW_ALL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
});
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

let running: RunningPlatform;
let root: IAMClient;
let key: { accessKeyId: string; secretAccessKey: string };
let accountId: string;
const local: string[] = [];

beforeAll(async () => {
  running = await startPlatform();
  const account = await running.createAccount('paging-acme');
  accountId = account.accountId;
  key = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
  root = new IAMClient({ endpoint: running.url, region: 'us-east-1', credentials: key, maxAttempts: 1 });
  const send = root.send.bind(root) as (command: object) => Promise<unknown>;
  const policy = (PolicyName: string, Path = '/') =>
    send(new CreatePolicyCommand({ PolicyName, Path, PolicyDocument: ALLOW_ALL }));
  for (const UserName of ['ann', 'bob', 'cy'])
    await send(new CreateUserCommand({ UserName, Path: LONG_PATH }));
  await send(
    new CreateUserCommand({
      UserName: 'tagged',
      Tags: ['a', 'b', 'c'].map((k) => ({ Key: k, Value: k.toUpperCase() })),
    }),
  );
  for (const GroupName of ['g1', 'g2', 'g3']) {
    await send(new CreateGroupCommand({ GroupName }));
    for (const UserName of ['ann', 'bob', 'cy'])
      await send(new AddUserToGroupCommand({ GroupName, UserName }));
  }
  await send(
    new CreateRoleCommand({
      RoleName: 'runner',
      AssumeRolePolicyDocument: TRUST,
      Tags: ['x', 'y'].map((k) => ({ Key: k, Value: k })),
    }),
  );
  await policy('p-short');
  await policy('p-long', LONG_PATH);
  local.push(
    `arn:aws:iam::${accountId}:policy/p-short`,
    `arn:aws:iam::${accountId}:policy${LONG_PATH}p-long`,
  );
  for (const version of [1, 2, 3]) {
    await send(
      new CreatePolicyVersionCommand({
        PolicyArn: local[0],
        PolicyDocument: ALLOW_ALL,
        SetAsDefault: version === 2,
      }),
    );
  }
  for (const PolicyArn of [...local, READ_ONLY]) {
    await send(new AttachUserPolicyCommand({ UserName: 'ann', PolicyArn }));
    await send(new AttachGroupPolicyCommand({ GroupName: 'g1', PolicyArn }));
    await send(new AttachRolePolicyCommand({ RoleName: 'runner', PolicyArn }));
  }
  for (const PolicyName of ['i1', 'i2']) {
    await send(new PutUserPolicyCommand({ UserName: 'ann', PolicyName, PolicyDocument: ALLOW_ALL }));
    await send(new PutGroupPolicyCommand({ GroupName: 'g1', PolicyName, PolicyDocument: ALLOW_ALL }));
    await send(new PutRolePolicyCommand({ RoleName: 'runner', PolicyName, PolicyDocument: ALLOW_ALL }));
  }
  await send(new CreateAccessKeyCommand({ UserName: 'ann' }));
  await send(new CreateAccessKeyCommand({ UserName: 'ann' }));
}, 120_000);
afterAll(() => running?.close());

/** Every page of a paginator at MaxItems 1: the items, each page's size and every marker within 320 characters. */
async function collect<P extends { Marker?: string; IsTruncated?: boolean }, T>(
  pages: AsyncIterable<P>,
  items: (page: P) => readonly T[],
): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) {
    expect(items(page).length).toBeLessThanOrEqual(1);
    if (page.Marker) expect(page.Marker.length).toBeLessThanOrEqual(320);
    all.push(...items(page));
  }
  return all;
}

const config = () => ({ client: root, pageSize: 1 });
const sorted = (values: readonly (string | undefined)[]) => [...values].sort();

describe('IAM paging with the SDK paginators, MaxItems 1', () => {
  it('pages users under a 512-character path and a group of them, each exactly once', async () => {
    const users = await collect(paginateListUsers(config(), { PathPrefix: LONG_PATH }), (p) => p.Users ?? []);
    expect(users.map((u) => u.UserName)).toEqual(['ann', 'bob', 'cy']);
    const members = await collect(paginateGetGroup(config(), { GroupName: 'g2' }), (p) => p.Users ?? []);
    expect(sorted(members.map((u) => u.UserName))).toEqual(['ann', 'bob', 'cy']);
    const groups = await collect(
      paginateListGroupsForUser(config(), { UserName: 'bob' }),
      (p) => p.Groups ?? [],
    );
    expect(groups.map((g) => g.GroupName)).toEqual(['g1', 'g2', 'g3']);
  });

  it('pages attached and inline policies of users, groups and roles, honouring PathPrefix', async () => {
    const every = [...local, READ_ONLY].sort();
    const attached = [
      await collect(
        paginateListAttachedUserPolicies(config(), { UserName: 'ann' }),
        (p) => p.AttachedPolicies ?? [],
      ),
      await collect(
        paginateListAttachedGroupPolicies(config(), { GroupName: 'g1' }),
        (p) => p.AttachedPolicies ?? [],
      ),
      await collect(
        paginateListAttachedRolePolicies(config(), { RoleName: 'runner' }),
        (p) => p.AttachedPolicies ?? [],
      ),
    ];
    for (const list of attached) expect(sorted(list.map((a) => a.PolicyArn))).toEqual(every);
    const underLongPath = await collect(
      paginateListAttachedUserPolicies(config(), { UserName: 'ann', PathPrefix: LONG_PATH }),
      (p) => p.AttachedPolicies ?? [],
    );
    expect(underLongPath.map((a) => a.PolicyName)).toEqual(['p-long']);
    const inline = [
      await collect(paginateListUserPolicies(config(), { UserName: 'ann' }), (p) => p.PolicyNames ?? []),
      await collect(paginateListGroupPolicies(config(), { GroupName: 'g1' }), (p) => p.PolicyNames ?? []),
      await collect(paginateListRolePolicies(config(), { RoleName: 'runner' }), (p) => p.PolicyNames ?? []),
    ];
    for (const list of inline) expect(list).toEqual(['i1', 'i2']);
  });

  it('pages policy versions (newest first), access keys and tags', async () => {
    const versions = await collect(
      paginateListPolicyVersions(config(), { PolicyArn: local[0] }),
      (p) => p.Versions ?? [],
    );
    expect(versions.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ['v4', false],
      ['v3', true],
      ['v2', false],
      ['v1', false],
    ]);
    const keys = await collect(
      paginateListAccessKeys(config(), { UserName: 'ann' }),
      (p) => p.AccessKeyMetadata ?? [],
    );
    expect(new Set(keys.map((k) => k.AccessKeyId)).size).toBe(2);
    const userTags = await collect(
      paginateListUserTags(config(), { UserName: 'tagged' }),
      (p) => p.Tags ?? [],
    );
    expect(userTags.map((t) => t.Key)).toEqual(['a', 'b', 'c']);
    const roleTags = await collect(
      paginateListRoleTags(config(), { RoleName: 'runner' }),
      (p) => p.Tags ?? [],
    );
    expect(roleTags.map((t) => t.Key)).toEqual(['x', 'y']);
  });

  it('pages ListPolicies with the operator-managed policies inside, and OnlyAttached with their counts', async () => {
    const all = await collect(paginateListPolicies(config(), {}), (p) => p.Policies ?? []);
    expect(sorted(all.map((p) => p.Arn))).toEqual(sorted([...local, READ_ONLY, ADMIN]));
    const attached = await collect(
      paginateListPolicies(config(), { OnlyAttached: true, Scope: 'AWS' }),
      (p) => p.Policies ?? [],
    );
    expect(attached.map((p) => [p.Arn, p.AttachmentCount])).toEqual([[READ_ONLY, 3]]);
  });

  it('pages GetAccountAuthorizationDetails across its lists, AWS-managed policies included', async () => {
    const pages = paginateGetAccountAuthorizationDetails(config(), {});
    const seen: string[] = [];
    for await (const page of pages) {
      const items = [
        ...(page.UserDetailList ?? []).map((u) => `user:${u.UserName}`),
        ...(page.GroupDetailList ?? []).map((g) => `group:${g.GroupName}`),
        ...(page.RoleDetailList ?? []).map((r) => `role:${r.RoleName}`),
        ...(page.Policies ?? []).map((p) => `policy:${p.Arn}`),
      ];
      expect(items.length).toBeLessThanOrEqual(1);
      if (page.Marker) expect(page.Marker.length).toBeLessThanOrEqual(320);
      seen.push(...items);
    }
    expect(sorted(seen)).toEqual(
      sorted([
        ...['ann', 'bob', 'cy', 'tagged'].map((u) => `user:${u}`),
        ...['g1', 'g2', 'g3'].map((g) => `group:${g}`),
        'role:runner',
        ...[...local, READ_ONLY, ADMIN].map((arn) => `policy:${arn}`),
      ]),
    );
    const aws = await collect(
      paginateGetAccountAuthorizationDetails(config(), { Filter: ['AWSManagedPolicy'] }),
      (p) => p.Policies ?? [],
    );
    expect(aws.map((p) => [p.Arn, p.AttachmentCount])).toEqual([
      [ADMIN, 0],
      [READ_ONLY, 3],
    ]);
  });
});

const cli = findAwsCli();
describe.skipIf(!cli)('IAM paging with the AWS CLI', () => {
  if (!cli) console.log('skipped: no AWS CLI on this machine');
  it('pages ListUsers under a 512-character path with --page-size 1 and lists each user once', async () => {
    if (!cli) return;
    const out = (await runAwsCli(cli, key, running.url, [
      'iam',
      'list-users',
      '--path-prefix',
      LONG_PATH,
      '--page-size',
      '1',
    ])) as { Users: { UserName: string }[] };
    expect(out.Users.map((u) => u.UserName)).toEqual(['ann', 'bob', 'cy']);
  });
});
