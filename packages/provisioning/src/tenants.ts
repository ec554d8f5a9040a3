/**
 * Tenants from the back office: `tenant.created` (idempotent on externalId: the account, its
 * externalId claim in the same transaction, then its blueprint and owner built in one idempotent
 * step), the status events, and the operator's REST creation with an externalId and a blueprint,
 * which builds the same tenant.
 */
import { type Failure, fail, failFields, ok, type Result } from '@palisade/failures';
import { type CreatedAccount, issueAccessKey } from '@palisade/iam';
import { type Caller, operatorCaller } from '@palisade/principals';
import {
  type AccountStatus,
  type ExternalTenantRecord,
  getAccount,
  getExternalTenant,
  markTenantProvisioned,
} from '@palisade/store';
import { type Blueprint, loadBlueprint } from './blueprints.ts';
import type { ProvisioningContext } from './provisioning-context.ts';
import { issueOwnerSetup, type OwnerSetup } from './setup-tokens.ts';
import { buildTenant, type TenantOwner } from './tenant-building.ts';
import { operatorOnly } from './webhook-secrets.ts';

/** The operator as provisioning acts for it (account creation and status are the operator's). */
const PROVISIONING_OPERATOR = operatorCaller('provisioning');

/** What tenant.created answers once applied. */
export interface TenantCreated {
  readonly accountId: string;
  readonly owner?: OwnerSetup;
}

/** The data of a tenant.created event. */
export interface TenantRequest {
  readonly externalId: string;
  readonly alias: string;
  readonly blueprint?: string | undefined;
  readonly owner?: TenantOwner | undefined;
}

/** An unknown tenant: 404, not remembered (the sender may retry once the tenant exists). */
export function unknownTenant(externalId: string): Failure {
  return fail('entity.not-found', `No tenant has externalId ${externalId}.`);
}

async function blueprintNamed(
  context: ProvisioningContext,
  name: string | undefined,
  field: string,
  code: 'webhook.invalid-event' | 'request.invalid',
): Promise<Result<Blueprint | undefined>> {
  if (name === undefined) return ok(undefined);
  const blueprint = await loadBlueprint(context, name);
  return blueprint
    ? ok(blueprint)
    : failFields(code, `Blueprint ${name} does not exist.`, [{ path: field, message: 'no such blueprint' }]);
}

/** Builds a tenant's blueprint and owner unless done, then marks it done. */
async function finishTenant(
  context: ProvisioningContext,
  tenant: ExternalTenantRecord,
  owner: TenantOwner | undefined,
  mark = true,
): Promise<Result<void>> {
  if (tenant.provisionedAt) return ok(undefined);
  // The blueprint recorded with the account, not the replay's: one tenant, one blueprint.
  const blueprint = await blueprintNamed(
    context,
    tenant.blueprint,
    'data.blueprint',
    'webhook.invalid-event',
  );
  if (!blueprint.ok) return blueprint;
  const built = await buildTenant(context, tenant.accountId, blueprint.value, owner);
  if (!built.ok || !mark) return built;
  return markTenantProvisioned(context.iam.store, tenant.externalId, context.iam.now().toISOString());
}

/** The tenant operations behind the webhook's events and the operator's REST creation. */
export function tenantOperations(context: ProvisioningContext) {
  const { store } = context.iam;

  /**
   * An operator's account with an externalId: created once, built, then its root key issued and
   * the tenant marked built. An unfinished one (a failure or crash before its key) is finished by
   * the same request again; a finished one is entity.already-exists.
   */
  async function provisionExternalAccount(
    caller: Caller,
    request: { alias: string; externalId: string; blueprint?: string },
  ): Promise<Result<CreatedAccount>> {
    let tenant = await getExternalTenant(store, request.externalId);
    if (tenant?.provisionedAt) {
      return fail(
        'entity.already-exists',
        `An account with externalId ${request.externalId} already exists.`,
      );
    }
    if (!tenant) {
      const created = await context.accounts.createAccountWithoutKey(caller, request);
      if (!created.ok) return created;
      tenant = {
        externalId: request.externalId,
        accountId: created.value.accountId,
        ...(request.blueprint ? { blueprint: request.blueprint } : {}),
      };
    }
    const built = await finishTenant(context, tenant, undefined, false);
    if (!built.ok) return built;
    const account = await context.accounts.getAccount(caller, tenant.accountId);
    if (!account.ok) return account;
    const key = await issueAccessKey(context.iam, tenant.accountId, { kind: 'root' });
    if (!key.ok) return key;
    const marked = await markTenantProvisioned(store, request.externalId, context.iam.now().toISOString());
    return marked.ok ? ok({ account: account.value, rootAccessKey: key.value }) : marked;
  }

  return {
    /** tenant.created: the account (once per externalId), its blueprint and owner, the owner's setup token. */
    async createTenant(request: TenantRequest): Promise<Result<TenantCreated>> {
      let tenant = await getExternalTenant(store, request.externalId);
      if (!tenant) {
        const blueprint = await blueprintNamed(
          context,
          request.blueprint,
          'data.blueprint',
          'webhook.invalid-event',
        );
        if (!blueprint.ok) return blueprint;
        const created = await context.accounts.createAccountWithoutKey(PROVISIONING_OPERATOR, {
          alias: request.alias,
          externalId: request.externalId,
          ...(request.blueprint ? { blueprint: request.blueprint } : {}),
        });
        // A concurrent delivery may have claimed the externalId first: then it is that tenant.
        tenant = await getExternalTenant(store, request.externalId);
        if (!tenant) {
          if (created.ok)
            return fail('entity.concurrent-modification', 'The tenant changed meanwhile; retry.');
          return created.code === 'entity.already-exists'
            ? failFields('webhook.invalid-event', created.message, [
                { path: 'data.alias', message: 'already in use' },
              ])
            : created;
        }
      }
      const finished = await finishTenant(context, tenant, request.owner);
      if (!finished.ok) return finished;
      if (!request.owner) return ok({ accountId: tenant.accountId });
      const owner = await issueOwnerSetup(context, tenant.accountId, request.owner.userName);
      return owner.ok ? ok({ accountId: tenant.accountId, owner: owner.value }) : owner;
    },

    /** tenant.suspended / reactivated / deleted: the operator's status change; already there is done. */
    async setTenantStatus(
      externalId: string,
      status: AccountStatus,
    ): Promise<Result<{ accountId: string; status: AccountStatus }>> {
      const tenant = await getExternalTenant(store, externalId);
      const account = tenant ? await getAccount(store, tenant.accountId) : undefined;
      if (!tenant || !account) return unknownTenant(externalId);
      if (account.status === status) return ok({ accountId: account.accountId, status });
      if (account.status === 'closed') {
        return failFields('webhook.invalid-event', `The tenant ${externalId} was deleted.`, [
          { path: 'data.externalId', message: 'the tenant was deleted' },
        ]);
      }
      const changed = await context.accounts.setStatus(PROVISIONING_OPERATOR, account.accountId, status);
      return changed.ok ? ok({ accountId: account.accountId, status: changed.value.status }) : changed;
    },

    /**
     * The operator's `POST /v1/accounts` with an externalId or a blueprint: the same account and
     * build as tenant.created, plus the root's key (the operator's own channel may carry it).
     */
    async provisionAccount(
      caller: Caller,
      request: { alias: string; externalId?: string; blueprint?: string },
    ): Promise<Result<CreatedAccount>> {
      const allowed = operatorOnly(caller);
      if (!allowed.ok) return allowed;
      const blueprint = await blueprintNamed(context, request.blueprint, 'blueprint', 'request.invalid');
      if (!blueprint.ok) return blueprint;
      if (request.externalId)
        return provisionExternalAccount(caller, { ...request, externalId: request.externalId });
      const created = await context.accounts.createAccount(caller, request.alias, {
        ...(request.blueprint ? { blueprint: request.blueprint } : {}),
      });
      if (!created.ok) return created;
      const { accountId } = created.value.account;
      const built = await buildTenant(context, accountId, blueprint.value, undefined);
      return built.ok ? created : built;
    },
  };
}
