/**
 * The service catalog: namespaces, actions, resource types and condition keys that the operator
 * registers for every account and each account registers for itself. Validation uses it to catch
 * unknown actions and mistyped keys, and "what can this principal do" enumerates its actions.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { CONDITION_KEY_TYPES, type ServiceCatalog, type ServiceDefinition } from '@palisade/policy';
import {
  type Caller,
  denialOf,
  isBuiltInService,
  palisadeArn,
  validationFailure,
} from '@palisade/principals';
import {
  type CatalogScope,
  deleteServiceDefinition,
  keyPatterns,
  listServiceDefinitions,
  putServiceDefinition,
  type StoreContext,
  serviceDefinitionBytes,
} from '@palisade/store';
import { z } from 'zod';

/** `PUT /v1/service-catalog/{prefix}`: a service's actions, resource types and condition keys. */
export const serviceDefinitionRequestSchema = z
  .object({
    actions: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'action names are letters, digits, _ and -'))
      .min(1)
      .max(1000),
    resourceTypes: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
            arnPattern: z
              .string()
              .min(1)
              .max(1024)
              // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS's ARN-pattern placeholders, not a template
              .describe('e.g. `arn:${Partition}:docs:${Region}:${Account}:doc/${DocId}`'),
          })
          .strict(),
      )
      .max(100)
      .optional(),
    conditionKeys: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z0-9-]+:[\w/.-]{1,128}$/),
            type: z.enum(CONDITION_KEY_TYPES),
          })
          .strict(),
      )
      .max(500)
      .optional(),
  })
  .strict();

/** How much catalog one account may register (the platform's own catalog is the operator's and unbounded). */
export interface CatalogQuotas {
  readonly servicesPerAccount: number;
  /** The JSON size of all the account's definitions together. */
  readonly bytesPerAccount: number;
  /** The JSON size of one definition. */
  readonly bytesPerService: number;
}

/**
 * The default quotas: every account's catalog is loaded whole to validate a policy or list allowed
 * actions, so it stays small enough to read and scan on every such request.
 */
export const defaultCatalogQuotas: CatalogQuotas = {
  servicesPerAccount: 50,
  bytesPerAccount: 256 * 1024,
  bytesPerService: 64 * 1024,
};

/** What the catalog service needs. */
export interface CatalogDependencies {
  readonly store: StoreContext;
  readonly partition: string;
  readonly now: () => Date;
  /** Defaults to `defaultCatalogQuotas`. */
  readonly quotas?: CatalogQuotas;
}

/** The catalog operations. */
export function serviceCatalogService(deps: CatalogDependencies) {
  const quotas = deps.quotas ?? defaultCatalogQuotas;
  const scopeFor = (caller: Caller, prefix: string, action: string): Result<CatalogScope> => {
    if (caller.kind === 'operator') return ok('platform');
    const arn = palisadeArn(deps.partition, caller.accountId, `service/${prefix}`);
    if (caller.kind === 'root') return ok({ accountId: caller.accountId });
    return denialOf(caller, action, arn) ?? ok({ accountId: caller.accountId });
  };
  const validPrefix = (prefix: string): Result<string> =>
    keyPatterns.servicePrefix.test(prefix)
      ? ok(prefix)
      : fail('request.invalid', 'A service prefix is 1 to 64 lowercase letters, digits and hyphens.');

  /** The catalog an account validates against: the platform's services, then its own. */
  const catalogFor = async (accountId: string): Promise<ServiceCatalog> => {
    const [platform, own] = await Promise.all([
      listServiceDefinitions(deps.store, 'platform'),
      keyPatterns.accountId.test(accountId)
        ? listServiceDefinitions(deps.store, { accountId })
        : Promise.resolve([]),
    ]);
    return [...platform, ...own].map((record) => record.definition as ServiceDefinition);
  };

  return {
    catalogFor,
    async put(caller: Caller, prefix: string, body: unknown): Promise<Result<ServiceDefinition>> {
      const valid = validPrefix(prefix);
      if (!valid.ok) return valid;
      const scope = scopeFor(caller, prefix, 'palisade:PutServiceDefinition');
      if (!scope.ok) return scope;
      const parsed = serviceDefinitionRequestSchema.safeParse(body);
      if (!parsed.success) return validationFailure(parsed.error);
      // IAM and STS are described by the platform's own action table (validation reads it first).
      if (isBuiltInService(prefix))
        return fail('entity.already-exists', `The service prefix ${prefix} is built into the platform.`);
      if (scope.value !== 'platform') {
        const platform = await listServiceDefinitions(deps.store, 'platform');
        if (platform.some((record) => record.prefix === prefix))
          return fail('entity.already-exists', `The service prefix ${prefix} is registered by the platform.`);
      }
      const definition: ServiceDefinition = { prefix, ...parsed.data };
      const bytes = serviceDefinitionBytes(definition);
      if (scope.value !== 'platform' && bytes > quotas.bytesPerService)
        return fail(
          'quota.exceeded',
          `A service definition may be at most ${quotas.bytesPerService} bytes of JSON; this one is ${bytes}.`,
        );
      const written = await putServiceDefinition(
        deps.store,
        scope.value,
        { prefix, definition, updatedAt: deps.now().toISOString() },
        { services: quotas.servicesPerAccount, bytes: quotas.bytesPerAccount },
      );
      return written.ok ? ok(definition) : written;
    },
    async get(caller: Caller, prefix: string): Promise<Result<ServiceDefinition>> {
      const valid = validPrefix(prefix);
      if (!valid.ok) return valid;
      // Checked before the lookup: a refusal says nothing of whether the service exists.
      const scope = scopeFor(caller, prefix, 'palisade:GetServiceDefinition');
      if (!scope.ok) return scope;
      const catalog = await catalogFor(scope.value === 'platform' ? 'platform' : scope.value.accountId);
      const found = catalog.find((service) => service.prefix === prefix);
      return found ? ok(found) : fail('entity.not-found', `The service ${prefix} is not registered.`);
    },
    async list(caller: Caller): Promise<Result<{ services: ServiceCatalog }>> {
      const scope = scopeFor(caller, '*', 'palisade:ListServiceDefinitions');
      if (!scope.ok) return scope;
      return ok({
        services: await catalogFor(scope.value === 'platform' ? 'platform' : scope.value.accountId),
      });
    },
    async remove(caller: Caller, prefix: string): Promise<Result<undefined>> {
      const valid = validPrefix(prefix);
      if (!valid.ok) return valid;
      const scope = scopeFor(caller, prefix, 'palisade:DeleteServiceDefinition');
      if (!scope.ok) return scope;
      const removed = await deleteServiceDefinition(deps.store, scope.value, prefix);
      if (!removed.ok) return removed;
      return removed.value
        ? ok(undefined)
        : fail('entity.not-found', `The service ${prefix} is not registered.`);
    },
  };
}

/** The catalog service's type. */
export type ServiceCatalogService = ReturnType<typeof serviceCatalogService>;
