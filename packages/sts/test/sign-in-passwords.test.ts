/**
 * Passwords and MFA for sign-in: login profiles under the account password policy, DeleteUser
 * refused while credentials remain, identical answers for unknown and wrong, throttling with
 * lockout (clock pinned), MFA enrolment with two consecutive codes, and single-use TOTP codes even
 * under concurrency.
 */
import { CURRENT_SCRYPT_PARAMETERS, generateTotpCode } from '@palisade/credentials';
import { iamOperations, verifyMfaCode } from '@palisade/iam';
import { type Caller, type OperationTable, rootCaller } from '@palisade/principals';
import { getPrincipal, listSignInAttempts } from '@palisade/store';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../../functions/wiring/platform.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import { requestSignIn } from '../../../test/fixtures/sign-in-request.ts';
import { createTestAccount, createTestPlatform, logErrors } from '../../../test/fixtures/test-platform.ts';

const START = new Date('2026-11-28T12:00:00Z');
let clock = START;
const PASSWORD = 'Tr0ub4dor&3-horse';
let platform: Platform;
let ops: OperationTable;
let root: Caller;
let accountId: string;

const run = (caller: Caller, action: string, input: object) => runOperation(ops, caller, action, input);
const call = (caller: Caller, action: string, input: object) => mustRunOperation(ops, caller, action, input);

const signIn = (body: Record<string, unknown>) =>
  requestSignIn((path, init) => platform.app.request(path, init), { account: 'pw-co', ...body });

beforeAll(async () => {
  platform = await createTestPlatform({ prefix: 'sign-in-passwords', log: logErrors, now: () => clock });
  ({ accountId } = await createTestAccount(platform, 'pw-co'));
  ops = iamOperations(platform.iam);
  root = rootCaller('aws', accountId);
}, 60_000);

describe('login profiles', () => {
  it('enforce the password policy, block DeleteUser while they exist, and refuse reuse', {
    timeout: 60_000,
  }, async () => {
    await call(root, 'UpdateAccountPasswordPolicy', {
      MinimumPasswordLength: 12,
      RequireNumbers: true,
      PasswordReusePrevention: 2,
    });
    await call(root, 'CreateUser', { UserName: 'lee' });
    const weak = await run(root, 'CreateLoginProfile', { UserName: 'lee', Password: 'short' });
    expect(weak).toMatchObject({ ok: false, code: 'credentials.password-policy' });
    expect((weak as { message: string }).message).toContain('at least 12 characters');
    expect((weak as { message: string }).message).not.toContain('short');
    expect(await run(root, 'GetLoginProfile', { UserName: 'lee' })).toMatchObject({
      code: 'entity.not-found',
    });

    const created = await call(root, 'CreateLoginProfile', {
      UserName: 'lee',
      Password: PASSWORD,
      PasswordResetRequired: 'true',
    });
    expect(created).toMatchObject({ LoginProfile: { UserName: 'lee', PasswordResetRequired: true } });
    expect(await run(root, 'CreateLoginProfile', { UserName: 'lee', Password: PASSWORD })).toMatchObject({
      code: 'entity.already-exists',
    });
    expect(await run(root, 'DeleteUser', { UserName: 'lee' })).toMatchObject({
      code: 'entity.delete-conflict',
    });

    expect(await run(root, 'UpdateLoginProfile', { UserName: 'lee', Password: PASSWORD })).toMatchObject({
      code: 'credentials.password-policy',
    });
    await call(root, 'UpdateLoginProfile', {
      UserName: 'lee',
      Password: `${PASSWORD}-2`,
      PasswordResetRequired: false,
    });
    expect(await call(root, 'GetLoginProfile', { UserName: 'lee' })).toMatchObject({
      LoginProfile: { PasswordResetRequired: false },
    });
    await call(root, 'DeleteLoginProfile', { UserName: 'lee' });
    expect(await run(root, 'DeleteLoginProfile', { UserName: 'lee' })).toMatchObject({
      code: 'entity.not-found',
    });
    expect(await run(root, 'DeleteUser', { UserName: 'lee' })).toMatchObject({ ok: true });
    await call(root, 'DeleteAccountPasswordPolicy', {});
  });

  it('marks the password for reset when it is older than MaxPasswordAge', { timeout: 30_000 }, async () => {
    await call(root, 'CreateUser', { UserName: 'old' });
    await call(root, 'CreateLoginProfile', { UserName: 'old', Password: PASSWORD });
    await call(root, 'UpdateAccountPasswordPolicy', { MaxPasswordAge: 30 });
    clock = new Date(START.getTime() + 31 * 86_400_000);
    try {
      const signedIn = await signIn({ userName: 'old', password: PASSWORD });
      expect(signedIn).toMatchObject({ status: 200, body: { passwordResetRequired: true } });
    } finally {
      clock = START;
      await call(root, 'DeleteAccountPasswordPolicy', {});
    }
  });
});

describe('sign-in throttling', () => {
  it('answers unknown accounts, unknown users and wrong passwords identically', {
    timeout: 60_000,
  }, async () => {
    await call(root, 'CreateUser', { UserName: 'ida' });
    await call(root, 'CreateLoginProfile', { UserName: 'ida', Password: PASSWORD });
    const wrong = await signIn({ userName: 'ida', password: 'not-the-password' });
    const unknownUser = await signIn({ userName: 'nobody', password: 'not-the-password' });
    const unknownAccount = await signIn({ account: 'no-such-co', userName: 'ida', password: PASSWORD });
    const noProfile = await signIn({ userName: 'lee-without-profile', password: PASSWORD });
    for (const answer of [wrong, unknownUser, unknownAccount, noProfile]) {
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatchObject({
        code: 'credentials.invalid-password',
        message: 'The account, user name or password is incorrect.',
      });
    }
    const attempts = await listSignInAttempts(platform.store, accountId, START.toISOString().slice(0, 10));
    const outcomes = attempts.map((a) => a.outcome);
    expect(outcomes).toEqual(expect.arrayContaining(['invalid-password', 'unknown-user']));
    for (const attempt of attempts) {
      expect(JSON.stringify(attempt)).not.toContain('not-the-password');
      expect(JSON.stringify(attempt)).not.toContain(PASSWORD);
    }
  });

  it('makes wrong passwords and unknown names both pay for a full scrypt at the production cost', {
    timeout: 60_000,
  }, async () => {
    // This file's platform hashes cheaply; the timing is about the cost production wires.
    const strong = await createTestPlatform({
      prefix: 'sign-in-passwords-cost',
      log: logErrors,
      now: () => clock,
      passwordHashing: CURRENT_SCRYPT_PARAMETERS,
    });
    const { accountId: strongAccount } = await createTestAccount(strong, 'pw-cost-co');
    const strongOps = iamOperations(strong.iam);
    await mustRunOperation(strongOps, rootCaller('aws', strongAccount), 'CreateUser', { UserName: 'ida' });
    await mustRunOperation(strongOps, rootCaller('aws', strongAccount), 'CreateLoginProfile', {
      UserName: 'ida',
      Password: PASSWORD,
    });
    const timed = async (userName: string) => {
      const started = Date.now();
      const answer = await requestSignIn((path, init) => strong.app.request(path, init), {
        account: 'pw-cost-co',
        userName,
        password: 'not-the-password',
      });
      expect(answer.status).toBe(401);
      return Date.now() - started;
    };
    // Timing checked loosely: the machine is shared.
    expect(await timed('ida')).toBeGreaterThan(100);
    expect(await timed('nobody')).toBeGreaterThan(100);
  });

  it('locks a user after five failures for fifteen minutes, even for the right password', {
    timeout: 90_000,
  }, async () => {
    await call(root, 'CreateUser', { UserName: 'tom' });
    await call(root, 'CreateLoginProfile', { UserName: 'tom', Password: PASSWORD });
    clock = new Date(START.getTime() + 3600_000);
    try {
      for (let i = 0; i < 5; i++) {
        expect(await signIn({ userName: 'tom', password: `wrong-${i}` })).toMatchObject({
          status: 401,
          code: 'credentials.invalid-password',
        });
      }
      expect(await signIn({ userName: 'tom', password: PASSWORD })).toMatchObject({
        status: 429,
        code: 'credentials.throttled',
      });
      // The alias and the id name the same identity.
      expect(await signIn({ account: accountId, userName: 'TOM', password: PASSWORD })).toMatchObject({
        status: 429,
      });
      clock = new Date(clock.getTime() + 16 * 60_000);
      expect(await signIn({ userName: 'tom', password: PASSWORD })).toMatchObject({ status: 200 });
    } finally {
      clock = START;
    }
  });

  it('lets no more than five concurrent guesses be checked', { timeout: 90_000 }, async () => {
    clock = new Date(START.getTime() + 2 * 3600_000);
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => signIn({ userName: 'ghost', password: `guess-${i}` })),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(3);
      // An unknown user locks exactly like a real one.
      expect(await signIn({ userName: 'ghost', password: 'another' })).toMatchObject({ status: 429 });
    } finally {
      clock = START;
    }
  });
});

/**
 * A user of its own with a password and an enabled virtual device, enrolled at `at` with the codes
 * of the step before and of the step at `at` (both used up), so no test leans on another's device.
 */
async function userWithDevice(userName: string, at: Date): Promise<{ serial: string; seed: string }> {
  clock = at;
  await call(root, 'CreateUser', { UserName: userName });
  await call(root, 'CreateLoginProfile', { UserName: userName, Password: PASSWORD });
  const created = await call(root, 'CreateVirtualMFADevice', { VirtualMFADeviceName: `${userName}-phone` });
  const device = created.VirtualMFADevice as { SerialNumber: string; Base32StringSeed: Uint8Array };
  const seed = Buffer.from(device.Base32StringSeed).toString('ascii');
  await call(root, 'EnableMFADevice', {
    UserName: userName,
    SerialNumber: device.SerialNumber,
    AuthenticationCode1: generateTotpCode(seed, new Date(at.getTime() - 30_000)),
    AuthenticationCode2: generateTotpCode(seed, at),
  });
  return { serial: device.SerialNumber, seed };
}

describe('MFA', () => {
  beforeEach(() => {
    clock = START;
  });

  it('enrols a virtual device with two consecutive codes and then requires a code to sign in', {
    timeout: 60_000,
  }, async () => {
    clock = new Date(START.getTime() + 3 * 3600_000);
    await call(root, 'CreateUser', { UserName: 'mia' });
    await call(root, 'CreateLoginProfile', { UserName: 'mia', Password: PASSWORD });
    const created = await call(root, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'mia-phone' });
    const device = created.VirtualMFADevice as {
      SerialNumber: string;
      Base32StringSeed: Uint8Array;
      QRCodePNG: Uint8Array;
    };
    const serial = device.SerialNumber;
    expect(serial).toBe(`arn:aws:iam::${accountId}:mfa/mia-phone`);
    const seed = Buffer.from(device.Base32StringSeed).toString('ascii');
    expect(seed).toMatch(/^[A-Z2-7]{32}$/);
    expect(Buffer.from(device.QRCodePNG).subarray(1, 4).toString('ascii')).toBe('PNG');

    const code1 = generateTotpCode(seed, new Date(clock.getTime() - 30_000));
    const code2 = generateTotpCode(seed, clock);
    expect(
      await run(root, 'EnableMFADevice', {
        UserName: 'mia',
        SerialNumber: serial,
        AuthenticationCode1: code2,
        AuthenticationCode2: code1,
      }),
    ).toMatchObject({ code: 'credentials.invalid-authentication-code' });
    await call(root, 'EnableMFADevice', {
      UserName: 'mia',
      SerialNumber: serial,
      AuthenticationCode1: code1,
      AuthenticationCode2: code2,
    });
    expect(await call(root, 'ListMFADevices', { UserName: 'mia' })).toMatchObject({
      MFADevices: [{ UserName: 'mia', SerialNumber: serial }],
    });
    // Other tests' users have devices in this account too: mia's is among the assigned ones.
    expect(await call(root, 'ListVirtualMFADevices', { AssignmentStatus: 'Assigned' })).toMatchObject({
      VirtualMFADevices: expect.arrayContaining([
        expect.objectContaining({ SerialNumber: serial, User: expect.objectContaining({ UserName: 'mia' }) }),
      ]),
    });
    expect(await run(root, 'DeleteUser', { UserName: 'mia' })).toMatchObject({
      code: 'entity.delete-conflict',
    });
    expect(await run(root, 'DeleteVirtualMFADevice', { SerialNumber: serial })).toMatchObject({
      code: 'entity.delete-conflict',
    });

    const needsCode = await signIn({ userName: 'mia', password: PASSWORD });
    expect(needsCode).toMatchObject({ status: 401, code: 'credentials.mfa-required' });
    // The enrolment's second code is already used.
    expect(await signIn({ userName: 'mia', password: PASSWORD, mfaCode: code2 })).toMatchObject({
      code: 'credentials.invalid-mfa',
    });
    clock = new Date(clock.getTime() + 30_000);
    const code = generateTotpCode(seed, clock);
    const signedIn = await signIn({ userName: 'mia', password: PASSWORD, mfaCode: code });
    expect(signedIn.status).toBe(200);
    const claims = JSON.parse(
      Buffer.from(String(signedIn.body.accessToken).split('.')[1] ?? '', 'base64url').toString(),
    ) as Record<string, unknown>;
    expect(claims).toMatchObject({ mfa: true, amr: ['pwd', 'otp', 'mfa'] });
    expect(await signIn({ userName: 'mia', password: PASSWORD, mfaCode: code })).toMatchObject({
      status: 401,
      code: 'credentials.invalid-mfa',
    });
  });

  it('accepts a fresh code from exactly one of two concurrent sign-ins', { timeout: 60_000 }, async () => {
    const { seed } = await userWithDevice('nia', new Date(START.getTime() + 3 * 3600_000));
    clock = new Date(START.getTime() + 3 * 3600_000 + 60_000);
    const code = generateTotpCode(seed, clock);
    const answers = await Promise.all([
      signIn({ userName: 'nia', password: PASSWORD, mfaCode: code }),
      signIn({ userName: 'nia', password: PASSWORD, mfaCode: code }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
    expect(answers.find((a) => a.status === 401)?.code).toBe('credentials.invalid-mfa');
  });

  it('verifies codes for STS once per step, for the device owner only', { timeout: 30_000 }, async () => {
    const { serial, seed } = await userWithDevice('ola', new Date(START.getTime() + 3 * 3600_000));
    clock = new Date(START.getTime() + 3 * 3600_000 + 90_000);
    const code = generateTotpCode(seed, clock);
    const store = platform.store;
    const secrets = platform.iam.secrets;
    const ola = await getPrincipal(store, accountId, 'user', 'OLA');
    expect(
      await verifyMfaCode(store, secrets, accountId, serial, code, clock, {
        kind: 'user',
        userId: 'AIDASOMEONEELSEXXXXXX',
      }),
    ).toMatchObject({ ok: false, code: 'credentials.invalid-mfa' });
    const first = await verifyMfaCode(store, secrets, accountId, serial, code, clock, {
      kind: 'user',
      userId: String(ola?.id),
    });
    expect(first).toMatchObject({
      ok: true,
      value: { authTime: clock, owner: { kind: 'user', userId: ola?.id } },
    });
    expect(await verifyMfaCode(store, secrets, accountId, serial, code, clock)).toMatchObject({ ok: false });
    expect(await verifyMfaCode(store, secrets, '999999999999', serial, code, clock)).toMatchObject({
      ok: false,
    });
  });

  it('deactivates and deletes the device, after which the user can be deleted', {
    timeout: 30_000,
  }, async () => {
    const { serial } = await userWithDevice('pia', new Date(START.getTime() + 3 * 3600_000));
    expect(await run(root, 'DeleteUser', { UserName: 'pia' })).toMatchObject({
      code: 'entity.delete-conflict',
    });
    await call(root, 'DeactivateMFADevice', { UserName: 'pia', SerialNumber: serial });
    await call(root, 'DeleteVirtualMFADevice', { SerialNumber: serial });
    await call(root, 'DeleteLoginProfile', { UserName: 'pia' });
    expect(await run(root, 'DeleteUser', { UserName: 'pia' })).toMatchObject({ ok: true });
    const listed = (await call(root, 'ListVirtualMFADevices', {})) as {
      VirtualMFADevices: { SerialNumber: string }[];
    };
    expect(listed.VirtualMFADevices.map((device) => device.SerialNumber)).not.toContain(serial);
  });
});
