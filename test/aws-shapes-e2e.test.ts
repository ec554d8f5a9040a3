/**
 * Exact AWS shapes with real clients (issue #15): Result elements where botocore's model has an
 * output shape, PermissionsBoundaryType, error codes, GetAccountSummary and AccessDenied wording,
 * checked with boto3 and the AWS SDK v3 against a running platform, and against botocore's model.
 */
import { iamQueryService, queryOutputOf, stsQueryService } from '@palisade/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botocoreModel, findBoto3, runBoto3 } from './fixtures/boto3-client.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';

const boto3 = findBoto3();
const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

let running: RunningPlatform;
let accountId: string;
let rootKey: { accessKeyId: string; secretAccessKey: string };

beforeAll(async () => {
  running = await startPlatform();
  const account = await running.createAccount('shapes');
  accountId = account.accountId;
  rootKey = account;
});
afterAll(() => running?.close());

describe.skipIf(boto3 === undefined)(
  `the Query API against botocore's model (boto3 ${boto3 ?? 'absent: skipped'})`,
  () => {
    it('lists as answered without a Result element exactly the IAM actions the model gives no output', () => {
      const model = botocoreModel('iam');
      const withoutOutput = Object.keys(model).filter((name) => !model[name]?.output);
      expect([...iamQueryService.actionsWithoutOutput].sort()).toEqual(withoutOutput.sort());
      const sts = botocoreModel('sts');
      expect(Object.values(sts).every((operation) => operation.output)).toBe(true);
      expect(stsQueryService.actionsWithoutOutput.size).toBe(0);
    });

    it('serves only actions of the model, each with a Result element exactly when it has an output shape', () => {
      const served = [
        ...Object.keys(running.platform.queryActions.iam).map((action) => ['iam', action] as const),
        ...Object.keys(running.platform.queryActions.sts).map((action) => ['sts', action] as const),
        ...running.platform.queryActions.unsignedSts.map((action) => ['sts', action] as const),
      ];
      const models = { iam: botocoreModel('iam'), sts: botocoreModel('sts') };
      const wires = { iam: iamQueryService, sts: stsQueryService };
      const drift = served.flatMap(([service, action]) => {
        const model = models[service][action];
        if (!model) return [`${service}:${action} is not in the model`];
        // Whatever the operation answers (nothing, or an empty structure), the Result follows the model.
        const rendered = [undefined, {}].map((output) => queryOutputOf(wires[service], action, output));
        return rendered.every((output) => (output !== undefined) === model.output)
          ? []
          : [`${service}:${action} ${model.output ? 'lacks' : 'has'} a Result element`];
      });
      expect(drift).toEqual([]);
      expect(served.length).toBeGreaterThan(80);
    });

    it('lets boto3 parse UpdateRole, whose output shape has no members, and shows the boundary type', async () => {
      await running.asRoot(accountId, 'CreatePolicy', {
        PolicyName: 'edge',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }],
        }),
      });
      const boundary = `arn:aws:iam::${accountId}:policy/edge`;
      const [created, updated, read, details] = await runBoto3(running.url, rootKey, [
        {
          service: 'iam',
          operation: 'create_role',
          params: { RoleName: 'web', AssumeRolePolicyDocument: trust, PermissionsBoundary: boundary },
        },
        { service: 'iam', operation: 'update_role', params: { RoleName: 'web', MaxSessionDuration: 7200 } },
        { service: 'iam', operation: 'get_role', params: { RoleName: 'web' } },
        { service: 'iam', operation: 'get_account_authorization_details', params: { Filter: ['Role'] } },
      ]);
      expect(created).toMatchObject({ ok: true });
      expect(updated).toEqual({ ok: true, output: {} });
      const expectedBoundary = {
        PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
        PermissionsBoundaryArn: boundary,
      };
      expect(read).toMatchObject({
        ok: true,
        output: {
          Role: { RoleName: 'web', MaxSessionDuration: 7200, PermissionsBoundary: expectedBoundary },
        },
      });
      expect(details).toMatchObject({
        ok: true,
        output: { RoleDetailList: [{ RoleName: 'web', PermissionsBoundary: expectedBoundary }] },
      });
    });
  },
);
