import { generateAccessKeyId } from '@palisade/credentials';
import type { Caller } from '@palisade/principals';
import { beforeAll, describe, expect, it } from 'vitest';
import { A, B, createStsFixture, doc, type StsFixture } from './sts-fixture.ts';

let f: StsFixture;
let reader: Caller;
let bob: Caller;
let aliceKey: string;

const info = (caller: Caller, AccessKeyId: string) =>
  f.call(f.stsOps, caller, 'GetAccessKeyInfo', { AccessKeyId });

beforeAll(async () => {
  f = await createStsFixture('sts-key-info');
  reader = await f.userWithPolicy(B, 'reader', {
    name: 'key-info',
    statement: { Effect: 'Allow', Action: ['sts:GetAccessKeyInfo', 'sts:AssumeRole'], Resource: '*' },
  });
  bob = await f.userWithPolicy(B, 'bob', {
    name: 'nothing',
    statement: { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' },
  });
  await f.must(f.iamOps, f.rootA, 'CreateUser', { UserName: 'alice' });
  const created = await f.must<{ AccessKey: { AccessKeyId: string } }>(f.iamOps, f.rootA, 'CreateAccessKey', {
    UserName: 'alice',
  });
  aliceKey = created.AccessKey.AccessKeyId;
});

describe('GetAccessKeyInfo', () => {
  it("answers the owning account of another account's long-term key", async () => {
    expect(await info(reader, aliceKey)).toEqual({ ok: true, value: { Account: A } });
  });

  it('answers the account of a temporary key, and a deleted key as unknown', async () => {
    await f.must(f.iamOps, f.rootB, 'CreateRole', {
      RoleName: 'worker',
      AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: B }, Action: 'sts:AssumeRole' }),
    });
    const assumed = await f.must<{ Credentials: { AccessKeyId: string } }>(f.stsOps, reader, 'AssumeRole', {
      RoleArn: `arn:aws:iam::${B}:role/worker`,
      RoleSessionName: 'job',
    });
    expect(assumed.Credentials.AccessKeyId).toMatch(/^ASIA/);
    expect(await info(f.rootA, assumed.Credentials.AccessKeyId)).toEqual({ ok: true, value: { Account: B } });
    await f.must(f.iamOps, f.rootA, 'DeleteAccessKey', { UserName: 'alice', AccessKeyId: aliceKey });
    expect(await info(reader, aliceKey)).toMatchObject({ ok: false, code: 'sts.unknown-access-key' });
  });

  it('answers an id never issued as unknown, and a malformed one as invalid', async () => {
    expect(await info(reader, generateAccessKeyId('long-term'))).toMatchObject({
      ok: false,
      code: 'sts.unknown-access-key',
    });
    expect(await info(reader, generateAccessKeyId('temporary'))).toMatchObject({
      ok: false,
      code: 'sts.unknown-access-key',
    });
    expect(await info(reader, 'AKIA-not-a-key-at-all')).toMatchObject({ ok: false, code: 'request.invalid' });
    expect(await info(reader, 'AKIA')).toMatchObject({ ok: false, code: 'request.invalid' });
  });

  it('is refused to a caller no policy allows sts:GetAccessKeyInfo', async () => {
    const refused = await info(bob, aliceKey);
    expect(refused).toMatchObject({ ok: false, code: 'access.denied' });
    expect(refused.ok ? '' : refused.message).toContain('sts:GetAccessKeyInfo');
  });
});
