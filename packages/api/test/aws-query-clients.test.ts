/**
 * Fidelity with the real AWS clients: the unchanged @aws-sdk/client-iam and client-sts (and the AWS
 * CLI when installed) talk to a tiny server that decodes with parseQueryRequest and answers with
 * renderQueryResponse. The server checks no signature; this is about the wire format only.
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  AttachUserPolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteUserCommand,
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsResponse,
  GetAccountSummaryCommand,
  type GetAccountSummaryResponse,
  GetRoleCommand,
  type GetRoleResponse,
  GetUserCommand,
  type GetUserResponse,
  IAMClient,
  ListUsersCommand,
  type ListUsersResponse,
  PutUserPolicyCommand,
  type SimulatePolicyResponse,
  SimulatePrincipalPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  type AssumeRoleResponse,
  GetCallerIdentityCommand,
  type GetCallerIdentityResponse,
  STSClient,
} from '@aws-sdk/client-sts';
import { type ServerType, serve } from '@hono/node-server';
import { type Failure, fail, isFailure } from '@palisade/failures';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findAwsCli, runAwsCli } from '../../../test/fixtures/aws-cli.ts';
import {
  iamQueryService,
  parseQueryRequest,
  type QueryRequest,
  queryParameterText,
  queryResponseContentType,
  renderQueryResponse,
  stsQueryService,
} from '../src/aws-query/index.ts';
import { failureResponse } from '../src/error-responses.ts';
import { requestId } from '../src/request-id.ts';

const _run = promisify(execFile);

// What the test server answers next, and what it decoded from each request.
let answer: object | Failure | undefined;
let received: QueryRequest[] = [];
let lastRequestId = '';

function lastInput(): unknown {
  const last = received.at(-1);
  if (last === undefined) throw new Error('the server received nothing');
  return JSON.parse(JSON.stringify(last.input));
}

function testApp(): Hono {
  const app = new Hono();
  app.use(requestId());
  app.on(['GET', 'POST'], '/', async (c) => {
    const text = queryParameterText(c.req.url, c.req.method === 'POST' ? await c.req.text() : '');
    const parsed = parseQueryRequest(text, { versions: [iamQueryService.version, stsQueryService.version] });
    if (!parsed.ok) return failureResponse(c, parsed, 'aws-query');
    received.push(parsed.value);
    if (isFailure(answer)) return failureResponse(c, answer, 'aws-query');
    const service = parsed.value.version === stsQueryService.version ? stsQueryService : iamQueryService;
    lastRequestId = c.get('requestId');
    const xml = renderQueryResponse(parsed.value.action, answer, {
      requestId: lastRequestId,
      namespace: service.namespace,
    });
    return c.body(xml, 200, { 'content-type': queryResponseContentType });
  });
  return app;
}

let server: ServerType;
let endpoint = '';
const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
let iam: IAMClient;
let sts: STSClient;

beforeAll(async () => {
  await new Promise<void>((resolve) => {
    server = serve({ fetch: testApp().fetch, hostname: '127.0.0.1', port: 0 }, () => resolve());
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = { endpoint, region: 'us-east-1', credentials, maxAttempts: 1 };
  iam = new IAMClient(config);
  sts = new STSClient(config);
});

afterAll(async () => {
  iam?.destroy();
  sts?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(() => {
  answer = undefined;
  received = [];
});

const createDate = new Date('2026-11-28T12:00:00Z');
const trustPolicy = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  },
  null,
  2,
);
const userPolicy =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/a b+c&d=é"}]}';
const bob: GetUserResponse['User'] = {
  Path: '/eng/',
  UserName: 'bob',
  UserId: 'AIDAEXAMPLEBOB000001',
  Arn: 'arn:aws:iam::123456789012:user/eng/bob',
  CreateDate: createDate,
  PasswordLastUsed: new Date('2026-11-29T08:30:15.123Z'),
  PermissionsBoundary: {
    PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
    PermissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/boundary',
  },
  Tags: [
    { Key: 'team', Value: 'a & <b>' },
    { Key: 'empty', Value: '' },
  ],
};

describe('the AWS SDK for JavaScript v3 sending Query requests', () => {
  it('sends CreateUser with Tags and PermissionsBoundary as the AWS-shaped input', async () => {
    answer = { User: bob };
    await iam.send(
      new CreateUserCommand({
        UserName: 'bob',
        Path: '/eng/',
        PermissionsBoundary: 'arn:aws:iam::123456789012:policy/boundary',
        Tags: [
          { Key: 'team', Value: 'a b+c&d=é 🔑' },
          { Key: 'cost-center', Value: '42' },
        ],
      }),
    );
    expect(received[0]?.action).toBe('CreateUser');
    expect(received[0]?.version).toBe('2010-05-08');
    expect(lastInput()).toEqual({
      UserName: 'bob',
      Path: '/eng/',
      PermissionsBoundary: 'arn:aws:iam::123456789012:policy/boundary',
      Tags: [
        { Key: 'team', Value: 'a b+c&d=é 🔑' },
        { Key: 'cost-center', Value: '42' },
      ],
    });
  });

  it('sends an empty list as an empty value, which the codec keeps as an empty string', async () => {
    answer = { User: bob };
    await iam.send(new CreateUserCommand({ UserName: 'bob', Tags: [] }));
    expect(lastInput()).toEqual({ UserName: 'bob', Tags: '' });
  });

  it('sends PutUserPolicy with the JSON policy document intact', async () => {
    await iam.send(
      new PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'p', PolicyDocument: userPolicy }),
    );
    expect(lastInput()).toEqual({ UserName: 'bob', PolicyName: 'p', PolicyDocument: userPolicy });
  });

  it('sends ListUsers paging parameters as strings', async () => {
    answer = { Users: [], IsTruncated: false };
    await iam.send(new ListUsersCommand({ PathPrefix: '/eng/', Marker: 'opaque/+=marker', MaxItems: 50 }));
    expect(lastInput()).toEqual({ PathPrefix: '/eng/', Marker: 'opaque/+=marker', MaxItems: '50' });
  });

  it('sends CreateRole with Tags, MaxSessionDuration and the trust policy', async () => {
    answer = {
      Role: {
        Path: '/',
        RoleName: 'r',
        RoleId: 'AROAEXAMPLE000000001',
        Arn: 'arn:aws:iam::1:role/r',
        CreateDate: createDate,
      },
    };
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'r',
        AssumeRolePolicyDocument: trustPolicy,
        Description: 'line 1\nline 2',
        MaxSessionDuration: 3600,
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    expect(lastInput()).toEqual({
      RoleName: 'r',
      AssumeRolePolicyDocument: trustPolicy,
      Description: 'line 1\nline 2',
      MaxSessionDuration: '3600',
      Tags: [{ Key: 'k', Value: 'v' }],
    });
  });

  it('sends AttachUserPolicy and gets an empty result for an action without output', async () => {
    const output = await iam.send(
      new AttachUserPolicyCommand({ UserName: 'bob', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
    );
    expect(lastInput()).toEqual({ UserName: 'bob', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' });
    expect(output.$metadata.httpStatusCode).toBe(200);
  });

  it('sends UpdateAccountPasswordPolicy booleans as true/false and numbers as decimals', async () => {
    await iam.send(
      new UpdateAccountPasswordPolicyCommand({
        MinimumPasswordLength: 14,
        RequireSymbols: true,
        RequireNumbers: false,
        MaxPasswordAge: 90,
        PasswordReusePrevention: 24,
        HardExpiry: false,
      }),
    );
    expect(lastInput()).toEqual({
      MinimumPasswordLength: '14',
      RequireSymbols: 'true',
      RequireNumbers: 'false',
      MaxPasswordAge: '90',
      PasswordReusePrevention: '24',
      HardExpiry: 'false',
    });
  });

  it('sends SimulatePrincipalPolicy lists and lists of structures holding lists', async () => {
    answer = { EvaluationResults: [], IsTruncated: false } satisfies SimulatePolicyResponse;
    await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: 'arn:aws:iam::123456789012:user/bob',
        ActionNames: ['s3:GetObject', 's3:PutObject'],
        ResourceArns: ['arn:aws:s3:::b/*'],
        ContextEntries: [
          {
            ContextKeyName: 'aws:SourceIp',
            ContextKeyType: 'ipList',
            ContextKeyValues: ['10.0.0.1', '10.0.0.2'],
          },
          {
            ContextKeyName: 'aws:MultiFactorAuthPresent',
            ContextKeyType: 'boolean',
            ContextKeyValues: ['true'],
          },
        ],
      }),
    );
    expect(lastInput()).toEqual({
      PolicySourceArn: 'arn:aws:iam::123456789012:user/bob',
      ActionNames: ['s3:GetObject', 's3:PutObject'],
      ResourceArns: ['arn:aws:s3:::b/*'],
      ContextEntries: [
        {
          ContextKeyName: 'aws:SourceIp',
          ContextKeyType: 'ipList',
          ContextKeyValues: ['10.0.0.1', '10.0.0.2'],
        },
        {
          ContextKeyName: 'aws:MultiFactorAuthPresent',
          ContextKeyType: 'boolean',
          ContextKeyValues: ['true'],
        },
      ],
    });
  });

  it('sends STS AssumeRole with PolicyArns, Tags and TransitiveTagKeys', async () => {
    answer = {};
    await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::123456789012:role/r',
        RoleSessionName: 'session@example.com',
        DurationSeconds: 900,
        ExternalId: 'ext',
        Policy: '{"Version":"2012-10-17","Statement":[]}',
        PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }, { arn: 'arn:aws:iam::1:policy/p' }],
        Tags: [
          { Key: 'project', Value: 'x' },
          { Key: 'team', Value: 'y' },
        ],
        TransitiveTagKeys: ['project'],
        SerialNumber: 'arn:aws:iam::123456789012:mfa/bob',
        TokenCode: '123456',
      }),
    );
    expect(received[0]?.version).toBe('2011-06-15');
    expect(lastInput()).toEqual({
      RoleArn: 'arn:aws:iam::123456789012:role/r',
      RoleSessionName: 'session@example.com',
      DurationSeconds: '900',
      ExternalId: 'ext',
      Policy: '{"Version":"2012-10-17","Statement":[]}',
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }, { arn: 'arn:aws:iam::1:policy/p' }],
      Tags: [
        { Key: 'project', Value: 'x' },
        { Key: 'team', Value: 'y' },
      ],
      TransitiveTagKeys: ['project'],
      SerialNumber: 'arn:aws:iam::123456789012:mfa/bob',
      TokenCode: '123456',
    });
  });
});

describe('the AWS SDK for JavaScript v3 reading rendered responses', () => {
  it('reads GetUser with dates as Date objects, tags and escaped text', async () => {
    answer = { User: bob } satisfies GetUserResponse;
    const output = await iam.send(new GetUserCommand({ UserName: 'bob' }));
    expect(output.User).toEqual(bob);
    expect(output.User?.CreateDate).toBeInstanceOf(Date);
    expect(output.User?.PasswordLastUsed?.toISOString()).toBe('2026-11-29T08:30:15.123Z');
  });

  it('reads the request id from the x-amzn-RequestId header', async () => {
    answer = { User: bob };
    const output = await iam.send(new GetUserCommand({}));
    expect(output.$metadata.requestId).toBe(lastRequestId);
    expect(lastRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads ListUsers with IsTruncated and Marker, and an empty list as []', async () => {
    answer = {
      Users: [bob!, { ...bob!, UserName: 'carol', Tags: undefined, PasswordLastUsed: undefined }],
      IsTruncated: true,
      Marker: 'next/page+1',
    } satisfies ListUsersResponse;
    const page = await iam.send(new ListUsersCommand({}));
    expect(page.Users?.map((user) => user.UserName)).toEqual(['bob', 'carol']);
    expect(page.Users?.[1]?.CreateDate).toEqual(createDate);
    expect(page.IsTruncated).toBe(true);
    expect(page.Marker).toBe('next/page+1');

    answer = { Users: [], IsTruncated: false } satisfies ListUsersResponse;
    const empty = await iam.send(new ListUsersCommand({}));
    expect(empty.Users).toEqual([]);
    expect(empty.IsTruncated).toBe(false);
    expect(empty.Marker).toBeUndefined();
  });

  it('hands GetRole’s trust policy over URL-encoded, exactly as from AWS (the SDK does not decode it)', async () => {
    answer = {
      Role: {
        Path: '/',
        RoleName: 'r',
        RoleId: 'AROAEXAMPLE000000001',
        Arn: 'arn:aws:iam::123456789012:role/r',
        CreateDate: createDate,
        AssumeRolePolicyDocument: trustPolicy,
        MaxSessionDuration: 3600,
        RoleLastUsed: { LastUsedDate: createDate, Region: 'us-east-1' },
      },
    } satisfies GetRoleResponse;
    const output = await iam.send(new GetRoleCommand({ RoleName: 'r' }));
    expect(output.Role?.AssumeRolePolicyDocument).toBe(encodeURIComponent(trustPolicy));
    expect(decodeURIComponent(output.Role?.AssumeRolePolicyDocument ?? '')).toBe(trustPolicy);
    expect(output.Role?.MaxSessionDuration).toBe(3600);
    expect(output.Role?.RoleLastUsed?.LastUsedDate).toEqual(createDate);
  });

  it('reads GetAccountSummary’s SummaryMap as a record of numbers', async () => {
    answer = {
      SummaryMap: { Users: 3, UsersQuota: 5000, Policies: 0, AccountMFAEnabled: 1 },
    } satisfies GetAccountSummaryResponse;
    const output = await iam.send(new GetAccountSummaryCommand({}));
    expect(output.SummaryMap).toEqual({ Users: 3, UsersQuota: 5000, Policies: 0, AccountMFAEnabled: 1 });
  });

  it('reads GetAccountAuthorizationDetails’ nested lists, with encoded documents at every level', async () => {
    const role = {
      Path: '/',
      RoleName: 'r',
      RoleId: 'AROAEXAMPLE000000001',
      Arn: 'arn:aws:iam::123456789012:role/r',
      CreateDate: createDate,
      AssumeRolePolicyDocument: trustPolicy,
    };
    answer = {
      UserDetailList: [
        {
          UserName: 'bob',
          UserId: 'AIDAEXAMPLEBOB000001',
          Arn: 'arn:aws:iam::123456789012:user/bob',
          CreateDate: createDate,
          GroupList: ['admins', 'devs'],
          UserPolicyList: [{ PolicyName: 'inline', PolicyDocument: userPolicy }],
          AttachedManagedPolicies: [
            { PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
          ],
          Tags: [{ Key: 'k', Value: 'v' }],
        },
      ],
      GroupDetailList: [],
      RoleDetailList: [
        {
          ...role,
          InstanceProfileList: [
            {
              Path: '/',
              InstanceProfileName: 'ip',
              InstanceProfileId: 'AIPAEXAMPLE000000001',
              Arn: 'arn:aws:iam::123456789012:instance-profile/ip',
              CreateDate: createDate,
              Roles: [role],
            },
          ],
          RolePolicyList: [{ PolicyName: 'rp', PolicyDocument: userPolicy }],
          AttachedManagedPolicies: [],
        },
      ],
      Policies: [
        {
          PolicyName: 'p',
          Arn: 'arn:aws:iam::123456789012:policy/p',
          DefaultVersionId: 'v2',
          AttachmentCount: 1,
          IsAttachable: true,
          PolicyVersionList: [
            { VersionId: 'v2', IsDefaultVersion: true, CreateDate: createDate, Document: userPolicy },
            { VersionId: 'v1', IsDefaultVersion: false, CreateDate: createDate, Document: trustPolicy },
          ],
        },
      ],
      IsTruncated: false,
    } satisfies GetAccountAuthorizationDetailsResponse;
    const output = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
    const user = output.UserDetailList?.[0];
    expect(user?.GroupList).toEqual(['admins', 'devs']);
    expect(user?.UserPolicyList).toEqual([
      { PolicyName: 'inline', PolicyDocument: encodeURIComponent(userPolicy) },
    ]);
    expect(user?.AttachedManagedPolicies?.[0]?.PolicyName).toBe('ReadOnlyAccess');
    expect(user?.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    expect(output.GroupDetailList).toEqual([]);
    const roleDetail = output.RoleDetailList?.[0];
    expect(roleDetail?.AssumeRolePolicyDocument).toBe(encodeURIComponent(trustPolicy));
    expect(roleDetail?.InstanceProfileList?.[0]?.Roles?.[0]?.AssumeRolePolicyDocument).toBe(
      encodeURIComponent(trustPolicy),
    );
    expect(roleDetail?.RolePolicyList?.[0]?.PolicyDocument).toBe(encodeURIComponent(userPolicy));
    expect(roleDetail?.AttachedManagedPolicies).toEqual([]);
    const versions = output.Policies?.[0]?.PolicyVersionList;
    expect(
      versions?.map((v) => [v.VersionId, v.IsDefaultVersion, decodeURIComponent(v.Document ?? '')]),
    ).toEqual([
      ['v2', true, userPolicy],
      ['v1', false, trustPolicy],
    ]);
    expect(output.Policies?.[0]?.AttachmentCount).toBe(1);
    expect(output.IsTruncated).toBe(false);
  });

  it('reads SimulatePrincipalPolicy results with their EvalDecisionDetails map', async () => {
    answer = {
      EvaluationResults: [
        {
          EvalActionName: 's3:GetObject',
          EvalResourceName: '*',
          EvalDecision: 'allowed',
          MatchedStatements: [{ SourcePolicyId: 'inline', StartPosition: { Line: 1, Column: 40 } }],
          MissingContextValues: [],
          EvalDecisionDetails: { 'IAM Policy': 'allowed', 'Permissions Boundary Policy': 'implicitDeny' },
        },
      ],
      IsTruncated: false,
    } satisfies SimulatePolicyResponse;
    const output = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: 'arn:aws:iam::1:user/bob',
        ActionNames: ['s3:GetObject'],
      }),
    );
    expect(output.EvaluationResults?.[0]?.EvalDecisionDetails).toEqual({
      'IAM Policy': 'allowed',
      'Permissions Boundary Policy': 'implicitDeny',
    });
    expect(output.EvaluationResults?.[0]?.MatchedStatements?.[0]?.StartPosition).toEqual({
      Line: 1,
      Column: 40,
    });
  });

  it('reads STS AssumeRole credentials with Expiration as a Date', async () => {
    const expiration = new Date('2026-11-28T13:00:00Z');
    answer = {
      Credentials: {
        AccessKeyId: 'ASIAEXAMPLE000000001',
        SecretAccessKey: 'secret/with+chars=',
        SessionToken: 'token&<>"',
        Expiration: expiration,
      },
      AssumedRoleUser: {
        AssumedRoleId: 'AROAEXAMPLE000000001:s',
        Arn: 'arn:aws:sts::123456789012:assumed-role/r/s',
      },
      PackedPolicySize: 6,
      SourceIdentity: 'bob',
    } satisfies AssumeRoleResponse;
    const output = await sts.send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::1:role/r', RoleSessionName: 's' }),
    );
    expect(output.Credentials).toEqual({
      AccessKeyId: 'ASIAEXAMPLE000000001',
      SecretAccessKey: 'secret/with+chars=',
      SessionToken: 'token&<>"',
      Expiration: expiration,
    });
    expect(output.AssumedRoleUser?.Arn).toBe('arn:aws:sts::123456789012:assumed-role/r/s');
    expect(output.PackedPolicySize).toBe(6);
    expect(output.$metadata.requestId).toBe(lastRequestId);
  });

  it('reads STS GetCallerIdentity', async () => {
    answer = {
      UserId: 'AIDAEXAMPLEBOB000001',
      Account: '123456789012',
      Arn: 'arn:aws:iam::123456789012:user/bob',
    } satisfies GetCallerIdentityResponse;
    const output = await sts.send(new GetCallerIdentityCommand({}));
    expect(received[0]?.action).toBe('GetCallerIdentity');
    expect(lastInput()).toEqual({});
    expect({ UserId: output.UserId, Account: output.Account, Arn: output.Arn }).toEqual(answer);
  });

  it('reads a response without a Result element (DeleteUser)', async () => {
    const output = await iam.send(new DeleteUserCommand({ UserName: 'bob' }));
    expect(output.$metadata).toMatchObject({ httpStatusCode: 200, requestId: lastRequestId });
  });

  it('reads ErrorResponse failures as typed exceptions, for IAM and for STS', async () => {
    answer = fail('entity.not-found', 'The user with name nobody cannot be found.');
    const iamError = await iam
      .send(new GetUserCommand({ UserName: 'nobody' }))
      .catch((error: unknown) => error);
    expect(iamError).toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The user with name nobody cannot be found.',
      $metadata: { httpStatusCode: 404 },
    });

    answer = fail('policy.packed-too-large', 'Packed policy consumes 120% of allotted space.');
    const stsError = await sts
      .send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::1:role/r', RoleSessionName: 's' }))
      .catch((error: unknown) => error);
    expect(stsError).toMatchObject({
      name: 'PackedPolicyTooLargeException',
      $metadata: { httpStatusCode: 400 },
    });

    // Not in the STS model (its ExpiredTokenException is for web identity tokens): a generic error,
    // named by its code, as a request signed with an expired session token gets from AWS.
    answer = fail('credentials.expired-token', 'The security token included in the request is expired');
    const expired = await sts.send(new GetCallerIdentityCommand({})).catch((error: unknown) => error);
    expect(expired).toMatchObject({ name: 'ExpiredToken', $metadata: { httpStatusCode: 400 } });
  });

  it('serves GET requests whose parameters are in the URL query string', async () => {
    answer = { Account: '123456789012' };
    const response = await fetch(`${endpoint}/?Action=GetCallerIdentity&Version=2011-06-15`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/xml');
    expect(await response.text()).toContain('<GetCallerIdentityResult><Account>123456789012</Account>');
    const missing = await fetch(`${endpoint}/?Version=2011-06-15`);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('<Code>MissingParameter</Code>');
  });
});

// The CLI is optional here: the test runs when one is installed (v1 or v2).
const awsCli = findAwsCli();
const cli = awsCli?.version;
if (awsCli === undefined) console.info('aws-query: AWS CLI not found; skipping the CLI tests');

/** Runs the AWS CLI against the test server. */
function aws(...args: string[]): Promise<unknown> {
  if (!awsCli) throw new Error('no AWS CLI');
  return runAwsCli(awsCli, credentials, endpoint, args, 15_000);
}

describe.skipIf(cli === undefined)(`the AWS CLI (${cli ?? 'absent'})`, () => {
  it('prints GetUser with its dates and tags', async () => {
    answer = { User: bob };
    const printed = await aws('iam', 'get-user', '--user-name', 'bob');
    expect(lastInput()).toEqual({ UserName: 'bob' });
    expect(printed).toEqual({
      User: {
        Path: '/eng/',
        UserName: 'bob',
        UserId: 'AIDAEXAMPLEBOB000001',
        Arn: 'arn:aws:iam::123456789012:user/eng/bob',
        // CLI v1 prints timestamps as received, v2 reformats them as ISO 8601 with an offset.
        CreateDate: expect.stringMatching(/^2026-11-28T12:00:00(Z|\+00:00)$/),
        PasswordLastUsed: expect.stringMatching(/^2026-11-29T08:30:15\.123(Z|000\+00:00)$/),
        PermissionsBoundary: {
          PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
          PermissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/boundary',
        },
        Tags: [
          { Key: 'team', Value: 'a & <b>' },
          { Key: 'empty', Value: '' },
        ],
      },
    });
  });

  it('sends CreateUser with tags (spaces form-encoded as +) in the same shape as the SDK', async () => {
    answer = { User: bob };
    await aws(
      'iam',
      'create-user',
      '--user-name',
      'bob',
      '--path',
      '/eng/',
      '--tags',
      'Key=team,Value=a b+c',
    );
    expect(lastInput()).toEqual({ UserName: 'bob', Path: '/eng/', Tags: [{ Key: 'team', Value: 'a b+c' }] });
  });

  it('decodes GetRole’s URL-encoded trust policy into JSON, as it does for AWS', async () => {
    answer = {
      Role: {
        Path: '/',
        RoleName: 'r',
        RoleId: 'AROAEXAMPLE000000001',
        Arn: 'arn:aws:iam::123456789012:role/r',
        CreateDate: createDate,
        AssumeRolePolicyDocument: trustPolicy,
      },
    };
    const printed = (await aws('iam', 'get-role', '--role-name', 'r')) as GetRoleResponse;
    expect(printed.Role?.AssumeRolePolicyDocument).toEqual(JSON.parse(trustPolicy));
  });

  it('prints GetAccountSummary’s map and STS GetCallerIdentity', async () => {
    answer = { SummaryMap: { Users: 3, UsersQuota: 5000 } };
    expect(await aws('iam', 'get-account-summary')).toEqual({ SummaryMap: { Users: 3, UsersQuota: 5000 } });
    answer = {
      UserId: 'AIDAEXAMPLEBOB000001',
      Account: '123456789012',
      Arn: 'arn:aws:iam::123456789012:user/bob',
    };
    expect(await aws('sts', 'get-caller-identity')).toEqual(answer);
  });

  it('reports an ErrorResponse with its AWS code', async () => {
    answer = fail('entity.not-found', 'The user with name nobody cannot be found.');
    const error = await aws('iam', 'get-user', '--user-name', 'nobody').catch((e: unknown) => e);
    expect(String((error as { stderr?: unknown }).stderr)).toContain(
      'An error occurred (NoSuchEntity) when calling the GetUser operation: The user with name nobody cannot be found.',
    );
  });
});
