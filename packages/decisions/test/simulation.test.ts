/**
 * IAM's policy simulator in-process on DynamoDB Local: statement positions, missing keys as
 * written, ResourceHandlingOption, the per-resource and boundary details, groups and CallerArn.
 */
import type { Result } from '@palisade/failures';
import { type IamContext, type IamOperations, iamOperations, tenantAccountOperations } from '@palisade/iam';
import { type Caller, operatorCaller, rootCaller } from '@palisade/principals';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { contextKeySpellings, statementSpans } from '../src/policy-text.ts';
import { RESOURCE_HANDLING_OPTIONS, simulationOperations } from '../src/simulation.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
const operator = operatorCaller('AKIAOPERATOR0000TEST');
let iam: IamContext;
let A: string;
let simulation: ReturnType<typeof simulationOperations>;

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

// A pretty-printed policy with CRLF line breaks: statement 0 on line 4, statement 1 on lines 5–10.
const MULTI_LINE = [
  '{',
  '  "Version": "2012-10-17",',
  '  "Statement": [',
  '    {"Sid": "Read", "Effect": "Allow", "Action": "docs:Read", "Resource": "*"},',
  '    {',
  '      "Sid": "Write",',
  '      "Effect": "Allow",',
  '      "Action": "docs:Write",',
  '      "Resource": "*"',
  '    }',
  '  ]',
  '}',
].join('\r\n');

async function run(action: keyof IamOperations, input: object) {
  const result = await iamOperations(iam)[action]?.(rootCaller('aws', A), input);
  if (!result?.ok) throw new Error(`${action}: ${result?.message}`);
  return result.value;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read the AWS-shaped output freely
type Output = any;

async function simulate(
  action: 'SimulateCustomPolicy' | 'SimulatePrincipalPolicy',
  input: object,
  caller?: Caller,
) {
  const result = (await simulation[action]?.(caller ?? rootCaller('aws', A), input)) as Result<Output>;
  if (result === undefined) throw new Error(`no operation ${action}`);
  return result;
}

async function simulated(action: 'SimulateCustomPolicy' | 'SimulatePrincipalPolicy', input: object) {
  const result = await simulate(action, input);
  if (!result.ok) throw new Error(`${action}: ${result.code} ${result.message}`);
  return result.value;
}

const doc = (name: string, account = A) => `arn:aws:docs:us-east-1:${account}:doc/${name}`;

beforeAll(async () => {
  iam = await createIamTestContext('simulation', () => NOW);
  const { store } = iam;
  const created = await tenantAccountOperations(iam).createAccount(operator, 'simulation-unit');
  if (!created.ok) throw new Error(created.message);
  A = created.value.account.accountId;
  simulation = simulationOperations({ store, partition: 'aws' });

  await run('CreateGroup', { GroupName: 'writers' });
  await run('PutGroupPolicy', { GroupName: 'writers', PolicyName: 'write', PolicyDocument: MULTI_LINE });
  await run('CreatePolicy', {
    PolicyName: 'staged',
    PolicyDocument: policy({
      Sid: 'Publish',
      Effect: 'Allow',
      Action: 'docs:Publish',
      Resource: '*',
      Condition: { StringEquals: { 'docs:Stage': 'final' } },
    }),
  });
  await run('AttachGroupPolicy', { GroupName: 'writers', PolicyArn: `arn:aws:iam::${A}:policy/staged` });
  await run('CreatePolicy', {
    PolicyName: 'read-only-boundary',
    PolicyDocument: policy({ Effect: 'Allow', Action: ['docs:Read', 'docs:Publish'], Resource: '*' }),
  });
  await run('CreateUser', { UserName: 'dana' });
  await run('AddUserToGroup', { GroupName: 'writers', UserName: 'dana' });
  await run('PutUserPermissionsBoundary', {
    UserName: 'dana',
    PermissionsBoundary: `arn:aws:iam::${A}:policy/read-only-boundary`,
  });
  await run('CreateUser', { UserName: 'erin' });
  await run('PutUserPolicy', {
    UserName: 'erin',
    PolicyName: 'own-folder',
    PolicyDocument: policy({
      Effect: 'Allow',
      Action: 'docs:Read',
      Resource: `arn:aws:docs:us-east-1:${A}:doc/\${aws:username}/*`,
    }),
  });
});

describe('statement positions', () => {
  it('reproduces the positions of AWS CLI simulate-custom-policy example 1', async () => {
    // The policy, action and context of the AWS CLI's documented example, and its answer.
    const awsExample =
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}';
    const output = await simulated('SimulateCustomPolicy', {
      PolicyInputList: [awsExample],
      ActionNames: ['dynamodb:CreateBackup'],
      ContextEntries: [
        {
          ContextKeyName: 'aws:CurrentTime',
          ContextKeyValues: ['2019-04-25T11:00:00Z'],
          ContextKeyType: 'date',
        },
      ],
    });
    expect(output.EvaluationResults).toEqual([
      {
        EvalActionName: 'dynamodb:CreateBackup',
        EvalResourceName: '*',
        EvalDecision: 'allowed',
        MatchedStatements: [
          {
            SourcePolicyId: 'PolicyInputList.1',
            SourcePolicyType: 'none',
            StartPosition: { Line: 1, Column: 38 },
            EndPosition: { Line: 1, Column: 167 },
          },
        ],
        MissingContextValues: [],
      },
    ]);
  });

  it('locates the Nth statement of a pretty-printed policy across CRLF line breaks', async () => {
    const output = await simulated('SimulateCustomPolicy', {
      PolicyInputList: [MULTI_LINE],
      ActionNames: ['docs:Read', 'docs:Write'],
    });
    expect(output.EvaluationResults.map((r: Output) => r.MatchedStatements)).toEqual([
      [
        {
          SourcePolicyId: 'PolicyInputList.1',
          SourcePolicyType: 'none',
          StartPosition: { Line: 4, Column: 6 },
          EndPosition: { Line: 4, Column: 79 },
        },
      ],
      [
        {
          SourcePolicyId: 'PolicyInputList.1',
          SourcePolicyType: 'none',
          StartPosition: { Line: 5, Column: 6 },
          EndPosition: { Line: 10, Column: 6 },
        },
      ],
    ]);
  });

  it('locates no statement in text nested 100,000 deep instead of overflowing the stack', () => {
    const text = `{"Statement":[{}, ${'['.repeat(100_000)}${']'.repeat(100_000)}]}`;
    expect(statementSpans(text)).toEqual([]);
  });

  it('finds statements under the last duplicate Statement member, as JSON.parse reads it', () => {
    const text = '{"Statement":[{"a":1}],\n"Statement":[{"b":1},{"c":2}]}';
    expect(statementSpans(text)).toEqual([
      { StartPosition: { Line: 2, Column: 15 }, EndPosition: { Line: 2, Column: 21 } },
      { StartPosition: { Line: 2, Column: 23 }, EndPosition: { Line: 2, Column: 29 } },
    ]);
    expect(statementSpans('not json')).toEqual([]);
    expect(statementSpans('{"Statement": ["x", {}]}')).toEqual([
      undefined,
      { StartPosition: { Line: 1, Column: 22 }, EndPosition: { Line: 1, Column: 23 } },
    ]);
  });

  it('lists only the Deny statements when the decision is an explicit deny', async () => {
    const output = await simulated('SimulateCustomPolicy', {
      PolicyInputList: [
        policy(
          { Sid: 'All', Effect: 'Allow', Action: 'docs:*', Resource: '*' },
          { Sid: 'NoDelete', Effect: 'Deny', Action: 'docs:Delete', Resource: '*' },
        ),
      ],
      ActionNames: ['docs:Delete'],
    });
    const [result] = output.EvaluationResults;
    expect(result.EvalDecision).toBe('explicitDeny');
    expect(result.MatchedStatements).toEqual([
      expect.objectContaining({
        SourcePolicyId: 'PolicyInputList.1',
        StartPosition: { Line: 1, Column: 103 },
      }),
    ]);
  });
});

describe('MissingContextValues', () => {
  it("keeps each key's spelling from the policy, policy variables included", async () => {
    const output = await simulated('SimulateCustomPolicy', {
      PolicyInputList: [
        policy(
          {
            Effect: 'Allow',
            Action: 'docs:Write',
            Resource: '*',
            Condition: { StringEquals: { 'docs:Stage': 'draft', 'aws:PrincipalTag/Team': 'Blue' } },
          },
          {
            Effect: 'Allow',
            Action: 'docs:Write',
            Resource: '*',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable
            Condition: { StringLike: { 'aws:RequestTag/Owner': '${aws:PrincipalTag/CostCenter}' } },
          },
        ),
      ],
      ActionNames: ['docs:Write'],
      ContextEntries: [
        { ContextKeyName: 'aws:requesttag/owner', ContextKeyValues: ['x'], ContextKeyType: 'string' },
      ],
    });
    expect(output.EvaluationResults[0]).toMatchObject({
      EvalDecision: 'implicitDeny',
      MissingContextValues: ['docs:Stage', 'aws:PrincipalTag/CostCenter'],
    });
  });

  it('reads the spellings of keys and variable keys only from conditions, first spelling first', () => {
    const spellings = contextKeySpellings([
      {
        text: policy({
          Effect: 'Allow',
          Action: '*',
          Resource: '*',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: IAM policy variables and escapes
          Condition: { StringEquals: { 'aws:SourceVpc': ["${aws:PrincipalTag/Vpc, 'none'}", '${*}'] } },
        }),
        type: 'identity',
      },
      {
        text: policy({
          Effect: 'Allow',
          Action: '*',
          Resource: '*',
          Condition: { Bool: { 'AWS:SOURCEVPC': 'x' } },
        }),
        type: 'identity',
      },
    ]);
    expect([...spellings]).toEqual([
      ['aws:sourcevpc', 'aws:SourceVpc'],
      ['aws:principaltag/vpc', 'aws:PrincipalTag/Vpc'],
    ]);
  });
});

describe('ResourceHandlingOption', () => {
  it("refuses a value outside AWS's list with InvalidInput and accepts each of AWS's values", async () => {
    const input = { PolicyInputList: [MULTI_LINE], ActionNames: ['docs:Read'] };
    const refused = await simulate('SimulateCustomPolicy', {
      ...input,
      ResourceHandlingOption: 'EC2-Classic-EBS',
    });
    expect(refused).toMatchObject({ ok: false, code: 'request.invalid-input' });
    expect(refused.ok || refused.message).toContain('EC2-VPC-EBS-Subnet');
    const plain = await simulated('SimulateCustomPolicy', input);
    for (const option of RESOURCE_HANDLING_OPTIONS) {
      // Nothing but validation: tenant resources are in none of the EC2 scenarios.
      expect(await simulated('SimulateCustomPolicy', { ...input, ResourceHandlingOption: option })).toEqual(
        plain,
      );
    }
  });
});

describe('ContextEntries', () => {
  const labelled = policy({
    Effect: 'Allow',
    Action: 'docs:Tag',
    Resource: '*',
    Condition: { 'ForAllValues:StringEquals': { 'docs:Labels': ['draft', 'review'] } },
  });
  const decide = async (entry: object) =>
    simulate('SimulateCustomPolicy', {
      PolicyInputList: [labelled],
      ActionNames: ['docs:Tag'],
      ContextEntries: [{ ContextKeyName: 'docs:Labels', ...entry }],
    });

  it('passes every value of a list type as one multivalued key', async () => {
    expect(
      await decide({ ContextKeyValues: ['draft', 'review'], ContextKeyType: 'stringList' }),
    ).toMatchObject({
      value: { EvaluationResults: [{ EvalDecision: 'allowed' }] },
    });
    expect(
      await decide({ ContextKeyValues: ['draft', 'final'], ContextKeyType: 'stringList' }),
    ).toMatchObject({
      value: { EvaluationResults: [{ EvalDecision: 'implicitDeny' }] },
    });
  });

  it('refuses several values for a scalar type, and values that do not parse as their type', async () => {
    expect(await decide({ ContextKeyValues: ['draft', 'review'], ContextKeyType: 'string' })).toMatchObject({
      ok: false,
      code: 'request.invalid-input',
      message: expect.stringContaining('stringList'),
    });
    for (const [type, value] of [
      ['numeric', 'ten'],
      ['booleanList', 'yes'],
      ['date', 'tomorrow'],
      ['ipList', '10.0.0.0/33'],
      ['binary', 'not base64!'],
    ]) {
      expect(await decide({ ContextKeyValues: [value], ContextKeyType: type }), type).toMatchObject({
        ok: false,
        code: 'request.invalid-input',
      });
    }
    expect(
      await decide({ ContextKeyValues: ['10.0.0.0/8', '2001:db8::1'], ContextKeyType: 'ipList' }),
    ).toMatchObject({
      ok: true,
    });
  });
});

describe('CallerArn', () => {
  const resourcePolicy = policy({
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${'111122223333'}:user/guest` },
    Action: 'docs:Read',
    Resource: '*',
  });

  it('is required with a ResourcePolicy and must name an IAM user, group or role', async () => {
    const input = {
      PolicyInputList: [MULTI_LINE],
      ActionNames: ['docs:Read'],
      ResourcePolicy: resourcePolicy,
    };
    expect(await simulate('SimulateCustomPolicy', input)).toMatchObject({
      ok: false,
      code: 'request.invalid-input',
    });
    for (const arn of [
      `arn:aws:sts::${A}:assumed-role/worker/session`,
      `arn:aws:sts::${A}:federated-user/fed`,
      'docs.amazonaws.com',
      `arn:aws-cn:iam::${A}:user/other-partition`,
    ]) {
      expect(await simulate('SimulateCustomPolicy', { ...input, CallerArn: arn }), arn).toMatchObject({
        ok: false,
        code: 'request.invalid-input',
      });
    }
    for (const kind of ['user', 'group', 'role'])
      expect(
        await simulate('SimulateCustomPolicy', { ...input, CallerArn: `arn:aws:iam::${A}:${kind}/x` }),
      ).toMatchObject({
        ok: true,
      });
  });

  it('simulates the caller named by CallerArn with the source principal’s policies', async () => {
    const output = await simulated('SimulatePrincipalPolicy', {
      PolicySourceArn: `arn:aws:iam::${A}:user/erin`,
      CallerArn: `arn:aws:iam::${A}:user/frank`,
      ActionNames: ['docs:Read'],
      ResourceArns: [doc('frank/notes'), doc('erin/notes')],
    });
    expect(
      output.EvaluationResults[0].ResourceSpecificResults.map((r: Output) => [
        r.EvalResourceName,
        r.EvalResourceDecision,
      ]),
    ).toEqual([
      [doc('frank/notes'), 'allowed'],
      [doc('erin/notes'), 'implicitDeny'],
    ]);
  });
});

describe('EvaluationResults', () => {
  // Built when a test runs: the account id is known only after beforeAll.
  const twoStatements = () =>
    policy(
      { Sid: 'Read', Effect: 'Allow', Action: 'docs:Read', Resource: '*' },
      { Sid: 'NoSecrets', Effect: 'Deny', Action: 'docs:Read', Resource: doc('secret') },
    );

  it('answers one result per action with the most restrictive decision, and one entry per listed resource', async () => {
    const output = await simulated('SimulateCustomPolicy', {
      PolicyInputList: [twoStatements()],
      ActionNames: ['docs:Read'],
      ResourceArns: [doc('readme'), doc('secret')],
    });
    expect(output.EvaluationResults).toHaveLength(1);
    const [result] = output.EvaluationResults;
    expect(result).toMatchObject({
      EvalActionName: 'docs:Read',
      EvalResourceName: '*',
      EvalDecision: 'explicitDeny',
      MatchedStatements: [{ SourcePolicyId: 'PolicyInputList.1', StartPosition: { Line: 1, Column: 107 } }],
      // Same account, listed resources: present but empty.
      EvalDecisionDetails: {},
    });
    expect(result.ResourceSpecificResults).toEqual([
      {
        EvalResourceName: doc('readme'),
        EvalResourceDecision: 'allowed',
        MatchedStatements: [expect.objectContaining({ StartPosition: { Line: 1, Column: 39 } })],
        MissingContextValues: [],
      },
      {
        EvalResourceName: doc('secret'),
        EvalResourceDecision: 'explicitDeny',
        MatchedStatements: [expect.objectContaining({ StartPosition: { Line: 1, Column: 107 } })],
        MissingContextValues: [],
      },
    ]);
  });

  it('omits ResourceSpecificResults and EvalDecisionDetails for a same-account simulation of *', async () => {
    for (const resources of [{}, { ResourceArns: ['*'] }]) {
      const [result] = (
        await simulated('SimulateCustomPolicy', {
          PolicyInputList: [twoStatements()],
          ActionNames: ['docs:Read'],
          ...resources,
        })
      ).EvaluationResults;
      expect(result.EvalDecision).toBe('allowed');
      expect(result).not.toHaveProperty('ResourceSpecificResults');
      expect(result).not.toHaveProperty('EvalDecisionDetails');
      expect(result).not.toHaveProperty('OrganizationsDecisionDetail');
    }
  });

  it('explains each policy type only for a cross-account resource', async () => {
    const other = '111122223333';
    const output = await simulated('SimulateCustomPolicy', {
      PolicyInputList: [policy({ Effect: 'Allow', Action: 'docs:Read', Resource: '*' })],
      ResourcePolicy: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${A}:root` },
        Action: 'docs:Read',
        Resource: '*',
      }),
      CallerArn: `arn:aws:iam::${A}:user/dana`,
      ActionNames: ['docs:Read'],
      ResourceArns: [doc('mine'), doc('theirs', other)],
    });
    const [result] = output.EvaluationResults;
    const [mine, theirs] = result.ResourceSpecificResults;
    expect(mine).not.toHaveProperty('EvalDecisionDetails');
    expect(theirs).toMatchObject({
      EvalResourceDecision: 'allowed',
      EvalDecisionDetails: { 'IAM Policy': 'allowed', 'Resource Policy': 'allowed' },
    });
    expect(result.EvalDecisionDetails).toEqual({ 'IAM Policy': 'allowed', 'Resource Policy': 'allowed' });
  });

  it('reports whether the permissions boundary allowed each action, only when one takes part', async () => {
    const output = await simulated('SimulateCustomPolicy', {
      PolicyInputList: [policy({ Effect: 'Allow', Action: 'docs:*', Resource: '*' })],
      PermissionsBoundaryPolicyInputList: [policy({ Effect: 'Allow', Action: 'docs:Read', Resource: '*' })],
      ActionNames: ['docs:Read', 'docs:Write'],
      ResourceArns: [doc('a')],
    });
    expect(
      output.EvaluationResults.map((r: Output) => [
        r.EvalDecision,
        r.PermissionsBoundaryDecisionDetail,
        r.ResourceSpecificResults[0].PermissionsBoundaryDecisionDetail,
      ]),
    ).toEqual([
      ['allowed', { AllowedByPermissionsBoundary: true }, { AllowedByPermissionsBoundary: true }],
      ['implicitDeny', { AllowedByPermissionsBoundary: false }, { AllowedByPermissionsBoundary: false }],
    ]);
    // Allowed: the identity Allow and the boundary Allow both let it through. Implicitly denied: no
    // statement decided it, so none is listed (the identity Allow the boundary capped included).
    const [read, write] = output.EvaluationResults;
    expect(read.MatchedStatements.map((s: Output) => s.SourcePolicyId)).toEqual([
      'PolicyInputList.1',
      'PermissionsBoundaryPolicyInputList.1',
    ]);
    expect([write.MatchedStatements, write.ResourceSpecificResults[0].MatchedStatements]).toEqual([[], []]);
    const unbounded = await simulated('SimulateCustomPolicy', {
      PolicyInputList: [policy({ Effect: 'Allow', Action: 'docs:*', Resource: '*' })],
      ActionNames: ['docs:Read'],
    });
    expect(unbounded.EvaluationResults[0]).not.toHaveProperty('PermissionsBoundaryDecisionDetail');
  });

  it('pages by action and refuses a Marker it did not issue', async () => {
    const input = {
      PolicyInputList: [MULTI_LINE],
      ActionNames: ['docs:Read', 'docs:Write', 'docs:Tag'],
      MaxItems: 2,
    };
    const first = await simulated('SimulateCustomPolicy', input);
    expect(first.EvaluationResults.map((r: Output) => r.EvalActionName)).toEqual(['docs:Read', 'docs:Write']);
    expect(first.IsTruncated).toBe(true);
    const second = await simulated('SimulateCustomPolicy', { ...input, Marker: first.Marker });
    expect(second).toMatchObject({ IsTruncated: false, EvaluationResults: [{ EvalActionName: 'docs:Tag' }] });
    expect(await simulate('SimulateCustomPolicy', { ...input, Marker: 'bm90LWEtbWFya2Vy' })).toMatchObject({
      ok: false,
      code: 'request.invalid-input',
    });
  });
});

describe('SimulatePrincipalPolicy', () => {
  it("simulates a group's inline and attached policies, positioned in the stored documents", async () => {
    const output = await simulated('SimulatePrincipalPolicy', {
      PolicySourceArn: `arn:aws:iam::${A}:group/writers`,
      ActionNames: ['docs:Write', 'docs:Publish'],
    });
    const [write, publish] = output.EvaluationResults;
    expect(write).toMatchObject({
      EvalDecision: 'allowed',
      MatchedStatements: [
        {
          SourcePolicyId: 'write',
          SourcePolicyType: 'group',
          StartPosition: { Line: 5, Column: 6 },
          EndPosition: { Line: 10, Column: 6 },
        },
      ],
    });
    expect(publish).toMatchObject({ EvalDecision: 'implicitDeny', MissingContextValues: ['docs:Stage'] });
  });

  it("applies a user's stored boundary and groups, and says whether the boundary allowed", async () => {
    const output = await simulated('SimulatePrincipalPolicy', {
      PolicySourceArn: `arn:aws:iam::${A}:user/dana`,
      ActionNames: ['docs:Write', 'docs:Publish'],
      ContextEntries: [
        { ContextKeyName: 'docs:stage', ContextKeyValues: ['final'], ContextKeyType: 'string' },
      ],
    });
    const [write, publish] = output.EvaluationResults;
    expect(write).toMatchObject({
      EvalDecision: 'implicitDeny',
      PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: false },
    });
    expect(publish).toMatchObject({
      EvalDecision: 'allowed',
      PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: true },
      MatchedStatements: expect.arrayContaining([
        expect.objectContaining({
          SourcePolicyId: `arn:aws:iam::${A}:policy/staged`,
          SourcePolicyType: 'user-managed',
          StartPosition: { Line: 1, Column: 39 },
        }),
      ]),
    });
  });

  it('answers NoSuchEntity for a group that does not exist, and InvalidInput before loading anything', async () => {
    expect(
      await simulate('SimulatePrincipalPolicy', {
        PolicySourceArn: `arn:aws:iam::${A}:group/nobody`,
        ActionNames: ['docs:Read'],
      }),
    ).toMatchObject({ ok: false, code: 'entity.not-found' });
    expect(
      await simulate('SimulatePrincipalPolicy', {
        PolicySourceArn: `arn:aws:iam::${A}:group/nobody`,
        ActionNames: ['docs:Read'],
        ResourceHandlingOption: 'S3',
      }),
    ).toMatchObject({ ok: false, code: 'request.invalid-input' });
    expect(
      await simulate('SimulatePrincipalPolicy', {
        PolicySourceArn: `arn:aws:iam::${A}:policy/not-a-principal`,
        ActionNames: ['docs:Read'],
      }),
    ).toMatchObject({ ok: false, code: 'request.invalid-input' });
  });
});

describe('simulation limits', () => {
  const input = { PolicyInputList: [MULTI_LINE], ActionNames: ['docs:Read'] };
  const entries = (count: number, valuesEach: number, length: number) =>
    Array.from({ length: count }, (_, i) => ({
      ContextKeyName: `docs:Key${i}`,
      ContextKeyType: 'stringList',
      ContextKeyValues: Array.from({ length: valuesEach }, (_, j) => `${j}`.padEnd(length, 'v')),
    }));

  it.each([
    ['a context value longer than 1,024 characters', entries(1, 1, 1_025)],
    ['more than 1,000 context values in all', entries(2, 501, 1)],
    ['more than 65,536 context characters in all', entries(70, 1, 1_000)],
  ])('refuses %s with a 400 failure', async (_, ContextEntries) => {
    for (const action of ['SimulateCustomPolicy', 'SimulatePrincipalPolicy'] as const) {
      const refused = await simulate(action, {
        ...input,
        ...(action === 'SimulatePrincipalPolicy' ? { PolicySourceArn: `arn:aws:iam::${A}:user/dana` } : {}),
        ContextEntries,
      });
      expect(refused).toMatchObject({ ok: false, code: 'request.invalid' });
    }
  });

  it('refuses a page of more than 10,000 action × resource evaluations with InvalidInput', async () => {
    const ActionNames = Array.from({ length: 101 }, (_, i) => `docs:Action${i}`);
    const ResourceArns = Array.from({ length: 100 }, (_, i) => doc(`d${i}`));
    const refused = await simulate('SimulateCustomPolicy', {
      ...input,
      ActionNames,
      ResourceArns,
      MaxItems: 101,
    });
    expect(refused).toMatchObject({ ok: false, code: 'request.invalid-input' });
    expect(refused.ok || refused.message).toMatch(/10,000/);
    // The same simulation in pages of 100 actions stays within the bound.
    const paged = await simulate('SimulateCustomPolicy', {
      ...input,
      ActionNames,
      ResourceArns,
      MaxItems: 100,
    });
    expect(paged.ok).toBe(true);
  });
});
