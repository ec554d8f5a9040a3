/**
 * STS end to end with the unchanged AWS SDK (@aws-sdk/client-sts and its credential providers)
 * against a running Palisade: cross-account trust, ExternalId, MFA, chaining, session policies,
 * expiry, web identity with a loopback OIDC issuer, and GetCallerIdentity for every kind of caller.
 */
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  ListRolesCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { fromTemporaryCredentials, fromWebToken } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { lookupAuditEvents } from '@palisade/audit';
import { generateTotpCode } from '@palisade/credentials';
import { operatorCaller } from '@palisade/principals';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWebIdentityRole,
  ISSUER_KEY_ID,
  type OidcIssuer,
  startOidcIssuer,
} from './fixtures/oidc-issuer.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import { enrolVirtualMfaDevice } from './fixtures/virtual-mfa.ts';

type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

const START = Date.now();
let clock = START;
let running: RunningPlatform;
let a: { accountId: string; root: Credentials; alice: Credentials };
let b: { accountId: string; root: Credentials };

const region = 'us-east-1';
const offset = () => clock - Date.now();

function sts(credentials: Credentials): STSClient {
  return new STSClient({
    endpoint: running.url,
    region,
    credentials,
    maxAttempts: 1,
    systemClockOffset: offset(),
  });
}
function iam(credentials: Credentials): IAMClient {
  return new IAMClient({
    endpoint: running.url,
    region,
    credentials,
    maxAttempts: 1,
    systemClockOffset: offset(),
  });
}
function assumed(params: Parameters<typeof fromTemporaryCredentials>[0]['params'], master: Credentials) {
  return fromTemporaryCredentials({
    params,
    masterCredentials: master,
    clientConfig: { endpoint: running.url, region, maxAttempts: 1, systemClockOffset: offset() },
  });
}
const keyOf = (created: {
  AccessKey?: { AccessKeyId?: string; SecretAccessKey?: string };
}): AwsCredentialIdentity => ({
  accessKeyId: created.AccessKey?.AccessKeyId ?? '',
  secretAccessKey: created.AccessKey?.SecretAccessKey ?? '',
});
const doc = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

beforeAll(async () => {
  // The web-identity tests use a loopback issuer: the development flag admits it.
  running = await startPlatform({ now: () => new Date(clock), devAllowLoopbackOidc: true });
  const accountA = await running.createAccount('sts-e2e-a');
  const accountB = await running.createAccount('sts-e2e-b');
  const rootA = { accessKeyId: accountA.accessKeyId, secretAccessKey: accountA.secretAccessKey };
  const rootB = { accessKeyId: accountB.accessKeyId, secretAccessKey: accountB.secretAccessKey };

  await iam(rootA).send(new CreateUserCommand({ UserName: 'alice' }));
  await iam(rootA).send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'assume-anything',
      PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }),
    }),
  );
  const alice = keyOf(await iam(rootA).send(new CreateAccessKeyCommand({ UserName: 'alice' })));
  a = { accountId: accountA.accountId, root: rootA, alice };
  b = { accountId: accountB.accountId, root: rootB };

  const rolesOfB = iam(rootB);
  await rolesOfB.send(
    new CreateRoleCommand({
      RoleName: 'deployer',
      MaxSessionDuration: 7200,
      AssumeRolePolicyDocument: doc({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${a.accountId}:root` },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': 'partner-7' } },
      }),
    }),
  );
  await rolesOfB.send(
    new PutRolePolicyCommand({
      RoleName: 'deployer',
      PolicyName: 'read-iam',
      PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:List*', 'iam:Get*'], Resource: '*' }),
    }),
  );
  await rolesOfB.send(
    new CreateRoleCommand({
      RoleName: 'auditor',
      MaxSessionDuration: 7200,
      AssumeRolePolicyDocument: doc({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${b.accountId}:role/deployer` },
        Action: 'sts:AssumeRole',
      }),
    }),
  );
});
afterAll(() => running?.close());

describe('AssumeRole across accounts', () => {
  it('issues ASIA credentials for the right ExternalId and they act as the assumed role', async () => {
    const answer = await sts(a.alice).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
        RoleSessionName: 'alice-deploys',
        ExternalId: 'partner-7',
      }),
    );
    expect(answer.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(answer.Credentials?.Expiration?.getTime()).toBe(Math.floor(clock / 1000) * 1000 + 3_600_000);
    expect(answer.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${b.accountId}:assumed-role/deployer/alice-deploys`,
    );
    expect(answer.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:alice-deploys$/);

    const session = assumed(
      {
        RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
        RoleSessionName: 'sdk',
        ExternalId: 'partner-7',
      },
      a.alice,
    );
    const identity = await sts(session).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Account: b.accountId,
      Arn: `arn:aws:sts::${b.accountId}:assumed-role/deployer/sdk`,
    });
    expect(identity.UserId).toMatch(/^AROA[A-Z2-7]{17}:sdk$/);
    const roles = await iam(session).send(new ListRolesCommand({}));
    expect(roles.Roles?.map((r) => r.RoleName).sort()).toEqual(['auditor', 'deployer']);
  });

  it('refuses a missing or wrong ExternalId with AccessDenied', async () => {
    for (const ExternalId of [undefined, 'partner-8']) {
      await expect(
        sts(a.alice).send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
            RoleSessionName: 'nope',
            ...(ExternalId ? { ExternalId } : {}),
          }),
        ),
      ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    }
  });

  it('refuses the root user and a role that does not exist', async () => {
    await expect(
      sts(a.root).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
          RoleSessionName: 'root',
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      sts(a.alice).send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${b.accountId}:role/ghost`, RoleSessionName: 'x1' }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('role chaining', () => {
  it('caps a chained session at one hour and then issues it', async () => {
    const first = assumed(
      {
        RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
        RoleSessionName: 'hop1',
        ExternalId: 'partner-7',
      },
      a.alice,
    );
    await expect(
      sts(first).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${b.accountId}:role/auditor`,
          RoleSessionName: 'hop2',
          DurationSeconds: 7200,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('1 hour session limit for roles assumed by role chaining'),
    });
    const second = assumed(
      { RoleArn: `arn:aws:iam::${b.accountId}:role/auditor`, RoleSessionName: 'hop2', DurationSeconds: 3600 },
      first,
    );
    const identity = await sts(second).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:sts::${b.accountId}:assumed-role/auditor/hop2`);
  });

  it('lets an unchained session last up to the role MaxSessionDuration, and not beyond', async () => {
    const long = await sts(a.alice).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
        RoleSessionName: 'long',
        ExternalId: 'partner-7',
        DurationSeconds: 7200,
      }),
    );
    expect(long.Credentials?.Expiration?.getTime()).toBe(Math.floor(clock / 1000) * 1000 + 7_200_000);
    await expect(
      sts(a.alice).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
          RoleSessionName: 'too-long',
          ExternalId: 'partner-7',
          DurationSeconds: 7201,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('session policies', () => {
  it('narrow what the session may do below the role permissions', async () => {
    const narrowed = assumed(
      {
        RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
        RoleSessionName: 'narrow',
        ExternalId: 'partner-7',
        Policy: doc({ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }),
      },
      a.alice,
    );
    await expect(iam(narrowed).send(new ListRolesCommand({}))).resolves.toMatchObject({
      Roles: expect.arrayContaining([expect.objectContaining({ RoleName: 'deployer' })]),
    });
    await expect(iam(narrowed).send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    // Without the session policy the role itself may list users.
    const full = assumed(
      {
        RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
        RoleSessionName: 'full',
        ExternalId: 'partner-7',
      },
      a.alice,
    );
    // Account B has roles only.
    await expect(iam(full).send(new ListUsersCommand({}))).resolves.toMatchObject({
      Users: [],
      IsTruncated: false,
    });
  });

  it('reports PackedPolicySize and refuses a malformed session policy', async () => {
    const answer = await sts(a.alice).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
        RoleSessionName: 'packed',
        ExternalId: 'partner-7',
        Policy: doc({ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }),
      }),
    );
    expect(answer.PackedPolicySize).toBeGreaterThan(0);
    expect(answer.PackedPolicySize).toBeLessThanOrEqual(100);
    await expect(
      sts(a.alice).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
          RoleSessionName: 'bad',
          ExternalId: 'partner-7',
          Policy: '{"Statement":[{"Effect":"Permit"}]}',
        }),
      ),
    ).rejects.toMatchObject({
      // The SDK names the modelled STS error (wire code MalformedPolicyDocument) with its class name.
      name: 'MalformedPolicyDocumentException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('expiry', () => {
  it('refuses temporary credentials once they expire', async () => {
    const answer = await sts(a.alice).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
        RoleSessionName: 'short',
        ExternalId: 'partner-7',
        DurationSeconds: 900,
      }),
    );
    const credentials = {
      accessKeyId: answer.Credentials?.AccessKeyId ?? '',
      secretAccessKey: answer.Credentials?.SecretAccessKey ?? '',
      sessionToken: answer.Credentials?.SessionToken ?? '',
    };
    await expect(sts(credentials).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Account: b.accountId,
      Arn: `arn:aws:sts::${b.accountId}:assumed-role/deployer/short`,
    });
    // A wrong session token is not the session's.
    await expect(
      sts({ ...credentials, sessionToken: `${credentials.sessionToken.slice(0, -2)}xx` }).send(
        new GetCallerIdentityCommand({}),
      ),
    ).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    clock += 901_000;
    try {
      await expect(sts(credentials).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'ExpiredToken',
        $metadata: { httpStatusCode: 400 },
      });
    } finally {
      clock -= 901_000;
    }
  });
});

describe('account suspension', () => {
  it('revokes the temporary credentials of a suspended account, and they work again on reactivation', async () => {
    const answer = await sts(a.alice).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
        RoleSessionName: 'suspended',
        ExternalId: 'partner-7',
      }),
    );
    const credentials = {
      accessKeyId: answer.Credentials?.AccessKeyId ?? '',
      secretAccessKey: answer.Credentials?.SecretAccessKey ?? '',
      sessionToken: answer.Credentials?.SessionToken ?? '',
    };
    const operator = operatorCaller(running.operator.accessKeyId);
    const suspended = await running.platform.accounts.setStatus(operator, b.accountId, 'suspended');
    expect(suspended.ok).toBe(true);
    try {
      await expect(iam(credentials).send(new ListRolesCommand({}))).rejects.toMatchObject({
        name: 'AccessDenied',
      });
    } finally {
      await running.platform.accounts.setStatus(operator, b.accountId, 'active');
    }
    await expect(iam(credentials).send(new ListRolesCommand({}))).resolves.toMatchObject({
      Roles: expect.arrayContaining([expect.objectContaining({ RoleName: 'deployer' })]),
    });
  });
});

describe('GetSessionToken and GetCallerIdentity', () => {
  it('answers GetCallerIdentity for the root and for a user', async () => {
    await expect(sts(a.root).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Account: a.accountId,
      UserId: a.accountId,
      Arn: `arn:aws:iam::${a.accountId}:root`,
    });
    const user = await sts(a.alice).send(new GetCallerIdentityCommand({}));
    expect(user).toMatchObject({ Account: a.accountId, Arn: `arn:aws:iam::${a.accountId}:user/alice` });
    expect(user.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it('issues session credentials that act as the user but cannot call IAM without MFA', async () => {
    const answer = await sts(a.alice).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const session = {
      accessKeyId: answer.Credentials?.AccessKeyId ?? '',
      secretAccessKey: answer.Credentials?.SecretAccessKey ?? '',
      sessionToken: answer.Credentials?.SessionToken ?? '',
    };
    expect(session.accessKeyId).toMatch(/^ASIA/);
    await expect(sts(session).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Arn: `arn:aws:iam::${a.accountId}:user/alice`,
    });
    await expect(iam(session).send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(sts(session).send(new GetSessionTokenCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    // The session may still assume roles, as the user could.
    const chained = await sts(session).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${b.accountId}:role/deployer`,
        RoleSessionName: 'from-session',
        ExternalId: 'partner-7',
      }),
    );
    expect(chained.AssumedRoleUser?.Arn).toContain('assumed-role/deployer/from-session');
  });
});

describe('MFA', () => {
  it('assumes a role that requires MFA only with a valid code from the caller device', async () => {
    const rootA = iam(a.root);
    await rootA.send(new CreateUserCommand({ UserName: 'mia' }));
    await rootA.send(
      new PutUserPolicyCommand({
        UserName: 'mia',
        PolicyName: 'assume',
        PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }),
      }),
    );
    const mia = keyOf(await rootA.send(new CreateAccessKeyCommand({ UserName: 'mia' })));
    const { serial, seed } = await enrolVirtualMfaDevice(rootA, 'mia', 'mia-phone', clock);
    await iam(b.root).send(
      new CreateRoleCommand({
        RoleName: 'break-glass',
        AssumeRolePolicyDocument: doc({
          Effect: 'Allow',
          Principal: { AWS: a.accountId },
          Action: 'sts:AssumeRole',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        }),
      }),
    );
    const roleArn = `arn:aws:iam::${b.accountId}:role/break-glass`;
    await expect(
      sts(mia).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'no-mfa' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    clock += 30_000;
    try {
      const code = generateTotpCode(seed, new Date(clock));
      await expect(
        sts(mia).send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: 'bad',
            SerialNumber: serial,
            TokenCode: code === '000000' ? '111111' : '000000',
          }),
        ),
      ).rejects.toMatchObject({ name: 'AccessDenied' });
      const answer = await sts(mia).send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: 'with-mfa',
          SerialNumber: serial,
          TokenCode: code,
        }),
      );
      expect(answer.AssumedRoleUser?.Arn).toBe(
        `arn:aws:sts::${b.accountId}:assumed-role/break-glass/with-mfa`,
      );
      // The same code is accepted once.
      await expect(
        sts(mia).send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: 'replay',
            SerialNumber: serial,
            TokenCode: code,
          }),
        ),
      ).rejects.toMatchObject({ name: 'AccessDenied' });
    } finally {
      clock -= 30_000;
    }
  });
});

describe('AssumeRoleWithWebIdentity', () => {
  let idp: OidcIssuer;
  const roleArn = () => `arn:aws:iam::${b.accountId}:role/web-app`;

  beforeAll(async () => {
    idp = await startOidcIssuer();
    const providerArn = await createWebIdentityRole(iam(b.root), idp, {
      roleName: 'web-app',
      audience: 'web-client',
      subject: 'user-42',
    });
    const host = idp.url.slice('http://'.length);
    expect(providerArn).toBe(`arn:aws:iam::${b.accountId}:oidc-provider/${host}`);
  });
  afterAll(() => idp?.close());

  const token = (claims: {
    sub?: string;
    aud?: string;
    expiresIn?: number;
    extra?: Record<string, unknown>;
  }) =>
    idp.idToken({
      sub: claims.sub ?? 'user-42',
      aud: claims.aud ?? 'web-client',
      issuedAt: Math.floor(clock / 1000),
      expiresAt: Math.floor(clock / 1000) + (claims.expiresIn ?? 300),
      ...(claims.extra ? { extra: claims.extra } : {}),
    });

  const webSession = (webIdentityToken: string, role = roleArn()) =>
    fromWebToken({
      roleArn: role,
      roleSessionName: 'browser',
      webIdentityToken,
      clientConfig: { endpoint: running.url, region, maxAttempts: 1 },
    });

  it('exchanges a token from the registered issuer for a role session', async () => {
    const session = webSession(await token({}));
    const identity = await sts(session).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:sts::${b.accountId}:assumed-role/web-app/browser`);
    expect(identity.UserId).toMatch(/^AROA[A-Z2-7]{17}:browser$/);
  });

  it("files the exchange in the role's account as a call by a WebIdentityUser of the provider", async () => {
    await webSession(await token({ sub: 'user-42' }))();
    const found = await lookupAuditEvents(running.platform.store, b.accountId, {
      lookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AssumeRoleWithWebIdentity' }],
    });
    if (!found.ok) throw new Error(found.message);
    const host = idp.url.slice('http://'.length);
    expect(JSON.parse(found.value.events[0]?.cloudTrailEvent ?? '{}')).toMatchObject({
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRoleWithWebIdentity',
      userIdentity: {
        type: 'WebIdentityUser',
        principalId: `${host}:web-client:user-42`,
        userName: 'user-42',
        identityProvider: host,
      },
    });
  });

  it('refuses a subject the trust policy does not name, a foreign audience and an expired token', async () => {
    await expect(webSession(await token({ sub: 'user-43' }))()).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    await expect(webSession(await token({ aud: 'other-client' }))()).rejects.toMatchObject({
      name: 'InvalidIdentityTokenException',
      message: 'Incorrect token audience',
    });
    await expect(webSession(await token({ expiresIn: -10 }))()).rejects.toMatchObject({
      name: 'ExpiredTokenException',
    });
  });

  it("carries the token's session tags into the session where the trust policy allows sts:TagSession", async () => {
    const providerArn = `arn:aws:iam::${b.accountId}:oidc-provider/${idp.url.slice('http://'.length)}`;
    await iam(b.root).send(
      new CreateRoleCommand({
        RoleName: 'web-tagged',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: providerArn },
              Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
            },
          ],
        }),
      }),
    );
    await iam(b.root).send(
      new PutRolePolicyCommand({
        RoleName: 'web-tagged',
        PolicyName: 'by-project',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'iam:ListRoles',
              Resource: '*',
              Condition: { StringEquals: { 'aws:PrincipalTag/Project': 'Automation' } },
            },
          ],
        }),
      }),
    );
    const taggedRole = `arn:aws:iam::${b.accountId}:role/web-tagged`;
    const project = (name: string) => ({
      extra: { 'https://aws.amazon.com/tags': { principal_tags: { Project: [name] } } },
    });
    const automation = webSession(await token(project('Automation')), taggedRole);
    await expect(iam(automation).send(new ListRolesCommand({}))).resolves.toMatchObject({
      Roles: expect.any(Array),
    });
    const billing = webSession(await token(project('Billing')), taggedRole);
    await expect(iam(billing).send(new ListRolesCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' });
    // The web-app role's trust policy does not allow sts:TagSession: a tagged token is refused.
    await expect(webSession(await token(project('Automation')))()).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:TagSession',
    });
  });

  it("sets the token's source identity where the trust policy allows sts:SetSourceIdentity", async () => {
    const providerArn = `arn:aws:iam::${b.accountId}:oidc-provider/${idp.url.slice('http://'.length)}`;
    await iam(b.root).send(
      new CreateRoleCommand({
        RoleName: 'web-sourced',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: providerArn },
              Action: ['sts:AssumeRoleWithWebIdentity', 'sts:SetSourceIdentity'],
            },
          ],
        }),
      }),
    );
    const sourced = await token({ extra: { 'https://aws.amazon.com/source_identity': 'alice@example.com' } });
    const answer = await new STSClient({ endpoint: running.url, region, maxAttempts: 1 }).send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: `arn:aws:iam::${b.accountId}:role/web-sourced`,
        RoleSessionName: 'sourced',
        WebIdentityToken: sourced,
      }),
    );
    expect(answer.SourceIdentity).toBe('alice@example.com');
    // The web-app role's trust policy does not allow sts:SetSourceIdentity.
    await expect(webSession(sourced)()).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:SetSourceIdentity',
    });
  });

  it('answers a missing role exactly as a role whose trust policy refuses the token', async () => {
    const missingRole = `arn:aws:iam::${b.accountId}:role/no-such-role`;
    const refusal = async (webIdentityToken: string, role: string) => {
      try {
        await webSession(webIdentityToken, role)();
      } catch (error) {
        const { name, message, $metadata } = error as { name: string; message: string; $metadata: object };
        return { name, message, status: ($metadata as { httpStatusCode?: number }).httpStatusCode };
      }
      throw new Error('expected a refusal');
    };
    const untrusted = await token({ sub: 'user-43' });
    expect(await refusal(untrusted, missingRole)).toEqual(await refusal(untrusted, roleArn()));
    expect(await refusal(untrusted, missingRole)).toMatchObject({ name: 'AccessDenied', status: 403 });
    // An unverifiable token is refused as such before any role is looked up.
    const foreign = await token({ aud: 'other-client' });
    expect(await refusal(foreign, missingRole)).toEqual(await refusal(foreign, roleArn()));
    expect(await refusal(foreign, missingRole)).toMatchObject({ name: 'InvalidIdentityTokenException' });
  });

  it('answers IDPCommunicationError, not a 5xx, when the issuer cannot be reached', async () => {
    const gone = await startOidcIssuer();
    await createWebIdentityRole(iam(b.root), gone, {
      roleName: 'web-gone',
      audience: 'web-client',
      subject: 'user-42',
    });
    const stale = await gone.idToken({
      sub: 'user-42',
      aud: 'web-client',
      issuedAt: Math.floor(clock / 1000),
      expiresAt: Math.floor(clock / 1000) + 300,
    });
    await gone.close();
    await expect(webSession(stale, `arn:aws:iam::${b.accountId}:role/web-gone`)()).rejects.toMatchObject({
      name: 'IDPCommunicationErrorException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    const stranger = await generateKeyPair('RS256');
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: ISSUER_KEY_ID })
      .setIssuer(idp.url)
      .setSubject('user-42')
      .setAudience('web-client')
      .setExpirationTime(Math.floor(clock / 1000) + 300)
      .sign(stranger.privateKey);
    await expect(webSession(forged)()).rejects.toMatchObject({ name: 'InvalidIdentityTokenException' });
  });
});
