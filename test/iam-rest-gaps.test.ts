/**
 * Issue #15's last operations over REST, signed as any REST client signs: GetMFADevice and
 * ResyncMFADevice, ListPoliciesGrantingServiceAccess and the two GetContextKeys operations.
 */
import { CreateVirtualMFADeviceCommand, EnableMFADeviceCommand, type IAMClient } from '@aws-sdk/client-iam';
import { generateTotpCode } from '@palisade/credentials';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iamClientAt } from './fixtures/pinned-clock-clients.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import { sendAs } from './fixtures/signed-fetch.ts';

const START = Date.parse('2026-12-07T12:00:10Z');
let clock = START;
let running: RunningPlatform;
let accountId: string;
let rootKey: { accessKeyId: string; secretAccessKey: string };
let root: IAMClient;

const rest = async (method: string, path: string, body?: unknown) => {
  const answer = await sendAs(
    running.url,
    { key: rootKey, service: 'palisade' },
    { method, path, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) },
    new Date(clock),
  );
  return {
    status: answer.status,
    json: (answer.text ? JSON.parse(answer.text) : {}) as Record<string, unknown>,
  };
};

const keyedPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: '*',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
      Condition: { StringEquals: { 'aws:PrincipalTag/team': '${aws:username}' } },
    },
  ],
});

beforeAll(async () => {
  running = await startPlatform({ now: () => new Date(clock) });
  const account = await running.createAccount('rest-gaps');
  accountId = account.accountId;
  rootKey = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
  root = iamClientAt(running.url, account, () => clock);
  expect((await rest('POST', '/v1/users', { userName: 'ann' })).status).toBe(201);
  const put = await rest('PUT', '/v1/users/ann/inline-policies/keyed', { document: JSON.parse(keyedPolicy) });
  expect(put.status).toBe(204);
});
afterAll(() => running?.close());

describe('MFA devices over REST', () => {
  it('reads an enabled device and resyncs it with two fresh codes, refusing spent ones', async () => {
    const device = await root.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'ann-phone' }));
    const serial = device.VirtualMFADevice?.SerialNumber ?? '';
    const seed = Buffer.from(device.VirtualMFADevice?.Base32StringSeed ?? new Uint8Array()).toString('ascii');
    const code = (at: number) => generateTotpCode(seed, new Date(at));
    const path = `/v1/users/ann/mfa-devices/${encodeURIComponent(serial)}`;
    expect((await rest('GET', path)).status).toBe(404);
    await root.send(
      new EnableMFADeviceCommand({
        UserName: 'ann',
        SerialNumber: serial,
        AuthenticationCode1: code(clock - 30_000),
        AuthenticationCode2: code(clock),
      }),
    );

    const read = await rest('GET', path);
    expect(read).toEqual({
      status: 200,
      json: { userName: 'ann', serialNumber: serial, enableDate: new Date(clock).toISOString() },
    });
    const codes = () => ({ authenticationCode1: code(clock - 30_000), authenticationCode2: code(clock) });
    const spent = await rest('POST', `${path}/resync`, codes());
    expect(spent.status).toBe(403);
    expect(spent.json).toMatchObject({ error: { code: expect.stringMatching(/mfa|authentication/i) } });
    clock += 90_000;
    expect(await rest('POST', `${path}/resync`, codes())).toEqual({ status: 204, json: {} });
  });
});

describe('policy introspection over REST', () => {
  it('lists the policies granting each asked service', async () => {
    const arn = `arn:aws:iam::${accountId}:user/ann`;
    const granting = await rest(
      'GET',
      `/v1/policies-granting-service-access?arn=${encodeURIComponent(arn)}&serviceNamespaces=sts&serviceNamespaces=iam`,
    );
    expect(granting).toEqual({
      status: 200,
      json: {
        items: [
          {
            serviceNamespace: 'sts',
            policies: [{ policyName: 'keyed', policyType: 'INLINE', entityType: 'USER', entityName: 'ann' }],
          },
          { serviceNamespace: 'iam', policies: [] },
        ],
      },
    });
    const unknown = await rest('GET', `/v1/policies-granting-service-access?arn=${encodeURIComponent(arn)}`);
    expect(unknown.status).toBe(400);
  });

  it("names the context keys of given policies and of a user's policies", async () => {
    const custom = await rest('POST', '/v1/context-keys/custom', {
      PolicyInputList: [
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Action: '*',
              Resource: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      ],
    });
    expect(custom).toEqual({ status: 200, json: { ContextKeyNames: ['aws:SecureTransport'] } });
    const principal = await rest('POST', '/v1/context-keys/principal', {
      PolicySourceArn: `arn:aws:iam::${accountId}:user/ann`,
    });
    expect(principal).toEqual({
      status: 200,
      json: { ContextKeyNames: ['aws:PrincipalTag/team', 'aws:username'] },
    });
    const notPolicy = await rest('POST', '/v1/context-keys/custom', { PolicyInputList: ['{"nope":1}'] });
    expect(notPolicy.status).toBe(400);
  });
});

describe('access advisor from the decision API', () => {
  it("lists the service of an allowed decision about a user among the user's last accesses", async () => {
    const ann = `arn:aws:iam::${accountId}:user/ann`;
    // Her inline policy allows sts:AssumeRole to a principal tagged with her own name.
    const tagged = await rest('PUT', '/v1/users/ann/tags', { tags: [{ key: 'team', value: 'ann' }] });
    expect(tagged.status).toBe(204);
    const asked = await rest('POST', '/v1/authorize', {
      principal: ann,
      action: 'sts:AssumeRole',
      resource: '*',
    });
    expect(asked.json.decision).toBe('allowed');
    const stsOf = async () => {
      const job = await rest('POST', '/v1/access-advisor/jobs', { arn: ann });
      const details = await rest('GET', `/v1/access-advisor/jobs/${String(job.json.jobId)}`);
      const services = details.json.servicesLastAccessed as {
        serviceNamespace: string;
        lastAuthenticated?: string;
      }[];
      return services.find((service) => service.serviceNamespace === 'sts');
    };
    // The recording is not awaited by the answer: give its one write time to land.
    let sts = await stsOf();
    for (let tries = 0; tries < 50 && sts?.lastAuthenticated === undefined; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      sts = await stsOf();
    }
    expect(sts).toMatchObject({
      lastAuthenticated: new Date(clock).toISOString(),
      lastAuthenticatedEntity: ann,
    });
  });
});
