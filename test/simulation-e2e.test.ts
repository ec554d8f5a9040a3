/**
 * IAM's policy simulator end to end: a real server on DynamoDB Local, the unchanged AWS SDK over
 * the Query API, and the same simulation over REST as /openapi.json documents it.
 */
import {
  IAMClient,
  type SimulatePolicyResponse,
  SimulatePrincipalPolicyCommand,
  type SimulatePrincipalPolicyCommandInput,
} from '@aws-sdk/client-iam';
import { simulationOperations } from '@palisade/decisions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulationResultSchema } from '../packages/api/src/rest/decision-schemas.ts';
import { jsonSchemaOf } from '../packages/api/src/rest/openapi-document.ts';
import { type Credentials, signedJson } from '../packages/decisions/test/support/signed-client.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
let running: RunningPlatform;
let A: string;
let rootKey: Credentials;

// The inline policy as the user sends it, pretty-printed: statement 0 spans lines 4–9, statement
// 1 lines 10–16 (positions are just past each brace, 1-based).
const GALE_POLICY = [
  '{',
  '  "Version": "2012-10-17",',
  '  "Statement": [',
  '    {',
  '      "Sid": "Read",',
  '      "Effect": "Allow",',
  '      "Action": "docs:Read",',
  '      "Resource": "*"',
  '    },',
  '    {',
  '      "Sid": "PublishFinal",',
  '      "Effect": "Allow",',
  '      "Action": "docs:Publish",',
  '      "Resource": "*",',
  '      "Condition": {"StringEquals": {"docs:Stage": "final"}}',
  '    }',
  '  ]',
  '}',
].join('\n');

const iam = (action: string, input: object) => running.asRoot(A, action, input);

// The platform's clock is pinned, so clients sign at the same instant.
const sdk = () =>
  new IAMClient({
    endpoint: running.url,
    region: 'us-east-1',
    credentials: rootKey,
    maxAttempts: 1,
    systemClockOffset: NOW.getTime() - Date.now(),
  });
const rest = (path: string, body: unknown) => signedJson(running.url, rootKey, 'POST', path, body, NOW);

beforeAll(async () => {
  running = await startPlatform({ now: () => NOW });
  const account = await running.createAccount('simulation-e2e');
  A = account.accountId;
  rootKey = { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
  await iam('CreateUser', { UserName: 'gale' });
  await iam('PutUserPolicy', { UserName: 'gale', PolicyName: 'docs', PolicyDocument: GALE_POLICY });
  await iam('CreatePolicy', {
    PolicyName: 'gale-boundary',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'docs:*', Resource: '*' }],
    }),
  });
  await iam('PutUserPermissionsBoundary', {
    UserName: 'gale',
    PermissionsBoundary: `arn:aws:iam::${A}:policy/gale-boundary`,
  });
});
afterAll(() => running?.close());

const question = (): SimulatePrincipalPolicyCommandInput => ({
  PolicySourceArn: `arn:aws:iam::${A}:user/gale`,
  ActionNames: ['docs:Read', 'docs:Publish'],
  ResourceArns: [`arn:aws:docs:us-east-1:${A}:doc/readme`],
});

describe('SimulatePrincipalPolicy through the Query API', () => {
  it('hands the AWS SDK statement positions, missing keys as written and the boundary detail', async () => {
    const result: SimulatePolicyResponse = await sdk().send(new SimulatePrincipalPolicyCommand(question()));
    const [read, publish] = result.EvaluationResults ?? [];
    expect(read).toMatchObject({
      EvalActionName: 'docs:Read',
      EvalResourceName: '*',
      EvalDecision: 'allowed',
      MatchedStatements: [
        {
          SourcePolicyId: 'docs',
          SourcePolicyType: 'user',
          StartPosition: { Line: 4, Column: 6 },
          EndPosition: { Line: 9, Column: 6 },
        },
        // The boundary's Allow took part in the decision too.
        {
          SourcePolicyId: `arn:aws:iam::${A}:policy/gale-boundary`,
          SourcePolicyType: 'user-managed',
          StartPosition: { Line: 1, Column: 39 },
          EndPosition: { Line: 1, Column: 89 },
        },
      ],
      PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: true },
      ResourceSpecificResults: [
        {
          EvalResourceName: `arn:aws:docs:us-east-1:${A}:doc/readme`,
          EvalResourceDecision: 'allowed',
          MatchedStatements: [
            { StartPosition: { Line: 4, Column: 6 }, EndPosition: { Line: 9, Column: 6 } },
            { SourcePolicyType: 'user-managed' },
          ],
        },
      ],
    });
    expect(publish).toMatchObject({
      EvalDecision: 'implicitDeny',
      MatchedStatements: [],
      MissingContextValues: ['docs:Stage'],
      ResourceSpecificResults: [
        { EvalResourceDecision: 'implicitDeny', MissingContextValues: ['docs:Stage'] },
      ],
    });
    expect(read).not.toHaveProperty('OrganizationsDecisionDetail');
    // Same account with a listed resource: AWS sends the map present but empty.
    expect(read?.EvalDecisionDetails).toEqual({});
    expect(read?.ResourceSpecificResults?.[0]).not.toHaveProperty('EvalDecisionDetails');
  });

  it('allows once the missing key is supplied, citing the statement that needed it', async () => {
    const result = await sdk().send(
      new SimulatePrincipalPolicyCommand({
        ...question(),
        ActionNames: ['docs:Publish'],
        ContextEntries: [
          { ContextKeyName: 'docs:stage', ContextKeyValues: ['final'], ContextKeyType: 'string' },
        ],
      }),
    );
    expect(result.EvaluationResults?.[0]).toMatchObject({
      EvalDecision: 'allowed',
      MissingContextValues: [],
      MatchedStatements: [
        {
          SourcePolicyId: 'docs',
          StartPosition: { Line: 10, Column: 6 },
          EndPosition: { Line: 16, Column: 6 },
        },
        { SourcePolicyType: 'user-managed' },
      ],
    });
  });

  it('answers an unknown ResourceHandlingOption with InvalidInput', async () => {
    const refused = await sdk()
      .send(new SimulatePrincipalPolicyCommand({ ...question(), ResourceHandlingOption: 'EC2-Classic-EBS' }))
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({
      name: 'InvalidInputException',
      $metadata: { httpStatusCode: 400 },
      message: expect.stringContaining('ResourceHandlingOption'),
    });
  });
});

describe('the simulator over REST', () => {
  it('answers what the Query API answers, in the shape /openapi.json documents', async () => {
    const response = await rest('/v1/simulate/principal', question());
    expect(response.status).toBe(200);
    const parsed = simulationResultSchema.parse(response.body);
    expect(parsed.EvaluationResults[0]?.MatchedStatements[0]).toEqual({
      SourcePolicyId: 'docs',
      SourcePolicyType: 'user',
      StartPosition: { Line: 4, Column: 6 },
      EndPosition: { Line: 9, Column: 6 },
    });
    expect(parsed.EvaluationResults[1]?.MissingContextValues).toEqual(['docs:Stage']);
    const invalid = await rest('/v1/simulate/principal', {
      ...question(),
      CallerArn: `arn:aws:sts::${A}:assumed-role/r/s`,
    });
    expect(invalid).toMatchObject({ status: 400, body: { error: { code: 'request.invalid-input' } } });

    const published = await fetch(`${running.url}/openapi.json`);
    const document = (await published.json()) as { paths: Record<string, unknown> };
    expect(document.paths).toHaveProperty(['/v1/simulate/principal', 'post']);
  });

  it('publishes the request members exactly as the operations accept them', async () => {
    const operations = simulationOperations({ store: running.platform.store, partition: 'aws' });
    const published = (await (await fetch(`${running.url}/openapi.json`)).json()) as {
      paths: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
    };
    const requestOf = (path: string) =>
      published.paths[path]?.post.requestBody.content['application/json']?.schema;
    expect(requestOf('/v1/simulate/principal')).toEqual(
      jsonSchemaOf(operations.SimulatePrincipalPolicy?.schema as never),
    );
    expect(requestOf('/v1/simulate/custom')).toEqual(
      jsonSchemaOf(operations.SimulateCustomPolicy?.schema as never),
    );
  });
});
