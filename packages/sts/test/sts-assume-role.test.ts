import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Caller, callerFacts } from '@palisade/principals';
import { stsSessionKey } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { A, B, createStsFixture, doc, MFA_CODE, MFA_SERIAL, NOW, type StsFixture } from './sts-fixture.ts';

let f: StsFixture;
let alice: Caller;
let bob: Caller;
const target = `arn:aws:iam::${B}:role/target`;
const next = `arn:aws:iam::${B}:role/next`;
const strict = `arn:aws:iam::${B}:role/strict`;

interface Assumed {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: Date };
  AssumedRoleUser: { Arn: string; AssumedRoleId: string };
  PackedPolicySize?: number;
  SourceIdentity?: string;
}

const assume = (caller: Caller, input: object) => f.call(f.stsOps, caller, 'AssumeRole', input);
const assumeOk = (caller: Caller, input: object) => f.must<Assumed>(f.stsOps, caller, 'AssumeRole', input);
const tags = (n: number, prefix = 'k') =>
  Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, Value: 'v' }));

beforeAll(async () => {
  f = await createStsFixture('sts-assume');
  for (const name of ['alice', 'bob']) await f.must(f.iamOps, f.rootA, 'CreateUser', { UserName: name });
  await f.must(f.iamOps, f.rootA, 'PutUserPolicy', {
    UserName: 'alice',
    PolicyName: 'assume',
    PolicyDocument: doc({
      Effect: 'Allow',
      Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
      Resource: '*',
    }),
  });
  const trusting = (principal: object, actions: string[], condition?: object) =>
    doc({
      Effect: 'Allow',
      Principal: principal,
      Action: actions,
      ...(condition ? { Condition: condition } : {}),
    });
  const all = ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'];
  await f.must(f.iamOps, f.rootB, 'CreateRole', {
    RoleName: 'target',
    MaxSessionDuration: 7200,
    AssumeRolePolicyDocument: trusting({ AWS: A }, all),
    Tags: [{ Key: 'team', Value: 'platform' }],
  });
  await f.must(f.iamOps, f.rootB, 'PutRolePolicy', {
    RoleName: 'target',
    PolicyName: 'read',
    PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:List*', 'iam:Get*'], Resource: '*' }),
  });
  await f.must(f.iamOps, f.rootB, 'CreateRole', {
    RoleName: 'next',
    MaxSessionDuration: 43200,
    AssumeRolePolicyDocument: trusting({ AWS: target }, all),
  });
  await f.must(f.iamOps, f.rootB, 'CreateRole', {
    RoleName: 'strict',
    AssumeRolePolicyDocument: trusting({ AWS: A }, ['sts:AssumeRole']),
  });
  await f.must(f.iamOps, f.rootB, 'CreateRole', {
    RoleName: 'mfa-only',
    AssumeRolePolicyDocument: trusting({ AWS: A }, ['sts:AssumeRole'], {
      Bool: { 'aws:MultiFactorAuthPresent': 'true' },
      NumericLessThan: { 'aws:MultiFactorAuthAge': '300' },
    }),
  });
  alice = await f.user(A, 'alice');
  bob = await f.user(A, 'bob');
});

describe('AssumeRole input rules', () => {
  it.each([
    ['a', 'Member must have length greater than or equal to 2'],
    ['x'.repeat(65), 'Member must have length less than or equal to 64'],
    ['has space', 'Member must satisfy regular expression pattern'],
  ])('refuses the session name %j with a ValidationError', async (name, message) => {
    const result = await assume(alice, { RoleArn: target, RoleSessionName: name });
    expect(result).toMatchObject({ ok: false, code: 'request.invalid' });
    expect(!result.ok && result.message).toContain(message);
  });

  it('accepts every character RoleSessionName allows', async () => {
    const answer = await assumeOk(alice, { RoleArn: target, RoleSessionName: 'a_b+c=d,e.f@g-h' });
    expect(answer.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${B}:assumed-role/target/a_b+c=d,e.f@g-h`);
  });

  it('defaults to one hour and keeps DurationSeconds within 900 and the role maximum', async () => {
    const answer = await assumeOk(alice, { RoleArn: target, RoleSessionName: 'default' });
    expect(answer.Credentials.Expiration).toEqual(new Date(NOW.getTime() + 3600_000));
    expect(answer.PackedPolicySize).toBeUndefined();
    const longest = await assumeOk(alice, {
      RoleArn: target,
      RoleSessionName: 'max',
      DurationSeconds: '7200',
    });
    expect(longest.Credentials.Expiration).toEqual(new Date(NOW.getTime() + 7200_000));
    for (const DurationSeconds of [899, 43201]) {
      expect(await assume(alice, { RoleArn: target, RoleSessionName: 'x1', DurationSeconds })).toMatchObject({
        ok: false,
        code: 'request.invalid',
      });
    }
    const over = await assume(alice, { RoleArn: target, RoleSessionName: 'over', DurationSeconds: 7201 });
    expect(over).toMatchObject({
      ok: false,
      code: 'request.invalid',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
  });

  it('refuses a role ARN of another partition, a malformed one and a missing role alike', async () => {
    for (const RoleArn of [
      `arn:aws-cn:iam::${B}:role/target`,
      `arn:aws:iam::${B}:user/target`,
      `arn:aws:iam::${B}:role/ghost`,
    ]) {
      expect(await assume(alice, { RoleArn, RoleSessionName: 'x1' })).toMatchObject({
        ok: false,
        code: 'access.denied',
      });
    }
    // The path is part of the role's ARN.
    expect(
      await assume(alice, { RoleArn: `arn:aws:iam::${B}:role/ops/target`, RoleSessionName: 'x1' }),
    ).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
  });
});

describe('AssumeRole trust', () => {
  it('needs the caller identity policies as well as the trust policy across accounts', async () => {
    const denied = await assume(bob, { RoleArn: target, RoleSessionName: 'bob' });
    expect(denied).toMatchObject({
      ok: false,
      code: 'access.denied',
      message: `User: arn:aws:iam::${A}:user/bob is not authorized to perform: sts:AssumeRole on resource: ${target} because no identity-based policy allows the sts:AssumeRole action`,
    });
  });

  it('refuses a role that does not exist in the words it uses for one whose trust policy names nobody', async () => {
    const carol = await f.userWithPolicy(A, 'carol-probe', {
      name: 'assume',
      statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
    });
    const why = 'because no resource-based policy allows the sts:AssumeRole action';
    const missing = `arn:aws:iam::${B}:role/no-such-role`;
    for (const arn of [missing, `arn:aws:iam::${B}:role/next`]) {
      expect(await assume(carol, { RoleArn: arn, RoleSessionName: 'probe' })).toMatchObject({
        ok: false,
        code: 'access.denied',
        message: `User: arn:aws:iam::${A}:user/carol-probe is not authorized to perform: sts:AssumeRole on resource: ${arn} ${why}`,
      });
    }
  });

  it('needs the trust policy to name the account even when identity policies allow in the same account', async () => {
    const carol = await f.userWithPolicy(B, 'carol', {
      name: 'assume',
      statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
    });
    expect(await assume(carol, { RoleArn: target, RoleSessionName: 'carol' })).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
  });

  it('refuses the root user', async () => {
    expect(await assume(f.rootA, { RoleArn: target, RoleSessionName: 'root' })).toMatchObject({
      ok: false,
      code: 'access.denied',
      message: 'Roles may not be assumed by root accounts.',
    });
  });

  it('puts a verified MFA code into the decision, and refuses a bad or half-given one', async () => {
    const mfaOnly = `arn:aws:iam::${B}:role/mfa-only`;
    expect(await assume(alice, { RoleArn: mfaOnly, RoleSessionName: 'no-mfa' })).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
    expect(
      await assume(alice, { RoleArn: mfaOnly, RoleSessionName: 'half', SerialNumber: MFA_SERIAL }),
    ).toMatchObject({ ok: false, code: 'credentials.invalid-mfa' });
    expect(
      await assume(alice, {
        RoleArn: mfaOnly,
        RoleSessionName: 'bad',
        SerialNumber: MFA_SERIAL,
        TokenCode: '654321',
      }),
    ).toMatchObject({ ok: false, code: 'credentials.invalid-mfa' });
    const answer = await assumeOk(alice, {
      RoleArn: mfaOnly,
      RoleSessionName: 'mfa',
      SerialNumber: MFA_SERIAL,
      TokenCode: MFA_CODE,
    });
    const session = await f.session(answer.Credentials.AccessKeyId);
    expect(callerFacts(session)?.session?.mfaAuthenticatedAt).toBe(NOW.toISOString());
  });
});

describe('session policies and PackedPolicySize', () => {
  it('narrows the session to what both the role and the session policy allow', async () => {
    const answer = await assumeOk(alice, {
      RoleArn: target,
      RoleSessionName: 'narrow',
      Policy: doc({ Effect: 'Allow', Action: ['iam:ListRoles', 'iam:DeleteRole'], Resource: '*' }),
    });
    const session = await f.session(answer.Credentials.AccessKeyId);
    expect(session.authorize('iam:ListRoles', '*')).toEqual({ allowed: true });
    expect(session.authorize('iam:ListUsers', '*').allowed).toBe(false);
    // The session policy cannot grant what the role lacks.
    expect(session.authorize('iam:DeleteRole', `arn:aws:iam::${B}:role/next`).allowed).toBe(false);
  });

  it('snapshots managed session policies and refuses ones that do not exist', async () => {
    const answer = await assumeOk(alice, {
      RoleArn: target,
      RoleSessionName: 'managed',
      PolicyArns: [{ arn: 'arn:aws:iam::palisade:policy/ReadOnlyAccess' }],
    });
    expect(answer.PackedPolicySize).toBe(
      Math.ceil(('arn:aws:iam::palisade:policy/ReadOnlyAccess'.length * 100) / 2048),
    );
    const session = await f.session(answer.Credentials.AccessKeyId);
    expect(session.authorize('iam:ListRoles', '*')).toEqual({ allowed: true });
    expect(
      await assume(alice, {
        RoleArn: target,
        RoleSessionName: 'x1',
        PolicyArns: [{ arn: `arn:aws:iam::${B}:policy/none` }],
      }),
    ).toMatchObject({ ok: false, code: 'policy.malformed' });
    const eleven = Array.from({ length: 11 }, (_, i) => ({ arn: `arn:aws:iam::${B}:policy/p${i}` }));
    expect(await assume(alice, { RoleArn: target, RoleSessionName: 'x1', PolicyArns: eleven })).toMatchObject(
      {
        ok: false,
        code: 'request.invalid',
      },
    );
  });

  it('reports the packed size as a percentage and refuses it above 100%', async () => {
    const policy = doc({ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' });
    const answer = await assumeOk(alice, {
      RoleArn: target,
      RoleSessionName: 'sized',
      Policy: policy,
      Tags: tags(2),
    });
    const expected = policy.replace(/\s/g, '').length + 2 * ('k0'.length + 'v'.length);
    expect(answer.PackedPolicySize).toBe(Math.ceil((expected * 100) / 2048));

    const bigPolicy = doc({
      Effect: 'Allow',
      Action: 'iam:ListRoles',
      Resource: `arn:aws:iam::${B}:role/${'r'.repeat(1800)}`,
    });
    const tooLarge = await assume(alice, {
      RoleArn: target,
      RoleSessionName: 'big',
      Policy: bigPolicy,
      Tags: [{ Key: 'k', Value: 'v'.repeat(256) }],
    });
    expect(tooLarge).toMatchObject({ ok: false, code: 'policy.packed-too-large' });
    expect(!tooLarge.ok && tooLarge.message).toMatch(/^Packed policy consumes 1\d\d% of allotted space/);
  });

  it('refuses a malformed session policy and one longer than 2,048 characters', async () => {
    expect(
      await assume(alice, {
        RoleArn: target,
        RoleSessionName: 'x1',
        Policy: '{"Statement":{"Effect":"Allow"}}',
      }),
    ).toMatchObject({ ok: false, code: 'policy.malformed' });
    expect(
      await assume(alice, { RoleArn: target, RoleSessionName: 'x1', Policy: `${' '.repeat(2049)}` }),
    ).toMatchObject({ ok: false, code: 'request.invalid' });
  });
});

describe('session tags', () => {
  it('caps a request at 50 tags and refuses duplicate keys, aws: keys and stray transitive keys', async () => {
    expect(await assume(alice, { RoleArn: target, RoleSessionName: 'x1', Tags: tags(51) })).toMatchObject({
      ok: false,
      code: 'request.invalid',
    });
    const fifty = await assumeOk(alice, { RoleArn: target, RoleSessionName: 'x50', Tags: tags(50) });
    expect(fifty.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${B}:assumed-role/target/x50`);
    const tagged = await f.session(fifty.Credentials.AccessKeyId);
    expect(callerFacts(tagged)?.principalTags).toEqual(expect.arrayContaining(tags(50)));
    const duplicate = [
      { Key: 'Project', Value: 'a' },
      { Key: 'project', Value: 'b' },
    ];
    expect(await assume(alice, { RoleArn: target, RoleSessionName: 'x1', Tags: duplicate })).toMatchObject({
      ok: false,
      code: 'request.invalid',
    });
    expect(
      await assume(alice, { RoleArn: target, RoleSessionName: 'x1', Tags: [{ Key: 'aws:x', Value: 'y' }] }),
    ).toMatchObject({ ok: false, code: 'request.invalid' });
    expect(
      await assume(alice, {
        RoleArn: target,
        RoleSessionName: 'x1',
        Tags: tags(1),
        TransitiveTagKeys: ['other'],
      }),
    ).toMatchObject({ ok: false, code: 'request.invalid' });
  });

  it('needs sts:TagSession in the trust policy to pass tags', async () => {
    await expect(assumeOk(alice, { RoleArn: strict, RoleSessionName: 'untagged' })).resolves.toMatchObject({
      AssumedRoleUser: { Arn: `arn:aws:sts::${B}:assumed-role/strict/untagged` },
    });
    expect(await assume(alice, { RoleArn: strict, RoleSessionName: 'tagged', Tags: tags(1) })).toMatchObject({
      ok: false,
      code: 'access.denied',
      message: expect.stringContaining('sts:TagSession'),
    });
  });

  it('makes session tags principal tags that override the role tags', async () => {
    const answer = await assumeOk(alice, {
      RoleArn: target,
      RoleSessionName: 'tagged',
      Tags: [
        { Key: 'Team', Value: 'security' },
        { Key: 'cost', Value: '42' },
      ],
    });
    const session = await f.session(answer.Credentials.AccessKeyId);
    expect(callerFacts(session)?.principalTags).toEqual([
      { Key: 'Team', Value: 'security' },
      { Key: 'cost', Value: '42' },
    ]);
  });

  it('carries transitive tags along a chain, where they cannot be overridden and count toward 50', async () => {
    const first = await assumeOk(alice, {
      RoleArn: target,
      RoleSessionName: 'hop1',
      Tags: [
        { Key: 'project', Value: 'apollo' },
        { Key: 'ticket', Value: 'T-1' },
      ],
      TransitiveTagKeys: ['project'],
    });
    const hop1 = await f.session(first.Credentials.AccessKeyId);
    const second = await assumeOk(hop1, { RoleArn: next, RoleSessionName: 'hop2' });
    const hop2 = await f.session(second.Credentials.AccessKeyId);
    const facts = callerFacts(hop2);
    expect(facts?.principalTags).toEqual([{ Key: 'project', Value: 'apollo' }]);
    expect(facts?.session?.transitiveTagKeys).toEqual(['project']);

    expect(
      await assume(hop1, {
        RoleArn: next,
        RoleSessionName: 'hop2b',
        Tags: [{ Key: 'PROJECT', Value: 'gemini' }],
      }),
    ).toMatchObject({
      ok: false,
      code: 'request.invalid',
      message: expect.stringContaining('cannot be overridden'),
    });
    expect(await assume(hop1, { RoleArn: next, RoleSessionName: 'hop2c', Tags: tags(50) })).toMatchObject({
      ok: false,
      code: 'request.invalid',
    });
    const full = await assumeOk(hop1, { RoleArn: next, RoleSessionName: 'hop2d', Tags: tags(49) });
    expect(full.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${B}:assumed-role/next/hop2d`);
    expect(callerFacts(await f.session(full.Credentials.AccessKeyId))?.principalTags).toEqual(
      expect.arrayContaining([{ Key: 'project', Value: 'apollo' }, ...tags(49)]),
    );
  });
});

describe('role chaining and source identity', () => {
  it('caps a chained session at one hour', async () => {
    const first = await assumeOk(alice, { RoleArn: target, RoleSessionName: 'chain' });
    const hop1 = await f.session(first.Credentials.AccessKeyId);
    expect(
      await assume(hop1, { RoleArn: next, RoleSessionName: 'long', DurationSeconds: 3601 }),
    ).toMatchObject({
      ok: false,
      code: 'request.invalid',
      message:
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    });
    const ok = await assumeOk(hop1, { RoleArn: next, RoleSessionName: 'hour', DurationSeconds: 3600 });
    expect(ok.Credentials.Expiration).toEqual(new Date(NOW.getTime() + 3600_000));
  });

  it('keeps the source identity along the chain and refuses to change it', async () => {
    const first = await assumeOk(alice, {
      RoleArn: target,
      RoleSessionName: 'src',
      SourceIdentity: 'alice@corp',
    });
    expect(first.SourceIdentity).toBe('alice@corp');
    const hop1 = await f.session(first.Credentials.AccessKeyId);
    const kept = await assumeOk(hop1, { RoleArn: next, RoleSessionName: 'src2' });
    expect(kept.SourceIdentity).toBe('alice@corp');
    const same = await assumeOk(hop1, {
      RoleArn: next,
      RoleSessionName: 'src3',
      SourceIdentity: 'alice@corp',
    });
    expect(same.SourceIdentity).toBe('alice@corp');
    expect(
      await assume(hop1, { RoleArn: next, RoleSessionName: 'src4', SourceIdentity: 'mallory' }),
    ).toMatchObject({ ok: false, code: 'request.invalid' });
  });

  it('needs sts:SetSourceIdentity in the trust policy, and validates the value', async () => {
    expect(
      await assume(alice, { RoleArn: strict, RoleSessionName: 'src', SourceIdentity: 'alice' }),
    ).toMatchObject({
      ok: false,
      code: 'access.denied',
      message: expect.stringContaining('sts:SetSourceIdentity'),
    });
    expect(
      await assume(alice, { RoleArn: target, RoleSessionName: 'src', SourceIdentity: 'a' }),
    ).toMatchObject({
      ok: false,
      code: 'request.invalid',
    });
  });
});

describe('temporary credentials at rest', () => {
  it('stores the sealed secret and the token hash only, with the TTL in epoch seconds', async () => {
    const answer = await assumeOk(alice, {
      RoleArn: target,
      RoleSessionName: 'stored',
      DurationSeconds: 900,
    });
    const item = (
      await f.store.documents.send(
        new GetCommand({ TableName: f.store.tableName, Key: stsSessionKey(answer.Credentials.AccessKeyId) }),
      )
    ).Item as Record<string, unknown>;
    expect(item.expiresAt).toBe(NOW.getTime() / 1000 + 900);
    const text = JSON.stringify(item);
    expect(text).not.toContain(answer.Credentials.SecretAccessKey);
    expect(text).not.toContain(answer.Credentials.SessionToken);
    expect(String(item.encryptedSecret)).toMatch(/^sb1\./);
    // The seal is bound to the key id: opened as another key's, it fails.
    expect(f.sts.secrets.open(String(item.encryptedSecret), answer.Credentials.AccessKeyId)).toMatchObject({
      ok: true,
      value: answer.Credentials.SecretAccessKey,
    });
    expect(f.sts.secrets.open(String(item.encryptedSecret), 'ASIAOTHEROTHEROTHER2').ok).toBe(false);
  });
});
