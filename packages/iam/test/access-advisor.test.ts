import { type Caller, type OperationTable, rootCaller } from '@palisade/principals';
import { putNewAccount, recordServiceLastAccess, type StoreContext } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext, loadUserCaller } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import { allowedNamespaces } from '../src/access-advisor.ts';
import { iamOperations } from '../src/index.ts';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const A = '100000000016';
const T1 = new Date('2026-12-07T09:00:00.000Z');
const T2 = new Date('2026-12-07T10:30:00.000Z');
let store: StoreContext;
let ops: OperationTable;
let root: Caller;
const ids: Record<string, string> = {};

const allow = (...actions: string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });

beforeAll(async () => {
  const context = await createIamTestContext('access-advisor', () => NOW);
  store = context.store;
  ops = iamOperations(context);
  await putNewAccount(store, { accountId: A, alias: 'advisor-a', createdAt: NOW.toISOString() });
  root = rootCaller('aws', A, () => NOW);
  for (const name of ['alice', 'bob']) {
    const created = await mustRunOperation<{ User: { UserId: string } }>(ops, root, 'CreateUser', {
      UserName: name,
    });
    ids[name] = created.User.UserId;
  }
  await mustRunOperation(ops, root, 'PutUserPolicy', {
    UserName: 'alice',
    PolicyName: 'work',
    PolicyDocument: allow('iam:Get*', 's3:GetObject'),
  });
  await mustRunOperation(ops, root, 'CreateGroup', { GroupName: 'devs' });
  for (const name of ['alice', 'bob'])
    await mustRunOperation(ops, root, 'AddUserToGroup', { GroupName: 'devs', UserName: name });
  await recordServiceLastAccess(store, { accountId: A, kind: 'USER', id: ids.alice as string }, 'iam', {
    at: T1,
    region: 'eu-west-1',
    action: 'iam:GetUser',
  });
  await recordServiceLastAccess(store, { accountId: A, kind: 'USER', id: ids.bob as string }, 'iam', {
    at: T2,
    region: 'us-east-2',
    action: 'iam:ListUsers',
  });
});

async function generate(arn: string, granularity?: string): Promise<string> {
  const started = await mustRunOperation<{ JobId: string }>(ops, root, 'GenerateServiceLastAccessedDetails', {
    Arn: arn,
    ...(granularity ? { Granularity: granularity } : {}),
  });
  expect(started.JobId).toMatch(/^[0-9a-f-]{36}$/);
  return started.JobId;
}

describe('allowedNamespaces', () => {
  it('names the services of allowed actions, and none for a wildcard or a deny', () => {
    const document = JSON.stringify({
      Statement: [
        { Effect: 'Allow', Action: ['IAM:GetUser', 's3:*', '*'] },
        { Effect: 'Deny', Action: 'ec2:RunInstances' },
      ],
    });
    expect(allowedNamespaces(document).sort()).toEqual(['iam', 's3']);
    expect(allowedNamespaces('not json')).toEqual([]);
  });
});

describe('access advisor', () => {
  it("reports a user's accessed services and the allowed ones it never used", async () => {
    const job = await generate(`arn:aws:iam::${A}:user/alice`);
    const got = await mustRunOperation(ops, root, 'GetServiceLastAccessedDetails', { JobId: job });
    expect(got).toEqual({
      JobStatus: 'COMPLETED',
      JobCreationDate: NOW,
      JobCompletionDate: NOW,
      JobType: 'SERVICE_LEVEL',
      ServicesLastAccessed: [
        {
          ServiceName: 'AWS Identity and Access Management',
          LastAuthenticated: T1,
          ServiceNamespace: 'iam',
          LastAuthenticatedEntity: `arn:aws:iam::${A}:user/alice`,
          LastAuthenticatedRegion: 'eu-west-1',
          TotalAuthenticatedEntities: 1,
        },
        { ServiceName: 's3', ServiceNamespace: 's3', TotalAuthenticatedEntities: 0 },
      ],
      IsTruncated: false,
    });
  });

  it("reports a group's members, newest first, paged with a Marker", async () => {
    const job = await generate(`arn:aws:iam::${A}:group/devs`, 'ACTION_LEVEL');
    const got = await mustRunOperation<{ ServicesLastAccessed: Record<string, unknown>[] }>(
      ops,
      root,
      'GetServiceLastAccessedDetails',
      { JobId: job },
    );
    expect(got.ServicesLastAccessed).toEqual([
      expect.objectContaining({
        ServiceNamespace: 'iam',
        LastAuthenticated: T2,
        LastAuthenticatedEntity: `arn:aws:iam::${A}:user/bob`,
        TotalAuthenticatedEntities: 2,
        TrackedActionsLastAccessed: [
          {
            ActionName: 'ListUsers',
            LastAccessedEntity: `arn:aws:iam::${A}:user/bob`,
            LastAccessedTime: T2,
            LastAccessedRegion: 'us-east-2',
          },
          {
            ActionName: 'GetUser',
            LastAccessedEntity: `arn:aws:iam::${A}:user/alice`,
            LastAccessedTime: T1,
            LastAccessedRegion: 'eu-west-1',
          },
        ],
      }),
    ]);
    const first = await mustRunOperation<{
      EntityDetailsList: unknown[];
      IsTruncated: boolean;
      Marker: string;
    }>(ops, root, 'GetServiceLastAccessedDetailsWithEntities', {
      JobId: job,
      ServiceNamespace: 'iam',
      MaxItems: 1,
    });
    expect(first.EntityDetailsList).toEqual([
      {
        EntityInfo: { Arn: `arn:aws:iam::${A}:user/bob`, Name: 'bob', Type: 'USER', Id: ids.bob, Path: '/' },
        LastAuthenticated: T2,
      },
    ]);
    expect(first.IsTruncated).toBe(true);
    const second = await mustRunOperation<{
      EntityDetailsList: { EntityInfo: { Name: string } }[];
      IsTruncated: boolean;
    }>(ops, root, 'GetServiceLastAccessedDetailsWithEntities', {
      JobId: job,
      ServiceNamespace: 'iam',
      MaxItems: 1,
      Marker: first.Marker,
    });
    expect(second.EntityDetailsList.map((e) => e.EntityInfo.Name)).toEqual(['alice']);
    expect(second.IsTruncated).toBe(false);
  });

  it('refuses a malformed ARN, another account and an unknown job, and a caller no policy allows', async () => {
    expect(
      await runOperation(ops, root, 'GenerateServiceLastAccessedDetails', { Arn: 'arn:aws:s3:::bucket/key' }),
    ).toMatchObject({ ok: false, code: 'request.invalid-input' });
    expect(
      await runOperation(ops, root, 'GenerateServiceLastAccessedDetails', {
        Arn: 'arn:aws:iam::999999999999:user/alice',
      }),
    ).toMatchObject({ ok: false, code: 'access.denied' });
    expect(
      await runOperation(ops, root, 'GetServiceLastAccessedDetails', {
        JobId: '00000000-0000-4000-8000-000000000000',
      }),
    ).toMatchObject({ ok: false, code: 'entity.not-found' });
    const bob = await loadUserCaller(store, A, 'bob', () => NOW);
    expect(
      await runOperation(ops, bob, 'GenerateServiceLastAccessedDetails', {
        Arn: `arn:aws:iam::${A}:user/bob`,
      }),
    ).toMatchObject({ ok: false, code: 'access.denied' });
  });
});
