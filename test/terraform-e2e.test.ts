/**
 * Terraform 1.x with the hashicorp/aws provider against a running Palisade, end to end: apply every
 * aws_iam_* resource Palisade supports, an empty plan, a change to every updatable argument, an
 * empty plan again, and a destroy that leaves the account empty (checked with the AWS SDK).
 */
import {
  GetAccountPasswordPolicyCommand,
  type IAMClient,
  ListAccountAliasesCommand,
  ListGroupsCommand,
  ListOpenIDConnectProvidersCommand,
  ListPoliciesCommand,
  ListRolesCommand,
  ListUsersCommand,
  ListVirtualMFADevicesCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERRAFORM_TYPES } from '../scripts/operation-docs/terraform-support.ts';
import { iamClient } from './fixtures/aws-clients.ts';
import { type RunningPlatform, startPlatform } from './fixtures/running-platform.ts';
import {
  type TerraformRun,
  type TerraformWorkspace,
  terraformMissing,
  terraformWorkspace,
} from './fixtures/terraform.ts';
import { iamConfiguration, type TerraformTarget } from './fixtures/terraform-iam-configuration.ts';

const missing = terraformMissing();
if (missing) console.warn(`terraform-e2e skipped: ${missing}`);

// Terraform's default is 10: the configuration's first level alone has more independent resources.
const PARALLELISM = '-parallelism=20';

let running: RunningPlatform;
let workspace: TerraformWorkspace;
let root: IAMClient;
let accountId: string;
let target: TerraformTarget;
const seconds: Record<string, number> = {};

/** Runs a Terraform command that must succeed, recording its time under `step`. */
async function must(step: string, args: readonly string[]): Promise<TerraformRun> {
  const run = await workspace.run(args);
  seconds[step] = Math.round(run.seconds * 10) / 10;
  if (run.exitCode !== 0)
    throw new Error(`terraform ${args[0]} (${step}) exited ${run.exitCode}:\n${run.stderr}`);
  return run;
}

/** Plans and expects no change at all (exit 0 of -detailed-exitcode), showing the plan otherwise. */
async function expectEmptyPlan(step: string): Promise<void> {
  const plan = await workspace.run(['plan', '-detailed-exitcode', '-no-color', PARALLELISM]);
  seconds[step] = Math.round(plan.seconds * 10) / 10;
  expect(plan.exitCode, `${plan.stdout}\n${plan.stderr}`).toBe(0);
}

/** The configuration's outputs as plain values. */
async function outputs(): Promise<Record<string, unknown>> {
  const { stdout } = await must('output', ['output', '-json']);
  const parsed = JSON.parse(stdout) as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(parsed).map(([name, output]) => [name, output.value]));
}

beforeAll(async () => {
  if (missing) return;
  running = await startPlatform();
  const account = await running.createAccount('tf-e2e');
  accountId = account.accountId;
  root = iamClient(running.url, account);
  target = { endpoint: running.url, ...account, aliasSuffix: accountId };
  workspace = await terraformWorkspace();
  await workspace.write(iamConfiguration(target, 1));
  await must('init', ['init', '-input=false', '-no-color']);
});

afterAll(async () => {
  if (missing) return;
  console.info(`terraform-e2e seconds per step: ${JSON.stringify(seconds)}`);
  await workspace?.remove();
  await running?.close();
});

describe('the Terraform configuration of the end-to-end test', () => {
  it('declares every aws_iam_* resource and data source whose entity Palisade has, in both phases', () => {
    const expected = (kind: 'resource' | 'data') =>
      TERRAFORM_TYPES.filter((type) => type.kind === kind && !type.absent)
        .map((type) => type.name)
        .sort();
    for (const phase of [1, 2] as const) {
      const configuration = iamConfiguration(
        { endpoint: 'http://127.0.0.1:1', accessKeyId: 'AKIA', secretAccessKey: 'secret', aliasSuffix: '1' },
        phase,
      );
      const declared = (kind: 'resource' | 'data') =>
        [
          ...new Set([...configuration.matchAll(new RegExp(`^${kind} "(\\w+)"`, 'gm'))].map((m) => m[1])),
        ].sort();
      expect({ resources: declared('resource'), data: declared('data') }).toEqual({
        resources: expected('resource'),
        data: expected('data'),
      });
    }
  });
});

describe.skipIf(missing !== undefined)('Terraform with the hashicorp/aws provider', () => {
  it('applies every supported aws_iam_* resource and then plans no change', async () => {
    await must('apply 1', ['apply', '-auto-approve', '-input=false', '-no-color', PARALLELISM]);
    await expectEmptyPlan('plan 1');

    const values = await outputs();
    expect(values).toMatchObject({
      account_id: accountId,
      caller_arn: `arn:aws:iam::${accountId}:root`,
      alice_arn: `arn:aws:iam::${accountId}:user/staff/tf-alice`,
      alice_boundary: `arn:aws:iam::${accountId}:policy/tf-boundary`,
      alice_key_statuses: ['Active'],
      role_max_session_duration: 3600,
      role_description: 'runs the app',
      dev_members: ['tf-alice'],
      read_only_name: 'ReadOnlyAccess',
      staff: ['tf-alice', 'tf-bob'],
      service_roles: ['tf-app-role'],
      alias: `tf-first-${accountId}`,
      oidc_client_ids: ['sts.amazonaws.com'],
      alice_may_get_user: true,
    });
    expect(values.app_policy_document).toMatchObject({ Statement: [{ Action: 'iam:GetUser' }] });
    expect(values.app_policy_tags).toEqual({ team: 'blue', cost: 'a1' });
    expect(values.alice_tags).toEqual({ team: 'blue', cost: 'a1' });
  }, 240_000);

  it('applies a change to every updatable argument and then plans no change', async () => {
    await workspace.write(iamConfiguration(target, 2));
    // The empty plan just refreshed every resource: reading them all again would only add time.
    await must('apply 2', [
      'apply',
      '-auto-approve',
      '-input=false',
      '-no-color',
      '-refresh=false',
      PARALLELISM,
    ]);
    await expectEmptyPlan('plan 2');

    const values = await outputs();
    expect(values).toMatchObject({
      alice_arn: `arn:aws:iam::${accountId}:user/staff/eng/tf-alice`,
      alice_boundary: `arn:aws:iam::${accountId}:policy/tf-boundary-next`,
      alice_key_statuses: ['Inactive'],
      role_max_session_duration: 7200,
      role_description: 'runs the app in production',
      dev_members: ['tf-alice', 'tf-robert'],
      staff: ['tf-alice', 'tf-robert'],
      alias: `tf-second-${accountId}`,
      oidc_client_ids: ['palisade', 'sts.amazonaws.com'],
    });
    // The provider's policy document keeps actions as a set: their order is its own, not the config's.
    const [statement] = (values.app_policy_document as { Statement: { Action: string[] }[] }).Statement;
    expect([...(statement?.Action ?? [])].sort()).toEqual(['iam:GetUser', 'iam:ListUsers']);
    // toEqual, not a subset: the dropped tag must be gone.
    expect(values.app_policy_tags).toEqual({ team: 'green', tier: 'gold' });
    expect(values.alice_tags).toEqual({ team: 'green', env: 'prod' });
  }, 240_000);

  it('destroys everything it created, leaving the account empty', async () => {
    // As above: the empty plan before it refreshed the state this destroys.
    await must('destroy', [
      'destroy',
      '-auto-approve',
      '-input=false',
      '-no-color',
      '-refresh=false',
      PARALLELISM,
    ]);

    const [users, groups, roles, policies, providers, devices, aliases] = await Promise.all([
      root.send(new ListUsersCommand({})),
      root.send(new ListGroupsCommand({})),
      root.send(new ListRolesCommand({})),
      root.send(new ListPoliciesCommand({ Scope: 'Local' })),
      root.send(new ListOpenIDConnectProvidersCommand({})),
      root.send(new ListVirtualMFADevicesCommand({})),
      root.send(new ListAccountAliasesCommand({})),
    ]);
    expect({
      users: users.Users,
      groups: groups.Groups,
      roles: roles.Roles,
      policies: policies.Policies,
      providers: providers.OpenIDConnectProviderList,
      devices: devices.VirtualMFADevices,
      aliases: aliases.AccountAliases,
    }).toEqual({ users: [], groups: [], roles: [], policies: [], providers: [], devices: [], aliases: [] });
    const passwordPolicy = await root.send(new GetAccountPasswordPolicyCommand({})).catch((error) => error);
    expect(passwordPolicy).toMatchObject({ name: 'NoSuchEntityException' });
  }, 240_000);
});
