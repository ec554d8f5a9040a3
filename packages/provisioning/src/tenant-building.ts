/**
 * Builds a tenant's contents through IAM's own operations, as its root: a blueprint's managed
 * policies, groups and roles, then the owner with AdministratorAccess. Every step is idempotent
 * (a name that exists is done; inline policies and attachments are put, not added), so a build
 * that crashed half-way is finished by running it again, duplicating nothing.
 */
import { ok, type Result } from '@palisade/failures';
import {
  type Caller,
  findPlatformPolicy,
  type OperationTable,
  platformPolicyArn,
  rootCaller,
} from '@palisade/principals';
import type { Blueprint } from './blueprints.ts';
import type { ProvisioningContext } from './provisioning-context.ts';

/** One step of a build: an IAM action and its input, and whether an existing entity means done. */
interface BuildStep {
  readonly name: string;
  readonly action: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** The owner a tenant is created with. */
export interface TenantOwner {
  readonly userName: string;
  readonly email?: string | undefined;
}

/** The steps that build a blueprint, in order: policies before anything that could use them. */
function blueprintSteps(blueprint: Blueprint): BuildStep[] {
  return [
    ...blueprint.policies.map((policy) => ({
      name: `policy ${policy.name}`,
      action: 'CreatePolicy',
      input: { PolicyName: policy.name, PolicyDocument: policy.document },
    })),
    ...blueprint.groups.flatMap((group) => [
      { name: `group ${group.name}`, action: 'CreateGroup', input: { GroupName: group.name } },
      ...group.policies.map((policy) => ({
        name: `group ${group.name} policy ${policy.name}`,
        action: 'PutGroupPolicy',
        input: { GroupName: group.name, PolicyName: policy.name, PolicyDocument: policy.document },
      })),
    ]),
    ...blueprint.roles.flatMap((role) => [
      {
        name: `role ${role.name}`,
        action: 'CreateRole',
        input: { RoleName: role.name, AssumeRolePolicyDocument: role.trustPolicy },
      },
      ...role.policies.map((policy) => ({
        name: `role ${role.name} policy ${policy.name}`,
        action: 'PutRolePolicy',
        input: { RoleName: role.name, PolicyName: policy.name, PolicyDocument: policy.document },
      })),
    ]),
  ];
}

/** The steps that create the owner: the user, then AdministratorAccess on it. */
function ownerSteps(partition: string, owner: TenantOwner): BuildStep[] {
  const administrator = findPlatformPolicy('AdministratorAccess');
  if (!administrator) throw new Error('the platform policy AdministratorAccess is missing');
  return [
    {
      name: `owner ${owner.userName}`,
      action: 'CreateUser',
      input: {
        UserName: owner.userName,
        ...(owner.email ? { Tags: [{ Key: 'email', Value: owner.email }] } : {}),
      },
    },
    {
      name: `owner ${owner.userName} AdministratorAccess`,
      action: 'AttachUserPolicy',
      input: { UserName: owner.userName, PolicyArn: platformPolicyArn(partition, administrator) },
    },
  ];
}

/** The tenant's root, as which every build step runs (the operator has no identity inside an account). */
export function tenantRoot(context: ProvisioningContext, accountId: string): Caller {
  return rootCaller(context.iam.partition, accountId, context.iam.now);
}

/** Runs one IAM operation as a build step: an entity that exists already counts as done. */
export async function runIamStep(
  context: ProvisioningContext,
  caller: Caller,
  action: string,
  input: Readonly<Record<string, unknown>>,
): Promise<Result<unknown>> {
  const operation = (context.operations as OperationTable)[action];
  if (!operation) throw new Error(`IAM has no operation ${action}`);
  const result = await operation(caller, input);
  return result.ok || result.code === 'entity.already-exists'
    ? ok(result.ok ? result.value : undefined)
    : result;
}

/**
 * Builds an account's blueprint and owner. INVARIANT: idempotent: run again after any failure
 * (or crash) it finishes the job and creates nothing twice.
 */
export async function buildTenant(
  context: ProvisioningContext,
  accountId: string,
  blueprint: Blueprint | undefined,
  owner: TenantOwner | undefined,
): Promise<Result<void>> {
  const caller = tenantRoot(context, accountId);
  const steps = [
    ...(blueprint ? blueprintSteps(blueprint) : []),
    ...(owner ? ownerSteps(context.iam.partition, owner) : []),
  ];
  for (const step of steps) {
    context.beforeBuildStep?.(step.name);
    const done = await runIamStep(context, caller, step.action, step.input);
    if (!done.ok) return done;
  }
  return ok(undefined);
}
