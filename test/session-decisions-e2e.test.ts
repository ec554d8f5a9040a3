/**
 * Decisions about a role session named by its ARN, end to end: sessions minted with the real
 * @aws-sdk/client-sts, questions signed like any SaaS backend's, on a running platform with a
 * pinned clock.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Credentials, signedJson } from '../packages/decisions/test/support/signed-client.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

// The platform's clock runs with real time plus `skew`; the expiry test moves it forward.
let skew = 0;
const now = () => new Date(Date.now() + skew);

let running: RunningPlatform;
let A: string;
let B: string;
let rootA: Credentials;
let rootB: Credentials;
let sam: Credentials;
/** The temporary key id of the `narrow` session, which several tests ask about. */
let narrowKeyId: string;

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const queue = (name: string) => `arn:aws:queue:us-east-1:${A}:${name}`;
const sessionArn = (role: string, session: string, account = A) =>
  `arn:aws:sts::${account}:assumed-role/${role}/${session}`;

/** A signed client whose signatures follow the platform's clock. */
const as = (credentials: Credentials) => ({
  post: (path: string, body: unknown) => signedJson(running.url, credentials, 'POST', path, body, now()),
  put: (path: string, body: unknown) => signedJson(running.url, credentials, 'PUT', path, body, now()),
});

const iam = (accountId: string, action: string, input: object) => running.asRoot(accountId, action, input);
const userWithKey = (accountId: string, name: string): Promise<Credentials> =>
  running.userWithKey(accountId, name);

/** AssumeRole with the real SDK as sam; returns the temporary key id (to check it is never shown). */
async function assume(
  role: string,
  sessionName: string,
  extra: Omit<ConstructorParameters<typeof AssumeRoleCommand>[0], 'RoleArn' | 'RoleSessionName'> = {},
) {
  const sts = new STSClient({
    endpoint: running.url,
    region: 'us-east-1',
    credentials: sam,
    maxAttempts: 1,
    systemClockOffset: skew,
  });
  const answer = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${A}:role/${role}`,
      RoleSessionName: sessionName,
      ...extra,
    }),
  );
  expect(answer.AssumedRoleUser?.Arn).toBe(sessionArn(role, sessionName));
  return answer.Credentials?.AccessKeyId ?? '';
}

const ask = (who: Credentials, principal: string, action: string, resource: string, context?: object) =>
  as(who).post('/v1/authorize', { principal, action, resource, ...(context ? { context } : {}) });

beforeAll(async () => {
  running = await startPlatform({ now });
  const a = await running.createAccount('session-decisions-a');
  const b = await running.createAccount('session-decisions-b');
  A = a.accountId;
  B = b.accountId;
  rootA = { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey };
  rootB = { accessKeyId: b.accessKeyId, secretAccessKey: b.secretAccessKey };

  sam = await userWithKey(A, 'sam');
  const stsActions = ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'];
  await iam(A, 'PutUserPolicy', {
    UserName: 'sam',
    PolicyName: 'assume',
    PolicyDocument: policy({ Effect: 'Allow', Action: stsActions, Resource: '*' }),
  });
  for (const role of ['worker', 'ephemeral']) {
    await iam(A, 'CreateRole', {
      RoleName: role,
      AssumeRolePolicyDocument: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${A}:user/sam` },
        Action: stsActions,
      }),
    });
  }
  await iam(A, 'PutRolePolicy', {
    RoleName: 'worker',
    PolicyName: 'queues',
    PolicyDocument: policy(
      { Sid: 'Receive', Effect: 'Allow', Action: 'queue:Receive', Resource: '*' },
      {
        Sid: 'PurgeForOps',
        Effect: 'Allow',
        Action: 'queue:Purge',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalTag/team': 'ops' } },
      },
    ),
  });
  // Sessions several tests ask about, opened here so that none depends on which test ran first.
  narrowKeyId = await assume('worker', 'narrow', {
    Policy: policy({ Effect: 'Allow', Action: 'queue:*', Resource: queue('jobs') }),
  });
  await assume('worker', 'untagged');
});
afterAll(() => running?.close());

describe('POST /v1/authorize about a role session ARN', () => {
  it('honours the session policy: denies what it excludes although the role allows it', async () => {
    const keyId = narrowKeyId;
    const inside = await ask(rootA, sessionArn('worker', 'narrow'), 'queue:Receive', queue('jobs'));
    expect(inside.status).toBe(200);
    expect(inside.body).toMatchObject({
      decision: 'allowed',
      matchedStatements: [
        { policy: `arn:aws:iam::${A}:role/worker/inline/queues`, statement: 'Receive' },
        { policy: `${sessionArn('worker', 'narrow')}/session-policy`, statement: 'Statement[0]' },
      ],
      explanation: {
        principal: sessionArn('worker', 'narrow'),
        session: { issuedAt: expect.any(String), expiration: expect.any(String), liveSessions: 1 },
      },
    });
    const outside = await ask(rootA, sessionArn('worker', 'narrow'), 'queue:Receive', queue('other'));
    expect(outside.body).toMatchObject({
      decision: 'implicitDeny',
      explanation: { policyTypes: { identity: 'allowed', session: 'implicitDeny' } },
    });
    // The temporary key id identifies a credential: it is never part of an answer.
    expect(JSON.stringify([inside.body, outside.body])).not.toContain(keyId);
  });

  it('takes aws:PrincipalTag from the session tags and ignores the caller values for it', async () => {
    await assume('worker', 'ops-tagged', { Tags: [{ Key: 'team', Value: 'ops' }] });
    const tagged = await ask(rootA, sessionArn('worker', 'ops-tagged'), 'queue:Purge', queue('jobs'));
    expect(tagged.body).toMatchObject({
      decision: 'allowed',
      matchedStatements: [{ statement: 'PurgeForOps' }],
    });
    const claimed = await ask(rootA, sessionArn('worker', 'untagged'), 'queue:Purge', queue('jobs'), {
      'aws:PrincipalTag/team': 'ops',
    });
    expect(claimed.body).toMatchObject({
      decision: 'implicitDeny',
      ignoredContextKeys: ['aws:PrincipalTag/team'],
      missingContextKeys: ['aws:principaltag/team'],
    });
  });

  it('answers with the most restrictive of the live sessions sharing one ARN, and says which', async () => {
    await assume('worker', 'shared', { SourceIdentity: 'first-run', Tags: [{ Key: 'team', Value: 'ops' }] });
    await assume('worker', 'shared', {
      SourceIdentity: 'second-run',
      Policy: policy(
        { Effect: 'Allow', Action: 'queue:*', Resource: queue('jobs') },
        { Effect: 'Deny', Action: 'queue:Purge', Resource: '*' },
      ),
    });
    const shared = sessionArn('worker', 'shared');

    const both = await ask(rootA, shared, 'queue:Receive', queue('jobs'));
    expect(both.body).toMatchObject({ decision: 'allowed', explanation: { session: { liveSessions: 2 } } });

    // The first session may receive from any queue; the second only from jobs: implicitDeny wins.
    const implicit = await ask(rootA, shared, 'queue:Receive', queue('other'));
    expect(implicit.body).toMatchObject({
      decision: 'implicitDeny',
      explanation: { session: { sourceIdentity: 'second-run', liveSessions: 2 } },
    });
    expect(implicit.body.explanation.message).toMatch(/^2 live sessions carry this ARN; .*most restrictive/);

    // The first session may purge (team=ops); the second denies it explicitly: explicitDeny wins.
    const explicit = await ask(rootA, shared, 'queue:Purge', queue('jobs'));
    expect(explicit.body).toMatchObject({
      decision: 'explicitDeny',
      explanation: {
        decidingStatement: { policyType: 'session' },
        session: { sourceIdentity: 'second-run' },
      },
    });
  });

  it('sees a new session with the same ARN and a role policy change within the freshness window', async () => {
    await assume('worker', 'fresh');
    const fresh = sessionArn('worker', 'fresh');
    const decision = async (action: string) => (await ask(rootA, fresh, action, queue('jobs'))).body;
    expect(await decision('queue:Receive')).toMatchObject({
      decision: 'allowed',
      explanation: { session: { liveSessions: 1 } },
    });

    await assume('worker', 'fresh', {
      Policy: policy({ Effect: 'Allow', Action: 'queue:Send', Resource: '*' }),
    });
    const minted = performance.now();
    await expect
      .poll(async () => (await decision('queue:Receive')).decision, { timeout: 3000, interval: 20 })
      .toBe('implicitDeny');
    expect(performance.now() - minted).toBeLessThan(1000);

    await iam(A, 'PutRolePolicy', {
      RoleName: 'worker',
      PolicyName: 'no-send',
      PolicyDocument: policy({ Effect: 'Deny', Action: 'queue:Send', Resource: '*' }),
    });
    const changed = performance.now();
    await expect
      .poll(async () => (await decision('queue:Send')).decision, { timeout: 3000, interval: 20 })
      .toBe('explicitDeny');
    expect(performance.now() - changed).toBeLessThan(1000);
    await iam(A, 'DeleteRolePolicy', { RoleName: 'worker', PolicyName: 'no-send' });
  });

  it('answers a typed 404 for an ARN no live session carries', async () => {
    for (const unknown of [sessionArn('worker', 'never-assumed'), sessionArn('no-such-role', 'x1')]) {
      const response = await ask(rootA, unknown, 'queue:Receive', queue('jobs'));
      expect(response.status).toBe(404);
      expect(response.body.error).toMatchObject({
        code: 'entity.not-found',
        message: `There is no active session with ARN ${unknown}.`,
      });
    }
  });

  it('does not answer for sessions of a role deleted and recreated under the same name', async () => {
    await assume('ephemeral', 'before-delete');
    const before = await ask(rootA, sessionArn('ephemeral', 'before-delete'), 'queue:Receive', queue('jobs'));
    expect(before.body).toMatchObject({
      decision: 'implicitDeny',
      explanation: { session: { liveSessions: 1 } },
    });
    await iam(A, 'DeleteRole', { RoleName: 'ephemeral' });
    await iam(A, 'CreateRole', {
      RoleName: 'ephemeral',
      AssumeRolePolicyDocument: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${A}:user/sam` },
        Action: 'sts:AssumeRole',
      }),
    });
    await expect
      .poll(
        async () =>
          (await ask(rootA, sessionArn('ephemeral', 'before-delete'), 'queue:Receive', queue('jobs'))).status,
        { timeout: 3000, interval: 20 },
      )
      .toBe(404);
  });

  it('denies without evaluating when more sessions than the cap share an ARN', async () => {
    await Promise.all(Array.from({ length: 21 }, () => assume('worker', 'crowd')));
    const response = await ask(rootA, sessionArn('worker', 'crowd'), 'queue:Receive', queue('jobs'));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ decision: 'implicitDeny', reason: 'too-many-sessions' });
    expect(response.body.explanation.message).toMatch(/^More than 20 live sessions carry /);
  });

  it('answers session questions in a batch', async () => {
    const response = await as(rootA).post('/v1/authorize/batch', {
      requests: [
        { principal: sessionArn('worker', 'narrow'), action: 'queue:Receive', resource: queue('jobs') },
        { principal: sessionArn('worker', 'narrow'), action: 'queue:Receive', resource: queue('other') },
        { principal: sessionArn('worker', 'nobody'), action: 'queue:Receive', resource: queue('jobs') },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.results).toMatchObject([
      { decision: 'allowed' },
      { decision: 'implicitDeny' },
      { error: { code: 'entity.not-found' } },
    ]);
  });
});

describe('who may ask about a role session', () => {
  it('needs palisade:Authorize on the session ARN inside the account; the operator may ask', async () => {
    const nosy = await userWithKey(A, 'nosy');
    const auditor = await userWithKey(A, 'auditor');
    await iam(A, 'PutUserPolicy', {
      UserName: 'auditor',
      PolicyName: 'ask',
      PolicyDocument: policy({
        Effect: 'Allow',
        Action: 'palisade:Authorize',
        Resource: `arn:aws:sts::${A}:assumed-role/worker/*`,
      }),
    });
    const refused = await ask(nosy, sessionArn('worker', 'narrow'), 'queue:Receive', queue('jobs'));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('access.denied');
    const answered = await ask(auditor, sessionArn('worker', 'narrow'), 'queue:Receive', queue('jobs'));
    expect(answered.body.decision).toBe('allowed');
    const operator = await ask(
      running.operator,
      sessionArn('worker', 'narrow'),
      'queue:Receive',
      queue('jobs'),
    );
    expect(operator.body.decision).toBe('allowed');
  });

  it('refuses another account the same way whether or not the session exists, until a grant', async () => {
    const live = sessionArn('worker', 'narrow');
    const refused = await ask(rootB, live, 'queue:Receive', queue('jobs'));
    const unknown = await ask(rootB, sessionArn('worker', 'never-assumed'), 'queue:Receive', queue('jobs'));
    expect(refused.status).toBe(403);
    expect(unknown.status).toBe(403);
    expect(refused.body.error.code).toBe('access.denied');
    expect(unknown.body.error.code).toBe('access.denied');

    const grant = await as(rootA).put(`/v1/resource-policies/${encodeURIComponent(live)}`, {
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${B}:root` },
            Action: 'palisade:Authorize',
            Resource: live,
          },
        ],
      },
    });
    expect(grant.status).toBe(200);
    await expect
      .poll(async () => (await ask(rootB, live, 'queue:Receive', queue('jobs'))).status, {
        timeout: 3000,
        interval: 20,
      })
      .toBe(200);
    // The grant names one session ARN: its siblings stay private.
    expect((await ask(rootB, sessionArn('worker', 'untagged'), 'queue:Receive', queue('jobs'))).status).toBe(
      403,
    );
  });
});

describe('session expiry', () => {
  it('stops answering for a session the moment it expires, whatever the table still holds', async () => {
    await assume('worker', 'short', { DurationSeconds: 900 });
    const short = sessionArn('worker', 'short');
    expect((await ask(rootA, short, 'queue:Receive', queue('jobs'))).body.decision).toBe('allowed');
    // Within the freshness window the list of sessions is cached: expiry still applies at once.
    skew += 900_000;
    try {
      const expired = await ask(rootA, short, 'queue:Receive', queue('jobs'));
      expect(expired.status).toBe(404);
      expect(expired.body.error).toMatchObject({
        code: 'entity.not-found',
        message: `There is no active session with ARN ${short}.`,
      });
      // A one-hour session of the same role is still answered for.
      expect((await ask(rootA, sessionArn('worker', 'narrow'), 'queue:Receive', queue('jobs'))).status).toBe(
        200,
      );
    } finally {
      skew -= 900_000;
    }
  });
});

describe('POST /v1/allowed-actions for role sessions', () => {
  it('lists what a session may do, by its own credentials or by its ARN, with its policy and tags', async () => {
    expect(
      (await as(rootA).put('/v1/service-catalog/queue', { actions: ['Receive', 'Purge', 'Delete'] })).status,
    ).toBe(200);
    const sts = new STSClient({
      endpoint: running.url,
      region: 'us-east-1',
      credentials: sam,
      maxAttempts: 1,
      systemClockOffset: skew,
    });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${A}:role/worker`,
        RoleSessionName: 'ops-lister',
        Policy: policy({ Effect: 'Allow', Action: 'queue:*', Resource: queue('jobs') }),
        Tags: [{ Key: 'team', Value: 'ops' }],
      }),
    );
    const own: Credentials = {
      accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
      secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
      sessionToken: assumed.Credentials?.SessionToken ?? '',
    };
    const listed = async (who: Credentials, body: object) =>
      (
        (await as(who).post('/v1/allowed-actions', body)).body as { allowedActions?: { action: string }[] }
      ).allowedActions?.map((a) => a.action);
    // The role allows Receive, and Purge for team ops (the session's tag); the session policy keeps it to jobs.
    expect(await listed(own, { resource: queue('jobs') })).toEqual(['queue:Purge', 'queue:Receive']);
    expect(await listed(own, { resource: queue('other') })).toEqual([]);
    expect(
      await listed(rootA, { principal: sessionArn('worker', 'ops-lister'), resource: queue('jobs') }),
    ).toEqual(['queue:Purge', 'queue:Receive']);
  });
});
