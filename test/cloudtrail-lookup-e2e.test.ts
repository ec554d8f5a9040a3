/**
 * `aws cloudtrail lookup-events` against a running Palisade with the unchanged clients: the AWS SDK
 * v3 (@aws-sdk/client-cloudtrail) and the AWS CLI (v2 at /usr/bin/aws, else `aws` on the PATH).
 * Changes are made through @aws-sdk/client-iam; each tenant sees only its own trail.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CloudTrailClient,
  type CloudTrailClientConfig,
  type Event,
  LookupEventsCommand,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import {
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findAwsCli, runAwsCli } from './fixtures/aws-cli.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import { type SigningKey, sendAs } from './fixtures/signed-fetch.ts';

const _run = promisify(execFile);

let running: RunningPlatform;
let accountId: string;
let root: SigningKey;
let alice: SigningKey;
let bob: SigningKey;
let other: { accountId: string } & SigningKey;

const iam = (key: SigningKey) =>
  new IAMClient({ endpoint: running.url, region: 'us-east-1', credentials: { ...key }, maxAttempts: 1 });
const cloudTrail = (key: SigningKey) =>
  new CloudTrailClient({
    endpoint: running.url,
    region: 'us-east-1',
    credentials: { ...key },
    maxAttempts: 1,
  });

async function lookup(key: SigningKey, input: LookupEventsCommandInput = {}): Promise<Event[]> {
  const answer = await cloudTrail(key).send(new LookupEventsCommand(input));
  return answer.Events ?? [];
}

const record = (event: Event) => JSON.parse(event.CloudTrailEvent ?? '{}') as Record<string, unknown>;

beforeAll(async () => {
  running = await startPlatform();
  const account = await running.createAccount('trail-acme');
  accountId = account.accountId;
  root = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
  const rootIam = iam(root);
  await rootIam.send(new CreateUserCommand({ UserName: 'alice' }));
  await rootIam.send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'admin-and-trail',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['iam:CreateUser', 'cloudtrail:LookupEvents', 'sts:AssumeRole'],
            Resource: '*',
          },
        ],
      }),
    }),
  );
  const aliceKey = await rootIam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = {
    accessKeyId: aliceKey.AccessKey?.AccessKeyId ?? '',
    secretAccessKey: aliceKey.AccessKey?.SecretAccessKey ?? '',
  };
  await rootIam.send(new CreateGroupCommand({ GroupName: 'devs' }));
  await iam(alice).send(new CreateUserCommand({ UserName: 'dave' }));
  await rootIam.send(new CreateUserCommand({ UserName: 'bob' }));
  const bobKey = await rootIam.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
  bob = {
    accessKeyId: bobKey.AccessKey?.AccessKeyId ?? '',
    secretAccessKey: bobKey.AccessKey?.SecretAccessKey ?? '',
  };
  const second = await running.createAccount('trail-other');
  other = {
    accountId: second.accountId,
    accessKeyId: second.accessKeyId,
    secretAccessKey: second.secretAccessKey,
  };
  await iam(other).send(new CreateUserCommand({ UserName: 'zed' }));
}, 60_000);

afterAll(() => running?.close());

describe('LookupEvents with @aws-sdk/client-cloudtrail', () => {
  it("finds the account's CreateUser calls by EventName, newest first, as CloudTrail records", async () => {
    const events = await lookup(root, {
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateUser' }],
    });
    expect(events.map((event) => record(event).requestParameters)).toEqual([
      { userName: 'bob' },
      { userName: 'dave' },
      { userName: 'alice' },
    ]);
    const times = events.map((event) => event.EventTime?.getTime() ?? 0);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(events[2]).toMatchObject({
      EventName: 'CreateUser',
      EventSource: 'iam.amazonaws.com',
      ReadOnly: 'false',
      Username: 'root',
      AccessKeyId: root.accessKeyId,
      Resources: [{ ResourceType: 'AWS::IAM::User', ResourceName: 'alice' }],
    });
    expect(record(events[2] as Event)).toMatchObject({
      eventVersion: '1.08',
      eventName: 'CreateUser',
      eventSource: 'iam.amazonaws.com',
      awsRegion: 'us-east-1',
      eventID: events[2]?.EventId,
      recipientAccountId: accountId,
      userIdentity: { type: 'Root', accountId, accessKeyId: root.accessKeyId },
    });
  });

  it("finds a user's calls by Username and by AccessKeyId", async () => {
    const byName = await lookup(root, {
      LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'alice' }],
    });
    expect(byName.map((event) => [event.EventName, record(event).requestParameters])).toEqual([
      ['CreateUser', { userName: 'dave' }],
    ]);
    const byKey = await lookup(root, {
      LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: alice.accessKeyId }],
    });
    expect(byKey.map((event) => event.EventId)).toEqual(byName.map((event) => event.EventId));
  });

  it('finds events by EventId, ReadOnly and ResourceName', async () => {
    const all = await lookup(root);
    const group = all.find((event) => event.EventName === 'CreateGroup') as Event;
    expect(group.Resources).toEqual([{ ResourceType: 'AWS::IAM::Group', ResourceName: 'devs' }]);
    const byId = await lookup(root, {
      LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: group.EventId as string }],
    });
    expect(byId.map((event) => event.EventId)).toEqual([group.EventId]);
    const byResource = await lookup(root, {
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'alice' }],
    });
    expect(byResource.map((event) => event.EventName).sort()).toEqual(
      ['CreateAccessKey', 'CreateUser', 'PutUserPolicy'].sort(),
    );
    const changing = await lookup(root, {
      LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'false' }],
    });
    expect(changing.map((event) => event.EventId)).toEqual(all.map((event) => event.EventId));
    const reading = await lookup(root, {
      LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'true' }],
    });
    expect(reading).toEqual([]);
  });

  it('pages with MaxResults and NextToken through the same events as one lookup', async () => {
    const all = await lookup(root);
    expect(all.length).toBeGreaterThanOrEqual(7);
    const paged: Event[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const answer = await cloudTrail(root).send(
        new LookupEventsCommand({ MaxResults: 2, ...(token ? { NextToken: token } : {}) }),
      );
      expect((answer.Events ?? []).length).toBeLessThanOrEqual(2);
      paged.push(...(answer.Events ?? []));
      token = answer.NextToken;
      pages++;
    } while (token && pages < 20);
    expect(paged.map((event) => event.EventId)).toEqual(all.map((event) => event.EventId));
    expect(pages).toBeGreaterThanOrEqual(4);
  });

  it('keeps to StartTime and EndTime, both inclusive', async () => {
    const all = await lookup(root);
    const start = all[4]?.EventTime as Date;
    const end = all[1]?.EventTime as Date;
    const inRange = await lookup(root, { StartTime: start, EndTime: end });
    const expected = all.filter((event) => {
      const at = event.EventTime?.getTime() ?? 0;
      return at >= start.getTime() && at <= end.getTime();
    });
    expect(inRange.map((event) => event.EventId)).toEqual(expected.map((event) => event.EventId));
    expect(inRange.map((event) => event.EventId)).toEqual(all.slice(1, 5).map((event) => event.EventId));
  });

  it('shows a tenant only its own events', async () => {
    const mine = await lookup(other);
    expect(mine.map((event) => record(event).recipientAccountId)).toEqual(mine.map(() => other.accountId));
    expect(mine.map((event) => event.EventName)).toContain('CreateUser');
    const names = (await lookup(root)).map((event) => JSON.stringify(record(event).requestParameters));
    expect(names).not.toContain(JSON.stringify({ userName: 'zed' }));
  });

  it('serves a role session signing with temporary credentials, and files its AssumeRole', async () => {
    const rootIam = iam(root);
    await rootIam.send(
      new CreateRoleCommand({
        RoleName: 'auditor',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${accountId}:root` },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    await rootIam.send(
      new PutRolePolicyCommand({
        RoleName: 'auditor',
        PolicyName: 'trail',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' }],
        }),
      }),
    );
    const sts = new STSClient({
      endpoint: running.url,
      region: 'us-east-1',
      credentials: { ...alice },
      maxAttempts: 1,
    });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/auditor`,
        RoleSessionName: 'audit-1',
      }),
    );
    const session = {
      accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
      secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
      sessionToken: assumed.Credentials?.SessionToken ?? '',
    };
    const events = await lookup(session, {
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AssumeRole' }],
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      EventSource: 'sts.amazonaws.com',
      ReadOnly: 'true',
      Username: 'alice',
    });
    expect(record(events[0] as Event)).toMatchObject({
      requestParameters: { roleArn: `arn:aws:iam::${accountId}:role/auditor`, roleSessionName: 'audit-1' },
      userIdentity: { type: 'IAMUser', userName: 'alice' },
    });
  });

  it("gives the operator the platform's own trail", async () => {
    const created = await sendAs(
      running.url,
      { key: running.operator, service: 'palisade' },
      { method: 'POST', path: '/v1/accounts', body: JSON.stringify({ alias: 'trail-third' }) },
      new Date(),
    );
    expect(created.status).toBe(201);
    const events = await lookup(running.operator, {
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateAccount' }],
    });
    expect(events.map((event) => [record(event).eventSource, record(event).requestParameters])).toEqual([
      ['palisade', { alias: 'trail-third' }],
    ]);
    expect(events[0]?.AccessKeyId).toBe(running.operator.accessKeyId);
  });

  it('lets a user whose policies allow cloudtrail:LookupEvents look up, and refuses one whose do not', async () => {
    expect((await lookup(alice)).length).toBeGreaterThan(0);
    await expect(lookup(bob)).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('cloudtrail:LookupEvents'),
      $metadata: { httpStatusCode: 403 },
    });
  });

  it("files a refused lookup as an AccessDenied event in the caller's trail, after the answer", async () => {
    await expect(lookup(bob, { MaxResults: 5 })).rejects.toMatchObject({ name: 'AccessDenied' });
    // A refusal's event is written after its answer: polled until it is there.
    const [refused] = await vi.waitFor(
      async () => {
        const found = await lookup(root, {
          LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'bob' }],
        });
        const mine = found.filter(
          (event) => JSON.stringify(record(event).requestParameters) === '{"maxResults":5}',
        );
        expect(mine).not.toEqual([]);
        return mine;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(refused).toMatchObject({
      EventSource: 'cloudtrail.amazonaws.com',
      ReadOnly: 'true',
      Username: 'bob',
    });
    expect(record(refused as Event)).toMatchObject({
      eventName: 'LookupEvents',
      errorCode: 'AccessDenied',
      requestParameters: { maxResults: 5 },
      userIdentity: { type: 'IAMUser', userName: 'bob', accessKeyId: bob.accessKeyId },
      recipientAccountId: accountId,
    });
  });

  it('answers a second lookup attribute and a bad NextToken with CloudTrail exceptions', async () => {
    await expect(
      lookup(root, {
        LookupAttributes: [
          { AttributeKey: 'EventName', AttributeValue: 'CreateUser' },
          { AttributeKey: 'Username', AttributeValue: 'root' },
        ],
      }),
    ).rejects.toMatchObject({ name: 'InvalidLookupAttributesException', $metadata: { httpStatusCode: 400 } });
    await expect(lookup(root, { NextToken: 'bm90LWEtdG9rZW4' })).rejects.toMatchObject({
      name: 'InvalidNextTokenException',
    });
    await expect(lookup(root, { MaxResults: 51 })).rejects.toMatchObject({
      name: 'InvalidMaxResultsException',
    });
    await expect(
      lookup(root, {
        StartTime: new Date('2026-12-02T00:00:00Z'),
        EndTime: new Date('2026-12-01T00:00:00Z'),
      }),
    ).rejects.toMatchObject({ name: 'InvalidTimeRangeException' });
  });

  it('answers an action it does not serve as an AWS JSON 1.1 error, and leaves form POSTs to the Query API', async () => {
    const refused = await fetch(running.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DeleteTrail',
      },
      body: '{"Name":"t"}',
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-amzn-ErrorType')).toBe('InvalidAction');
    expect(await refused.json()).toEqual({
      __type: 'InvalidAction',
      message: expect.stringContaining('DeleteTrail'),
    });
    const query = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetUser&Version=2010-05-08',
    });
    expect(query.headers.get('content-type')).toBe('text/xml');
    expect(await query.text()).toContain('<ErrorResponse');
  });

  it('refuses a request signed for another scope service', async () => {
    const signedForIam = new CloudTrailClient({
      endpoint: running.url,
      region: 'us-east-1',
      credentials: { ...root },
      maxAttempts: 1,
      signingName: 'iam',
    } as CloudTrailClientConfig);
    await expect(signedForIam.send(new LookupEventsCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
  });
});

const awsCli = findAwsCli();
const cli = awsCli?.version;
if (awsCli === undefined)
  console.info('cloudtrail: no AWS CLI at /usr/bin/aws or on the PATH; skipping the CLI test');

/** Runs the CLI against the running platform with `key`. */
function aws(key: SigningKey, ...args: string[]): Promise<unknown> {
  if (!awsCli) throw new Error('no AWS CLI');
  return runAwsCli(awsCli, key, running.url, args);
}

describe.skipIf(cli === undefined)(`aws cloudtrail lookup-events (${cli ?? 'absent'})`, () => {
  it("prints the tenant's CreateUser events, newest first, with their CloudTrail records", async () => {
    const printed = (await aws(
      root,
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=CreateUser',
    )) as { Events: Event[] };
    expect(printed.Events.map((event) => record(event).requestParameters)).toEqual([
      { userName: 'bob' },
      { userName: 'dave' },
      { userName: 'alice' },
    ]);
    expect(printed.Events[0]).toMatchObject({ EventName: 'CreateUser', Username: 'root', ReadOnly: 'false' });
    const theirs = (await aws(other, 'cloudtrail', 'lookup-events', '--max-items', '50')) as {
      Events: Event[];
    };
    expect(theirs.Events.length).toBeGreaterThan(0);
    expect(new Set(theirs.Events.map((event) => record(event).recipientAccountId))).toEqual(
      new Set([other.accountId]),
    );
  });
});
