/**
 * GetMFADevice, ResyncMFADevice and UpdateRoleDescription on DynamoDB Local, at a pinned clock:
 * a resync takes two consecutive fresh codes (never spent ones), wrong codes count towards the
 * device's lockout, and reads name only devices enabled for the owner asked about.
 */
import { generateTotpCode } from '@palisade/credentials';
import { type Caller, type OperationTable, rootCaller } from '@palisade/principals';
import { getAssignedMfaDevice, getPrincipal, putNewAccount } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext, loadUserCaller } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import { type IamContext, iamOperations } from '../src/index.ts';

const START = Date.parse('2026-12-07T12:00:10Z');
let now = START;
const A = '100000000153';
const root = rootCaller('aws', A);
let iam: IamContext;
let ops: OperationTable;
let serial: string;
let seed: string;
const call = (caller: Caller, action: string, input: object) => runOperation(ops, caller, action, input);
const must = <T = Record<string, unknown>>(action: string, input: object) =>
  mustRunOperation<T>(ops, root, action, input);
const code = (at: number) => generateTotpCode(seed, new Date(at));
const resync = (code1: string, code2: string, serialNumber = serial) =>
  call(root, 'ResyncMFADevice', {
    UserName: 'ann',
    SerialNumber: serialNumber,
    AuthenticationCode1: code1,
    AuthenticationCode2: code2,
  });

beforeAll(async () => {
  iam = await createIamTestContext('mfa-sync', () => new Date(now));
  ops = iamOperations(iam);
  await putNewAccount(iam.store, {
    accountId: A,
    alias: 'mfa-sync-a',
    createdAt: new Date(now).toISOString(),
  });
  await must('CreateUser', { UserName: 'ann' });
  await must('CreateUser', { UserName: 'bob' });
  const created = await must<{ VirtualMFADevice: { SerialNumber: string; Base32StringSeed: Uint8Array } }>(
    'CreateVirtualMFADevice',
    { VirtualMFADeviceName: 'ann-phone' },
  );
  serial = created.VirtualMFADevice.SerialNumber;
  seed = Buffer.from(created.VirtualMFADevice.Base32StringSeed).toString('ascii');
  await must('EnableMFADevice', {
    UserName: 'ann',
    SerialNumber: serial,
    AuthenticationCode1: code(now - 30_000),
    AuthenticationCode2: code(now),
  });
});

const lastUsedStep = async () => {
  const ann = await getPrincipal(iam.store, A, 'user', 'ann');
  const device = ann && (await getAssignedMfaDevice(iam.store, A, { kind: 'user', userId: ann.id }, serial));
  return device?.lastUsedStep;
};

describe('GetMFADevice', () => {
  it('answers the device enabled for the user, and NoSuchEntity for anyone else', async () => {
    expect(await call(root, 'GetMFADevice', { UserName: 'ann', SerialNumber: serial })).toEqual({
      ok: true,
      value: { UserName: 'ann', SerialNumber: serial, EnableDate: new Date(START) },
    });
    for (const input of [
      { UserName: 'bob', SerialNumber: serial },
      { SerialNumber: serial },
      { UserName: 'ann', SerialNumber: `arn:aws:iam::${A}:mfa/ghost` },
    ]) {
      expect(await call(root, 'GetMFADevice', input)).toMatchObject({ ok: false, code: 'entity.not-found' });
    }
  });

  it('is authorized on the user', async () => {
    const bob = await loadUserCaller(iam.store, A, 'bob', () => new Date(now));
    expect(await call(bob, 'GetMFADevice', { UserName: 'ann', SerialNumber: serial })).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
  });
});

describe('ResyncMFADevice', () => {
  it('refuses the enrolment’s spent codes and codes that are not consecutive', async () => {
    const before = await lastUsedStep();
    expect(await resync(code(START - 30_000), code(START))).toMatchObject({
      ok: false,
      code: 'credentials.invalid-authentication-code',
    });
    now = START + 60_000;
    expect(await resync(code(now - 60_000), code(now))).toMatchObject({
      ok: false,
      code: 'credentials.invalid-authentication-code',
    });
    expect(await lastUsedStep()).toBe(before);
  });

  it('accepts two consecutive fresh codes and moves the last used step to the second', async () => {
    now = START + 90_000;
    expect(await resync(code(now - 30_000), code(now))).toEqual({ ok: true, value: undefined });
    expect(await lastUsedStep()).toBe(Math.floor(now / 30_000));
    // The same codes again are spent now.
    expect(await resync(code(now - 30_000), code(now))).toMatchObject({
      ok: false,
      code: 'credentials.invalid-authentication-code',
    });
  });

  it('locks the device after repeated wrong codes, whatever the codes then', async () => {
    now = START + 300_000;
    const answers: string[] = [];
    for (let i = 0; i < 12 && answers.at(-1) !== 'credentials.throttled'; i++) {
      const answer = await resync('000000', '111111');
      answers.push(answer.ok ? 'ok' : answer.code);
    }
    expect(answers.slice(0, -1).every((answer) => answer === 'credentials.invalid-authentication-code')).toBe(
      true,
    );
    expect(answers.at(-1)).toBe('credentials.throttled');
    expect(await resync(code(now - 30_000), code(now))).toMatchObject({
      ok: false,
      code: 'credentials.throttled',
    });
  });

  it('answers NoSuchEntity for a device not enabled for the user', async () => {
    expect(
      await call(root, 'ResyncMFADevice', {
        UserName: 'bob',
        SerialNumber: serial,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    ).toMatchObject({ ok: false, code: 'entity.not-found' });
  });
});

describe('UpdateRoleDescription', () => {
  it('changes the description and answers the role', async () => {
    await must('CreateRole', {
      RoleName: 'app',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: A }, Action: 'sts:AssumeRole' }],
      }),
    });
    const updated = await must<{ Role: { RoleName: string; Description: string } }>('UpdateRoleDescription', {
      RoleName: 'app',
      Description: 'runs the app',
    });
    expect(updated.Role).toMatchObject({ RoleName: 'app', Description: 'runs the app' });
    const read = await must<{ Role: { Description: string } }>('GetRole', { RoleName: 'app' });
    expect(read.Role.Description).toBe('runs the app');
    expect(await call(root, 'UpdateRoleDescription', { RoleName: 'ghost', Description: 'x' })).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
  });
});
