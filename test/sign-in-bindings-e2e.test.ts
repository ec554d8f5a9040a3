/**
 * What a sign-in session may do and what it leaves behind, against a running platform with a
 * pinned clock: a session that must reset its password may only change it (Query API, STS REST
 * routes, sign-in routes); STS credentials minted from a sign-in (directly, by AssumeRole with the
 * bearer token, by role chaining from those) end when it ends (sign-out, refresh-token reuse, a
 * password change) and never outlive it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import { requestSignIn } from './fixtures/sign-in-request.ts';
import {
  queryAs,
  type RequestAuth,
  type SigningKey,
  sendAs,
  type TextAnswer,
} from './fixtures/signed-fetch.ts';

const START = new Date('2026-11-28T12:00:00Z');
let clock = START;
const PASSWORD = 'Bindings-Password-1!';
const NEW_PASSWORD = 'Bindings-Password-2!';
/** A sign-in session's absolute lifetime (defaultSignInSettings.sessionTtlSeconds). */
const SESSION_SECONDS = 12 * 3600;

let running: RunningPlatform;
let accountId: string;
let rootKey: Key;
const roleArn = () => `arn:aws:iam::${accountId}:role/worker`;

type Key = SigningKey;
type Auth = RequestAuth;

const query = (auth: Auth, version: '2010-05-08' | '2011-06-15', params: Record<string, string>) => {
  const { Action, ...rest } = params;
  return queryAs(running.url, auth, version, Action ?? '', rest, clock);
};
const sts = (auth: Auth, action: string, params: Record<string, string> = {}) =>
  query(auth, '2011-06-15', { Action: action, ...params });
const iamQuery = (auth: Auth, action: string, params: Record<string, string> = {}) =>
  query(auth, '2010-05-08', { Action: action, ...params });
const rest = (auth: Auth, path: string, body: object) =>
  sendAs(running.url, auth, { method: 'POST', path, body: JSON.stringify(body) }, clock);
const signed = (key: Key, service = 'sts'): Auth => ({ key, service });

/** Temporary credentials out of an STS Query answer. */
function keyOf(answer: TextAnswer): Key & { expiration: string } {
  const pick = (tag: string) => new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(answer.text)?.[1] ?? '';
  expect(answer.status, answer.text).toBe(200);
  return {
    accessKeyId: pick('AccessKeyId'),
    secretAccessKey: pick('SecretAccessKey'),
    sessionToken: pick('SessionToken'),
    expiration: pick('Expiration'),
  };
}

/** Temporary credentials out of `POST /v1/sign-in/credentials`. */
async function cliKey(token: string): Promise<Key & { expiration: string }> {
  const answer = await rest({ bearer: token }, '/v1/sign-in/credentials', {});
  expect(answer.status, answer.text).toBe(200);
  return JSON.parse(answer.text) as Key & { expiration: string };
}

const signIn = async (userName: string, password = PASSWORD) => {
  const answer = await requestSignIn((path, init) => fetch(`${running.url}${path}`, init), {
    account: 'bindings-co',
    userName,
    password,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return { access: String(answer.body.accessToken), refresh: String(answer.body.refreshToken) };
};

async function refresh(refreshToken: string): Promise<{ access: string; refresh: string; status: number }> {
  const response = await fetch(`${running.url}/v1/sign-in/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  const body = (await response.json()) as { accessToken?: string; refreshToken?: string };
  return { status: response.status, access: body.accessToken ?? '', refresh: body.refreshToken ?? '' };
}

const signOut = (token: string) =>
  fetch(`${running.url}/v1/sign-out`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

/** Whether temporary credentials still authenticate (GetCallerIdentity needs no permission). */
const works = async (key: Key) => (await sts(signed(key), 'GetCallerIdentity')).status === 200;

async function createUser(name: string, resetRequired = false) {
  await running.asRoot(accountId, 'CreateUser', { UserName: name });
  await running.asRoot(accountId, 'AttachUserPolicy', {
    UserName: name,
    PolicyArn: 'arn:aws:iam::palisade:policy/AdministratorAccess',
  });
  await running.asRoot(accountId, 'CreateLoginProfile', {
    UserName: name,
    Password: PASSWORD,
    PasswordResetRequired: resetRequired,
  });
}

beforeAll(async () => {
  running = await startPlatform({ now: () => clock });
  const account = await running.createAccount('bindings-co');
  accountId = account.accountId;
  rootKey = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
  await running.asRoot(accountId, 'UpdateAccountPasswordPolicy', { AllowUsersToChangePassword: true });
  await running.asRoot(accountId, 'CreateRole', {
    RoleName: 'worker',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: accountId }, Action: 'sts:AssumeRole' }],
    }),
    MaxSessionDuration: 43200,
  });
  await running.asRoot(accountId, 'AttachRolePolicy', {
    RoleName: 'worker',
    PolicyArn: 'arn:aws:iam::palisade:policy/AdministratorAccess',
  });
}, 60_000);
afterAll(() => running?.close());

describe('a session whose password must be reset', () => {
  it('may not get STS credentials on any interface, and may change its password', {
    timeout: 60_000,
  }, async () => {
    clock = START;
    await createUser('rita', true);
    const { access } = await signIn('rita');
    const bearer = { bearer: access };

    expect((await sts(bearer, 'GetSessionToken')).status).toBe(403);
    expect((await sts(bearer, 'AssumeRole', { RoleArn: roleArn(), RoleSessionName: 'rita' })).status).toBe(
      403,
    );
    expect((await sts(bearer, 'GetCallerIdentity')).status).toBe(403);
    expect((await rest(bearer, '/v1/sts/get-session-token', {})).status).toBe(403);
    expect(
      (await rest(bearer, '/v1/sts/assume-role', { roleArn: roleArn(), roleSessionName: 'rita' })).status,
    ).toBe(403);
    expect((await rest(bearer, '/v1/sign-in/credentials', {})).status).toBe(403);
    expect((await iamQuery(bearer, 'ListUsers')).status).toBe(403);

    const changed = await iamQuery(bearer, 'ChangePassword', {
      OldPassword: PASSWORD,
      NewPassword: NEW_PASSWORD,
    });
    expect(changed.status, changed.text).toBe(200);
    // Changed: the same session may now do what the user may.
    expect((await sts(bearer, 'GetSessionToken')).status).toBe(200);
    expect((await rest(bearer, '/v1/sign-in/credentials', {})).status).toBe(200);
  });
});

describe('credentials minted from a sign-in', () => {
  it('never outlive the sign-in session, also when assumed or chained from it', {
    timeout: 60_000,
  }, async () => {
    clock = START;
    await createUser('sam');
    const first = await signIn('sam');
    const sessionEnd = START.getTime() + SESSION_SECONDS * 1000;
    // Late in the session: the refresh token still works, and what is minted now must end with it.
    clock = new Date(sessionEnd - 30 * 60_000);
    const late = await refresh(first.refresh);
    expect(late.status).toBe(200);

    const minted = await cliKey(late.access);
    expect(Date.parse(minted.expiration)).toBeLessThanOrEqual(sessionEnd);

    const assumed = keyOf(
      await sts({ bearer: late.access }, 'AssumeRole', {
        RoleArn: roleArn(),
        RoleSessionName: 'late',
        DurationSeconds: '3600',
      }),
    );
    expect(Date.parse(assumed.expiration)).toBeLessThanOrEqual(sessionEnd);

    const fromCli = keyOf(
      await sts(signed(minted), 'AssumeRole', { RoleArn: roleArn(), RoleSessionName: 'cli' }),
    );
    expect(Date.parse(fromCli.expiration)).toBeLessThanOrEqual(sessionEnd);

    const chained = keyOf(
      await sts(signed(assumed), 'AssumeRole', { RoleArn: roleArn(), RoleSessionName: 'chained' }),
    );
    expect(Date.parse(chained.expiration)).toBeLessThanOrEqual(sessionEnd);

    const viaRest = await rest({ bearer: late.access }, '/v1/sts/get-session-token', {
      durationSeconds: 7200,
    });
    expect(viaRest.status).toBe(200);
    expect(Date.parse(JSON.parse(viaRest.text).credentials.expiration)).toBeLessThanOrEqual(sessionEnd);
  });

  it('stop working once the sign-in session signs out', { timeout: 60_000 }, async () => {
    clock = START;
    await createUser('tom');
    const { access } = await signIn('tom');
    const minted = await cliKey(access);
    const assumed = keyOf(
      await sts({ bearer: access }, 'AssumeRole', { RoleArn: roleArn(), RoleSessionName: 'tom' }),
    );
    const chained = keyOf(
      await sts(signed(assumed), 'AssumeRole', { RoleArn: roleArn(), RoleSessionName: 'tom-2' }),
    );
    const fromCli = keyOf(
      await sts(signed(minted), 'AssumeRole', { RoleArn: roleArn(), RoleSessionName: 'tom-3' }),
    );
    for (const key of [minted, assumed, chained, fromCli]) expect(await works(key)).toBe(true);

    expect((await signOut(access)).status).toBe(204);
    for (const key of [minted, assumed, chained, fromCli]) expect(await works(key)).toBe(false);
    const iamCall = await iamQuery(signed(assumed, 'iam'), 'ListUsers');
    expect(iamCall.status).toBe(403);
  });

  it('stop working once the sign-in session is revoked for refresh-token reuse', {
    timeout: 60_000,
  }, async () => {
    clock = START;
    await createUser('uma');
    const first = await signIn('uma');
    const minted = await cliKey(first.access);
    expect(await works(minted)).toBe(true);
    expect((await refresh(first.refresh)).status).toBe(200);
    // The old refresh token again: the family is revoked.
    expect((await refresh(first.refresh)).status).toBe(401);
    expect(await works(minted)).toBe(false);
  });
});

describe('a password change', () => {
  it("by the user ends the user's other sign-in sessions and their credentials, not its own", {
    timeout: 60_000,
  }, async () => {
    clock = START;
    await createUser('vic');
    const own = await signIn('vic');
    const other = await signIn('vic');
    const otherKey = await cliKey(other.access);
    const ownKey = await cliKey(own.access);
    expect(await works(otherKey)).toBe(true);

    const changed = await iamQuery({ bearer: own.access }, 'ChangePassword', {
      OldPassword: PASSWORD,
      NewPassword: NEW_PASSWORD,
    });
    expect(changed.status, changed.text).toBe(200);
    expect((await iamQuery({ bearer: other.access }, 'GetUser')).status).toBe(403);
    expect((await refresh(other.refresh)).status).toBe(401);
    expect(await works(otherKey)).toBe(false);
    expect((await iamQuery({ bearer: own.access }, 'GetUser')).status).toBe(200);
    expect(await works(ownKey)).toBe(true);
    // Signing in with the new password works; the old one does not.
    await signIn('vic', NEW_PASSWORD);
  });

  it('by an administrator (UpdateLoginProfile) ends every sign-in session of the user', {
    timeout: 60_000,
  }, async () => {
    clock = START;
    await createUser('wes');
    const session = await signIn('wes');
    const key = await cliKey(session.access);
    await running.asRoot(accountId, 'UpdateLoginProfile', { UserName: 'wes', Password: NEW_PASSWORD });
    expect((await iamQuery({ bearer: session.access }, 'GetUser')).status).toBe(403);
    expect((await refresh(session.refresh)).status).toBe(401);
    expect(await works(key)).toBe(false);
  });

  it('by deleting the login profile ends every sign-in session, also after it is re-created', {
    timeout: 60_000,
  }, async () => {
    clock = START;
    await createUser('xia');
    const session = await signIn('xia');
    const key = await cliKey(session.access);
    await running.asRoot(accountId, 'DeleteLoginProfile', { UserName: 'xia' });
    await running.asRoot(accountId, 'CreateLoginProfile', { UserName: 'xia', Password: PASSWORD });
    expect((await iamQuery({ bearer: session.access }, 'GetUser')).status).toBe(403);
    expect((await refresh(session.refresh)).status).toBe(401);
    expect(await works(key)).toBe(false);
  });
});

describe('decisions about a role session minted from a sign-in', () => {
  it('stop counting the session once its sign-in signs out', { timeout: 60_000 }, async () => {
    clock = START;
    await createUser('walt');
    await createUser('xena');
    const ended = await signIn('walt');
    const live = await signIn('xena');
    keyOf(await sts({ bearer: ended.access }, 'AssumeRole', { RoleArn: roleArn(), RoleSessionName: 'walt' }));
    keyOf(await sts({ bearer: live.access }, 'AssumeRole', { RoleArn: roleArn(), RoleSessionName: 'xena' }));
    expect((await signOut(ended.access)).status).toBe(204);

    const ask = (sessionName: string) =>
      sendAs(
        running.url,
        { key: rootKey, service: 'palisade' },
        {
          method: 'POST',
          path: '/v1/authorize',
          body: JSON.stringify({
            principal: `arn:aws:sts::${accountId}:assumed-role/worker/${sessionName}`,
            action: 'iam:ListUsers',
            resource: '*',
          }),
        },
        clock,
      );
    const stillSignedIn = await ask('xena');
    expect(stillSignedIn.status, stillSignedIn.text).toBe(200);
    expect(JSON.parse(stillSignedIn.text).decision).toBe('allowed');
    const signedOut = await ask('walt');
    expect(signedOut.status, signedOut.text).toBe(404);
  });
});
