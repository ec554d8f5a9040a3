import { compileResourcePolicies } from '@palisade/policy';
import { type Caller, callerFacts } from '@palisade/principals';
import { beforeAll, describe, expect, it } from 'vitest';
import { A, B, createStsFixture, doc, NOW, type StsFixture } from './sts-fixture.ts';

let f: StsFixture;
let alice: Caller;
let bob: Caller;

interface Federated {
  Credentials: { AccessKeyId: string; Expiration: Date };
  FederatedUser: { FederatedUserId: string; Arn: string };
  PackedPolicySize?: number;
}
const federate = (caller: Caller, input: object) => f.call(f.stsOps, caller, 'GetFederationToken', input);
const mustFederate = (caller: Caller, input: object) =>
  f.must<Federated>(f.stsOps, caller, 'GetFederationToken', input);
async function federated(caller: Caller, input: object): Promise<Caller> {
  return f.session((await mustFederate(caller, input)).Credentials.AccessKeyId);
}
const bucketObjects = 'arn:aws:s3:::reports/*';
const readOnlySession = doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:DeleteObject'], Resource: '*' });

beforeAll(async () => {
  f = await createStsFixture('sts-federation');
  alice = await f.userWithPolicy(A, 'alice', {
    name: 'broker',
    statement: {
      Effect: 'Allow',
      Action: ['sts:GetFederationToken', 's3:GetObject', 's3:PutObject', 'iam:*', 'sts:*'],
      Resource: '*',
    },
  });
  bob = await f.userWithPolicy(A, 'bob', {
    name: 'no-tags',
    statement: { Effect: 'Allow', Action: ['sts:GetFederationToken', 'sts:AssumeRole'], Resource: '*' },
  });
  await f.must(f.iamOps, f.rootA, 'TagUser', {
    UserName: 'alice',
    Tags: [
      { Key: 'team', Value: 'ops' },
      { Key: 'cost', Value: 'c-1' },
    ],
  });
  alice = await f.user(A, 'alice');
  await f.must(f.iamOps, f.rootA, 'CreatePolicy', {
    PolicyName: 'get-only',
    PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }),
  });
});

describe('GetFederationToken', () => {
  it('names the federated user by the account and Name, and lasts 12 hours by default', async () => {
    const issued = await mustFederate(alice, { Name: 'Bob.Smith@corp' });
    expect(issued.FederatedUser).toEqual({
      FederatedUserId: `${A}:Bob.Smith@corp`,
      Arn: `arn:aws:sts::${A}:federated-user/Bob.Smith@corp`,
    });
    expect(issued.Credentials.AccessKeyId).toMatch(/^ASIA/);
    expect(issued.Credentials.Expiration).toEqual(new Date(NOW.getTime() + 43_200_000));
    expect(issued).not.toHaveProperty('PackedPolicySize');
    const session = await f.session(issued.Credentials.AccessKeyId);
    expect(session.kind).toBe('federated-user');
    expect(await f.must(f.stsOps, session, 'GetCallerIdentity', {})).toEqual({
      UserId: `${A}:Bob.Smith@corp`,
      Account: A,
      Arn: `arn:aws:sts::${A}:federated-user/Bob.Smith@corp`,
    });
  });

  it('allows only what both the user policies and the session policy allow', async () => {
    const session = await federated(alice, { Name: 'reader', Policy: readOnlySession });
    expect(session.authorize('s3:GetObject', bucketObjects)).toEqual({ allowed: true });
    // The user may put objects, the session policy does not say so.
    expect(session.authorize('s3:PutObject', bucketObjects)).toMatchObject({ allowed: false });
    // The session policy names DeleteObject, the user's policies do not.
    expect(session.authorize('s3:DeleteObject', bucketObjects)).toMatchObject({ allowed: false });
    const managed = await federated(alice, {
      Name: 'managed',
      PolicyArns: [{ arn: `arn:aws:iam::${A}:policy/get-only` }],
    });
    expect(managed.authorize('s3:GetObject', bucketObjects)).toEqual({ allowed: true });
    expect(managed.authorize('s3:PutObject', bucketObjects)).toMatchObject({ allowed: false });
  });

  it('has no permission without a session policy, but what a resource policy grants its own ARN', async () => {
    const session = await federated(alice, { Name: 'bare' });
    expect(session.authorize('s3:GetObject', bucketObjects)).toMatchObject({ allowed: false });
    const facts = callerFacts(session);
    const grantTo = (principal: string) =>
      compileResourcePolicies({
        resourcePolicy: {
          id: 'bucket-policy',
          document: doc({
            Effect: 'Allow',
            Principal: { AWS: principal },
            Action: 's3:GetObject',
            Resource: '*',
          }),
        },
      });
    const ask = (principal: string) =>
      facts?.evaluate({
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::reports/q1.csv',
        resourceAccount: A,
        resourcePolicies: grantTo(principal),
      }).decision;
    expect(ask(`arn:aws:sts::${A}:federated-user/bare`)).toBe('allowed');
    // A grant to the issuing user stays within the (absent) session policy.
    expect(ask(`arn:aws:iam::${A}:user/alice`)).toBe('implicitDeny');
  });

  it('calls no IAM API and of STS only GetCallerIdentity, whatever its policies allow', async () => {
    const session = await federated(alice, {
      Name: 'admin',
      Policy: doc({ Effect: 'Allow', Action: '*', Resource: '*' }),
    });
    expect(session.authorize('iam:ListUsers', '*')).toMatchObject({ allowed: false });
    expect(await f.call(f.iamOps, session, 'ListUsers', {})).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
    for (const [action, input] of [
      ['GetFederationToken', { Name: 'again' }],
      ['GetSessionToken', {}],
      ['GetAccessKeyInfo', { AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' }],
    ] as const) {
      expect(await f.call(f.stsOps, session, action, input)).toMatchObject({
        ok: false,
        code: 'access.denied',
      });
    }
    expect(await f.call(f.stsOps, session, 'GetCallerIdentity', {})).toMatchObject({ ok: true });
  });

  it('is refused to session credentials and to users no policy allows sts:GetFederationToken', async () => {
    const token = await f.must<Federated>(f.stsOps, alice, 'GetSessionToken', {});
    const userSession = await f.session(token.Credentials.AccessKeyId);
    expect(await federate(userSession, { Name: 'x1' })).toMatchObject({
      ok: false,
      code: 'access.denied',
      message: 'Cannot call GetFederationToken with session credentials',
    });
    await f.must(f.iamOps, f.rootB, 'CreateRole', {
      RoleName: 'broker',
      AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: A }, Action: 'sts:AssumeRole' }),
    });
    await f.must(f.iamOps, f.rootB, 'PutRolePolicy', {
      RoleName: 'broker',
      PolicyName: 'federate',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' }),
    });
    const assumed = await f.must<Federated>(f.stsOps, bob, 'AssumeRole', {
      RoleArn: `arn:aws:iam::${B}:role/broker`,
      RoleSessionName: 'fed',
    });
    const roleSession = await f.session(assumed.Credentials.AccessKeyId);
    expect(await federate(roleSession, { Name: 'x2' })).toMatchObject({ ok: false, code: 'access.denied' });
    const carol = await f.userWithPolicy(A, 'carol', {
      name: 'only-one-name',
      statement: {
        Effect: 'Allow',
        Action: 'sts:GetFederationToken',
        Resource: `arn:aws:sts::${A}:federated-user/carol-*`,
      },
    });
    expect(await federate(carol, { Name: 'carol-app' })).toMatchObject({ ok: true });
    const refused = await federate(carol, { Name: 'someone' });
    expect(refused).toMatchObject({ ok: false, code: 'access.denied' });
    expect(refused.ok ? '' : refused.message).toContain(`arn:aws:sts::${A}:federated-user/someone`);
  });

  it('is refused to a signed-in session, which is no long-term key', async () => {
    const facts = callerFacts(alice);
    if (!facts) throw new Error('no facts');
    const signedIn = {
      ...alice,
      facts: {
        ...facts,
        signInSession: {
          sessionId: 'sign-in-1',
          accountId: A,
          owner: { kind: 'user' as const, userId: facts.userId },
          expiresAt: NOW.getTime() / 1000 + 3600,
        },
      },
    };
    expect(await federate(signedIn, { Name: 'web' })).toMatchObject({
      ok: false,
      code: 'access.denied',
      message: 'Cannot call GetFederationToken with session credentials',
    });
  });

  it('caps what the root federates at one hour and accepts 900 to 129,600 seconds', async () => {
    const byRoot = await mustFederate(f.rootA, {
      Name: 'ops',
      DurationSeconds: '7200',
      Policy: readOnlySession,
    });
    expect(byRoot.Credentials.Expiration).toEqual(new Date(NOW.getTime() + 3_600_000));
    const rootFederated = await f.session(byRoot.Credentials.AccessKeyId);
    // The root's reach is its own account's resources, as the root's own.
    const accessPoint = `arn:aws:s3:us-east-1:${A}:accesspoint/reports`;
    expect(rootFederated.authorize('s3:GetObject', accessPoint)).toEqual({ allowed: true });
    expect(rootFederated.authorize('s3:PutObject', accessPoint)).toMatchObject({ allowed: false });
    expect(rootFederated.authorize('s3:GetObject', `arn:aws:s3:us-east-1:${B}:accesspoint/x`)).toMatchObject({
      allowed: false,
    });
    const longest = await mustFederate(alice, { Name: 'long', DurationSeconds: 129600 });
    expect(longest.Credentials.Expiration).toEqual(new Date(NOW.getTime() + 129_600_000));
    for (const DurationSeconds of [899, 129601]) {
      expect(await federate(alice, { Name: 'n', DurationSeconds })).toMatchObject({
        ok: false,
        code: 'request.invalid',
      });
    }
  });

  it('puts session tags over the user tags as principal tags, and needs sts:TagSession for them', async () => {
    const issued = await mustFederate(alice, {
      Name: 'tagged',
      Policy: doc({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalTag/team': 'billing', 'aws:PrincipalTag/cost': 'c-1' } },
      }),
      Tags: [{ Key: 'team', Value: 'billing' }],
    });
    expect(issued.PackedPolicySize).toBeGreaterThan(0);
    const session = await f.session(issued.Credentials.AccessKeyId);
    expect(session.authorize('s3:GetObject', bucketObjects)).toEqual({ allowed: true });
    expect(callerFacts(session)?.principalTags).toEqual([
      { Key: 'cost', Value: 'c-1' },
      { Key: 'team', Value: 'billing' },
    ]);
    expect(await federate(bob, { Name: 'tagged', Tags: [{ Key: 'team', Value: 'x' }] })).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
  });

  it('refuses a bad name, a malformed or unknown session policy and a packed size over the limit', async () => {
    for (const Name of ['x', 'a'.repeat(33), 'has space']) {
      expect(await federate(alice, { Name })).toMatchObject({ ok: false, code: 'request.invalid' });
    }
    expect(await federate(alice, { Name: 'p1', Policy: '{"Statement":' })).toMatchObject({
      ok: false,
      code: 'policy.malformed',
    });
    expect(
      await federate(alice, { Name: 'p2', PolicyArns: [{ arn: `arn:aws:iam::${A}:policy/missing` }] }),
    ).toMatchObject({ ok: false, code: 'policy.malformed' });
    const tags = Array.from({ length: 20 }, (_, i) => ({
      Key: `k${i}`.padEnd(100, 'k'),
      Value: 'v'.repeat(100),
    }));
    expect(await federate(alice, { Name: 'p3', Tags: tags })).toMatchObject({
      ok: false,
      code: 'policy.packed-too-large',
    });
  });
});
