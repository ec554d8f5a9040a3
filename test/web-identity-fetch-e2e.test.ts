/**
 * OIDC issuers on a platform without the development flag, though it runs on DynamoDB Local:
 * loopback issuers are refused at registration, and issuers on private or metadata addresses are
 * refused when a token names them, with AWS's InvalidIdentityToken (never a 5xx, nothing fetched).
 */
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { fromWebToken } from '@aws-sdk/credential-providers';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OidcIssuer, startOidcIssuer } from './fixtures/oidc-issuer.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

const region = 'us-east-1';
let running: RunningPlatform;
let accountId: string;
let iam: IAMClient;
let idp: OidcIssuer;

beforeAll(async () => {
  running = await startPlatform();
  const account = await running.createAccount('oidc-fetch');
  accountId = account.accountId;
  iam = new IAMClient({
    endpoint: running.url,
    region,
    maxAttempts: 1,
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
  });
  idp = await startOidcIssuer();
});
afterAll(async () => {
  await idp?.close();
  await running?.close();
});

describe('OIDC issuers without the development flag', () => {
  it('refuses to register a loopback issuer, over http or https', async () => {
    const host = idp.url.slice('http://'.length);
    for (const Url of [idp.url, `https://${host}`, 'https://localhost']) {
      await expect(
        iam.send(new CreateOpenIDConnectProviderCommand({ Url, ClientIDList: ['web-client'] })),
        Url,
      ).rejects.toMatchObject({ name: 'InvalidInputException', $metadata: { httpStatusCode: 400 } });
    }
  });

  it('answers InvalidIdentityToken for issuers on private and metadata addresses', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    for (const [issuer, host] of [
      ['https://10.0.0.1', '10.0.0.1'],
      ['https://169.254.169.254', '169.254.169.254'],
      ['https://[fd00:ec2::254]', '[fd00:ec2::254]'],
    ] as const) {
      const created = await iam.send(
        new CreateOpenIDConnectProviderCommand({ Url: issuer, ClientIDList: ['web-client'] }),
      );
      const roleName = `web-${host.replace(/[^0-9a-f]/g, '')}`;
      await iam.send(
        new CreateRoleCommand({
          RoleName: roleName,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Federated: created.OpenIDConnectProviderArn },
                Action: 'sts:AssumeRoleWithWebIdentity',
              },
            ],
          }),
        }),
      );
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(issuer)
        .setSubject('user-1')
        .setAudience('web-client')
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey);
      const started = performance.now();
      await expect(
        fromWebToken({
          roleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
          roleSessionName: 'browser',
          webIdentityToken: token,
          clientConfig: { endpoint: running.url, region, maxAttempts: 1 },
        })(),
        issuer,
      ).rejects.toMatchObject({
        name: 'InvalidIdentityTokenException',
        $metadata: { httpStatusCode: 400 },
      });
      // Refused before any connection is tried: no waiting on an address that never answers.
      expect(performance.now() - started, issuer).toBeLessThan(1_500);
    }
  });
});
