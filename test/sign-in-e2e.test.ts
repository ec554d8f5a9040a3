/**
 * Sign-in end to end against a running platform: the root sets up a user, a login profile and a
 * virtual MFA device with the unchanged AWS SDK IAM client; the user signs in over HTTP with a
 * TOTP code and calls the Query API with the access token as Bearer; the JWKS is published.
 */
import {
  AttachUserPolicyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  IAMClient,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { generateTotpCode } from '@palisade/credentials';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iamClient } from './fixtures/aws-clients.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import { requestSignIn } from './fixtures/sign-in-request.ts';
import { enrolVirtualMfaDevice } from './fixtures/virtual-mfa.ts';

let running: RunningPlatform;
let root: IAMClient;
let accountId: string;
const PASSWORD = 'e2e-Password-123!';

beforeAll(async () => {
  running = await startPlatform();
  const account = await running.createAccount('e2e-sign-in');
  accountId = account.accountId;
  root = iamClient(running.url, account);
}, 60_000);
afterAll(() => running?.close());

const signIn = (body: Record<string, string>) =>
  requestSignIn((path, init) => fetch(`${running.url}${path}`, init), {
    account: 'e2e-sign-in',
    userName: 'zoe',
    password: PASSWORD,
    ...body,
  });

describe('sign-in end to end', () => {
  it('signs in with password and TOTP and calls the Query API with the bearer token', {
    timeout: 90_000,
  }, async () => {
    await root.send(new CreateUserCommand({ UserName: 'zoe' }));
    await root.send(
      new AttachUserPolicyCommand({
        UserName: 'zoe',
        PolicyArn: 'arn:aws:iam::palisade:policy/ReadOnlyAccess',
      }),
    );
    const profile = await root.send(new CreateLoginProfileCommand({ UserName: 'zoe', Password: PASSWORD }));
    expect(profile.LoginProfile).toMatchObject({ UserName: 'zoe', PasswordResetRequired: false });
    const { serial, seed } = await enrolVirtualMfaDevice(root, 'zoe', 'zoe-phone', Date.now());
    expect(serial).toBe(`arn:aws:iam::${accountId}:mfa/zoe-phone`);

    expect(await signIn({})).toMatchObject({
      status: 401,
      body: { error: { code: 'credentials.mfa-required' } },
    });
    // The next step's code: the enrolment used the current one (one step of drift is accepted).
    const signedIn = await signIn({ mfaCode: generateTotpCode(seed, new Date(Date.now() + 30_000)) });
    expect(signedIn.status).toBe(200);
    const token = String(signedIn.body.accessToken);

    const response = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
      body: 'Action=ListUsers&Version=2010-05-08',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<UserName>zoe</UserName>');

    const jwks = (await (await fetch(`${running.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    const kid = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).kid;
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);

    const signedOut = await fetch(`${running.url}/v1/sign-out`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(signedOut.status).toBe(204);
    const refused = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
      body: 'Action=ListUsers&Version=2010-05-08',
    });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('<Code>InvalidClientTokenId</Code>');
  });

  it('lets a user whose password must be reset do nothing but change it', { timeout: 60_000 }, async () => {
    await root.send(new CreateUserCommand({ UserName: 'yan' }));
    await root.send(
      new AttachUserPolicyCommand({
        UserName: 'yan',
        PolicyArn: 'arn:aws:iam::palisade:policy/AdministratorAccess',
      }),
    );
    await root.send(
      new CreateLoginProfileCommand({ UserName: 'yan', Password: PASSWORD, PasswordResetRequired: true }),
    );
    const signedIn = await signIn({ userName: 'yan' });
    expect(signedIn).toMatchObject({ status: 200, body: { passwordResetRequired: true } });
    const bearer = { authorization: `Bearer ${String(signedIn.body.accessToken)}` };
    const form = { 'content-type': 'application/x-www-form-urlencoded', ...bearer };
    const listed = await fetch(running.url, {
      method: 'POST',
      headers: form,
      body: 'Action=ListUsers&Version=2010-05-08',
    });
    expect(listed.status).toBe(403);
    expect(await listed.text()).toContain('<Code>AccessDenied</Code>');
    const changed = await fetch(running.url, {
      method: 'POST',
      headers: form,
      body: `Action=ChangePassword&Version=2010-05-08&OldPassword=${encodeURIComponent(PASSWORD)}&NewPassword=${encodeURIComponent('New-e2e-Password-456!')}`,
    });
    expect(changed.status).toBe(200);
  });

  it('hands the sign-in MFA on to the CLI credentials it mints', { timeout: 90_000 }, async () => {
    // Listing users needs MFA; both users have a password, only mia has an MFA device.
    const mfaOnly = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'iam:ListUsers',
          Resource: '*',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        },
      ],
    });
    for (const name of ['mia', 'noah']) {
      await root.send(new CreateUserCommand({ UserName: name }));
      await root.send(
        new PutUserPolicyCommand({ UserName: name, PolicyName: 'mfa-only', PolicyDocument: mfaOnly }),
      );
      await root.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
    }
    const { seed } = await enrolVirtualMfaDevice(root, 'mia', 'mia-phone', Date.now());
    const cliKeys = async (body: Record<string, string>) => {
      const signedIn = await signIn(body);
      expect(signedIn.status).toBe(200);
      const minted = await fetch(`${running.url}/v1/sign-in/credentials`, {
        method: 'POST',
        headers: { authorization: `Bearer ${String(signedIn.body.accessToken)}` },
      });
      expect(minted.status).toBe(200);
      // Only the three members: the SDK would read an `expiration` string as a Date.
      const { accessKeyId, secretAccessKey, sessionToken } = (await minted.json()) as Record<string, string>;
      return new IAMClient({
        endpoint: running.url,
        region: 'us-east-1',
        credentials: { accessKeyId: accessKeyId ?? '', secretAccessKey: secretAccessKey ?? '', sessionToken },
        maxAttempts: 1,
      });
    };
    const withMfa = await cliKeys({
      userName: 'mia',
      mfaCode: generateTotpCode(seed, new Date(Date.now() + 30_000)),
    });
    await expect(withMfa.send(new ListUsersCommand({}))).resolves.toMatchObject({ Users: expect.any(Array) });
    const withoutMfa = await cliKeys({ userName: 'noah' });
    await expect(withoutMfa.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
