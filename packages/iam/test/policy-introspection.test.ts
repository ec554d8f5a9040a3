// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${...} inside plain strings.
/**
 * ListEntitiesForPolicy, ListPoliciesGrantingServiceAccess and the GetContextKeysFor…Policy
 * operations on DynamoDB Local: who uses a policy (attached or as boundary), filtered and paged;
 * which policies open a catalog service to a principal; the keys policies read, sorted and unique.
 */
import { contextKeyOperations } from '@palisade/decisions';
import { policyAllowsAnyAction, readPolicy } from '@palisade/policy';
import { type Caller, type OperationTable, rootCaller } from '@palisade/principals';
import { putNewAccount, putServiceDefinition } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext, loadUserCaller } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import { type IamContext, iamOperations } from '../src/index.ts';

const NOW = new Date('2026-12-07T12:00:00Z');
const A = '100000000154';
const root = rootCaller('aws', A);
const POLICY = `arn:aws:iam::${A}:policy/shared`;
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
let iam: IamContext;
let ops: OperationTable;
const call = (caller: Caller, action: string, input: object) => runOperation(ops, caller, action, input);
const must = <T = Record<string, unknown>>(action: string, input: object) =>
  mustRunOperation<T>(ops, root, action, input);
const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const trust = doc({ Effect: 'Allow', Principal: { AWS: A }, Action: 'sts:AssumeRole' });
const names = (output: Record<string, unknown>) => ({
  groups: (output.PolicyGroups as { GroupName: string }[]).map((g) => g.GroupName),
  users: (output.PolicyUsers as { UserName: string }[]).map((u) => u.UserName),
  roles: (output.PolicyRoles as { RoleName: string }[]).map((r) => r.RoleName),
});

beforeAll(async () => {
  iam = await createIamTestContext('introspection', () => NOW);
  ops = { ...iamOperations(iam), ...contextKeyOperations({ store: iam.store, partition: 'aws' }) };
  await putNewAccount(iam.store, { accountId: A, alias: 'introspect-a', createdAt: NOW.toISOString() });
  await putServiceDefinition(
    iam.store,
    { accountId: A },
    {
      prefix: 'billing',
      definition: { prefix: 'billing', actions: ['GetInvoice', 'PayInvoice'] },
      updatedAt: NOW.toISOString(),
    },
    { services: 10, bytes: 100_000 },
  );
  await must('CreatePolicy', {
    PolicyName: 'shared',
    PolicyDocument: doc({ Effect: 'Allow', Action: 'billing:Get*', Resource: '*' }),
  });
  await must('CreateGroup', { GroupName: 'finance', Path: '/fin/' });
  await must('CreateUser', { UserName: 'ann', Path: '/fin/' });
  await must('CreateUser', { UserName: 'bob' });
  await must('CreateUser', { UserName: 'cat', PermissionsBoundary: POLICY });
  await must('CreateRole', { RoleName: 'auditor', AssumeRolePolicyDocument: trust });
  await must('AddUserToGroup', { GroupName: 'finance', UserName: 'ann' });
  for (const [action, target] of [
    ['AttachGroupPolicy', { GroupName: 'finance' }],
    ['AttachUserPolicy', { UserName: 'ann' }],
    ['AttachUserPolicy', { UserName: 'bob' }],
    ['AttachRolePolicy', { RoleName: 'auditor' }],
  ] as const) {
    await must(action, { ...target, PolicyArn: POLICY });
  }
  await must('AttachUserPolicy', { UserName: 'bob', PolicyArn: ADMIN });
  await must('PutUserPolicy', {
    UserName: 'ann',
    PolicyName: 'pay',
    PolicyDocument: doc({
      Effect: 'Allow',
      Action: 'billing:PayInvoice',
      Resource: 'arn:aws:billing:::invoice/${aws:username}',
      Condition: { StringEquals: { 'aws:PrincipalTag/team': 'fin', 'billing:Currency': 'EUR' } },
    }),
  });
  await must('PutGroupPolicy', {
    GroupName: 'finance',
    PolicyName: 'mfa',
    PolicyDocument: doc({
      Effect: 'Deny',
      NotAction: 'iam:*',
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    }),
  });
});

describe('ListEntitiesForPolicy', () => {
  it('lists every group, user and role using the policy, attached or as boundary', async () => {
    const listed = await must('ListEntitiesForPolicy', { PolicyArn: POLICY });
    expect(names(listed)).toEqual({ groups: ['finance'], users: ['ann', 'bob', 'cat'], roles: ['auditor'] });
    expect(listed.IsTruncated).toBe(false);
    const user = (listed.PolicyUsers as { UserName: string; UserId: string }[])[0];
    expect(user?.UserId).toMatch(/^AIDA/);
  });

  it('filters by entity, usage and path', async () => {
    const list = async (input: object) =>
      names(await must('ListEntitiesForPolicy', { PolicyArn: POLICY, ...input }));
    expect(await list({ EntityFilter: 'User' })).toEqual({
      groups: [],
      users: ['ann', 'bob', 'cat'],
      roles: [],
    });
    expect(await list({ PolicyUsageFilter: 'PermissionsBoundary' })).toEqual({
      groups: [],
      users: ['cat'],
      roles: [],
    });
    expect(await list({ PolicyUsageFilter: 'PermissionsPolicy', EntityFilter: 'Role' })).toEqual({
      groups: [],
      users: [],
      roles: ['auditor'],
    });
    expect(await list({ PathPrefix: '/fin/' })).toEqual({ groups: ['finance'], users: ['ann'], roles: [] });
    expect(await list({ EntityFilter: 'AWSManagedPolicy' })).toEqual({ groups: [], users: [], roles: [] });
  });

  it('pages with MaxItems and an opaque Marker', async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await must('ListEntitiesForPolicy', {
        PolicyArn: POLICY,
        MaxItems: 2,
        ...(marker ? { Marker: marker } : {}),
      });
      const { groups, users, roles } = names(page);
      seen.push(...groups, ...users, ...roles);
      marker = page.Marker as string | undefined;
      expect(page.IsTruncated).toBe(marker !== undefined);
      pages++;
    } while (marker && pages < 5);
    expect(pages).toBe(3);
    expect(seen).toEqual(['finance', 'ann', 'bob', 'cat', 'auditor']);
    expect(await call(root, 'ListEntitiesForPolicy', { PolicyArn: POLICY, Marker: 'Ym9ndXM' })).toMatchObject(
      {
        ok: false,
        code: 'request.invalid',
      },
    );
  });

  it('finds the users of an operator-managed policy', async () => {
    const bob = await loadUserCaller(iam.store, A, 'bob', () => NOW);
    const listed = await call(bob, 'ListEntitiesForPolicy', { PolicyArn: ADMIN });
    expect(listed.ok && names(listed.value as Record<string, unknown>)).toEqual({
      groups: [],
      users: ['bob'],
      roles: [],
    });
  });

  it('reads an operator-managed policy’s attachments and boundary uses from its reverse items', async () => {
    await must('CreateUser', { UserName: 'dee', PermissionsBoundary: READ_ONLY });
    await must('CreateRole', { RoleName: 'reader', AssumeRolePolicyDocument: trust });
    await must('AttachRolePolicy', { RoleName: 'reader', PolicyArn: READ_ONLY });
    try {
      const entities = async (filter?: string) =>
        names(
          await must('ListEntitiesForPolicy', {
            PolicyArn: READ_ONLY,
            ...(filter ? { PolicyUsageFilter: filter } : {}),
          }),
        );
      expect(await entities()).toEqual({ groups: [], users: ['dee'], roles: ['reader'] });
      expect(await entities('PermissionsPolicy')).toEqual({ groups: [], users: [], roles: ['reader'] });
      expect(await entities('PermissionsBoundary')).toEqual({ groups: [], users: ['dee'], roles: [] });
    } finally {
      await must('DetachRolePolicy', { RoleName: 'reader', PolicyArn: READ_ONLY });
      await must('DeleteRole', { RoleName: 'reader' });
      await must('DeleteUserPermissionsBoundary', { UserName: 'dee' });
      await must('DeleteUser', { UserName: 'dee' });
    }
    expect(names(await must('ListEntitiesForPolicy', { PolicyArn: READ_ONLY }))).toEqual({
      groups: [],
      users: [],
      roles: [],
    });
  });

  it('is NoSuchEntity for an unknown policy and AccessDenied without permission', async () => {
    expect(
      await call(root, 'ListEntitiesForPolicy', { PolicyArn: `arn:aws:iam::${A}:policy/ghost` }),
    ).toMatchObject({ ok: false, code: 'entity.not-found' });
    const cat = await loadUserCaller(iam.store, A, 'cat', () => NOW);
    expect(await call(cat, 'ListEntitiesForPolicy', { PolicyArn: POLICY })).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
  });
});

describe('ListPoliciesGrantingServiceAccess', () => {
  it('names the user’s own, its groups’ and its managed policies that allow a service’s actions', async () => {
    const granted = await must('ListPoliciesGrantingServiceAccess', {
      Arn: `arn:aws:iam::${A}:user/fin/ann`,
      ServiceNamespaces: ['billing', 'iam'],
    });
    expect(granted).toEqual({
      PoliciesGrantingServiceAccess: [
        {
          ServiceNamespace: 'billing',
          Policies: [
            { PolicyName: 'pay', PolicyType: 'INLINE', EntityType: 'USER', EntityName: 'ann' },
            { PolicyName: 'shared', PolicyType: 'MANAGED', PolicyArn: POLICY },
          ],
        },
        // The group's policy is a Deny: it grants nothing.
        { ServiceNamespace: 'iam', Policies: [] },
      ],
      IsTruncated: false,
    });
  });

  it('refuses a namespace outside the catalog and an ARN that is no user, group or role', async () => {
    expect(
      await call(root, 'ListPoliciesGrantingServiceAccess', {
        Arn: `arn:aws:iam::${A}:user/bob`,
        ServiceNamespaces: ['nosuch'],
      }),
    ).toMatchObject({ ok: false, code: 'request.invalid-input' });
    expect(
      await call(root, 'ListPoliciesGrantingServiceAccess', { Arn: POLICY, ServiceNamespaces: ['iam'] }),
    ).toMatchObject({ ok: false, code: 'request.invalid-input' });
    expect(
      await call(root, 'ListPoliciesGrantingServiceAccess', {
        Arn: `arn:aws:iam::${A}:role/ghost`,
        ServiceNamespaces: ['iam'],
      }),
    ).toMatchObject({ ok: false, code: 'entity.not-found' });
  });

  it('matches Action and NotAction patterns against the service’s actions', () => {
    const policy = (statement: object) => readPolicy(doc({ Resource: '*', ...statement }), 'identity').policy;
    const billing = ['billing:GetInvoice', 'billing:PayInvoice'];
    const allows = (statement: object) => {
      const read = policy(statement);
      if (!read) throw new Error('unreadable policy');
      return policyAllowsAnyAction(read, billing);
    };
    expect(allows({ Effect: 'Allow', Action: 'BILLING:pay*' })).toBe(true);
    expect(allows({ Effect: 'Allow', Action: 'billing:Refund' })).toBe(false);
    expect(allows({ Effect: 'Allow', NotAction: 'billing:*' })).toBe(false);
    expect(allows({ Effect: 'Allow', NotAction: 'billing:GetInvoice' })).toBe(true);
    expect(allows({ Effect: 'Deny', Action: '*' })).toBe(false);
  });
});

describe('GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy', () => {
  it('lists the keys of conditions and of condition variables, once each, sorted', async () => {
    const keys = await must('GetContextKeysForCustomPolicy', {
      PolicyInputList: [
        doc({
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: '*',
          Condition: {
            StringEquals: { 'aws:username': 'x', 's3:prefix': '${aws:PrincipalTag/team}' },
            IpAddress: { 'aws:SourceIp': '10.0.0.0/8' },
          },
        }),
        doc({
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { StringLike: { 'AWS:UserName': 'y' } },
        }),
      ],
    });
    expect(keys).toEqual({
      ContextKeyNames: ['aws:PrincipalTag/team', 'aws:SourceIp', 'aws:username', 's3:prefix'],
    });
  });

  it('refuses a malformed policy with InvalidInput', async () => {
    expect(
      await call(root, 'GetContextKeysForCustomPolicy', { PolicyInputList: ['{"nope":1}'] }),
    ).toMatchObject({
      ok: false,
      code: 'request.invalid-input',
    });
  });

  it('reads a user’s own, its groups’ and its managed policies, plus the given ones', async () => {
    const keys = await must('GetContextKeysForPrincipalPolicy', {
      PolicySourceArn: `arn:aws:iam::${A}:user/fin/ann`,
      PolicyInputList: [
        doc({
          Effect: 'Allow',
          Action: '*',
          Resource: '*',
          Condition: { Bool: { 'aws:SecureTransport': 'true' } },
        }),
      ],
    });
    expect(keys).toEqual({
      ContextKeyNames: [
        'aws:MultiFactorAuthPresent',
        'aws:PrincipalTag/team',
        'aws:SecureTransport',
        'billing:Currency',
      ],
    });
    expect(
      await call(root, 'GetContextKeysForPrincipalPolicy', {
        PolicySourceArn: `arn:aws:iam::${A}:user/ghost`,
      }),
    ).toMatchObject({ ok: false, code: 'entity.not-found' });
  });
});
