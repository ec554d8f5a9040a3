/**
 * `aws:SecureTransport` comes from the request: a guardrail that denies plain HTTP (the common
 * "DenyInsecureTransport" statement) applies to a request that arrived over HTTP, on a signed IAM
 * call and in a web identity trust policy alike, and lets the same request through over HTTPS.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../functions/wiring/platform.ts';
import { type OidcIssuer, startOidcIssuer } from './fixtures/oidc-issuer.ts';
import { type SigningKey, signedRequest } from './fixtures/signed-requests.ts';
import { createTestAccount, createTestPlatform } from './fixtures/test-platform.ts';

let platform: Platform;
let root: SigningKey;
let alice: SigningKey;
let idp: OidcIssuer;
let roleArn: string;

const FORM = 'application/x-www-form-urlencoded';
const DENY_PLAIN_HTTP = {
  Effect: 'Deny',
  Action: '*',
  Resource: '*',
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};
const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** The request re-aimed at `scheme` (the signature does not cover the scheme). */
function over(scheme: 'http' | 'https', request: Request): Request {
  const url = new URL(request.url);
  url.protocol = `${scheme}:`;
  return new Request(url, request);
}

async function iamCall(
  key: SigningKey,
  params: Record<string, string>,
  scheme: 'http' | 'https',
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams({ ...params, Version: '2010-05-08' }).toString();
  const request = await signedRequest({
    service: 'iam',
    key,
    method: 'POST',
    path: '/',
    body,
    contentType: FORM,
    headers,
  });
  const response = await platform.app.request(over(scheme, request));
  return { status: response.status, body: await response.text() };
}

const xmlValue = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';

beforeAll(async () => {
  platform = await createTestPlatform({ prefix: 'secure-transport', devAllowLoopbackOidc: true });
  const account = await createTestAccount(platform, 'secure-transport');
  root = account;
  const must = async (params: Record<string, string>) => {
    const answer = await iamCall(root, params, 'https');
    if (answer.status !== 200) throw new Error(`${params.Action}: ${answer.body}`);
    return answer.body;
  };
  await must({ Action: 'CreateUser', UserName: 'alice' });
  await must({
    Action: 'PutUserPolicy',
    UserName: 'alice',
    PolicyName: 'tls-only',
    PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }, DENY_PLAIN_HTTP),
  });
  const created = await must({ Action: 'CreateAccessKey', UserName: 'alice' });
  alice = {
    accessKeyId: xmlValue(created, 'AccessKeyId'),
    secretAccessKey: xmlValue(created, 'SecretAccessKey'),
  };

  idp = await startOidcIssuer();
  const provider = await must({
    Action: 'CreateOpenIDConnectProvider',
    Url: idp.url,
    'ClientIDList.member.1': 'web-client',
  });
  const providerArn = xmlValue(provider, 'OpenIDConnectProviderArn');
  const role = await must({
    Action: 'CreateRole',
    RoleName: 'web',
    AssumeRolePolicyDocument: doc(
      { Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity' },
      {
        Effect: 'Deny',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: DENY_PLAIN_HTTP.Condition,
      },
    ),
  });
  roleArn = xmlValue(role, 'Arn');
});
afterAll(async () => {
  await idp?.close();
});

describe('aws:SecureTransport on a signed IAM call', () => {
  it('applies a Deny conditioned on aws:SecureTransport = false to a plain-HTTP request', async () => {
    const answer = await iamCall(alice, { Action: 'ListUsers' }, 'http');
    expect(answer.status).toBe(403);
    expect(xmlValue(answer.body, 'Code')).toBe('AccessDenied');
    expect(answer.body).toContain('with an explicit deny');
  });

  it('lets the same request through over HTTPS', async () => {
    const answer = await iamCall(alice, { Action: 'ListUsers' }, 'https');
    expect(answer.status).toBe(200);
    expect(xmlValue(answer.body, 'UserName')).toBe('alice');
  });

  it('does not take X-Forwarded-Proto from a client when no proxy is trusted', async () => {
    const answer = await iamCall(alice, { Action: 'ListUsers' }, 'http', { 'x-forwarded-proto': 'https' });
    expect(answer.status).toBe(403);
    expect(xmlValue(answer.body, 'Code')).toBe('AccessDenied');
  });
});

describe('aws:SecureTransport in a web identity trust policy', () => {
  const assume = async (scheme: 'http' | 'https') => {
    const now = Math.floor(Date.now() / 1000);
    const token = await idp.idToken({
      sub: 'user-1',
      aud: 'web-client',
      issuedAt: now,
      expiresAt: now + 600,
    });
    const body = new URLSearchParams({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: roleArn,
      RoleSessionName: 'web-session',
      WebIdentityToken: token,
    }).toString();
    const response = await platform.app.request(`${scheme}://palisade.test/`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body,
    });
    return { status: response.status, body: await response.text() };
  };

  it('refuses a plain-HTTP AssumeRoleWithWebIdentity the trust policy denies', async () => {
    const answer = await assume('http');
    expect(answer.status).toBe(403);
    expect(xmlValue(answer.body, 'Code')).toBe('AccessDenied');
  });

  it('grants it over HTTPS', async () => {
    const answer = await assume('https');
    expect(answer.status).toBe(200);
    expect(xmlValue(answer.body, 'AssumedRoleId')).toMatch(/^AROA[A-Z0-9]+:web-session$/);
  });
});
