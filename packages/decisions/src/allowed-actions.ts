/**
 * "What can this principal do": every catalog action the principal may perform on a resource (or
 * on some resource of a type), complete and in name order, a page at a time. The subject is loaded
 * and judged exactly as a decision's (load-subject.ts, judge-subject.ts).
 */
import { fail, ok, type Result } from '@palisade/failures';
import type { ContextInput } from '@palisade/policy';
import { arnAccount, type Caller, validationFailure } from '@palisade/principals';
import { z } from 'zod';
import { answerVisibility, questionContext } from './answer-visibility.ts';
import type { DecisionService } from './decision-service.ts';
import { judgeSubject } from './judge-subject.ts';
import { type BundleCache, MAX_SESSIONS_PER_ARN } from './policy-bundles.ts';
import type { ServiceCatalogService } from './service-catalogs.ts';

/** `POST /v1/allowed-actions`: a principal and a resource (or resource type). */
export const allowedActionsRequestSchema = z
  .object({
    principal: z.string().min(1).max(2048).optional().describe('Defaults to the caller.'),
    resource: z
      .string()
      .min(1)
      .max(2048)
      .optional()
      .describe('A resource ARN; exclusive with `resourceType`.'),
    resourceType: z
      .string()
      .regex(/^[a-z0-9-]{1,64}:[A-Za-z0-9_-]{1,64}$/, 'must be "service:resourceType"')
      .optional()
      .describe('`service:resourceType` from the catalog: "on some resource of this type".'),
    service: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/)
      .optional()
      .describe("Only this service's actions."),
    context: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    maxItems: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().max(300).optional().describe('The `cursor` of the previous page.'),
  })
  .strict()
  .refine((body) => (body.resource === undefined) !== (body.resourceType === undefined), {
    message: 'give exactly one of "resource" and "resourceType"',
  });

/** One allowed action. */
export interface AllowedAction {
  readonly action: string;
  readonly reason: string;
}

/**
 * "What can this principal do": every catalog action the principal may perform on a resource (or
 * on some resource of a type), complete and in name order, a page at a time.
 */
export function allowedActionsService(deps: {
  readonly decisions: DecisionService;
  readonly catalogs: ServiceCatalogService;
  readonly cache: BundleCache;
  readonly partition: string;
}) {
  return async (
    caller: Caller,
    body: unknown,
  ): Promise<
    Result<{
      principal: string;
      resource: string;
      allowedActions: AllowedAction[];
      isTruncated: boolean;
      cursor?: string;
    }>
  > => {
    const parsed = allowedActionsRequestSchema.safeParse(body);
    if (!parsed.success) return validationFailure(parsed.error);
    const input = parsed.data;
    const ref = await deps.decisions.resolveSubject(caller, input.principal);
    if (!ref.ok) return ref;
    const loaded = await deps.decisions.loadSubject(caller, { ref: ref.value });
    if (!loaded.ok) return loaded;
    if (!loaded.value.loaded)
      return loaded.value.refusal === 'account-not-active'
        ? fail('account.suspended', `The account ${ref.value.accountId} is not active.`)
        : fail(
            'quota.exceeded',
            `More than ${MAX_SESSIONS_PER_ARN} live sessions carry ${ref.value.arn}; ask as one of them instead.`,
          );
    const { subject } = loaded.value;
    const catalog = await deps.catalogs.catalogFor(ref.value.accountId);

    let resource: string;
    let anyResource = false;
    if (input.resource !== undefined) {
      resource = input.resource;
    } else {
      const [prefix, typeName] = (input.resourceType as string).split(':') as [string, string];
      const type = catalog.find((s) => s.prefix === prefix)?.resourceTypes?.find((t) => t.name === typeName);
      if (!type)
        return fail('entity.not-found', `The resource type ${input.resourceType} is not registered.`);
      resource = type.arnPattern
        .replace(/\$\{Partition\}/g, deps.partition)
        .replace(/\$\{Account\}/g, ref.value.accountId)
        .replace(/\$\{[^}]*\}/g, '*');
      anyResource = true;
    }
    const resourceAccount = arnAccount(resource);
    const resourceBundle = anyResource
      ? await deps.cache.resource('*', undefined)
      : await deps.cache.resource(resource, resourceAccount);
    const visibility = answerVisibility(caller, ref.value.accountId, resourceAccount);
    const { accepted: context } = questionContext(
      input.context as ContextInput | undefined,
      resourceBundle.record !== undefined,
      visibility,
    );

    const actions = catalog
      .filter((service) => input.service === undefined || service.prefix === input.service)
      .flatMap((service) => service.actions.map((action) => `${service.prefix}:${action}`))
      .sort();
    const limit = input.maxItems ?? 100;
    const allowed: AllowedAction[] = [];
    let cursor: string | undefined;
    for (const action of actions) {
      if (input.cursor !== undefined && action <= input.cursor) continue;
      const question = {
        action,
        resource,
        context,
        resourceTags: resourceBundle.record?.tags,
        resourcePolicies: resourceBundle.compiled,
        ...(anyResource ? { anyResource } : {}),
      };
      // INVARIANT: allowed only when every policy set of the subject allows (all live sessions).
      const { explanation } = judgeSubject(subject, question);
      if (explanation.decision !== 'allowed') continue;
      if (allowed.length === limit) {
        cursor = allowed.at(-1)?.action;
        break;
      }
      // Which side granted it is another account's business when its policies took part.
      allowed.push({ action, reason: visibility.decisionOnly ? 'cross-account' : explanation.reason });
    }
    return ok({
      principal: ref.value.arn,
      resource,
      allowedActions: allowed,
      isTruncated: cursor !== undefined,
      ...(cursor !== undefined ? { cursor } : {}),
    });
  };
}
