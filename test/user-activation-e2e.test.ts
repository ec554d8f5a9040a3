/**
 * Deactivating and reactivating a user (setUserActive), against a running platform with a pinned
 * clock and real SigV4 and Bearer requests: while inactive, nothing the user holds authenticates
 * (access keys, password sign-in, sign-in sessions and their refresh tokens, credentials from
 * GetSessionToken or minted from a sign-in), IAM still reads the user, and reactivation restores
 * exactly what was there.
 */
import { setUserActive } from '@palisade/iam';
import { rootCaller } from '@palisade/principals';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import { requestSignIn } from './fixtures/sign-in-request.ts';
import { queryAs, type RequestAuth, type SigningKey, sendAs } from './fixtures/signed-fetch.ts';

const clock = new Date('2026-12-09T09:00:00Z');
const PASSWORD = 'Activation-Password-7!';
let running: RunningPlatform;
let accountId: string;

const sts = (auth: RequestAuth, action: string) =>
  queryAs(running.url, auth, '2011-06-15', action, {}, clock);
const signed = (key: SigningKey): RequestAuth => ({ key, service: 'sts' });
/** Whether `auth` still authenticates: GetCallerIdentity needs no permission. */
const works = async (auth: RequestAuth) => (await sts(auth, 'GetCallerIdentity')).status === 200;

const signIn = (password = PASSWORD) =>
  requestSignIn((path, init) => fetch(`${running.url}${path}`, init), {
    account: 'activation-co',
    userName: 'dana',
    password,
  });

async function refresh(refreshToken: string): Promise<number> {
  const response = await fetch(`${running.url}/v1/sign-in/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  return response.status;
}

function temporaryKey(text: string): SigningKey {
  const pick = (tag: string) => new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(text)?.[1] ?? '';
  return {
    accessKeyId: pick('AccessKeyId'),
    secretAccessKey: pick('SecretAccessKey'),
    sessionToken: pick('SessionToken'),
  };
}

const setDana = (active: boolean) =>
  setUserActive(running.platform.iam, rootCaller('aws', accountId), accountId, { userName: 'dana' }, active);

beforeAll(async () => {
  running = await startPlatform({ now: () => clock });
  accountId = (await running.createAccount('activation-co')).accountId;
  await running.asRoot(accountId, 'CreateRole', {
    RoleName: 'worker',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: accountId }, Action: 'sts:AssumeRole' }],
    }),
  });
}, 60_000);
afterAll(() => running?.close());

describe('setUserActive', () => {
  it('stops every credential of a deactivated user and restores exactly what was there', {
    timeout: 60_000,
  }, async () => {
    const active = await running.userWithKey(accountId, 'dana');
    const { AccessKey: spare } = (await running.asRoot(accountId, 'CreateAccessKey', {
      UserName: 'dana',
    })) as unknown as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } };
    const inactive = { accessKeyId: spare.AccessKeyId, secretAccessKey: spare.SecretAccessKey };
    await running.asRoot(accountId, 'UpdateAccessKey', {
      UserName: 'dana',
      AccessKeyId: inactive.accessKeyId,
      Status: 'Inactive',
    });
    await running.asRoot(accountId, 'CreateLoginProfile', { UserName: 'dana', Password: PASSWORD });
    await running.asRoot(accountId, 'AttachUserPolicy', {
      UserName: 'dana',
      PolicyArn: 'arn:aws:iam::palisade:policy/AdministratorAccess',
    });
    const first = await signIn();
    const second = await signIn();
    expect([first.status, second.status]).toEqual([200, 200]);
    const bearer = { bearer: String(first.body.accessToken) };
    const fromKey = await sts(signed(active), 'GetSessionToken');
    expect(fromKey.status, fromKey.text).toBe(200);
    const minted = await sendAs(
      running.url,
      bearer,
      { method: 'POST', path: '/v1/sign-in/credentials', body: '{}' },
      clock,
    );
    expect(minted.status, minted.text).toBe(200);
    const assumed = await queryAs(
      running.url,
      bearer,
      '2011-06-15',
      'AssumeRole',
      { RoleArn: `arn:aws:iam::${accountId}:role/worker`, RoleSessionName: 'dana' },
      clock,
    );
    expect(assumed.status, assumed.text).toBe(200);
    const roleKey = temporaryKey(assumed.text);
    const sessionKey = temporaryKey(fromKey.text);
    const mintedKey = JSON.parse(minted.text) as SigningKey;
    const everything = async () => ({
      key: await works(signed(active)),
      inactiveKey: await works(signed(inactive)),
      bearer: await works(bearer),
      sessionToken: await works(signed(sessionKey)),
      minted: await works(signed(mintedKey)),
      assumedWithSignIn: await works(signed(roleKey)),
    });
    const before = {
      key: true,
      inactiveKey: false,
      bearer: true,
      sessionToken: true,
      minted: true,
      assumedWithSignIn: true,
    };
    expect(await everything()).toEqual(before);

    expect(await setDana(false)).toMatchObject({ ok: true, value: { name: 'dana', active: false } });
    expect(await everything()).toEqual({
      key: false,
      inactiveKey: false,
      bearer: false,
      sessionToken: false,
      minted: false,
      assumedWithSignIn: false,
    });
    const refused = await signIn();
    expect([refused.status, refused.code]).toEqual([401, 'credentials.invalid-password']);
    expect(await refresh(String(second.body.refreshToken))).toBe(401);
    // IAM still reads the user and what it holds, unchanged.
    const { User } = (await running.asRoot(accountId, 'GetUser', { UserName: 'dana' })) as unknown as {
      User: { UserName: string };
    };
    expect(User.UserName).toBe('dana');
    const keys = (await running.asRoot(accountId, 'ListAccessKeys', { UserName: 'dana' })) as unknown as {
      AccessKeyMetadata: { AccessKeyId: string; Status: string }[];
    };
    const statuses = Object.fromEntries(keys.AccessKeyMetadata.map((k) => [k.AccessKeyId, k.Status]));
    expect(statuses).toEqual({ [active.accessKeyId]: 'Active', [inactive.accessKeyId]: 'Inactive' });
    // Deactivating again changes nothing.
    expect(await setDana(false)).toMatchObject({ ok: true, value: { active: false } });

    expect(await setDana(true)).toMatchObject({ ok: true, value: { active: true } });
    expect(await everything()).toEqual(before);
    const again = await signIn();
    expect(again.status, JSON.stringify(again.body)).toBe(200);
  });
});
