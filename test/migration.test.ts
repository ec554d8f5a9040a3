/**
 * Data written by the name-keyed layout (v1) keeps working after `migrate`: the committed dump of a
 * table filled by that layout's own code is loaded into a fresh table, migrated, and used through
 * the real interfaces with the credentials its manifest records. The checks are a table: each
 * layout change adds the rows that prove its own items still answer.
 */
import type { AddressInfo } from 'node:net';
import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteGroupCommand,
  DeletePolicyCommand,
  DeleteUserPermissionsBoundaryCommand,
  DetachGroupPolicyCommand,
  DetachUserPolicyCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetGroupCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListOpenIDConnectProvidersCommand,
  RemoveUserFromGroupCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { serve } from '@hono/node-server';
import { generateTotpCode } from '@palisade/credentials';
import { defaultQuotas, iamOperations } from '@palisade/iam';
import { rootCaller } from '@palisade/principals';
import {
  countGroupMembers,
  getPrincipal,
  migrate,
  migrations,
  nameKeyedLayout,
  readSchemaVersion,
  type StoreContext,
  shardCap,
} from '@palisade/store';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPlatform, type Platform } from '../functions/wiring/platform.ts';
import { signedJson } from '../packages/decisions/test/support/signed-client.ts';
import { createLayoutV1Table, layoutV1 } from './fixtures/layout-v1.ts';
import { iamClientAt, stsClientAt } from './fixtures/pinned-clock-clients.ts';
import { runOperation } from './fixtures/run-operation.ts';
import type { SigningKey } from './fixtures/signed-fetch.ts';
import { canonicalJson, type RawItem, scanTableItems } from './fixtures/table-items.ts';
import { TEST_CHANGE_ORIGIN } from './fixtures/test-table.ts';

const { accounts, users, policies, roles } = layoutV1;
const A = accounts.a.accountId;
const B = accounts.b.accountId;
/** Five minutes after the dump was taken: its sessions are live, its TOTP steps are used up. */
const MIGRATED_AT = new Date(Date.parse(layoutV1.finishedAt) + 5 * 60_000);
const latest = migrations.at(-1)?.version ?? 0;

/** A group's member count as its shards hold it (the group found by name, its shards by id). */
async function groupMembersCounted(store: StoreContext, accountId: string, name: string): Promise<number> {
  const group = await getPrincipal(store, accountId, 'group', name);
  return group ? countGroupMembers(store, group) : -1;
}

/** The migrated platform a check runs against. */
interface Migrated {
  readonly url: string;
  readonly platform: Platform;
  readonly store: StoreContext;
  iam(key: SigningKey): IAMClient;
  sts(key: SigningKey): STSClient;
  /** A signed JSON call to the REST or decision API; the status and the parsed body. */
  rest(
    key: SigningKey,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }>;
}

// biome-ignore lint/suspicious/noExplicitAny: checks read arbitrary members of JSON answers
type Json = any;

/** One row of the table: what must still hold on migrated data, and how to see it. */
interface MigratedCheck {
  readonly it: string;
  run(migrated: Migrated): Promise<void>;
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    // The AWS error code (the SDK's `name` adds `Exception` to the codes it models).
    (error: Error & { Code?: string }) => error.Code ?? error.name,
  );

const checks: readonly MigratedCheck[] = [
  {
    it: "signs IAM calls with a seeded user's active access key (GetUser: path, tags, boundary)",
    async run({ iam }) {
      const { User } = await iam(users.alice.activeKey).send(new GetUserCommand({}));
      expect(User).toMatchObject({
        UserName: 'alice',
        Path: '/engineering/',
        Arn: users.alice.arn,
        PermissionsBoundary: { PermissionsBoundaryArn: policies.boundary },
      });
      expect(User?.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'team', Value: 'blue' },
          { Key: 'cost-center', Value: '42' },
        ]),
      );
    },
  },
  {
    it: 'refuses the seeded inactive access key',
    async run({ iam }) {
      expect(await refusal(iam(users.alice.inactiveKey).send(new GetUserCommand({})))).toBe(
        'InvalidClientTokenId',
      );
    },
  },
  {
    it: "lists a user's groups, attached policies, access keys and MFA devices",
    async run({ iam }) {
      const alice = iam(users.alice.activeKey);
      const groups = await alice.send(new ListGroupsForUserCommand({ UserName: 'alice' }));
      expect(groups.Groups?.map((g) => g.GroupName)).toEqual(['readers']);
      const bobGroups = await alice.send(new ListGroupsForUserCommand({ UserName: 'bob' }));
      expect(bobGroups.Groups?.map((g) => g.GroupName).sort()).toEqual(['operations', 'readers']);
      const attached = await alice.send(new ListAttachedUserPoliciesCommand({ UserName: 'alice' }));
      expect(attached.AttachedPolicies).toEqual([{ PolicyName: 'IamReader', PolicyArn: policies.iamReader }]);
      const keys = await alice.send(new ListAccessKeysCommand({ UserName: 'alice' }));
      expect(keys.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status]).sort()).toEqual(
        [
          [users.alice.activeKey.accessKeyId, 'Active'],
          [users.alice.inactiveKey.accessKeyId, 'Inactive'],
        ].sort(),
      );
      const devices = await alice.send(new ListMFADevicesCommand({ UserName: 'alice' }));
      expect(devices.MFADevices?.map((d) => d.SerialNumber)).toEqual([users.alice.mfa.serial]);
    },
  },
  {
    it: "reads a managed policy's default version (not its newest) and where it is attached",
    async run({ iam }) {
      const alice = iam(users.alice.activeKey);
      const { Policy } = await alice.send(new GetPolicyCommand({ PolicyArn: policies.docsReader }));
      expect(Policy).toMatchObject({ DefaultVersionId: 'v2', AttachmentCount: 2, Path: '/fixture/' });
      const { PolicyVersion } = await alice.send(
        new GetPolicyVersionCommand({ PolicyArn: policies.docsReader, VersionId: 'v2' }),
      );
      expect(PolicyVersion?.IsDefaultVersion).toBe(true);
      expect(decodeURIComponent(PolicyVersion?.Document ?? '')).toContain('"V2"');
      // The platform serves no ListEntitiesForPolicy yet: each side of the attachment is read instead.
      const onGroup = await alice.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'readers' }));
      expect(onGroup.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([policies.docsReader]);
      const onRole = await alice.send(new ListAttachedRolePoliciesCommand({ RoleName: 'deployer' }));
      expect(onRole.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([policies.docsReader]);
    },
  },
  {
    it: 'reads a role with its trust policy, tags and maximum session duration',
    async run({ iam }) {
      const { Role } = await iam(users.alice.activeKey).send(new GetRoleCommand({ RoleName: 'deployer' }));
      expect(Role).toMatchObject({ Arn: roles.deployer, Path: '/service/', MaxSessionDuration: 7200 });
      expect(Role?.Tags).toEqual([{ Key: 'purpose', Value: 'deploy' }]);
      expect(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? '')).toContain(users.alice.arn);
    },
  },
  {
    it: "allows what a user may do only through a group's attached policy, and denies the rest",
    async run({ rest }) {
      const ask = (action: string) =>
        rest(accounts.a.root, 'POST', '/v1/authorize', {
          principal: users.alice.arn,
          action,
          resource: `arn:aws:docs:us-east-1:${A}:doc/handbook`,
        });
      const read = await ask('docs:Read');
      expect(read.status).toBe(200);
      expect(read.body.decision).toBe('allowed');
      expect(JSON.stringify(read.body.matchedStatements)).toContain('DocsReader');
      // docs:Delete is in DocsReader's newest version, not in its default one.
      expect((await ask('docs:Delete')).body.decision).toBe('implicitDeny');
      expect((await ask('billing:PayInvoice')).body.decision).toBe('implicitDeny');
    },
  },
  {
    it: 'finds a renamed user and group by their new names only',
    async run({ iam }) {
      const root = iam(accounts.a.root);
      expect((await root.send(new GetUserCommand({ UserName: 'bob' }))).User?.UserName).toBe('bob');
      expect(await refusal(root.send(new GetUserCommand({ UserName: users.bob.formerName })))).toBe(
        'NoSuchEntity',
      );
      const group = await root.send(new GetGroupCommand({ GroupName: 'operations' }));
      expect(group.Users?.map((u) => u.UserName)).toEqual(['bob']);
      expect(
        await refusal(root.send(new GetGroupCommand({ GroupName: layoutV1.groups.operations.formerName }))),
      ).toBe('NoSuchEntity');
      // The renamed user's own key still signs as the user it now is.
      expect((await iam(users.bob.key).send(new GetUserCommand({}))).User?.UserName).toBe('bob');
    },
  },
  {
    it: 'signs in with the seeded password and MFA device, and refreshes the seeded sign-in session',
    async run({ url }) {
      const post = (path: string, body: object) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const signedIn = await post('/v1/sign-in', {
        account: accounts.a.alias,
        userName: 'alice',
        password: users.alice.password,
        mfaCode: generateTotpCode(users.alice.mfa.seed, MIGRATED_AT),
      });
      expect(signedIn.status, await signedIn.clone().text()).toBe(200);
      expect(((await signedIn.json()) as Json).accessToken).toEqual(expect.any(String));
      const carol = await post('/v1/sign-in', {
        account: accounts.b.alias,
        userName: 'Carol',
        password: users.Carol.password,
      });
      expect(carol.status).toBe(200);
      const refreshed = await post('/v1/sign-in/refresh', {
        refreshToken: layoutV1.signInSession.refreshToken,
      });
      expect(refreshed.status, await refreshed.clone().text()).toBe(200);
    },
  },
  {
    it: 'assumes the seeded role, and still accepts the seeded role session',
    async run({ sts }) {
      const assumed = await sts(users.alice.activeKey).send(
        new AssumeRoleCommand({ RoleArn: roles.deployer, RoleSessionName: 'after-migration' }),
      );
      const credentials = assumed.Credentials;
      const session = sts({
        accessKeyId: credentials?.AccessKeyId ?? '',
        secretAccessKey: credentials?.SecretAccessKey ?? '',
        sessionToken: credentials?.SessionToken ?? '',
      });
      expect((await session.send(new GetCallerIdentityCommand({}))).Arn).toBe(
        `arn:aws:sts::${A}:assumed-role/deployer/after-migration`,
      );
      const { accessKeyId, secretAccessKey, sessionToken } = layoutV1.roleSession;
      const seeded = await sts({ accessKeyId, secretAccessKey, sessionToken }).send(
        new GetCallerIdentityCommand({}),
      );
      expect(seeded.Arn).toBe(`arn:aws:sts::${A}:assumed-role/deployer/fixture-session`);
    },
  },
  {
    it: 'keeps names unique case-insensitively: a name from the dump in another case already exists',
    async run({ iam }) {
      const rootA = iam(accounts.a.root);
      expect(await refusal(rootA.send(new CreateUserCommand({ UserName: 'ALICE' })))).toBe(
        'EntityAlreadyExists',
      );
      expect(await refusal(rootA.send(new CreateUserCommand({ UserName: 'Bob' })))).toBe(
        'EntityAlreadyExists',
      );
      expect(await refusal(rootA.send(new CreateGroupCommand({ GroupName: 'Operations' })))).toBe(
        'EntityAlreadyExists',
      );
      expect(
        await refusal(
          rootA.send(new CreateRoleCommand({ RoleName: 'DEPLOYER', AssumeRolePolicyDocument: trustRoot(A) })),
        ),
      ).toBe('EntityAlreadyExists');
      expect(
        await refusal(
          rootA.send(new CreatePolicyCommand({ PolicyName: 'docsreader', PolicyDocument: anyRead })),
        ),
      ).toBe('EntityAlreadyExists');
      const rootB = iam(accounts.b.root);
      expect(await refusal(rootB.send(new CreateUserCommand({ UserName: 'carol' })))).toBe(
        'EntityAlreadyExists',
      );
    },
  },
  {
    it: "keeps each account's quota counts (GetAccountSummary equals the dump's)",
    async run({ iam }) {
      for (const account of [accounts.a, accounts.b]) {
        const { SummaryMap } = await iam(account.root).send(new GetAccountSummaryCommand({}));
        const dumped = layoutV1.accountSummaries[account.alias] ?? {};
        for (const counter of ['Users', 'Groups', 'Roles', 'Policies'] as const) {
          expect(SummaryMap?.[counter], `${account.alias} ${counter}`).toBe(dumped[counter]);
        }
      }
    },
  },
  {
    it: "counts the dump's users against the quota: one more fits, the next is LimitExceeded",
    async run({ platform }) {
      const users = layoutV1.accountSummaries[accounts.b.alias]?.Users ?? Number.NaN;
      const tight = iamOperations({
        ...platform.iam,
        quotas: { ...defaultQuotas, usersPerAccount: users + 1 },
      });
      const root = rootCaller('aws', B, () => MIGRATED_AT);
      expect((await runOperation(tight, root, 'CreateUser', { UserName: 'quota-fits' })).ok).toBe(true);
      expect(await runOperation(tight, root, 'CreateUser', { UserName: 'quota-over' })).toMatchObject({
        ok: false,
        code: 'quota.exceeded',
      });
    },
  },
  {
    it: 'keeps account settings: password policy, OIDC provider, resource policy, catalogs, decision log',
    async run({ iam, rest }) {
      const rootA = iam(accounts.a.root);
      const { PasswordPolicy } = await rootA.send(new GetAccountPasswordPolicyCommand({}));
      expect(PasswordPolicy).toMatchObject({ MinimumPasswordLength: 12, RequireNumbers: true });
      const providers = await rootA.send(new ListOpenIDConnectProvidersCommand({}));
      expect(providers.OpenIDConnectProviderList?.map((p) => p.Arn)).toEqual([
        `arn:aws:iam::${A}:oidc-provider/token.fixture.example/oidc`,
      ]);
      const handbook = encodeURIComponent(`arn:aws:docs:us-east-1:${A}:doc/handbook`);
      const registered = await rest(accounts.a.root, 'GET', `/v1/resource-policies/${handbook}`);
      expect(registered.status).toBe(200);
      expect(JSON.stringify(registered.body)).toContain('BobReadsHandbook');
      const catalog = await rest(accounts.a.root, 'GET', '/v1/service-catalog');
      expect(catalog.body.services.map((s: { prefix: string }) => s.prefix).sort()).toEqual([
        'billing',
        'docs',
      ]);
      const from = encodeURIComponent(layoutV1.startedAt);
      const to = encodeURIComponent(layoutV1.finishedAt);
      const logged = await rest(accounts.a.root, 'GET', `/v1/decision-log?from=${from}&to=${to}`);
      expect(logged.status, JSON.stringify(logged.body)).toBe(200);
      expect(logged.body.decisions.length).toBeGreaterThan(0);
    },
  },
  {
    it: 'counts every entity in one shard of its account counter, each shard within its cap (v2)',
    async run({ store }) {
      const items = await scanTableItems(store);
      const counted = items.filter(
        (item) =>
          ['user', 'group', 'role', 'managed-policy', 'oidc-provider'].includes(String(item.entity?.S)) &&
          (item.entity?.S === 'oidc-provider' ||
            ['USER', 'GROUP', 'ROLE', 'POLICY'].includes(String(item.sk?.S))),
      );
      expect(counted.length).toBeGreaterThan(0);
      expect(counted.filter((item) => item.quotaShard?.N === undefined)).toEqual([]);
      expect(items.filter((item) => item.sk?.S === 'POLICY-EPOCH')).toEqual([]);
      const quotaOf = { users: 5000, groups: 300, roles: 1000, policies: 1500, oidcProviders: 100 };
      for (const shard of items.filter((item) => item.entity?.S === 'counter-shard')) {
        const [counter, index] = String(shard.sk?.S).split('#') as [keyof typeof quotaOf, string];
        expect(Number(shard.n?.N)).toBeLessThanOrEqual(shardCap(quotaOf[counter], Number(index)));
      }
      const summaries = items.filter((item) => item.entity?.S === 'account-summary');
      expect(summaries.flatMap((item) => Object.keys(item)).filter((field) => field === 'users')).toEqual([]);
    },
  },
  {
    it: "counts a migrated group's members in its shards: refuses its deletion while it has members, adds and removes (v2)",
    async run({ iam, store }) {
      const root = iam(accounts.a.root);
      expect(await groupMembersCounted(store, A, 'operations')).toBe(1);
      expect(await refusal(root.send(new DeleteGroupCommand({ GroupName: 'operations' })))).toBe(
        'DeleteConflict',
      );
      // The migrated membership keeps its shard through a rename of its user, and gives it back after.
      await root.send(new UpdateUserCommand({ UserName: 'bob', NewUserName: 'bobby' }));
      await root.send(new AddUserToGroupCommand({ GroupName: 'operations', UserName: 'alice' }));
      expect(await groupMembersCounted(store, A, 'operations')).toBe(2);
      await root.send(new RemoveUserFromGroupCommand({ GroupName: 'operations', UserName: 'bobby' }));
      await root.send(new RemoveUserFromGroupCommand({ GroupName: 'operations', UserName: 'alice' }));
      expect(await groupMembersCounted(store, A, 'operations')).toBe(0);
      await root.send(new UpdateUserCommand({ UserName: 'bobby', NewUserName: 'bob' }));
      await root.send(new AddUserToGroupCommand({ GroupName: 'operations', UserName: 'bob' }));
      const group = await root.send(new GetGroupCommand({ GroupName: 'operations' }));
      expect(group.Users?.map((u) => u.UserName)).toEqual(['bob']);
    },
  },
  {
    it: 'keys every user, group, role and policy by its id, with a name item copying its record; no name-keyed item is left (v3)',
    async run({ store }) {
      const items = (await scanTableItems(store)).map((item) => unmarshall(item));
      expect(items.filter((item) => nameKeyedLayout.parsePartition(String(item.pk)))).toEqual([]);
      const records = items.filter((item) => /^ACCT#\d{12}#(USER|GROUP|ROLE|POLICY)#A[A-Z]{3}/.test(item.pk));
      const kinds = new Set(
        records.filter((item) => item.sk === item.pk.split('#')[2]).map((item) => item.sk),
      );
      expect([...kinds].sort()).toEqual(['GROUP', 'POLICY', 'ROLE', 'USER']);
      for (const record of records.filter((item) => item.sk === item.pk.split('#')[2])) {
        const name = items.find(
          (item) =>
            item.pk === `ACCT#${record.accountId}#${record.sk}-NAME#${String(record.name).toLowerCase()}`,
        );
        const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, counters: _c, entity, ...copied } = record;
        expect(name).toEqual({ ...name, ...copied, entity: `${entity}-name`, sk: 'NAME' });
      }
      // Relations name ids: every membership's group and every member's user exists by id.
      const byKey = new Set(items.map((item) => `${item.pk}|${item.sk}`));
      for (const item of items.filter((i) => i.entity === 'membership')) {
        expect(
          byKey.has(`ACCT#${A}#GROUP#${item.groupId}|GROUP`) ||
            byKey.has(`ACCT#${B}#GROUP#${item.groupId}|GROUP`),
        ).toBe(true);
      }
      for (const item of items.filter((i) => i.entity === 'access-key' && i.owner?.kind === 'user')) {
        expect(item.owner).toEqual({ kind: 'user', userId: expect.stringMatching(/^AIDA/) });
      }
    },
  },
  {
    it: 'renames a migrated user by writing three items; its keys, groups and policies follow it by id (v3)',
    async run({ iam, sts, store }) {
      const root = iam(accounts.a.root);
      const before = new Map(
        (await scanTableItems(store)).map((item) => [keyOfRaw(item), canonicalJson([item])]),
      );
      await root.send(new UpdateUserCommand({ UserName: 'alice', NewUserName: 'alicia' }));
      const after = await scanTableItems(store);
      const changed = new Set([
        ...after.filter((item) => before.get(keyOfRaw(item)) !== canonicalJson([item])).map(keyOfRaw),
        ...[...before.keys()].filter((key) => !after.some((item) => keyOfRaw(item) === key)),
      ]);
      // The change record and the call's one audit event ride with every change; the entity's items are the rest.
      const riders = [...changed].filter((key) => /#(?:CHANGES#|AUDIT\|)/.test(key));
      expect(riders.filter((key) => key.includes('#AUDIT|'))).toEqual([
        expect.stringMatching(`^ACCT#${A}#AUDIT\\|`),
      ]);
      const entityChanges = [...changed].filter((key) => !riders.includes(key));
      expect(entityChanges.map((key) => key.replace(/#[^#|]*\|/, '#…|')).sort()).toEqual([
        `ACCT#${A}#USER#…|USER`,
        `ACCT#${A}#USER-NAME#…|NAME`,
        `ACCT#${A}#USER-NAME#…|NAME`,
      ]);
      const identity = await sts(users.alice.activeKey).send(new GetCallerIdentityCommand({}));
      expect(identity.Arn).toBe(`arn:aws:iam::${A}:user/engineering/alicia`);
      const groups = await root.send(new ListGroupsForUserCommand({ UserName: 'alicia' }));
      const before2 = await root.send(new ListAttachedUserPoliciesCommand({ UserName: 'alicia' }));
      await root.send(new UpdateUserCommand({ UserName: 'alicia', NewUserName: 'alice' }));
      expect(await root.send(new ListGroupsForUserCommand({ UserName: 'alice' }))).toMatchObject({
        Groups: groups.Groups,
      });
      expect(await root.send(new ListAttachedUserPoliciesCommand({ UserName: 'alice' }))).toMatchObject({
        AttachedPolicies: before2.AttachedPolicies,
      });
    },
  },
  {
    it: "counts a migrated policy's attachments and boundary uses in its shards, refusing DeletePolicy until each is given back (v4)",
    async run({ iam, store }) {
      const root = iam(accounts.a.root);
      const counts = async (PolicyArn: string) => {
        const { Policy } = await root.send(new GetPolicyCommand({ PolicyArn }));
        return { attached: Policy?.AttachmentCount, boundaries: Policy?.PermissionsBoundaryUsageCount };
      };
      expect(await counts(policies.docsReader)).toEqual({ attached: 2, boundaries: 0 });
      expect(await counts(policies.iamReader)).toEqual({ attached: 2, boundaries: 0 });
      expect(await counts(policies.boundary)).toEqual({ attached: 0, boundaries: 1 });
      const items = (await scanTableItems(store)).map((item) => unmarshall(item));
      expect(items.filter((item) => 'attachmentCount' in item || 'boundaryUsageCount' in item)).toEqual([]);
      const reverse = items.filter((item) => item.entity === 'policy-attachment');
      expect(reverse.length).toBeGreaterThan(0);
      expect(reverse.filter((item) => typeof item.useShard !== 'number')).toEqual([]);

      const deleting = (PolicyArn: string) => refusal(root.send(new DeletePolicyCommand({ PolicyArn })));
      expect(await deleting(policies.iamReader)).toBe('DeleteConflict');
      await root.send(new DetachUserPolicyCommand({ UserName: 'alice', PolicyArn: policies.iamReader }));
      expect(await deleting(policies.iamReader)).toBe('DeleteConflict');
      await root.send(
        new DetachGroupPolicyCommand({ GroupName: 'operations', PolicyArn: policies.iamReader }),
      );
      expect(await counts(policies.iamReader)).toEqual({ attached: 0, boundaries: 0 });
      expect(await deleting(policies.boundary)).toBe('DeleteConflict');
      await root.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'alice' }));
      expect(await counts(policies.boundary)).toEqual({ attached: 0, boundaries: 0 });
      expect(await deleting(policies.iamReader)).toBeUndefined();
      expect(await deleting(policies.boundary)).toBeUndefined();
    },
  },
];

function keyOfRaw(item: Record<string, { S?: string }>): string {
  return `${item.pk?.S}|${item.sk?.S}`;
}

const anyRead = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'docs:Read', Resource: '*' }],
});

function trustRoot(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' },
    ],
  });
}

/** The whole platform over `store`, served on loopback, with the dump's master key and operator. */
async function serveMigrated(store: StoreContext): Promise<Migrated & { close(): Promise<void> }> {
  const clock = () => MIGRATED_AT.getTime();
  const platform = createPlatform(
    {
      tableName: store.tableName,
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      operatorAccessKeyId: layoutV1.operator.accessKeyId,
      operatorSecretAccessKey: layoutV1.operator.secretAccessKey,
      masterKey: layoutV1.masterKey,
      partition: 'aws',
      issuer: 'http://127.0.0.1:4000',
    },
    () => {},
    () => MIGRATED_AT,
    TEST_CHANGE_ORIGIN,
  );
  const server = serve({ fetch: platform.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((done) => server.once('listening', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    platform,
    store,
    iam: (key) => iamClientAt(url, key, clock),
    sts: (key) => stsClientAt(url, key, clock),
    rest: (key, method, path, body) => signedJson(url, key, method, path, body, MIGRATED_AT),
    close: () => new Promise((done) => server.close(() => done())),
  };
}

describe('migrating a table written by layout v1', () => {
  let migrated: Migrated & { close(): Promise<void> };
  let report: Awaited<ReturnType<typeof migrate>>;

  beforeAll(async () => {
    const store = await createLayoutV1Table('migration');
    report = await migrate(store, { now: () => MIGRATED_AT });
    migrated = await serveMigrated(store);
  });
  afterAll(() => migrated?.close());

  it('applies every migration, from the unversioned v1 data to the latest layout', async () => {
    expect(report.from).toBe(0);
    expect(report.to).toBe(latest);
    expect(report.applied.map((m) => m.version)).toEqual(migrations.map((m) => m.version));
    expect(await readSchemaVersion(migrated.store)).toBe(latest);
  });

  for (const check of checks) it(check.it, () => check.run(migrated));
});

describe('migrate on the v1 dump', () => {
  // One clean run serves every test as the reference (the dump and the clock are fixed, so each
  // clean run ends in the same items); the tests compare with this snapshot, not the live table.
  let clean: StoreContext;
  let cleanItems: RawItem[];
  beforeAll(async () => {
    clean = await createLayoutV1Table('migration');
    await migrate(clean, { now: () => MIGRATED_AT });
    cleanItems = await scanTableItems(clean);
  });

  it('applies nothing on a second run and leaves the table byte-identical', async () => {
    const again = await migrate(clean, { now: () => new Date(MIGRATED_AT.getTime() + 60_000) });
    expect(again).toEqual({ from: latest, to: latest, applied: [] });
    expect(canonicalJson(await scanTableItems(clean))).toBe(canonicalJson(cleanItems));
  });

  it.each([3, 25, 60])(
    'resumes after a crash at write %i of the data migrations and ends where a clean run ends',
    async (crashAt) => {
      const crashed = await createLayoutV1Table('migration');
      // The runner dies mid-page: its writes so far stay, its checkpoint is the page's start.
      let writes = 0;
      crashed.dynamodb.middlewareStack.add(
        (next, context) =>
          async function crashMidway(args) {
            if (context.commandName === 'TransactWriteItemsCommand' && ++writes === crashAt) {
              throw new Error('the runner died');
            }
            return next(args);
          },
        { step: 'initialize', name: 'crashMidway' },
      );
      await expect(migrate(crashed, { now: () => MIGRATED_AT })).rejects.toThrow('the runner died');
      crashed.dynamodb.middlewareStack.remove('crashMidway');
      const resumed = await migrate(crashed, { now: () => MIGRATED_AT });
      expect(resumed.to).toBe(latest);
      const data = (items: RawItem[]) => canonicalJson(items.filter((item) => item.pk?.S !== 'SCHEMA'));
      expect(data(await scanTableItems(crashed))).toBe(data(cleanItems));
    },
  );

  it('lets one of two concurrent runners apply, and leaves the table a single runner leaves', async () => {
    const raced = await createLayoutV1Table('migration');
    const reports = await Promise.all(
      ['first', 'second'].map((owner) => migrate(raced, { owner, now: () => MIGRATED_AT, pollMs: 50 })),
    );
    expect(reports.map((r) => r.applied.length).sort()).toEqual([0, migrations.length]);
    expect(canonicalJson(await scanTableItems(raced))).toBe(canonicalJson(cleanItems));
  });
});
