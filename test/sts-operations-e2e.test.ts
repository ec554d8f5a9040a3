/**
 * The STS operations of issue #15 end to end with the unchanged AWS SDK v3 against a running
 * Palisade: GetAccessKeyInfo, GetFederationToken (its credentials signing real requests, decided by
 * the engine with the session policy) and DecodeAuthorizationMessage of a real denial.
 */
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CreateUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import {
  DecodeAuthorizationMessageCommand,
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { generateAccessKeyId } from '@palisade/credentials';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import { sendAs } from './fixtures/signed-fetch.ts';

let running: RunningPlatform;
let A: string;
let B: string;
let rootA: AwsCredentialIdentity;
let rootB: AwsCredentialIdentity;
let broker: AwsCredentialIdentity;

const region = 'us-east-1';
const doc = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const sts = (credentials: AwsCredentialIdentity) =>
  new STSClient({ endpoint: running.url, region, credentials, maxAttempts: 1 });
const iam = (credentials: AwsCredentialIdentity) =>
  new IAMClient({ endpoint: running.url, region, credentials, maxAttempts: 1 });
const trail = (credentials: AwsCredentialIdentity) =>
  new CloudTrailClient({ endpoint: running.url, region, credentials, maxAttempts: 1 });

/** What an SDK call threw: its AWS error code and message. */
async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await call;
  } catch (error) {
    const { name, message } = error as Error;
    return { name, message };
  }
  throw new Error('the call succeeded');
}

async function federate(input: { Name: string; Policy?: string }): Promise<AwsCredentialIdentity> {
  const answer = await sts(broker).send(new GetFederationTokenCommand(input));
  return {
    accessKeyId: answer.Credentials?.AccessKeyId ?? '',
    secretAccessKey: answer.Credentials?.SecretAccessKey ?? '',
    sessionToken: answer.Credentials?.SessionToken ?? '',
  };
}

beforeAll(async () => {
  running = await startPlatform();
  const a = await running.createAccount('sts-ops-a');
  const b = await running.createAccount('sts-ops-b');
  A = a.accountId;
  B = b.accountId;
  rootA = { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey };
  rootB = { accessKeyId: b.accessKeyId, secretAccessKey: b.secretAccessKey };
  broker = await running.userWithKey(A, 'broker');
  await running.asRoot(A, 'PutUserPolicy', {
    UserName: 'broker',
    PolicyName: 'federate',
    PolicyDocument: doc({
      Effect: 'Allow',
      Action: ['sts:GetFederationToken', 'sts:GetAccessKeyInfo', 'cloudtrail:LookupEvents', 'iam:ListUsers'],
      Resource: '*',
    }),
  });
});
afterAll(() => running?.close());

describe('GetAccessKeyInfo with @aws-sdk/client-sts', () => {
  it("answers the account of another account's long-term and temporary keys", async () => {
    expect(
      (await sts(broker).send(new GetAccessKeyInfoCommand({ AccessKeyId: rootB.accessKeyId }))).Account,
    ).toBe(B);
    const federated = await federate({ Name: 'lookup' });
    const info = await sts(rootB).send(new GetAccessKeyInfoCommand({ AccessKeyId: federated.accessKeyId }));
    expect(info.Account).toBe(A);
  });

  it('answers an unknown key with InvalidParameterValue and a malformed one with ValidationError', async () => {
    const unknown = generateAccessKeyId('long-term');
    expect(await refusal(sts(rootA).send(new GetAccessKeyInfoCommand({ AccessKeyId: unknown })))).toEqual({
      name: 'InvalidParameterValue',
      message: `The access key ID ${unknown} does not exist in our records.`,
    });
    expect(
      (await refusal(sts(rootA).send(new GetAccessKeyInfoCommand({ AccessKeyId: 'AKIA-bad-key-id-00' }))))
        .name,
    ).toBe('ValidationError');
  });
});

describe('GetFederationToken with @aws-sdk/client-sts', () => {
  it('issues credentials that sign requests as the federated user', async () => {
    const answer = await sts(broker)
      .send(
        new GetFederationTokenCommand({
          Name: 'app-7',
          DurationSeconds: 900,
          Tags: [{ Key: 'k', Value: 'v' }],
        }),
      )
      .catch((error: Error) => error);
    // Tags need sts:TagSession, which the broker lacks.
    expect(answer).toMatchObject({ name: 'AccessDenied' });
    const issued = await sts(broker).send(
      new GetFederationTokenCommand({ Name: 'app-7', DurationSeconds: 900 }),
    );
    expect(issued.FederatedUser).toEqual({
      FederatedUserId: `${A}:app-7`,
      Arn: `arn:aws:sts::${A}:federated-user/app-7`,
    });
    expect(issued.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const credentials = {
      accessKeyId: issued.Credentials?.AccessKeyId ?? '',
      secretAccessKey: issued.Credentials?.SecretAccessKey ?? '',
      sessionToken: issued.Credentials?.SessionToken ?? '',
    };
    const identity = await sts(credentials).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      UserId: `${A}:app-7`,
      Account: A,
      Arn: `arn:aws:sts::${A}:federated-user/app-7`,
    });
  });

  it('lets the engine decide with the session policy, and calls no IAM API even when both allow it', async () => {
    const lookup = doc({
      Effect: 'Allow',
      Action: ['cloudtrail:LookupEvents', 'iam:ListUsers'],
      Resource: '*',
    });
    const auditor = await federate({ Name: 'auditor', Policy: lookup });
    const events = await trail(auditor).send(new LookupEventsCommand({ MaxResults: 1 }));
    expect(Array.isArray(events.Events)).toBe(true);
    const listUsers = await refusal(iam(auditor).send(new ListUsersCommand({})));
    expect(listUsers.name).toBe('AccessDenied');
    // The same key's user may list users; the federated user never may.
    expect((await iam(broker).send(new ListUsersCommand({}))).Users?.map((u) => u.UserName)).toEqual([
      'broker',
    ]);

    const narrow = await federate({
      Name: 'narrow',
      Policy: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }),
    });
    expect((await refusal(trail(narrow).send(new LookupEventsCommand({ MaxResults: 1 })))).name).toBe(
      'AccessDenied',
    );
    const bare = await federate({ Name: 'bare' });
    expect((await refusal(trail(bare).send(new LookupEventsCommand({ MaxResults: 1 })))).name).toBe(
      'AccessDenied',
    );
  });

  it("ends a federated user's credentials with the user that federated it", async () => {
    const temp = await running.userWithKey(A, 'temp-broker');
    await running.asRoot(A, 'PutUserPolicy', {
      UserName: 'temp-broker',
      PolicyName: 'federate',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' }),
    });
    const issued = await sts(temp).send(new GetFederationTokenCommand({ Name: 'short-lived' }));
    const credentials = {
      accessKeyId: issued.Credentials?.AccessKeyId ?? '',
      secretAccessKey: issued.Credentials?.SecretAccessKey ?? '',
      sessionToken: issued.Credentials?.SessionToken ?? '',
    };
    expect((await sts(credentials).send(new GetCallerIdentityCommand({}))).UserId).toBe(`${A}:short-lived`);
    await running.asRoot(A, 'DeleteUserPolicy', { UserName: 'temp-broker', PolicyName: 'federate' });
    await running.asRoot(A, 'DeleteAccessKey', { UserName: 'temp-broker', AccessKeyId: temp.accessKeyId });
    await running.asRoot(A, 'DeleteUser', { UserName: 'temp-broker' });
    expect((await refusal(sts(credentials).send(new GetCallerIdentityCommand({})))).name).toBe(
      'InvalidClientTokenId',
    );
  });

  it('refuses federation from federated credentials', async () => {
    const first = await federate({
      Name: 'first',
      Policy: doc({ Effect: 'Allow', Action: 'sts:*', Resource: '*' }),
    });
    const again = await refusal(sts(first).send(new GetFederationTokenCommand({ Name: 'second' })));
    expect(again.name).toBe('AccessDenied');
  });
});

describe('DecodeAuthorizationMessage with @aws-sdk/client-sts', () => {
  const ENCODED = /Encoded authorization failure message: (\S+)$/;

  it("decodes a REST AccessDenied for the root of the same account only; Query's carries none, as AWS's", async () => {
    const query = await refusal(iam(broker).send(new CreateUserCommand({ UserName: 'mallory' })));
    expect(query.name).toBe('AccessDenied');
    expect(query.message).not.toMatch(ENCODED);
    const rest = await sendAs(
      running.url,
      { key: broker, service: 'palisade' },
      { method: 'POST', path: '/v1/users', body: JSON.stringify({ userName: 'mallory' }) },
      new Date(),
    );
    expect(rest.status).toBe(403);
    const message = (JSON.parse(rest.text) as { error: { message: string } }).error.message;
    const encoded = ENCODED.exec(message)?.[1] ?? '';
    expect(encoded.length).toBeGreaterThan(0);
    const answer = await sts(rootA).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }));
    expect(JSON.parse(answer.DecodedMessage ?? '{}')).toMatchObject({
      allowed: false,
      explicitDeny: false,
      context: {
        principal: { arn: `arn:aws:iam::${A}:user/broker`, name: 'broker' },
        action: 'iam:CreateUser',
        resource: `arn:aws:iam::${A}:user/mallory`,
      },
    });
    const foreign = await refusal(
      sts(rootB).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded })),
    );
    expect(foreign.name).toBe('InvalidAuthorizationMessageException');
    // The broker may not decode.
    const own = await refusal(
      sts(broker).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded })),
    );
    expect(own.name).toBe('AccessDenied');
  });

  it('decodes the REST API denial of a federated user, naming the federated user', async () => {
    const federated = await federate({
      Name: 'rest-user',
      Policy: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }),
    });
    const answer = await sendAs(
      running.url,
      { key: federated, service: 'palisade' },
      { method: 'GET', path: '/v1/scim/tokens' },
      new Date(),
    );
    expect(answer.status).toBe(403);
    const message = (JSON.parse(answer.text) as { error: { code: string; message: string } }).error.message;
    const encoded = ENCODED.exec(message)?.[1] ?? '';
    const decoded = await sts(rootA).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }));
    const decodedJson = JSON.parse(decoded.DecodedMessage ?? '{}');
    expect(decodedJson).toMatchObject({
      allowed: false,
      context: {
        principal: { id: `${A}:rest-user`, arn: `arn:aws:sts::${A}:federated-user/rest-user` },
        action: 'palisade:ListScimTokens',
      },
    });
    // The broker's policies do not allow it either: the denial names no statement of the session policy.
    expect(decodedJson.matchedStatements.items).toEqual([]);
  });
});
