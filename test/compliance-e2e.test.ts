/**
 * The compliance operations with the unchanged AWS SDK v3 against a running Palisade: GetRole's
 * RoleLastUsed, the credential report and access advisor (service last accessed details).
 */
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GenerateCredentialReportCommand,
  GenerateServiceLastAccessedDetailsCommand,
  GetCredentialReportCommand,
  GetRoleCommand,
  GetServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsWithEntitiesCommand,
  GetUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { getPasswordsLastUsed } from '@palisade/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './fixtures/eventually.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import { requestSignIn } from './fixtures/sign-in-request.ts';
import { sendAs } from './fixtures/signed-fetch.ts';

let running: RunningPlatform;
let root: IAMClient;
let rootKey: { accessKeyId: string; secretAccessKey: string };
let accountId: string;
let alice: { accessKeyId: string; secretAccessKey: string };

const ADMIN = 'arn:aws:iam::palisade:policy/AdministratorAccess';

function iamClient(credentials: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1') {
  return new IAMClient({ endpoint: running.url, region, credentials, maxAttempts: 1 });
}

function stsClient(credentials: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1') {
  return new STSClient({ endpoint: running.url, region, credentials, maxAttempts: 1 });
}

beforeAll(async () => {
  running = await startPlatform();
  const account = await running.createAccount('compliance-e2e');
  accountId = account.accountId;
  root = iamClient(account);
  rootKey = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
  await root.send(new CreateUserCommand({ UserName: 'alice' }));
  await root.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: ADMIN }));
  const key = await root.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = {
    accessKeyId: key.AccessKey?.AccessKeyId ?? '',
    secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
  };
});
afterAll(() => running?.close());

describe('GetRole RoleLastUsed', () => {
  it('is empty until the role is assumed, then names when and in which region', async () => {
    await root.send(
      new CreateRoleCommand({
        RoleName: 'deployer',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: accountId }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    const before = await root.send(new GetRoleCommand({ RoleName: 'deployer' }));
    expect(before.Role?.RoleLastUsed).toEqual({});

    const startedAt = Date.now();
    await stsClient(alice, 'eu-west-1').send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/deployer`,
        RoleSessionName: 'deploy-1',
      }),
    );
    const used = await eventually(async () => {
      const got = await root.send(new GetRoleCommand({ RoleName: 'deployer' }));
      return got.Role?.RoleLastUsed?.LastUsedDate ? got.Role.RoleLastUsed : undefined;
    }, 'RoleLastUsed');
    expect(used.Region).toBe('eu-west-1');
    expect(used.LastUsedDate?.getTime()).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(used.LastUsedDate?.getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe('the credential report', () => {
  it('answers ReportNotPresent, then STARTED, COMPLETE and the CSV base64-decoded by the SDK', async () => {
    await expect(root.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      name: 'CredentialReportNotPresentException',
      Code: 'ReportNotPresent',
      $metadata: { httpStatusCode: 410 },
    });
    const started = await root.send(new GenerateCredentialReportCommand({}));
    expect({ State: started.State, Description: started.Description }).toEqual({
      State: 'STARTED',
      Description: 'No report exists. Starting a new report generation task',
    });
    const again = await root.send(new GenerateCredentialReportCommand({}));
    expect(again.State).toBe('COMPLETE');
    const report = await root.send(new GetCredentialReportCommand({}));
    expect(report.ReportFormat).toBe('text/csv');
    expect(report.GeneratedTime).toBeInstanceOf(Date);
    const lines = Buffer.from(report.Content ?? new Uint8Array())
      .toString('utf8')
      .trimEnd()
      .split('\n');
    expect(lines[0]?.split(',').slice(0, 4)).toEqual([
      'user',
      'arn',
      'user_creation_time',
      'password_enabled',
    ]);
    expect(lines.map((line) => line.split(',')[0])).toEqual(['user', '<root_account>', 'alice']);
    expect(lines[1]?.split(',')[1]).toBe(`arn:aws:iam::${accountId}:root`);
  });
});

describe('access advisor', () => {
  it("reports the services alice called, with her as the entity, in AWS's shapes", async () => {
    const startedAt = Date.now();
    await iamClient(alice, 'ap-southeast-2').send(new GetUserCommand({}));
    const arn = `arn:aws:iam::${accountId}:user/alice`;
    const details = await eventually(async () => {
      const { JobId } = await root.send(
        new GenerateServiceLastAccessedDetailsCommand({ Arn: arn, Granularity: 'ACTION_LEVEL' }),
      );
      const got = await root.send(new GetServiceLastAccessedDetailsCommand({ JobId }));
      return got.ServicesLastAccessed?.some((s) => s.ServiceNamespace === 'iam') ? { JobId, got } : undefined;
    }, 'alice in the access advisor');
    const { got } = details;
    expect(got.JobStatus).toBe('COMPLETED');
    expect(got.JobType).toBe('ACTION_LEVEL');
    expect(got.JobCreationDate).toBeInstanceOf(Date);
    const service = got.ServicesLastAccessed?.find((s) => s.ServiceNamespace === 'iam');
    expect(service).toMatchObject({
      ServiceName: 'AWS Identity and Access Management',
      LastAuthenticatedEntity: arn,
      LastAuthenticatedRegion: 'ap-southeast-2',
      TotalAuthenticatedEntities: 1,
      TrackedActionsLastAccessed: [
        expect.objectContaining({ ActionName: 'GetUser', LastAccessedEntity: arn }),
      ],
    });
    expect(service?.LastAuthenticated?.getTime()).toBeGreaterThanOrEqual(startedAt - 1000);
    const entities = await root.send(
      new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: details.JobId, ServiceNamespace: 'iam' }),
    );
    expect(entities.EntityDetailsList?.map((e) => e.EntityInfo)).toEqual([
      expect.objectContaining({ Arn: arn, Name: 'alice', Type: 'USER', Path: '/' }),
    ]);
    expect(entities.IsTruncated).toBe(false);
  });

  it('answers NoSuchEntity for an unknown job', async () => {
    await expect(
      root.send(new GetServiceLastAccessedDetailsCommand({ JobId: '00000000-0000-4000-8000-000000000000' })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } });
  });
});

describe('PasswordLastUsed', () => {
  it('is recorded when the user signs in with its password (for the credential report), GetUser staying one read', async () => {
    await root.send(new CreateUserCommand({ UserName: 'pia' }));
    const password = 'Pia-Password-2026!';
    await root.send(new CreateLoginProfileCommand({ UserName: 'pia', Password: password }));
    const userId = (await root.send(new GetUserCommand({ UserName: 'pia' }))).User?.UserId ?? '';
    const lastUsed = async () =>
      (await getPasswordsLastUsed(running.platform.store, accountId, [userId])).get(userId);
    expect(await lastUsed()).toBeUndefined();
    const startedAt = Date.now();
    const signedIn = await requestSignIn((path, init) => fetch(`${running.url}${path}`, init), {
      account: 'compliance-e2e',
      userName: 'pia',
      password,
    });
    expect(signedIn.status).toBe(200);
    const used = new Date(await eventually(lastUsed, 'PasswordLastUsed'));
    expect(used.getTime()).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(used.getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe('the compliance REST routes', () => {
  const rest = async (method: string, path: string, body?: unknown) => {
    const answer = await sendAs(
      running.url,
      { key: rootKey, service: 'palisade' },
      { method, path, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) },
      new Date(),
    );
    return { status: answer.status, json: JSON.parse(answer.text) as Record<string, unknown> };
  };

  it('serves the credential report as CSV text and access advisor jobs with cursors', async () => {
    const generated = await rest('POST', '/v1/account/credential-report');
    expect(generated.status).toBe(200);
    expect(['STARTED', 'COMPLETE']).toContain(generated.json.state);
    const report = await rest('GET', '/v1/account/credential-report');
    expect(report.status).toBe(200);
    expect(report.json.reportFormat).toBe('text/csv');
    expect(String(report.json.content).split('\n')[1]?.startsWith('<root_account>,')).toBe(true);

    const job = await rest('POST', '/v1/access-advisor/jobs', {
      arn: `arn:aws:iam::${accountId}:user/alice`,
    });
    expect(job.status).toBe(200);
    const jobId = String(job.json.jobId);
    const details = await rest('GET', `/v1/access-advisor/jobs/${jobId}?limit=1`);
    expect(details.status).toBe(200);
    expect(details.json).toMatchObject({ jobStatus: 'COMPLETED', jobType: 'SERVICE_LEVEL' });
    expect(details.json.servicesLastAccessed).toHaveLength(1);
    const entities = await rest('GET', `/v1/access-advisor/jobs/${jobId}/services/iam`);
    expect(entities.status).toBe(200);
    expect(entities.json).toMatchObject({ jobStatus: 'COMPLETED' });
    const missing = await rest('GET', '/v1/access-advisor/jobs/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
  });
});
