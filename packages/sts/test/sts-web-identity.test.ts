import { fail, ok } from '@palisade/failures';
import { oidcProviderOperations } from '@palisade/iam';
import { type Caller, callerFacts, type OperationTable } from '@palisade/principals';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SESSION_TAGS_CLAIM,
  SOURCE_IDENTITY_CLAIM,
  type StsContext,
  sessionTagsOf,
  sourceIdentityOf,
  unsignedStsOperations,
} from '../src/index.ts';
import { B, createStsFixture, doc, NOW, type StsFixture } from './sts-fixture.ts';

let f: StsFixture;
let localOps: OperationTable;
let publicOps: OperationTable;
let webIdentity: ReturnType<typeof unsignedStsOperations>[string];
const ISSUER = 'https://idp.example.com/tenants/7';
const PROVIDER_ARN = `arn:aws:iam::${B}:oidc-provider/idp.example.com/tenants/7`;
const roleArn = `arn:aws:iam::${B}:role/web`;
const NOT_AUTHORIZED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';

/** A JWT-shaped token whose claims the stub verifier trusts (the real verifier is exercised end to end). */
function token(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k' })}.${part({ iss: ISSUER, ...claims })}.c2ln`;
}

beforeAll(async () => {
  f = await createStsFixture('sts-web');
  localOps = oidcProviderOperations(f.iam, { allowLoopbackIssuers: true });
  publicOps = oidcProviderOperations(f.iam, { allowLoopbackIssuers: false });
  // The stub verifier reads the claims without checking a signature: these tests are about the rules after it.
  const sts: StsContext = {
    ...f.sts,
    verifyWebIdentity: async (raw, provider) => {
      const claims = JSON.parse(Buffer.from(raw.split('.')[1] ?? '', 'base64url').toString()) as {
        sub: string;
        aud: string;
        amr?: string[];
        expired?: boolean;
      };
      if (claims.expired) return fail('credentials.expired-identity-token', 'Token expired');
      if (!provider.clientIds.includes(claims.aud))
        return fail('credentials.invalid-identity-token', 'Incorrect token audience');
      const sessionTags = sessionTagsOf(claims);
      if (!sessionTags.ok) return sessionTags;
      const sourceIdentity = sourceIdentityOf(claims);
      if (!sourceIdentity.ok) return sourceIdentity;
      return ok({
        subject: claims.sub,
        audience: claims.aud,
        issuer: ISSUER,
        amr: claims.amr ?? [],
        ...(sessionTags.value ? { sessionTags: sessionTags.value } : {}),
        ...(sourceIdentity.value !== undefined ? { sourceIdentity: sourceIdentity.value } : {}),
      });
    },
  };
  webIdentity = unsignedStsOperations(sts).AssumeRoleWithWebIdentity as typeof webIdentity;
  await f.must(publicOps, f.rootB, 'CreateOpenIDConnectProvider', {
    Url: `${ISSUER}/`,
    ClientIDList: ['app-1'],
    ThumbprintList: ['A'.repeat(40)],
  });
  await f.must(f.iamOps, f.rootB, 'CreateRole', {
    RoleName: 'web',
    AssumeRolePolicyDocument: doc({
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_ARN },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'idp.example.com/tenants/7:aud': 'app-1' },
        StringLike: { 'idp.example.com/tenants/7:sub': 'user-*' },
        'ForAnyValue:StringEquals': { 'idp.example.com/tenants/7:amr': 'mfa' },
      },
    }),
  });
  await f.must(f.iamOps, f.rootB, 'PutRolePolicy', {
    RoleName: 'web',
    PolicyName: 'read',
    PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:List*', Resource: '*' }),
  });
  // A role whose trust lets the provider pass session tags, and whose policy reads one.
  await f.must(f.iamOps, f.rootB, 'CreateRole', {
    RoleName: 'web-tagged',
    AssumeRolePolicyDocument: doc({
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_ARN },
      Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
      Condition: { StringEquals: { 'idp.example.com/tenants/7:aud': 'app-1' } },
    }),
  });
  await f.must(f.iamOps, f.rootB, 'PutRolePolicy', {
    RoleName: 'web-tagged',
    PolicyName: 'by-project',
    PolicyDocument: doc({
      Effect: 'Allow',
      Action: 'iam:ListRoles',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalTag/Project': 'Automation' } },
    }),
  });
});

describe('OIDC providers in IAM', () => {
  it('registers a provider under its host and path and describes it', async () => {
    const got = await f.must(publicOps, f.rootB, 'GetOpenIDConnectProvider', {
      OpenIDConnectProviderArn: PROVIDER_ARN,
    });
    expect(got).toMatchObject({
      Url: 'idp.example.com/tenants/7',
      ClientIDList: ['app-1'],
      ThumbprintList: ['a'.repeat(40)],
      CreateDate: NOW,
    });
    expect(await f.must(publicOps, f.rootB, 'ListOpenIDConnectProviders', {})).toEqual({
      OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }],
    });
    expect(await f.call(publicOps, f.rootB, 'CreateOpenIDConnectProvider', { Url: ISSUER })).toMatchObject({
      ok: false,
      code: 'entity.already-exists',
    });
  });

  it('accepts loopback hosts (and http on them) only under the development flag', async () => {
    for (const Url of [
      'http://idp.example.com',
      'https://idp.example.com:8443',
      'https://idp.example.com/?q=1',
      'idp',
    ]) {
      expect(await f.call(publicOps, f.rootB, 'CreateOpenIDConnectProvider', { Url })).toMatchObject({
        ok: false,
        code: 'request.invalid-input',
      });
    }
    // Without the development flag a loopback host is refused whatever the scheme: it is never fetched.
    for (const Url of [
      'http://127.0.0.1:5556',
      'https://127.0.0.1:5556',
      'https://localhost',
      'https://[::1]',
    ]) {
      expect(await f.call(publicOps, f.rootB, 'CreateOpenIDConnectProvider', { Url }), Url).toMatchObject({
        ok: false,
        code: 'request.invalid-input',
      });
    }
    for (const [Url, id] of [
      ['http://127.0.0.1:5556', '127.0.0.1:5556'],
      ['http://localhost:5557/realm', 'localhost:5557/realm'],
      ['http://[::1]:5558', '[::1]:5558'],
    ] as const) {
      expect(await f.must(localOps, f.rootB, 'CreateOpenIDConnectProvider', { Url })).toEqual({
        OpenIDConnectProviderArn: `arn:aws:iam::${B}:oidc-provider/${id}`,
      });
      await f.must(localOps, f.rootB, 'DeleteOpenIDConnectProvider', {
        OpenIDConnectProviderArn: `arn:aws:iam::${B}:oidc-provider/${id}`,
      });
    }
  });

  it('registers a URL once when many create it at the same moment', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        f.call(publicOps, f.rootB, 'CreateOpenIDConnectProvider', { Url: 'https://race.example.com' }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === 'entity.already-exists')).toBe(true);
  });

  it('adds and removes client ids and replaces thumbprints', async () => {
    const arn = { OpenIDConnectProviderArn: PROVIDER_ARN };
    await f.must(publicOps, f.rootB, 'AddClientIDToOpenIDConnectProvider', { ...arn, ClientID: 'app-2' });
    await f.must(publicOps, f.rootB, 'AddClientIDToOpenIDConnectProvider', { ...arn, ClientID: 'app-2' });
    await f.must(publicOps, f.rootB, 'UpdateOpenIDConnectProviderThumbprint', {
      ...arn,
      ThumbprintList: ['b'.repeat(40)],
    });
    expect(await f.must(publicOps, f.rootB, 'GetOpenIDConnectProvider', arn)).toMatchObject({
      ClientIDList: ['app-1', 'app-2'],
      ThumbprintList: ['b'.repeat(40)],
    });
    await f.must(publicOps, f.rootB, 'RemoveClientIDFromOpenIDConnectProvider', {
      ...arn,
      ClientID: 'app-2',
    });
    expect(await f.must(publicOps, f.rootB, 'GetOpenIDConnectProvider', arn)).toMatchObject({
      ClientIDList: ['app-1'],
    });
  });

  it('keeps providers to their account and to callers allowed to manage them', async () => {
    expect(
      await f.call(publicOps, f.rootA, 'GetOpenIDConnectProvider', {
        OpenIDConnectProviderArn: PROVIDER_ARN,
      }),
    ).toMatchObject({ ok: false, code: 'access.denied' });
    await f.must(f.iamOps, f.rootB, 'CreateUser', { UserName: 'nobody' });
    const nobody: Caller = await f.user(B, 'nobody');
    expect(
      await f.call(publicOps, nobody, 'DeleteOpenIDConnectProvider', {
        OpenIDConnectProviderArn: PROVIDER_ARN,
      }),
    ).toMatchObject({ ok: false, code: 'access.denied' });
    expect(
      await f.call(publicOps, f.rootB, 'GetOpenIDConnectProvider', {
        OpenIDConnectProviderArn: `arn:aws:iam::${B}:oidc-provider/other.example.com`,
      }),
    ).toMatchObject({ ok: false, code: 'entity.not-found' });
  });
});

describe('AssumeRoleWithWebIdentity', () => {
  const input = (claims: Record<string, unknown>, extra: object = {}) => ({
    RoleArn: roleArn,
    RoleSessionName: 'browser',
    WebIdentityToken: token(claims),
    ...extra,
  });

  it('issues a role session when the trust policy accepts the aud, sub and amr claims', async () => {
    const answer = await webIdentity(input({ sub: 'user-1', aud: 'app-1', amr: ['pwd', 'mfa'] }), {});
    expect(answer).toMatchObject({
      ok: true,
      value: {
        SubjectFromWebIdentityToken: 'user-1',
        Audience: 'app-1',
        Provider: ISSUER,
        AssumedRoleUser: { Arn: `arn:aws:sts::${B}:assumed-role/web/browser` },
      },
    });
    const keyId = (answer as { value: { Credentials: { AccessKeyId: string } } }).value.Credentials
      .AccessKeyId;
    const session = await f.session(keyId);
    expect(callerFacts(session)?.session?.federation).toEqual({
      provider: PROVIDER_ARN,
      subject: 'user-1',
      audience: 'app-1',
    });
    expect(session.authorize('iam:ListRoles', '*')).toEqual({ allowed: true });
  });

  it('refuses claims the trust policy does not accept with AccessDenied', async () => {
    for (const claims of [
      { sub: 'admin-1', aud: 'app-1', amr: ['mfa'] },
      { sub: 'user-1', aud: 'app-1', amr: ['pwd'] },
    ]) {
      expect(await webIdentity(input(claims), {})).toMatchObject({
        ok: false,
        code: 'access.denied',
        message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      });
    }
  });

  it('answers the same for a missing role as for a role whose trust policy denies', async () => {
    const missing = { RoleArn: `arn:aws:iam::${B}:role/no-such-role` };
    const trusted = { sub: 'user-1', aud: 'app-1', amr: ['mfa'] };
    const untrusted = { sub: 'admin-1', aud: 'app-1', amr: ['mfa'] };
    // A token that does not verify is refused first, whether or not the role exists.
    const unverifiable = { sub: 'user-1', aud: 'app-9' };
    expect(await webIdentity(input(unverifiable, missing), {})).toEqual(
      await webIdentity(input(unverifiable), {}),
    );
    expect(await webIdentity(input(unverifiable, missing), {})).toMatchObject({
      ok: false,
      code: 'credentials.invalid-identity-token',
    });
    // A verified token learns only "not authorized", whatever else its request asks for.
    const denied = { ok: false, code: 'access.denied', message: NOT_AUTHORIZED };
    for (const extra of [{}, { DurationSeconds: 43_200 }]) {
      expect(await webIdentity(input(trusted, { ...missing, ...extra }), {})).toMatchObject(denied);
      expect(await webIdentity(input(untrusted, extra), {})).toMatchObject(denied);
    }
  });

  it('passes on the verifier refusals and refuses unregistered issuers and non-JWTs', async () => {
    expect(await webIdentity(input({ sub: 'user-1', aud: 'app-9', amr: ['mfa'] }), {})).toMatchObject({
      ok: false,
      code: 'credentials.invalid-identity-token',
    });
    expect(await webIdentity(input({ sub: 'user-1', aud: 'app-1', expired: true }), {})).toMatchObject({
      ok: false,
      code: 'credentials.expired-identity-token',
    });
    expect(
      await webIdentity(input({ sub: 'user-1', aud: 'app-1', iss: 'https://evil.example.com' }), {}),
    ).toMatchObject({ ok: false, code: 'credentials.invalid-identity-token' });
    expect(await webIdentity({ ...input({}), WebIdentityToken: 'not-a-jwt' }, {})).toMatchObject({
      ok: false,
      code: 'credentials.invalid-identity-token',
    });
  });

  it('applies the role duration limit and session policies', async () => {
    const claims = { sub: 'user-1', aud: 'app-1', amr: ['mfa'] };
    expect(await webIdentity(input(claims, { DurationSeconds: 3601 }), {})).toMatchObject({
      ok: false,
      code: 'request.invalid',
    });
    const narrowed = await webIdentity(
      input(claims, { Policy: doc({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }) }),
      {},
    );
    expect(narrowed).toMatchObject({ ok: true, value: { PackedPolicySize: expect.any(Number) } });
    const keyId = (narrowed as { value: { Credentials: { AccessKeyId: string } } }).value.Credentials
      .AccessKeyId;
    const session = await f.session(keyId);
    expect(session.authorize('iam:ListUsers', '*')).toEqual({ allowed: true });
    expect(session.authorize('iam:ListRoles', '*').allowed).toBe(false);
  });

  it("carries the token's session tags when the trust policy allows sts:TagSession", async () => {
    const tagged = {
      sub: 'user-7',
      aud: 'app-1',
      [SESSION_TAGS_CLAIM]: {
        principal_tags: { Project: ['Automation'], CostCenter: ['987654'] },
        transitive_tag_keys: ['CostCenter'],
      },
    };
    const answer = await webIdentity(input(tagged, { RoleArn: `arn:aws:iam::${B}:role/web-tagged` }), {});
    expect(answer.ok).toBe(true);
    const keyId = (answer as { value: { Credentials: { AccessKeyId: string } } }).value.Credentials
      .AccessKeyId;
    const session = await f.session(keyId);
    expect(callerFacts(session)?.session).toMatchObject({
      tags: [
        { Key: 'Project', Value: 'Automation' },
        { Key: 'CostCenter', Value: '987654' },
      ],
      transitiveTagKeys: ['CostCenter'],
    });
    expect(session.authorize('iam:ListRoles', '*')).toEqual({ allowed: true });

    const otherProject = {
      ...tagged,
      [SESSION_TAGS_CLAIM]: { principal_tags: { Project: ['Billing'] } },
    };
    const other = await webIdentity(
      input(otherProject, { RoleArn: `arn:aws:iam::${B}:role/web-tagged` }),
      {},
    );
    const otherKey = (other as { value: { Credentials: { AccessKeyId: string } } }).value.Credentials
      .AccessKeyId;
    expect((await f.session(otherKey)).authorize('iam:ListRoles', '*').allowed).toBe(false);
  });

  it('refuses a tagged token for a role whose trust policy does not allow sts:TagSession', async () => {
    const tagged = {
      sub: 'user-1',
      aud: 'app-1',
      amr: ['mfa'],
      [SESSION_TAGS_CLAIM]: { principal_tags: { Project: ['Automation'] } },
    };
    expect(await webIdentity(input(tagged), {})).toMatchObject({
      ok: false,
      code: 'access.denied',
      message: 'Not authorized to perform sts:TagSession',
    });
  });

  it('refuses a malformed tags claim instead of dropping the tags', async () => {
    for (const claim of [
      'Project=Automation',
      { principal_tags: { Project: ['Automation', 'Billing'] } },
      { principal_tags: { Project: 'Automation' } },
      { principal_tags: { 'aws:Project': ['x'] } },
      { principal_tags: { Project: ['x'] }, transitive_tag_keys: ['Other'] },
    ]) {
      const answer = await webIdentity(
        input(
          { sub: 'user-7', aud: 'app-1', [SESSION_TAGS_CLAIM]: claim },
          { RoleArn: `arn:aws:iam::${B}:role/web-tagged` },
        ),
        {},
      );
      expect(answer, JSON.stringify(claim)).toMatchObject({ ok: false });
      expect(['credentials.idp-rejected-claim', 'request.invalid']).toContain(
        (answer as { code: string }).code,
      );
    }
  });

  it("carries the token's source identity when the trust policy allows sts:SetSourceIdentity", async () => {
    await f.must(f.iamOps, f.rootB, 'CreateRole', {
      RoleName: 'web-sourced',
      AssumeRolePolicyDocument: doc({
        Effect: 'Allow',
        Principal: { Federated: PROVIDER_ARN },
        Action: ['sts:AssumeRoleWithWebIdentity', 'sts:SetSourceIdentity'],
        Condition: { StringEquals: { 'sts:SourceIdentity': 'alice@example.com' } },
      }),
    });
    const token = { sub: 'user-7', aud: 'app-1', [SOURCE_IDENTITY_CLAIM]: 'alice@example.com' };
    const answer = await webIdentity(input(token, { RoleArn: `arn:aws:iam::${B}:role/web-sourced` }), {});
    expect(answer).toMatchObject({ ok: true, value: { SourceIdentity: 'alice@example.com' } });
    const keyId = (answer as { value: { Credentials: { AccessKeyId: string } } }).value.Credentials
      .AccessKeyId;
    expect(callerFacts(await f.session(keyId))?.session?.sourceIdentity).toBe('alice@example.com');

    const someoneElse = { ...token, [SOURCE_IDENTITY_CLAIM]: 'mallory' };
    expect(
      await webIdentity(input(someoneElse, { RoleArn: `arn:aws:iam::${B}:role/web-sourced` }), {}),
    ).toMatchObject({ ok: false, code: 'access.denied' });
  });

  it('refuses a source identity the trust policy does not allow to be set', async () => {
    const token = { sub: 'user-1', aud: 'app-1', amr: ['mfa'], [SOURCE_IDENTITY_CLAIM]: 'alice' };
    expect(await webIdentity(input(token), {})).toMatchObject({
      ok: false,
      code: 'access.denied',
      message: 'Not authorized to perform sts:SetSourceIdentity',
    });
  });

  it('refuses a malformed source identity claim', async () => {
    for (const claim of ['a', 'aws:admin', 'has space', 42, 'x'.repeat(65)]) {
      const token = { sub: 'user-1', aud: 'app-1', amr: ['mfa'], [SOURCE_IDENTITY_CLAIM]: claim };
      expect(await webIdentity(input(token), {}), JSON.stringify(claim)).toMatchObject({
        ok: false,
        code: 'credentials.idp-rejected-claim',
      });
    }
  });
});
