/** The decision API end to end: a real server on DynamoDB Local, SigV4-signed JSON requests. */
import { IAMClient, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform } from '../functions/wiring/platform.ts';
import { type Credentials, clientFor } from '../packages/decisions/test/support/signed-client.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

let running: RunningPlatform;
let A: string;
let B: string;
let rootA: ReturnType<typeof clientFor>;
let rootB: ReturnType<typeof clientFor>;
let operator: ReturnType<typeof clientFor>;
let aliceKey: Credentials;
let rootAKey: Credentials;
let alice: ReturnType<typeof clientFor>;
let bob: ReturnType<typeof clientFor>;

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

const iam = (accountId: string, action: string, input: object) => running.asRoot(accountId, action, input);
const userWithKey = (accountId: string, name: string): Promise<Credentials> =>
  running.userWithKey(accountId, name);

beforeAll(async () => {
  running = await startPlatform();
  const a = await running.createAccount('decisions-a');
  const b = await running.createAccount('decisions-b');
  A = a.accountId;
  rootAKey = { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey };
  B = b.accountId;
  rootA = clientFor(running.url, a);
  rootB = clientFor(running.url, b);
  operator = clientFor(running.url, running.operator);

  aliceKey = await userWithKey(A, 'alice');
  alice = clientFor(running.url, aliceKey);
  await iam(A, 'PutUserPolicy', {
    UserName: 'alice',
    PolicyName: 'docs',
    PolicyDocument: policy(
      {
        Sid: 'ReadDocs',
        Effect: 'Allow',
        Action: 'docs:Read',
        Resource: `arn:aws:docs:us-east-1:${A}:doc/*`,
      },
      {
        Sid: 'NoSecrets',
        Effect: 'Deny',
        Action: 'docs:*',
        Resource: `arn:aws:docs:us-east-1:${A}:doc/secret`,
      },
      {
        Sid: 'WriteWithMfa',
        Effect: 'Allow',
        Action: 'docs:Write',
        Resource: '*',
        Condition: { StringEquals: { 'docs:Stage': 'draft' } },
      },
    ),
  });
  bob = clientFor(running.url, await userWithKey(A, 'bob'));
  await iam(A, 'CreateGroup', { GroupName: 'editors' });
  await iam(A, 'PutGroupPolicy', {
    GroupName: 'editors',
    PolicyName: 'edit',
    PolicyDocument: policy({ Effect: 'Allow', Action: 'docs:Edit', Resource: '*' }),
  });
  await iam(A, 'AddUserToGroup', { GroupName: 'editors', UserName: 'bob' });
  await iam(A, 'CreateRole', {
    RoleName: 'worker',
    AssumeRolePolicyDocument: policy({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${A}:root` },
      Action: 'sts:AssumeRole',
    }),
  });
  await iam(A, 'PutRolePolicy', {
    RoleName: 'worker',
    PolicyName: 'queue',
    PolicyDocument: policy({ Effect: 'Allow', Action: 'queue:Receive', Resource: '*' }),
  });
});
afterAll(() => running?.close());

const aliceArn = () => `arn:aws:iam::${A}:user/alice`;
const doc = (name: string) => `arn:aws:docs:us-east-1:${A}:doc/${name}`;

describe('POST /v1/authorize', () => {
  it('allows what a user policy allows and names the statement', async () => {
    const response = await alice.post('/v1/authorize', { action: 'docs:Read', resource: doc('readme') });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      decision: 'allowed',
      matchedStatements: [{ policy: `${aliceArn()}/inline/docs`, statement: 'ReadDocs' }],
      missingContextKeys: [],
      ignoredContextKeys: [],
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('reports an explicit deny with its deciding statement', async () => {
    const response = await rootA.post('/v1/authorize', {
      principal: aliceArn(),
      action: 'docs:Read',
      resource: doc('secret'),
    });
    expect(response.body.decision).toBe('explicitDeny');
    expect(response.body.explanation.decidingStatement).toMatchObject({ sid: 'NoSecrets' });
  });

  it('denies implicitly, lists missing keys and ignores keys the platform owns', async () => {
    const response = await alice.post('/v1/authorize', {
      action: 'docs:Write',
      resource: doc('x'),
      context: { 'aws:PrincipalArn': 'arn:aws:iam::999999999999:root', 'aws:MultiFactorAuthPresent': 'true' },
    });
    expect(response.body).toMatchObject({
      decision: 'implicitDeny',
      missingContextKeys: ['docs:stage'],
      ignoredContextKeys: ['aws:PrincipalArn', 'aws:MultiFactorAuthPresent'],
    });
    const withStage = await alice.post('/v1/authorize', {
      action: 'docs:Write',
      resource: doc('x'),
      context: { 'docs:Stage': 'draft' },
    });
    expect(withStage.body.decision).toBe('allowed');
  });

  it('decides for group members and roles', async () => {
    const member = await rootA.post('/v1/authorize', {
      principal: `arn:aws:iam::${A}:user/bob`,
      action: 'docs:Edit',
      resource: doc('a'),
    });
    expect(member.body).toMatchObject({
      decision: 'allowed',
      matchedStatements: [{ policy: `arn:aws:iam::${A}:group/editors/inline/edit` }],
    });
    const role = await rootA.post('/v1/authorize', {
      principal: `arn:aws:iam::${A}:role/worker`,
      action: 'queue:Receive',
      resource: `arn:aws:queue:us-east-1:${A}:jobs`,
    });
    expect(role.body.decision).toBe('allowed');
  });

  it('lets anyone ask about itself but needs palisade:Authorize to ask about another principal', async () => {
    const refused = await bob.post('/v1/authorize', {
      principal: aliceArn(),
      action: 'docs:Read',
      resource: doc('r'),
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('access.denied');
    expect((await bob.post('/v1/authorize', { action: 'docs:Edit', resource: doc('r') })).body.decision).toBe(
      'allowed',
    );
  });

  it('refuses bad input with a typed 400', async () => {
    for (const body of [
      { resource: doc('r') },
      { action: 'docs:*', resource: doc('r') },
      { action: 'docs:Read', resource: doc('r'), extra: 1 },
      { principal: aliceArn(), token: 'x', action: 'docs:Read', resource: doc('r') },
      { principal: `arn:aws:iam::${A}:group/editors`, action: 'docs:Read', resource: doc('r') },
      '{not json',
    ]) {
      const response = await rootA.post('/v1/authorize', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toMatch(/^request\./);
    }
  });

  it('answers about the end user behind a sign-in token, with its MFA state, until sign-out', async () => {
    const password = 'Decisions-e2e-Password-1!';
    await iam(A, 'CreateUser', { UserName: 'erin' });
    await iam(A, 'PutUserPolicy', {
      UserName: 'erin',
      PolicyName: 'docs',
      PolicyDocument: policy(
        { Sid: 'Read', Effect: 'Allow', Action: 'docs:Read', Resource: '*' },
        {
          Sid: 'WriteWithMfa',
          Effect: 'Allow',
          Action: 'docs:Write',
          Resource: '*',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        },
      ),
    });
    await iam(A, 'CreateLoginProfile', { UserName: 'erin', Password: password });
    const signedIn = await fetch(`${running.url}/v1/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: 'decisions-a', userName: 'erin', password }),
    });
    expect(signedIn.status).toBe(200);
    const { accessToken } = (await signedIn.json()) as { accessToken: string };

    // The SaaS backend (the account's root) asks about the token its end user presented.
    const ask = (action: string) =>
      rootA.post('/v1/authorize', { token: accessToken, action, resource: doc('t') });
    expect((await ask('docs:Read')).body).toMatchObject({
      decision: 'allowed',
      explanation: { principal: `arn:aws:iam::${A}:user/erin` },
    });
    expect((await ask('docs:Write')).body).toMatchObject({ decision: 'implicitDeny' });

    const signedOut = await fetch(`${running.url}/v1/sign-out`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(signedOut.status).toBe(204);
    const changedAt = performance.now();
    let answer = (await ask('docs:Read')).body;
    while (answer.decision === 'allowed' && performance.now() - changedAt < 5000)
      answer = (await ask('docs:Read')).body;
    expect(answer).toMatchObject({ decision: 'implicitDeny', reason: 'token-invalid' });
    expect(performance.now() - changedAt).toBeLessThan(1000);
  });

  it('denies a question about a forged or unknown session token, with the reason', async () => {
    const response = await rootA.post('/v1/authorize', {
      token: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
      action: 'docs:Read',
      resource: doc('r'),
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ decision: 'implicitDeny', reason: 'token-invalid' });
  });

  it('answers the operator about any account', async () => {
    const response = await operator.post('/v1/authorize', {
      principal: aliceArn(),
      action: 'docs:Read',
      resource: doc('r'),
    });
    expect(response.body.decision).toBe('allowed');
  });
});

describe('tenant isolation', () => {
  it('gives another account the same refusal for existing and missing principals', async () => {
    const existing = await rootB.post('/v1/authorize', {
      principal: aliceArn(),
      action: 'docs:Read',
      resource: doc('r'),
    });
    const missing = await rootB.post('/v1/authorize', {
      principal: `arn:aws:iam::${A}:user/nobody`,
      action: 'docs:Read',
      resource: doc('r'),
    });
    expect(existing.status).toBe(403);
    expect(missing.status).toBe(403);
    expect(existing.body.error.code).toBe(missing.body.error.code);
    expect(existing.body.error.message.replace('alice', 'X')).toBe(
      missing.body.error.message.replace('nobody', 'X'),
    );
  });

  it("answers only the decision about another account's resource, never its statements, keys or registration", async () => {
    const vault = (name: string) => `arn:aws:vault:us-east-1:${B}:secret/${name}`;
    const olive = `arn:aws:iam::${A}:user/olive`;
    const oliveKey = await userWithKey(A, 'olive');
    await iam(A, 'PutUserPolicy', {
      UserName: 'olive',
      PolicyName: 'vaults',
      PolicyDocument: policy({
        Sid: 'OwnSideAllows',
        Effect: 'Allow',
        Action: 'vault:*',
        Resource: `arn:aws:vault:us-east-1:${B}:secret/*`,
      }),
    });
    expect(
      (await rootA.put('/v1/service-catalog/vault', { actions: ['Read', 'Delete', 'List'] })).status,
    ).toBe(200);
    const registered = await rootB.put(`/v1/resource-policies/${encodeURIComponent(vault('registered'))}`, {
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'BSecretGrant',
            Effect: 'Allow',
            Principal: { AWS: olive },
            Action: ['vault:Read', 'vault:List'],
            Resource: vault('registered'),
            Condition: { StringEquals: { 'vault:BClearance': 'b-internal-level' } },
          },
          {
            Sid: 'BSecretDeny',
            Effect: 'Deny',
            Principal: { AWS: olive },
            Action: 'vault:Delete',
            Resource: vault('registered'),
            Condition: { StringEquals: { 'aws:ResourceTag/b-secret-tag': 'falcon' } },
          },
        ],
      },
      tags: [{ Key: 'b-secret-tag', Value: 'falcon' }],
    });
    expect(registered.status).toBe(200);
    const leaks = /BSecret|b-secret-tag|falcon|BClearance|b-internal-level|resource-polic/i;
    const askers = [
      { name: 'the user itself', client: clientFor(running.url, oliveKey), principal: undefined },
      { name: "its account's root", client: rootA, principal: olive },
    ];
    for (const { name, client, principal } of askers) {
      const ask = (action: string, resource: string, context?: object) =>
        client.post('/v1/authorize', {
          ...(principal ? { principal } : {}),
          action,
          resource,
          ...(context ? { context } : {}),
        });
      const answers = {
        missingKey: await ask('vault:Read', vault('registered'), { 'aws:ResourceTag/probe': 'x' }),
        granted: await ask('vault:Read', vault('registered'), { 'vault:BClearance': 'b-internal-level' }),
        denied: await ask('vault:Delete', vault('registered')),
        unregistered: await ask('vault:Read', vault('unregistered'), { 'aws:ResourceTag/probe': 'x' }),
      };
      expect(
        Object.values(answers).map((answer) => answer.body.decision),
        name,
      ).toEqual(['implicitDeny', 'allowed', 'explicitDeny', 'implicitDeny']);
      for (const [question, answer] of Object.entries(answers)) {
        expect(answer.status, `${name}: ${question}`).toBe(200);
        expect(JSON.stringify(answer.body), `${name}: ${question}`).not.toMatch(leaks);
        expect(answer.body, `${name}: ${question}`).toMatchObject({
          matchedStatements: [],
          missingContextKeys: [],
          explanation: {
            matchedStatements: [],
            policyTypes: {},
            policyErrors: [],
            resourceRegistered: false,
          },
        });
        expect(answer.body.explanation.decidingStatement).toBeUndefined();
      }
      // Registered or not, the caller's resource tags are treated alike: nothing tells them apart.
      const { requestId: _a, ...registeredShape } = answers.missingKey.body;
      const { requestId: _b, ...unregisteredShape } = answers.unregistered.body;
      expect({ ...registeredShape, explanation: { ...registeredShape.explanation, resource: '' } }).toEqual({
        ...unregisteredShape,
        explanation: { ...unregisteredShape.explanation, resource: '' },
      });
    }
    // The decision log is the principal's account's: B's deciding statement stays out of it too.
    const from = new Date(Date.now() - 1000).toISOString();
    expect((await rootA.put('/v1/decision-log/settings', { sampleRate: 1 })).status).toBe(200);
    await expect
      .poll(
        async () => {
          await rootA.post('/v1/authorize', {
            principal: olive,
            action: 'vault:Delete',
            resource: vault('registered'),
          });
          const log = await rootA.get(`/v1/decision-log?from=${encodeURIComponent(from)}`);
          return log.body.decisions.filter((d: { action: string }) => d.action === 'vault:Delete');
        },
        { timeout: 3000, interval: 300 },
      )
      .not.toEqual([]);
    const log = await rootA.get(`/v1/decision-log?from=${encodeURIComponent(from)}`);
    expect(log.body.decisions.some((d: { decision: string }) => d.decision === 'explicitDeny')).toBe(true);
    expect(JSON.stringify(log.body)).not.toMatch(leaks);
    expect((await rootA.put('/v1/decision-log/settings', { sampleRate: 0 })).status).toBe(200);
    const batch = await rootA.post('/v1/authorize/batch', {
      requests: [
        { principal: olive, action: 'vault:Delete', resource: vault('registered') },
        {
          principal: olive,
          action: 'vault:Read',
          resource: vault('registered'),
          context: { 'vault:BClearance': 'b-internal-level' },
        },
      ],
    });
    expect(batch.body.results.map((r: { decision: string }) => r.decision)).toEqual([
      'explicitDeny',
      'allowed',
    ]);
    expect(JSON.stringify(batch.body)).not.toMatch(leaks);
    const allowed = await rootA.post('/v1/allowed-actions', {
      principal: olive,
      resource: vault('registered'),
      context: { 'vault:BClearance': 'b-internal-level' },
    });
    expect(allowed.body.allowedActions.map((a: { action: string }) => a.action)).toEqual([
      'vault:List',
      'vault:Read',
    ]);
    expect(JSON.stringify(allowed.body)).not.toMatch(leaks);
    expect(new Set(allowed.body.allowedActions.map((a: { reason: string }) => a.reason))).toEqual(
      new Set(['cross-account']),
    );
  });

  it('answers a missing principal in the own account with 404', async () => {
    const response = await rootA.post('/v1/authorize', {
      principal: `arn:aws:iam::${A}:user/nobody`,
      action: 'docs:Read',
      resource: doc('r'),
    });
    expect(response.status).toBe(404);
  });
});

describe('questions about a token', () => {
  /** Signs `userName` of account A in and returns its access token. */
  const signIn = async (userName: string, password: string): Promise<string> => {
    const response = await fetch(`${running.url}/v1/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: 'decisions-a', userName, password }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { accessToken: string }).accessToken;
  };
  /** The answer without its request id, for comparing answers to different questions. */
  const shape = (answer: { status: number; body: Record<string, unknown> }) => {
    const { requestId: _, ...body } = answer.body;
    const error = body.error as Record<string, unknown> | undefined;
    if (error) {
      const { requestId: __, ...rest } = error;
      return { status: answer.status, error: rest };
    }
    return { status: answer.status, body };
  };

  it('gives a live token the same answer as a signed-out or forged one unless the asker may ask about it', async () => {
    const password = 'Token-oracle-Password-1!';
    await iam(A, 'CreateUser', { UserName: 'tina' });
    await iam(A, 'PutUserPolicy', {
      UserName: 'tina',
      PolicyName: 'read',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'docs:Read', Resource: '*' }),
    });
    await iam(A, 'CreateLoginProfile', { UserName: 'tina', Password: password });
    const live = await signIn('tina', password);
    const signedOut = await signIn('tina', password);
    const out = await fetch(`${running.url}/v1/sign-out`, {
      method: 'POST',
      headers: { authorization: `Bearer ${signedOut}` },
    });
    expect(out.status).toBe(204);
    const forged = `${live.slice(0, live.lastIndexOf('.') + 1)}c2ln`;
    const tokens = { live, signedOut, forged };

    // Askers with no palisade:Authorize at all, in A and in B, and askers who may ask, but not about tina.
    const zed = clientFor(running.url, await userWithKey(A, 'zed'));
    const narrow = clientFor(running.url, await userWithKey(A, 'narrow-asker'));
    await iam(A, 'PutUserPolicy', {
      UserName: 'narrow-asker',
      PolicyName: 'ask',
      PolicyDocument: policy({
        Effect: 'Allow',
        Action: 'palisade:Authorize',
        Resource: `arn:aws:iam::${A}:user/bob`,
      }),
    });
    const outsider = clientFor(running.url, await userWithKey(B, 'outsider'));
    await iam(B, 'PutUserPolicy', {
      UserName: 'outsider',
      PolicyName: 'ask',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'palisade:Authorize', Resource: '*' }),
    });

    const answers = async (client: ReturnType<typeof clientFor>) => {
      const shapes: ReturnType<typeof shape>[] = [];
      for (const token of Object.values(tokens))
        shapes.push(
          shape(await client.post('/v1/authorize', { token, action: 'docs:Read', resource: doc('t') })),
        );
      return shapes;
    };
    // The account's root may ask: the live token is answered, the others are invalid.
    const own = await answers(rootA);
    expect(own.map((a) => (a.body as { decision?: string }).decision)).toEqual([
      'allowed',
      'implicitDeny',
      'implicitDeny',
    ]);
    expect(own[1]).toEqual(own[2]);

    for (const [name, client, expected] of [
      ['a user of the account without palisade:Authorize', zed, 403],
      ['the root of another account', rootB, 200],
      ['a user of another account with palisade:Authorize on *', outsider, 200],
      ['a user of the account who may ask about someone else only', narrow, 200],
    ] as const) {
      const [forLive, forSignedOut, forForged] = await answers(client);
      expect(forLive?.status, name).toBe(expected);
      expect(forLive, name).toEqual(forSignedOut);
      expect(forLive, name).toEqual(forForged);
      if (expected === 200)
        expect(forLive?.body, name).toMatchObject({ decision: 'implicitDeny', reason: 'token-invalid' });
      else expect(forLive?.error, name).toMatchObject({ code: 'access.denied' });
    }
  });
});

describe('POST /v1/authorize/batch', () => {
  it('answers in order, with per-request errors', async () => {
    const response = await rootA.post('/v1/authorize/batch', {
      requests: [
        { principal: aliceArn(), action: 'docs:Read', resource: doc('1') },
        { principal: aliceArn(), action: 'docs:Read', resource: doc('secret') },
        { principal: aliceArn(), action: 'docs:Delete', resource: doc('1') },
        { principal: aliceArn(), action: 'bad action', resource: doc('1') },
      ],
    });
    expect(response.status).toBe(200);
    expect(
      response.body.results.map(
        (r: { decision?: string; error?: { code: string } }) => r.decision ?? r.error?.code,
      ),
    ).toEqual(['allowed', 'explicitDeny', 'implicitDeny', 'request.invalid']);
  });

  it('refuses 101 requests with a typed 400', async () => {
    const requests = Array.from({ length: 101 }, () => ({
      principal: aliceArn(),
      action: 'docs:Read',
      resource: doc('1'),
    }));
    const response = await rootA.post('/v1/authorize/batch', { requests });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('request.invalid');
  });
});

describe('resource policies', () => {
  const shared = () => `arn:aws:docs:us-east-1:${B}:doc/shared`;
  const sharedPolicy = () => ({
    policy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: aliceArn() }, Action: 'docs:Read', Resource: shared() },
      ],
    },
    tags: [{ Key: 'team', Value: 'blue' }],
  });
  const sharedPath = () => `/v1/resource-policies/${encodeURIComponent(shared())}`;
  /** B's grant to alice, put by each test that needs it (a PUT: the same whichever test ran first). */
  const grantShared = async () => expect((await rootB.put(sharedPath(), sharedPolicy())).status).toBe(200);

  it('lets only the owning account manage a resource policy and validates it', async () => {
    const body = sharedPolicy();
    const path = sharedPath();
    expect((await rootA.put(path, body)).status).toBe(403);
    const malformed = await rootB.put(path, {
      policy: { Statement: [{ Effect: 'Allow', Action: 'docs:Read' }] },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('policy.malformed');
    expect((await rootB.put(path, body)).status).toBe(200);
    expect((await rootB.get(path)).body).toMatchObject({
      resourceArn: shared(),
      tags: [{ Key: 'team', Value: 'blue' }],
    });
  });

  it('needs both sides for a cross-account grant', async () => {
    await grantShared();
    // Alice's own policy covers only account A's documents: B's grant alone is not enough.
    const before = await alice.post('/v1/authorize', { action: 'docs:Read', resource: shared() });
    expect(before.body.decision).toBe('implicitDeny');
    await iam(A, 'PutUserPolicy', {
      UserName: 'alice',
      PolicyName: 'shared',
      PolicyDocument: policy({
        Effect: 'Allow',
        Action: 'docs:Read',
        Resource: `arn:aws:docs:us-east-1:${B}:doc/*`,
      }),
    });
    await expect
      .poll(
        async () =>
          (await alice.post('/v1/authorize', { action: 'docs:Read', resource: shared() })).body.decision,
        { timeout: 3000, interval: 100 },
      )
      .toBe('allowed');
    const other = await alice.post('/v1/authorize', {
      action: 'docs:Read',
      resource: `arn:aws:docs:us-east-1:${B}:doc/other`,
    });
    expect(other.body.decision).toBe('implicitDeny');
    // Alice leaves as she came: no other test sees the grant on her side.
    await iam(A, 'DeleteUserPolicy', { UserName: 'alice', PolicyName: 'shared' });
  });

  it('supplies the registered resource tags and ignores the caller values', async () => {
    await grantShared();
    const response = await alice.post('/v1/authorize', {
      action: 'docs:Read',
      resource: shared(),
      context: { 'aws:ResourceTag/team': 'red' },
    });
    expect(response.body.ignoredContextKeys).toEqual(['aws:ResourceTag/team']);
  });
});

describe('freshness', () => {
  it('flips a decision within 1 s of a policy change', async () => {
    // A user of its own: deleting alice's policy would change what every other test asks about her.
    const dora = clientFor(running.url, await userWithKey(A, 'dora'));
    await iam(A, 'PutUserPolicy', {
      UserName: 'dora',
      PolicyName: 'docs',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'docs:Read', Resource: doc('*') }),
    });
    const ask = async () =>
      (await dora.post('/v1/authorize', { action: 'docs:Read', resource: doc('fresh') })).body.decision;
    expect(await ask()).toBe('allowed');
    await iam(A, 'DeleteUserPolicy', { UserName: 'dora', PolicyName: 'docs' });
    const changedAt = performance.now();
    let decision = await ask();
    while (decision === 'allowed' && performance.now() - changedAt < 5000) decision = await ask();
    const elapsed = performance.now() - changedAt;
    expect(decision).toBe('implicitDeny');
    expect(elapsed).toBeLessThan(1000);
  });

  it('refuses a deactivated key within 1 s', async () => {
    const key = await userWithKey(A, 'carol');
    const carol = clientFor(running.url, key);
    const ask = async () =>
      (await carol.post('/v1/authorize', { action: 'docs:Read', resource: doc('x') })).status;
    expect(await ask()).toBe(200);
    await iam(A, 'UpdateAccessKey', { UserName: 'carol', AccessKeyId: key.accessKeyId, Status: 'Inactive' });
    const changedAt = performance.now();
    let status = await ask();
    while (status === 200 && performance.now() - changedAt < 5000) status = await ask();
    // REST answers 401 for credentials it does not accept (the error table; AWS Query says 403).
    expect(status).toBe(401);
    expect(performance.now() - changedAt).toBeLessThan(1000);
  });
});

describe('simulation', () => {
  const sdk = (credentials: Credentials) =>
    new IAMClient({ endpoint: running.url, region: 'us-east-1', credentials, maxAttempts: 1 });

  it('simulates a principal through the Query API with the AWS SDK', async () => {
    const result = await sdk(rootAKey).send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${A}:user/bob`,
        ActionNames: ['docs:Edit', 'docs:Read'],
        ResourceArns: [doc('a')],
      }),
    );
    expect(result.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalDecision])).toEqual([
      ['docs:Edit', 'allowed'],
      ['docs:Read', 'implicitDeny'],
    ]);
    expect(result.EvaluationResults?.[0]?.MatchedStatements?.[0]).toMatchObject({
      SourcePolicyId: 'edit',
      SourcePolicyType: 'group',
    });
  });

  it('simulates a custom policy with context entries, and refuses a caller without permission', async () => {
    const result = await sdk(rootAKey).send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [
          policy({
            Effect: 'Allow',
            Action: 'docs:Write',
            Resource: '*',
            Condition: { StringEquals: { 'docs:Stage': 'draft' } },
          }),
        ],
        ActionNames: ['docs:Write'],
        ContextEntries: [
          { ContextKeyName: 'docs:Stage', ContextKeyValues: ['final'], ContextKeyType: 'string' },
        ],
      }),
    );
    expect(result.EvaluationResults?.[0]).toMatchObject({ EvalDecision: 'implicitDeny' });
    const refused = await sdk(aliceKey)
      .send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [policy({ Effect: 'Allow', Action: '*', Resource: '*' })],
          ActionNames: ['a:b'],
        }),
      )
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: 'AccessDenied' });
  });

  it('serves the same simulation as REST', async () => {
    const response = await rootA.post('/v1/simulate/principal', {
      PolicySourceArn: `arn:aws:iam::${A}:role/worker`,
      ActionNames: ['queue:Receive'],
    });
    expect(response.status).toBe(200);
    expect(response.body.EvaluationResults[0]).toMatchObject({
      EvalActionName: 'queue:Receive',
      EvalDecision: 'allowed',
    });
  });
});

describe('service catalog and allowed actions', () => {
  it('catches unknown actions in resource policies and lists what a principal may do, paginated', async () => {
    const registered = await rootA.put('/v1/service-catalog/docs', {
      actions: ['Read', 'Write', 'Edit', 'Delete'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS's ARN-pattern placeholders, not a template
      resourceTypes: [{ name: 'doc', arnPattern: 'arn:${Partition}:docs:us-east-1:${Account}:doc/${DocId}' }],
      conditionKeys: [{ name: 'docs:Stage', type: 'String' }],
    });
    expect(registered.status).toBe(200);
    const typo = await rootA.put(`/v1/resource-policies/${encodeURIComponent(doc('t'))}`, {
      policy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: aliceArn() }, Action: 'docs:Raed', Resource: doc('t') },
        ],
      },
    });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toMatch(/docs:Read/);
    // The same catalog backs Access Analyzer-style validation of any policy type before it is saved.
    const validated = await rootA.post('/v1/validate-policy', {
      policyType: 'IDENTITY_POLICY',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'docs:Raed',
            Resource: '*',
            Condition: { StringEquals: { 'docs:Stag': 'draft' } },
          },
          { Effect: 'Allow', NotAction: 'docs:Delete', Resource: '*' },
        ],
      },
    });
    expect(validated.status).toBe(200);
    const messages = (validated.body.findings as { kind: string; message: string }[]).map(
      (f) => `${f.kind} ${f.message}`,
    );
    expect(messages.some((m) => m.includes('docs:Read'))).toBe(true);
    expect(messages.some((m) => m.includes('docs:Stage'))).toBe(true);
    expect(
      validated.body.findings.some(
        (f: { kind: string }) => f.kind === 'SECURITY_WARNING' || f.kind === 'WARNING',
      ),
    ).toBe(true);
    const bad = await rootA.post('/v1/validate-policy', { policyType: 'NOT_A_TYPE', policyDocument: '{}' });
    expect(bad.status).toBe(400);
    const denied = await bob.post('/v1/validate-policy', {
      policyType: 'IDENTITY_POLICY',
      policyDocument: '{}',
    });
    expect(denied.status).toBe(403);
    const first = await rootA.post('/v1/allowed-actions', {
      principal: `arn:aws:iam::${A}:user/bob`,
      resourceType: 'docs:doc',
      maxItems: 1,
    });
    expect(first.body).toMatchObject({ allowedActions: [{ action: 'docs:Edit' }], isTruncated: false });
  });
});

describe('reading the service catalog', () => {
  it('needs palisade:GetServiceDefinition or palisade:ListServiceDefinitions, whether or not the service exists', async () => {
    expect((await rootA.put('/v1/service-catalog/ledger', { actions: ['Post', 'Void'] })).status).toBe(200);
    const none = clientFor(running.url, await userWithKey(A, 'catalog-none'));
    const getter = clientFor(running.url, await userWithKey(A, 'catalog-getter'));
    await iam(A, 'PutUserPolicy', {
      UserName: 'catalog-getter',
      PolicyName: 'get',
      PolicyDocument: policy({
        Effect: 'Allow',
        Action: 'palisade:GetServiceDefinition',
        Resource: `arn:aws:palisade::${A}:service/ledger`,
      }),
    });
    const lister = clientFor(running.url, await userWithKey(A, 'catalog-lister'));
    await iam(A, 'PutUserPolicy', {
      UserName: 'catalog-lister',
      PolicyName: 'list',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'palisade:ListServiceDefinitions', Resource: '*' }),
    });

    for (const path of [
      '/v1/service-catalog',
      '/v1/service-catalog/ledger',
      '/v1/service-catalog/unregistered',
    ]) {
      const refused = await none.get(path);
      expect(refused.status, path).toBe(403);
      expect(refused.body.error.code, path).toBe('access.denied');
    }
    expect((await getter.get('/v1/service-catalog/ledger')).body).toMatchObject({ prefix: 'ledger' });
    expect((await getter.get('/v1/service-catalog/unregistered')).status).toBe(403);
    expect((await getter.get('/v1/service-catalog')).status).toBe(403);
    const listed = await lister.get('/v1/service-catalog');
    expect(listed.status).toBe(200);
    expect(listed.body.services.map((s: { prefix: string }) => s.prefix)).toContain('ledger');
    expect((await lister.get('/v1/service-catalog/ledger')).status).toBe(403);
    // A definition beyond the per-service size quota is a typed 409 and registers nothing.
    const oversized = await rootA.put('/v1/service-catalog/oversized', {
      actions: Array.from({ length: 700 }, (_, i) => `Action${i}${'x'.repeat(90)}`),
    });
    expect(oversized.status).toBe(409);
    expect(oversized.body.error.code).toBe('quota.exceeded');
    expect((await rootA.get('/v1/service-catalog/oversized')).status).toBe(404);
    // The root reads its own account's catalog; another account's root sees only its own.
    expect((await rootA.get('/v1/service-catalog/ledger')).status).toBe(200);
    expect((await rootB.get('/v1/service-catalog/ledger')).status).toBe(404);
  });
});

describe('decision log', () => {
  it('records sampled decisions and returns them by time', async () => {
    expect((await rootA.put('/v1/decision-log/settings', { sampleRate: 1 })).status).toBe(200);
    const from = new Date().toISOString();
    await expect
      .poll(
        async () => {
          await rootA.post('/v1/authorize', {
            principal: aliceArn(),
            action: 'docs:Read',
            resource: doc('logged'),
          });
          const log = await rootA.get(`/v1/decision-log?from=${encodeURIComponent(from)}`);
          return log.body.decisions.length;
        },
        { timeout: 3000, interval: 300 },
      )
      .toBeGreaterThan(0);
    const log = await rootA.get(`/v1/decision-log?from=${encodeURIComponent(from)}`);
    expect(log.body.decisions[0]).toMatchObject({
      principal: aliceArn(),
      action: 'docs:Read',
      resource: doc('logged'),
    });
    expect((await rootB.get(`/v1/decision-log?account=${A}`)).status).toBe(403);
  });
});

/** Serves a platform whose store is `tableName` at `endpoint`, runs `use` against it, then stops it. */
async function withBrokenStore(
  tableName: string,
  endpoint: string,
  use: (client: ReturnType<typeof clientFor>, logged: readonly Record<string, unknown>[]) => Promise<void>,
): Promise<void> {
  const logged: Record<string, unknown>[] = [];
  const platform = createPlatform(
    {
      tableName,
      dynamodbEndpoint: endpoint,
      operatorAccessKeyId: running.operator.accessKeyId,
      operatorSecretAccessKey: running.operator.secretAccessKey,
      masterKey: Buffer.alloc(32, 3).toString('base64'),
      partition: 'aws',
    },
    (entry) => logged.push({ ...entry }),
  );
  const { serve } = await import('@hono/node-server');
  const server = serve({ fetch: platform.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((done) => server.once('listening', done));
  const address = server.address() as { port: number };
  try {
    await use(clientFor(`http://127.0.0.1:${address.port}`, running.operator), logged);
  } finally {
    await new Promise((done) => server.close(() => done(undefined)));
  }
}

describe('fail closed', () => {
  it('answers a store failure with a generic message and the request id, never the internal error', async () => {
    const local = await running.platform.store.dynamodb.config.endpoint?.();
    const localEndpoint = `${local?.protocol}//${local?.hostname}:${local?.port}`;
    const question = { principal: aliceArn(), action: 'docs:Read', resource: doc('r') };
    for (const [tableName, endpoint, internal] of [
      ['no-such-table', localEndpoint, /ResourceNotFound|non-existent table|no-such-table/i],
      ['unreachable', 'http://127.0.0.1:9', /ECONNREFUSED|127\.0\.0\.1|connect/i],
    ] as const) {
      await withBrokenStore(tableName, endpoint, async (client, logged) => {
        const single = await client.post('/v1/authorize', question);
        expect(single.status).toBe(503);
        expect(single.body).toMatchObject({
          decision: 'implicitDeny',
          reason: 'platform-unavailable',
          requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        });
        expect(JSON.stringify(single.body)).not.toMatch(internal);
        // The operator's log keeps the cause, found by the request id.
        expect(JSON.stringify(logged.filter((entry) => entry.requestId === single.body.requestId))).toMatch(
          internal,
        );
        expect(single.body.explanation.message).toBe(
          'Denied because the policy store could not be read; retry later.',
        );
        const batch = await client.post('/v1/authorize/batch', { requests: [question] });
        expect(batch.body.results[0]).toMatchObject({ reason: 'platform-unavailable' });
        expect(JSON.stringify(batch.body)).not.toMatch(internal);
      });
    }
  });
});

describe('decisions for a role session about itself', () => {
  it('applies the session policy and the session tags', async () => {
    const sam = await userWithKey(A, 'sam');
    await iam(A, 'PutUserPolicy', {
      UserName: 'sam',
      PolicyName: 'assume',
      PolicyDocument: policy({
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Resource: '*',
      }),
    });
    await iam(A, 'CreateRole', {
      RoleName: 'tagged-worker',
      AssumeRolePolicyDocument: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${A}:user/sam` },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
      }),
    });
    await iam(A, 'PutRolePolicy', {
      RoleName: 'tagged-worker',
      PolicyName: 'queues',
      PolicyDocument: policy(
        { Effect: 'Allow', Action: 'queue:Receive', Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'queue:Purge',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalTag/team': 'ops' } },
        },
      ),
    });
    const sts = new STSClient({
      endpoint: running.url,
      region: 'us-east-1',
      credentials: sam,
      maxAttempts: 1,
    });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${A}:role/tagged-worker`,
        RoleSessionName: 'job-1',
        Tags: [{ Key: 'team', Value: 'ops' }],
        Policy: policy({ Effect: 'Allow', Action: 'queue:*', Resource: `arn:aws:queue:us-east-1:${A}:jobs` }),
      }),
    );
    const session = clientFor(running.url, {
      accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
      secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
      sessionToken: assumed.Credentials?.SessionToken ?? '',
    });
    const jobs = `arn:aws:queue:us-east-1:${A}:jobs`;
    const other = `arn:aws:queue:us-east-1:${A}:other`;
    const inside = await session.post('/v1/authorize', { action: 'queue:Receive', resource: jobs });
    expect(inside.status).toBe(200);
    expect(inside.body).toMatchObject({ decision: 'allowed' });
    const outside = await session.post('/v1/authorize', { action: 'queue:Receive', resource: other });
    expect(outside.body).toMatchObject({ decision: 'implicitDeny' });
    const tagged = await session.post('/v1/authorize', {
      action: 'queue:Purge',
      resource: jobs,
      context: { 'aws:PrincipalTag/team': 'dev' },
    });
    expect(tagged.body).toMatchObject({ decision: 'allowed', ignoredContextKeys: ['aws:PrincipalTag/team'] });
  });
});
