/**
 * MFA codes cannot be guessed through any interface: failures count per device across sign-in,
 * GetSessionToken and AssumeRole (Query API and STS REST routes), five lock the device for the
 * sign-in lockout period, a locked device refuses even the right code with the same answer as a
 * wrong one, and the lock ends with its period. Clock pinned; requests signed at the pinned time.
 */
import { generateTotpCode } from '@palisade/credentials';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import { requestSignIn } from './fixtures/sign-in-request.ts';
import { queryAs, type SigningKey, sendAs } from './fixtures/signed-fetch.ts';

const START = new Date('2026-11-28T12:00:00Z');
let clock = START;
const PASSWORD = 'Lockout-Password-1!';
/** The sign-in lockout period (defaultSignInSettings.throttle.lockoutSeconds). */
const LOCKOUT_MS = 900_000;

let running: RunningPlatform;
let accountId: string;

interface MfaUser {
  readonly name: string;
  readonly key: SigningKey;
  readonly serial: string;
  readonly seed: string;
}

/** A user with an access key, a password and an enabled virtual MFA device (enrolled at the clock). */
async function mfaUser(name: string): Promise<MfaUser> {
  const key = await running.userWithKey(accountId, name);
  await running.asRoot(accountId, 'AttachUserPolicy', {
    UserName: name,
    PolicyArn: 'arn:aws:iam::palisade:policy/AdministratorAccess',
  });
  await running.asRoot(accountId, 'CreateLoginProfile', { UserName: name, Password: PASSWORD });
  const created = (await running.asRoot(accountId, 'CreateVirtualMFADevice', {
    VirtualMFADeviceName: `${name}-phone`,
  })) as unknown as { VirtualMFADevice: { SerialNumber: string; Base32StringSeed: Uint8Array } };
  const seed = Buffer.from(created.VirtualMFADevice.Base32StringSeed).toString('ascii');
  const serial = created.VirtualMFADevice.SerialNumber;
  await running.asRoot(accountId, 'EnableMFADevice', {
    UserName: name,
    SerialNumber: serial,
    AuthenticationCode1: generateTotpCode(seed, new Date(clock.getTime() - 60_000)),
    AuthenticationCode2: generateTotpCode(seed, new Date(clock.getTime() - 30_000)),
  });
  return { name, key, serial, seed };
}

const rightCode = (user: MfaUser) => generateTotpCode(user.seed, clock);
const wrongCode = (user: MfaUser) => String((Number(rightCode(user)) + 1) % 1_000_000).padStart(6, '0');

const getSessionToken = (user: MfaUser, code: string) =>
  queryAs(
    running.url,
    { key: user.key, service: 'sts' },
    '2011-06-15',
    'GetSessionToken',
    { SerialNumber: user.serial, TokenCode: code },
    clock,
  );
const assumeRole = (user: MfaUser, code: string) =>
  queryAs(
    running.url,
    { key: user.key, service: 'sts' },
    '2011-06-15',
    'AssumeRole',
    {
      RoleArn: `arn:aws:iam::${accountId}:role/mfa-role`,
      RoleSessionName: user.name,
      SerialNumber: user.serial,
      TokenCode: code,
    },
    clock,
  );
const restSessionToken = (user: MfaUser, code: string) =>
  sendAs(
    running.url,
    { key: user.key, service: 'palisade' },
    {
      method: 'POST',
      path: '/v1/sts/get-session-token',
      body: JSON.stringify({ serialNumber: user.serial, tokenCode: code }),
    },
    clock,
  );
const signIn = (user: MfaUser, mfaCode: string) =>
  requestSignIn((path, init) => fetch(`${running.url}${path}`, init), {
    account: 'lockout-co',
    userName: user.name,
    password: PASSWORD,
    mfaCode,
  });

/** The error code of a Query API answer. */
const queryCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];

beforeAll(async () => {
  running = await startPlatform({ now: () => clock });
  ({ accountId } = await running.createAccount('lockout-co'));
  await running.asRoot(accountId, 'CreateRole', {
    RoleName: 'mfa-role',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: accountId }, Action: 'sts:AssumeRole' }],
    }),
  });
}, 60_000);
afterAll(() => running?.close());

describe('MFA lockout per device', () => {
  it('locks a device after five wrong codes through STS, for sign-in too, until the lockout ends', {
    timeout: 90_000,
  }, async () => {
    clock = START;
    const user = await mfaUser('gus');
    // Three interfaces, one count: 2 GetSessionToken + 2 AssumeRole + 1 REST GetSessionToken.
    expect((await getSessionToken(user, wrongCode(user))).status).toBe(403);
    expect((await getSessionToken(user, wrongCode(user))).status).toBe(403);
    expect((await assumeRole(user, wrongCode(user))).status).toBe(403);
    expect((await assumeRole(user, wrongCode(user))).status).toBe(403);
    expect((await restSessionToken(user, wrongCode(user))).status).toBe(401);

    // Locked: the right code is refused exactly as a wrong one is, on every interface.
    clock = new Date(START.getTime() + 30_000);
    const right = await getSessionToken(user, rightCode(user));
    const wrong = await getSessionToken(user, wrongCode(user));
    expect(right.status).not.toBe(200);
    expect([right.status, queryCode(right.text)]).toEqual([wrong.status, queryCode(wrong.text)]);
    clock = new Date(START.getTime() + 60_000);
    const signedIn = await signIn(user, rightCode(user));
    expect(signedIn.status).not.toBe(200);
    expect(signedIn.code).toBe('credentials.throttled');
    clock = new Date(START.getTime() + 90_000);
    expect((await assumeRole(user, rightCode(user))).status).not.toBe(200);

    // The lockout ends with its period.
    clock = new Date(START.getTime() + LOCKOUT_MS + 120_000);
    const after = await getSessionToken(user, rightCode(user));
    expect(after.status, after.text).toBe(200);
  });

  it('locks a device after five wrong codes at sign-in, for STS too', { timeout: 90_000 }, async () => {
    clock = START;
    const user = await mfaUser('hal');
    for (let i = 0; i < 5; i++) {
      expect((await signIn(user, wrongCode(user))).code).toBe('credentials.invalid-mfa');
    }
    clock = new Date(START.getTime() + 30_000);
    const right = await getSessionToken(user, rightCode(user));
    expect(right.status).not.toBe(200);
    expect(queryCode(right.text)).toBe(queryCode((await getSessionToken(user, wrongCode(user))).text));

    clock = new Date(START.getTime() + LOCKOUT_MS + 120_000);
    const after = await getSessionToken(user, rightCode(user));
    expect(after.status, after.text).toBe(200);
  });

  it('lets no more than five concurrent wrong codes be checked', { timeout: 90_000 }, async () => {
    clock = START;
    const user = await mfaUser('ivy');
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => getSessionToken(user, wrongCode(user))),
    );
    expect(answers.every((a) => a.status !== 200)).toBe(true);
    clock = new Date(START.getTime() + 30_000);
    expect((await getSessionToken(user, rightCode(user))).status).not.toBe(200);
  });
});
