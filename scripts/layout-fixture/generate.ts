/**
 * Generates test/fixtures/layout-v1/: a table filled by the platform's own code through its real
 * interfaces (the AWS SDK's IAM and STS clients, the signed REST and decision routes, sign-in), with
 * everything a tenant can own, dumped item by item, and a manifest of the credentials a test needs
 * to use that data. Run it with `npx tsx scripts/layout-fixture/generate.ts` on the code whose
 * layout the dump should hold (it was generated on the name-keyed layout, v1, and is committed).
 *
 * TEST-ONLY: the master key, the operator key and every secret in the manifest protect nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetAccountSummaryCommand,
  type IAMClient,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  SetDefaultPolicyVersionCommand,
  UpdateAccessKeyCommand,
  UpdateAccountPasswordPolicyCommand,
  UpdateGroupCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { serve } from '@hono/node-server';
import { generateTotpCode } from '@palisade/credentials';
import { createStoreContext, ensureTable } from '@palisade/store';
import { createPlatform } from '../../functions/wiring/platform.ts';
import { iamClientAt, stsClientAt } from '../../test/fixtures/pinned-clock-clients.ts';
import { type SigningKey, sendAs } from '../../test/fixtures/signed-fetch.ts';
import { canonicalJson, scanTableItems } from '../../test/fixtures/table-items.ts';
import { enrolVirtualMfaDevice } from '../../test/fixtures/virtual-mfa.ts';
import { startDynamoDbLocalUntilStopped, stopOnExit } from '../bench-iam/child-processes.ts';

/** Where the clock stands when generation starts: far enough ahead that no session has expired. */
const START = Date.parse('2031-03-01T12:00:00.000Z');
const TABLE = 'layout-v1';
// TEST-ONLY secrets: published in the repository, so they protect nothing.
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
const OPERATOR = {
  accessKeyId: 'AKIAOPERATORFIXTURE1',
  secretAccessKey: 'operator-secret-of-the-layout-fixture-0000',
} as const;
const ALICE_PASSWORD = 'Fixture-Passw0rd-Alice';
const CAROL_PASSWORD = 'Fixture-Passw0rd-Carol';

const output = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/layout-v1');

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

let clock = START;
/** Moves the pinned clock on (so items written later carry later times, and TOTP steps differ). */
const tick = (ms = 1_000) => {
  clock += ms;
};

const stops = stopOnExit();
try {
  const dynamodb = await startDynamoDbLocalUntilStopped(stops);
  const store = createStoreContext({ tableName: TABLE, endpoint: dynamodb.endpoint });
  await ensureTable(store);
  const platform = createPlatform(
    {
      tableName: TABLE,
      dynamodbEndpoint: dynamodb.endpoint,
      operatorAccessKeyId: OPERATOR.accessKeyId,
      operatorSecretAccessKey: OPERATOR.secretAccessKey,
      masterKey: MASTER_KEY,
      partition: 'aws',
      issuer: 'http://127.0.0.1:4000',
      devAllowLoopbackOidc: false,
    },
    () => {},
    () => new Date(clock),
  );
  const server = serve({ fetch: platform.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((done) => server.once('listening', done));
  stops.add('server', () => new Promise((done) => server.close(() => done())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const manifest = await fill(url);
  server.close();
  const items = await scanTableItems(store);
  mkdirSync(output, { recursive: true });
  writeFileSync(resolve(output, 'items.json'), canonicalJson(items));
  writeFileSync(resolve(output, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`layout-fixture: ${items.length} items and the manifest written to ${output}`);
} finally {
  await stops.stopAll();
}

/**
 * SDK clients that sign with the pinned clock. The SDK re-derives its clock offset from each
 * answer's Date header (real time), so the offset is set again before every request is signed.
 */
function iam(url: string, key: SigningKey): IAMClient {
  return iamClientAt(url, key, () => clock);
}

function sts(url: string, key: SigningKey): STSClient {
  return stsClientAt(url, key, () => clock);
}

/** A signed JSON call to the REST or decision API that must succeed. */
async function rest(url: string, key: SigningKey, method: string, path: string, body?: unknown) {
  const answer = await sendAs(
    url,
    { key, service: 'palisade' },
    { method, path, ...(body === undefined ? {} : { body: JSON.stringify(body) }) },
    new Date(clock),
  );
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  tick();
  return answer.text ? (JSON.parse(answer.text) as Record<string, unknown>) : {};
}

async function createAccount(url: string, alias: string) {
  const created = (await rest(url, OPERATOR, 'POST', '/v1/accounts', { alias })) as {
    accountId: string;
    rootAccessKey: { accessKeyId: string; secretAccessKey: string };
  };
  return { accountId: created.accountId, alias, root: created.rootAccessKey };
}

async function accessKey(client: IAMClient, userName: string) {
  const { AccessKey } = await client.send(new CreateAccessKeyCommand({ UserName: userName }));
  tick();
  return { accessKeyId: AccessKey?.AccessKeyId ?? '', secretAccessKey: AccessKey?.SecretAccessKey ?? '' };
}

/** Builds the data set and returns the manifest: what a test needs to act on it. */
async function fill(url: string) {
  const a = await createAccount(url, 'fixture-a');
  const b = await createAccount(url, 'fixture-b');
  const A = a.accountId;
  const rootA = iam(url, a.root);
  // One IAM call that must succeed, then a clock tick; the output typed by the caller.
  const send = async <T = unknown>(client: IAMClient, command: { readonly input: object }): Promise<T> => {
    const answer = (await (client.send as (c: unknown) => Promise<unknown>).call(client, command)) as T;
    tick();
    return answer;
  };

  await send(
    rootA,
    new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12, RequireNumbers: true }),
  );

  // Customer managed policies: one with three versions whose default is not the newest.
  const docsReader = await send<{ Policy?: { Arn?: string } }>(
    rootA,
    new CreatePolicyCommand({
      PolicyName: 'DocsReader',
      Path: '/fixture/',
      Description: 'Reads documents',
      PolicyDocument: policy({ Sid: 'V1', Effect: 'Allow', Action: 'docs:Read', Resource: '*' }),
    }),
  );
  const docsReaderArn = docsReader.Policy?.Arn ?? '';
  await send(
    rootA,
    new CreatePolicyVersionCommand({
      PolicyArn: docsReaderArn,
      PolicyDocument: policy({
        Sid: 'V2',
        Effect: 'Allow',
        Action: ['docs:Read', 'docs:List'],
        Resource: '*',
      }),
      SetAsDefault: true,
    }),
  );
  await send(
    rootA,
    new CreatePolicyVersionCommand({
      PolicyArn: docsReaderArn,
      PolicyDocument: policy({ Sid: 'V3', Effect: 'Allow', Action: 'docs:*', Resource: '*' }),
      SetAsDefault: true,
    }),
  );
  await send(rootA, new SetDefaultPolicyVersionCommand({ PolicyArn: docsReaderArn, VersionId: 'v2' }));
  const iamReader = await send<{ Policy?: { Arn?: string } }>(
    rootA,
    new CreatePolicyCommand({
      PolicyName: 'IamReader',
      PolicyDocument: policy({ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }),
    }),
  );
  const boundary = await send<{ Policy?: { Arn?: string } }>(
    rootA,
    new CreatePolicyCommand({
      PolicyName: 'EngineeringBoundary',
      PolicyDocument: policy({
        Effect: 'Allow',
        Action: [
          'docs:*',
          'notes:*',
          'iam:Get*',
          'iam:List*',
          'sts:AssumeRole',
          'sts:TagSession',
          'palisade:*',
        ],
        Resource: '*',
      }),
    }),
  );

  // alice: path, tags, boundary, password, an active and an inactive key, an enabled MFA device.
  await send(
    rootA,
    new CreateUserCommand({
      UserName: 'alice',
      Path: '/engineering/',
      Tags: [
        { Key: 'team', Value: 'blue' },
        { Key: 'cost-center', Value: '42' },
      ],
      PermissionsBoundary: boundary.Policy?.Arn,
    }),
  );
  await send(rootA, new CreateLoginProfileCommand({ UserName: 'alice', Password: ALICE_PASSWORD }));
  const aliceActive = await accessKey(rootA, 'alice');
  const aliceInactive = await accessKey(rootA, 'alice');
  await send(
    rootA,
    new UpdateAccessKeyCommand({
      UserName: 'alice',
      AccessKeyId: aliceInactive.accessKeyId,
      Status: 'Inactive',
    }),
  );
  await send(rootA, new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: iamReader.Policy?.Arn }));
  const mfa = await enrolVirtualMfaDevice(rootA, 'alice', 'alice-phone', clock);
  tick(60_000);

  // robert becomes bob, ops-team becomes operations: renames after children were written.
  await send(rootA, new CreateUserCommand({ UserName: 'robert', Tags: [{ Key: 'team', Value: 'red' }] }));
  const bobKey = await accessKey(rootA, 'robert');
  await send(
    rootA,
    new PutUserPolicyCommand({
      UserName: 'robert',
      PolicyName: 'own-notes',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'notes:Write', Resource: '*' }),
    }),
  );
  await send(rootA, new CreateGroupCommand({ GroupName: 'ops-team', Path: '/ops/' }));
  await send(
    rootA,
    new PutGroupPolicyCommand({
      GroupName: 'ops-team',
      PolicyName: 'run-books',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'runbooks:Read', Resource: '*' }),
    }),
  );
  await send(
    rootA,
    new AttachGroupPolicyCommand({ GroupName: 'ops-team', PolicyArn: iamReader.Policy?.Arn }),
  );
  await send(rootA, new AddUserToGroupCommand({ GroupName: 'ops-team', UserName: 'robert' }));
  await send(rootA, new UpdateUserCommand({ UserName: 'robert', NewUserName: 'bob' }));
  await send(rootA, new UpdateGroupCommand({ GroupName: 'ops-team', NewGroupName: 'operations' }));

  // readers: alice may read documents only through this group's attached policy.
  await send(rootA, new CreateGroupCommand({ GroupName: 'readers' }));
  await send(
    rootA,
    new PutGroupPolicyCommand({
      GroupName: 'readers',
      PolicyName: 'read-notes',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'notes:Read', Resource: '*' }),
    }),
  );
  await send(rootA, new AttachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: docsReaderArn }));
  await send(rootA, new AddUserToGroupCommand({ GroupName: 'readers', UserName: 'alice' }));
  await send(rootA, new AddUserToGroupCommand({ GroupName: 'readers', UserName: 'bob' }));

  // deployer: trust policy, tags, a two-hour maximum session, inline and attached policies.
  const deployer = await send<{ Role?: { Arn?: string } }>(
    rootA,
    new CreateRoleCommand({
      RoleName: 'deployer',
      Path: '/service/',
      Description: 'Deploys documents',
      MaxSessionDuration: 7200,
      Tags: [{ Key: 'purpose', Value: 'deploy' }],
      AssumeRolePolicyDocument: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${A}:user/engineering/alice` },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
      }),
    }),
  );
  await send(
    rootA,
    new PutRolePolicyCommand({
      RoleName: 'deployer',
      PolicyName: 'deploy',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'deploy:*', Resource: '*' }),
    }),
  );
  await send(rootA, new AttachRolePolicyCommand({ RoleName: 'deployer', PolicyArn: docsReaderArn }));
  await send(
    rootA,
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'assume-deployer',
      PolicyDocument: policy({
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Resource: deployer.Role?.Arn,
      }),
    }),
  );

  await send(
    rootA,
    new CreateOpenIDConnectProviderCommand({
      Url: 'https://token.fixture.example/oidc',
      ClientIDList: ['fixture-client'],
      ThumbprintList: ['0123456789abcdef0123456789abcdef01234567'],
      Tags: [{ Key: 'issuer', Value: 'fixture' }],
    }),
  );

  // Decision API: a resource policy, account and platform catalog entries, decision-log settings.
  const handbook = `arn:aws:docs:us-east-1:${A}:doc/handbook`;
  await rest(url, a.root, 'PUT', `/v1/resource-policies/${encodeURIComponent(handbook)}`, {
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'BobReadsHandbook',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${A}:user/bob` },
          Action: 'docs:Read',
          Resource: handbook,
        },
      ],
    },
    tags: [{ Key: 'classification', Value: 'internal' }],
  });
  await rest(url, a.root, 'PUT', '/v1/service-catalog/docs', {
    actions: ['Read', 'List', 'Write', 'Delete'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS's ARN-pattern placeholders, not a template
    resourceTypes: [{ name: 'doc', arnPattern: 'arn:${Partition}:docs:us-east-1:${Account}:doc/${Id}' }],
    conditionKeys: [{ name: 'docs:Stage', type: 'String' }],
  });
  await rest(url, OPERATOR, 'PUT', '/v1/service-catalog/billing', { actions: ['ViewInvoice', 'PayInvoice'] });
  await rest(url, a.root, 'PUT', '/v1/decision-log/settings', { sampleRate: 1 });
  const decided = await rest(url, aliceActive, 'POST', '/v1/authorize', {
    action: 'docs:Read',
    resource: handbook,
  });
  if (decided.decision !== 'allowed') throw new Error(`alice's decision: ${JSON.stringify(decided)}`);

  // An STS session (AssumeRole) and a sign-in session (password + MFA).
  const assumed = await sts(url, aliceActive).send(
    new AssumeRoleCommand({
      RoleArn: deployer.Role?.Arn,
      RoleSessionName: 'fixture-session',
      DurationSeconds: 7200,
      Tags: [{ Key: 'ticket', Value: 'FIX-1' }],
    }),
  );
  tick();
  const signIn = await fetch(`${url}/v1/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      account: 'fixture-a',
      userName: 'alice',
      password: ALICE_PASSWORD,
      mfaCode: generateTotpCode(mfa.seed, new Date(clock)),
    }),
  });
  const session = (await signIn.json()) as { refreshToken?: string; error?: unknown };
  if (!session.refreshToken) throw new Error(`sign-in failed: ${JSON.stringify(session)}`);
  tick();

  // Account B: a user with a password and a key, a group, a role trusting account A.
  const rootB = iam(url, b.root);
  await send(rootB, new CreateUserCommand({ UserName: 'Carol' }));
  await send(rootB, new CreateLoginProfileCommand({ UserName: 'Carol', Password: CAROL_PASSWORD }));
  const carolKey = await accessKey(rootB, 'Carol');
  await send(rootB, new CreateGroupCommand({ GroupName: 'auditors' }));
  await send(rootB, new AddUserToGroupCommand({ GroupName: 'auditors', UserName: 'Carol' }));
  await send(
    rootB,
    new CreateRoleCommand({
      RoleName: 'partner-auditor',
      AssumeRolePolicyDocument: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${A}:root` },
        Action: 'sts:AssumeRole',
      }),
    }),
  );

  const summaries = Object.fromEntries(
    await Promise.all(
      [
        [a.alias, rootA],
        [b.alias, rootB],
      ].map(async ([alias, client]) => {
        const { SummaryMap } = await (client as IAMClient).send(new GetAccountSummaryCommand({}));
        return [alias, SummaryMap];
      }),
    ),
  );

  return {
    testOnly:
      'TEST-ONLY fixture: every key, password and seed below was generated for this dump and protects nothing.',
    generatedBy: 'npx tsx scripts/layout-fixture/generate.ts',
    layout: 'v1 (name-keyed, account SUMMARY counters, POLICY-EPOCH)',
    startedAt: new Date(START).toISOString(),
    finishedAt: new Date(clock).toISOString(),
    masterKey: MASTER_KEY,
    operator: OPERATOR,
    accounts: { a, b },
    users: {
      alice: {
        account: 'a',
        arn: `arn:aws:iam::${A}:user/engineering/alice`,
        password: ALICE_PASSWORD,
        activeKey: aliceActive,
        inactiveKey: aliceInactive,
        mfa,
      },
      bob: { account: 'a', formerName: 'robert', key: bobKey },
      Carol: { account: 'b', password: CAROL_PASSWORD, key: carolKey },
    },
    groups: { operations: { account: 'a', formerName: 'ops-team' }, readers: { account: 'a' } },
    policies: { docsReader: docsReaderArn, iamReader: iamReader.Policy?.Arn, boundary: boundary.Policy?.Arn },
    roles: { deployer: deployer.Role?.Arn },
    roleSession: {
      accessKeyId: assumed.Credentials?.AccessKeyId,
      secretAccessKey: assumed.Credentials?.SecretAccessKey,
      sessionToken: assumed.Credentials?.SessionToken,
      expiration: assumed.Credentials?.Expiration?.toISOString(),
    },
    signInSession: { refreshToken: session.refreshToken },
    accountSummaries: summaries,
  };
}
