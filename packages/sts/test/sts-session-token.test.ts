import { type Caller, callerFacts, operatorCaller } from '@palisade/principals';
import { beforeAll, describe, expect, it } from 'vitest';
import { A, B, createStsFixture, doc, MFA_CODE, MFA_SERIAL, NOW, type StsFixture } from './sts-fixture.ts';

let f: StsFixture;
let alice: Caller;

interface Issued {
  Credentials: { AccessKeyId: string; Expiration: Date };
}
const token = (caller: Caller, input: object = {}) => f.call(f.stsOps, caller, 'GetSessionToken', input);
const identity = (caller: Caller) => f.must(f.stsOps, caller, 'GetCallerIdentity', {});

beforeAll(async () => {
  f = await createStsFixture('sts-token');
  alice = await f.userWithPolicy(A, 'alice', {
    name: 'read',
    statement: { Effect: 'Allow', Action: ['iam:List*', 'sts:AssumeRole'], Resource: '*' },
  });
  await f.must(f.iamOps, f.rootB, 'CreateRole', {
    RoleName: 'target',
    AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: A }, Action: 'sts:AssumeRole' }),
  });
});

describe('GetSessionToken', () => {
  it('lasts 12 hours by default for users and accepts 900 to 129,600 seconds', async () => {
    const issued = await f.must<Issued>(f.stsOps, alice, 'GetSessionToken', {});
    expect(issued.Credentials.Expiration).toEqual(new Date(NOW.getTime() + 43_200_000));
    const longest = await f.must<Issued>(f.stsOps, alice, 'GetSessionToken', { DurationSeconds: '129600' });
    expect(longest.Credentials.Expiration).toEqual(new Date(NOW.getTime() + 129_600_000));
    for (const DurationSeconds of [899, 129601]) {
      expect(await token(alice, { DurationSeconds })).toMatchObject({ ok: false, code: 'request.invalid' });
    }
  });

  it('caps the root user at one hour', async () => {
    const issued = await f.must<Issued>(f.stsOps, f.rootA, 'GetSessionToken', { DurationSeconds: 7200 });
    expect(issued.Credentials.Expiration).toEqual(new Date(NOW.getTime() + 3_600_000));
    const session = await f.session(issued.Credentials.AccessKeyId);
    expect(await identity(session)).toEqual({ UserId: A, Account: A, Arn: `arn:aws:iam::${A}:root` });
  });

  it('acts with the user permissions, but no IAM call without MFA and no STS call but two', async () => {
    const issued = await f.must<Issued>(f.stsOps, alice, 'GetSessionToken', {});
    const session = await f.session(issued.Credentials.AccessKeyId);
    expect(await identity(session)).toMatchObject({ Arn: `arn:aws:iam::${A}:user/alice`, Account: A });
    expect(session.authorize('iam:ListUsers', '*').allowed).toBe(false);
    expect(await token(session)).toMatchObject({ ok: false, code: 'access.denied' });
    await expect(
      f.must(f.stsOps, session, 'AssumeRole', {
        RoleArn: `arn:aws:iam::${B}:role/target`,
        RoleSessionName: 'from-session',
      }),
    ).resolves.toMatchObject({
      AssumedRoleUser: { Arn: `arn:aws:sts::${B}:assumed-role/target/from-session` },
    });
    expect(callerFacts(session)?.session?.mfaAuthenticatedAt).toBeUndefined();
  });

  it('with a valid MFA code, records MFA and allows IAM calls', async () => {
    expect(await token(alice, { SerialNumber: MFA_SERIAL, TokenCode: '000000' })).toMatchObject({
      ok: false,
      code: 'credentials.invalid-mfa',
    });
    const issued = await f.must<Issued>(f.stsOps, alice, 'GetSessionToken', {
      SerialNumber: MFA_SERIAL,
      TokenCode: MFA_CODE,
    });
    const session = await f.session(issued.Credentials.AccessKeyId);
    expect(session.authorize('iam:ListUsers', '*')).toEqual({ allowed: true });
    expect(callerFacts(session)?.session?.mfaAuthenticatedAt).toBe(NOW.toISOString());
  });

  it('is refused to role sessions and the operator', async () => {
    const assumed = await f.must<Issued>(f.stsOps, alice, 'AssumeRole', {
      RoleArn: `arn:aws:iam::${B}:role/target`,
      RoleSessionName: 'role',
    });
    const roleSession = await f.session(assumed.Credentials.AccessKeyId);
    expect(await token(roleSession)).toMatchObject({ ok: false, code: 'access.denied' });
    expect(await token(operatorCaller('AKIAOPERATOR0000TEST'))).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
  });
});

describe('GetCallerIdentity', () => {
  it('names the root, a user and a role session as AWS does', async () => {
    expect(await identity(f.rootB)).toEqual({ UserId: B, Account: B, Arn: `arn:aws:iam::${B}:root` });
    const user = await identity(alice);
    expect(user).toMatchObject({ Account: A, Arn: `arn:aws:iam::${A}:user/alice` });
    expect(String(user.UserId)).toMatch(/^AIDA[A-Z2-7]{17}$/);
    const assumed = await f.must<Issued>(f.stsOps, alice, 'AssumeRole', {
      RoleArn: `arn:aws:iam::${B}:role/target`,
      RoleSessionName: 'who',
    });
    const session = await f.session(assumed.Credentials.AccessKeyId);
    const answer = await identity(session);
    expect(answer).toMatchObject({ Account: B, Arn: `arn:aws:sts::${B}:assumed-role/target/who` });
    expect(String(answer.UserId)).toMatch(/^AROA[A-Z2-7]{17}:who$/);
  });

  it('is answered even when a policy denies it explicitly', async () => {
    const denied = await f.userWithPolicy(A, 'denied', {
      name: 'deny',
      statement: { Effect: 'Deny', Action: '*', Resource: '*' },
    });
    await expect(identity(denied)).resolves.toMatchObject({ Arn: `arn:aws:iam::${A}:user/denied` });
  });
});
