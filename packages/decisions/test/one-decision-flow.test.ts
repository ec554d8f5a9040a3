/**
 * One decision flow, in-process on DynamoDB Local: every kind of subject (user, role, a role
 * session asking about itself, the sessions carrying a role session's ARN, a token's sign-in
 * session) gets the same decision for the same request through authorize, batch, allowed-actions
 * and the simulator, and the decision log records every kind alike.
 */
import { fail, ok } from '@palisade/failures';
import { type IamContext, type IamOperations, iamOperations, tenantAccountOperations } from '@palisade/iam';
import type { Decision } from '@palisade/policy';
import {
  type Caller,
  loadEffectivePolicies,
  operatorCaller,
  roleSessionCaller,
  rootCaller,
} from '@palisade/principals';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { createDecisions, type Decisions, simulationOperations } from '../src/index.ts';
import { storeReaderSession } from './support/reader-sessions.ts';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const operator = operatorCaller('AKIAOPERATOR0000TEST');
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const ACTIONS = ['docs:Delete', 'docs:Read', 'docs:Write'] as const;
// Read is granted, Write is not, Delete is denied outright: each decision the engine can give.
const PERMISSIONS = policy(
  { Effect: 'Allow', Action: ['docs:Read', 'docs:Delete'], Resource: '*' },
  { Effect: 'Deny', Action: 'docs:Delete', Resource: '*' },
);

let iam: IamContext;
let A: string;
let decisions: Decisions;
let ownSession: Caller;
let serial = 0;

const resource = () => `arn:aws:docs:us-east-1:${A}:doc/1`;
const sessionArn = (name: string) => `arn:aws:sts::${A}:assumed-role/reader/${name}`;

async function run(action: keyof IamOperations, input: object) {
  const result = await iamOperations(iam)[action]?.(rootCaller('aws', A), input);
  if (!result?.ok) throw new Error(`${action}: ${result?.message}`);
  return result.value as Record<string, never>;
}

/** Stores a session of role `reader` as AssumeRole would, with `sessionPolicies`. */
async function storeSession(roleId: string, sessionName: string, sessionPolicies: string[] = []) {
  serial++;
  return storeReaderSession(
    {
      store: iam.store,
      accountId: A,
      roleId,
      sessionName,
      accessKeyId: `ASIAFLOW${String(serial).padStart(12, '0')}`,
      issuedAt: new Date(NOW.getTime() - 60_000 + serial),
      expiration: new Date(NOW.getTime() + 3_600_000),
    },
    { sessionPolicies: sessionPolicies.map((document, i) => ({ id: `session-${i}`, document })) },
  );
}

/** One kind of subject: who asks, how it is named, and what each action must come out as. */
interface SubjectCase {
  readonly kind: string;
  readonly asker: () => Caller;
  readonly question: () => { principal?: string; token?: string };
  readonly expected: Readonly<Record<(typeof ACTIONS)[number], Decision>>;
  /** The IAM entity the simulator can load, for users and roles. */
  readonly simulate?: () => string;
  /** Whether allowed-actions can name the subject (it takes no token). */
  readonly listable: boolean;
}

const granted = {
  'docs:Delete': 'explicitDeny',
  'docs:Read': 'allowed',
  'docs:Write': 'implicitDeny',
} as const;
const CASES: readonly SubjectCase[] = [
  {
    kind: 'user',
    asker: () => operator,
    question: () => ({ principal: `arn:aws:iam::${A}:user/carol` }),
    expected: granted,
    simulate: () => `arn:aws:iam::${A}:user/carol`,
    listable: true,
  },
  {
    kind: 'role',
    asker: () => operator,
    question: () => ({ principal: `arn:aws:iam::${A}:role/reader` }),
    expected: granted,
    simulate: () => `arn:aws:iam::${A}:role/reader`,
    listable: true,
  },
  {
    kind: 'own role session',
    asker: () => ownSession,
    question: () => ({}),
    expected: granted,
    listable: true,
  },
  {
    // Two live sessions share the ARN; the second's session policy grants only Write, so Read is
    // allowed by one and not the other: the most restrictive answer is the subject's.
    kind: 'role session ARN',
    asker: () => operator,
    question: () => ({ principal: sessionArn('shared') }),
    expected: { 'docs:Delete': 'explicitDeny', 'docs:Read': 'implicitDeny', 'docs:Write': 'implicitDeny' },
    listable: true,
  },
  {
    kind: 'token',
    asker: () => operator,
    question: () => ({ token: 'token-of-carol' }),
    expected: granted,
    listable: false,
  },
];

beforeAll(async () => {
  iam = await createIamTestContext('decision-flow', () => NOW);
  const created = await tenantAccountOperations(iam).createAccount(operator, 'decision-flow');
  if (!created.ok) throw new Error(created.message);
  A = created.value.account.accountId;
  await run('CreateUser', { UserName: 'carol' });
  await run('PutUserPolicy', { UserName: 'carol', PolicyName: 'docs', PolicyDocument: PERMISSIONS });
  const role = (await run('CreateRole', {
    RoleName: 'reader',
    AssumeRolePolicyDocument: policy({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${A}:root` },
      Action: 'sts:AssumeRole',
    }),
  })) as unknown as { Role: { RoleId: string } };
  await run('PutRolePolicy', { RoleName: 'reader', PolicyName: 'docs', PolicyDocument: PERMISSIONS });
  const roleId = role.Role.RoleId;
  const own = await storeSession(roleId, 'own');
  await storeSession(roleId, 'shared');
  await storeSession(roleId, 'shared', [policy({ Effect: 'Allow', Action: 'docs:Write', Resource: '*' })]);
  const effective = await loadEffectivePolicies(iam.store, 'aws', A, 'role', 'reader');
  if (!effective) throw new Error('the role did not load');
  ownSession = roleSessionCaller(effective, own, () => NOW);

  decisions = createDecisions({
    store: iam.store,
    partition: 'aws',
    now: () => NOW,
    random: () => 0,
    resolveToken: async (token) =>
      token === 'token-of-carol'
        ? ok({
            principalArn: `arn:aws:iam::${A}:user/carol`,
            accountId: A,
            mfa: false,
            authTime: NOW.getTime() / 1000 - 60,
            sessionId: 'sign-in-1',
            expiresAt: NOW.getTime() / 1000 + 600,
          })
        : fail('credentials.invalid-token', 'not a token'),
  });
  const catalog = await decisions.catalogs.put(rootCaller('aws', A), 'docs', {
    actions: ['Delete', 'Read', 'Write'],
  });
  if (!catalog.ok) throw new Error(catalog.message);
});

describe.each(CASES)('the decision flow for a $kind', (subject) => {
  it('gives each action its expected decision through authorize', async () => {
    for (const action of ACTIONS) {
      const answer = await decisions.decisions.authorize(
        subject.asker(),
        { ...subject.question(), action, resource: resource() },
        'flow',
      );
      expect({ action, decision: answer.ok && answer.value.decision }).toEqual({
        action,
        decision: subject.expected[action],
      });
    }
  });

  it('gives the same decisions through a batch', async () => {
    const answer = await decisions.decisions.authorizeBatch(
      subject.asker(),
      { requests: ACTIONS.map((action) => ({ ...subject.question(), action, resource: resource() })) },
      'flow-batch',
    );
    if (!answer.ok) throw new Error(answer.message);
    expect(answer.value.results.map((entry) => ('decision' in entry ? entry.decision : entry.error))).toEqual(
      ACTIONS.map((action) => subject.expected[action]),
    );
  });

  it.skipIf(!subject.listable)('lists as allowed exactly the actions authorize allows', async () => {
    const listed = await decisions.allowedActions(subject.asker(), {
      ...subject.question(),
      resource: resource(),
    });
    if (!listed.ok) throw new Error(listed.message);
    expect(listed.value.allowedActions.map((entry) => entry.action)).toEqual(
      ACTIONS.filter((action) => subject.expected[action] === 'allowed'),
    );
  });

  it.skipIf(subject.simulate === undefined)('simulates each action to the same decision', async () => {
    const simulation = simulationOperations({ store: iam.store, partition: 'aws' });
    const simulated = await simulation.SimulatePrincipalPolicy?.(rootCaller('aws', A), {
      PolicySourceArn: subject.simulate?.(),
      ActionNames: [...ACTIONS],
      ResourceArns: [resource()],
    });
    if (!simulated?.ok) throw new Error(simulated?.message);
    const results = (
      simulated.value as { EvaluationResults: { EvalActionName: string; EvalDecision: string }[] }
    ).EvaluationResults;
    expect(results.map((r) => [r.EvalActionName, r.EvalDecision])).toEqual(
      ACTIONS.map((action) => [action, subject.expected[action]]),
    );
  });
});

describe('the decision log', () => {
  it('records a role session asking about itself as it records every other subject', async () => {
    const root = rootCaller('aws', A);
    const configured = await decisions.decisionLog.configure(root, { sampleRate: 1 });
    if (!configured.ok) throw new Error(configured.message);
    // A new service reads the account's new sampling rate (the old one holds it for the window).
    const fresh = createDecisions({ store: iam.store, partition: 'aws', now: () => NOW, random: () => 0 });
    const asked = await fresh.decisions.authorize(
      ownSession,
      { action: 'docs:Read', resource: resource() },
      'own-log',
    );
    expect(asked).toMatchObject({ ok: true, value: { decision: 'allowed' } });
    const log = await fresh.decisionLog.query(root, {
      from: new Date(NOW.getTime() - 1000).toISOString(),
      to: new Date(NOW.getTime() + 1000).toISOString(),
    });
    if (!log.ok) throw new Error(log.message);
    expect(log.value.decisions.filter((entry) => entry.requestId === 'own-log')).toEqual([
      expect.objectContaining({
        principal: sessionArn('own'),
        askedBy: sessionArn('own'),
        action: 'docs:Read',
        decision: 'allowed',
      }),
    ]);
  });
});
