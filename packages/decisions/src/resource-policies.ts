/**
 * Resource-based policies and tags on tenant resources. Only the account in the ARN's account
 * segment may manage them (root, or a principal its policies allow); another account gets the same
 * AccessDenied whether or not anything is registered.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { malformedPolicyMessage, type ServiceCatalog, validatePolicy } from '@palisade/policy';
import {
  accessDeniedMessage,
  arnAccount,
  type Caller,
  denialOf,
  validationFailure,
} from '@palisade/principals';
import {
  deleteResourcePolicy,
  getResourcePolicy,
  isResourceArn,
  putResourcePolicy,
  type ResourcePolicyRecord,
  type StoreContext,
} from '@palisade/store';
import { z } from 'zod';

/** What the resource-policy service needs. */
export interface ResourcePolicyDependencies {
  readonly store: StoreContext;
  readonly now: () => Date;
  /** The service catalog of an account, for catching unknown actions and keys. */
  readonly catalogFor?: (accountId: string) => Promise<ServiceCatalog>;
}

/** The largest resource policy accepted (characters, as S3 bucket policies). */
export const RESOURCE_POLICY_MAX_CHARS = 20_480;

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** `PUT /v1/resource-policies/{arn}`: the resource's policy, tags, or both. */
export const resourcePolicyRequestSchema = z
  .object({
    policy: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .optional()
      .describe('A resource-based policy: a JSON object or JSON text (at most 20,480 characters).'),
    tags: z
      .array(
        z
          .object({
            Key: z.string().min(1).max(128).regex(TAG_TEXT),
            Value: z.string().max(256).regex(TAG_TEXT),
          })
          .strict(),
      )
      .max(50)
      .optional()
      .describe("The resource's tags (`aws:ResourceTag/<key>` in conditions)."),
    expectedVersion: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Write only if the registration is still at this version (412 otherwise).'),
  })
  .strict()
  .refine((body) => body.policy !== undefined || body.tags !== undefined, {
    message: 'give a "policy", "tags" or both',
  });

/** A registered resource as the API shows it. */
export interface ResourcePolicyView {
  readonly resourceArn: string;
  readonly policy?: unknown;
  readonly tags: readonly { Key: string; Value: string }[];
  readonly updatedAt: string;
  readonly version: number;
}

function view(record: ResourcePolicyRecord): ResourcePolicyView {
  return {
    resourceArn: record.resourceArn,
    ...(record.policy !== undefined ? { policy: JSON.parse(record.policy) as unknown } : {}),
    tags: record.tags,
    updatedAt: record.updatedAt,
    version: record.version,
  };
}

/** The resource-policy operations. */
export function resourcePolicyService(deps: ResourcePolicyDependencies) {
  const owned = (caller: Caller, arn: string, action: string): Result<string> => {
    if (!isResourceArn(arn))
      return fail('request.invalid', 'The resource must be an ARN with a 12-digit account segment.');
    const accountId = arnAccount(arn) as string;
    // Another account's resource: nothing of this account grants it (AWS's cross-account wording).
    const denied = fail(
      'access.denied',
      accessDeniedMessage(caller.arn, action, arn, { reason: 'implicit-deny', policyType: 'resource' }),
    );
    // INVARIANT: only the owning account manages a resource; the operator manages accounts, not their data.
    if (caller.kind === 'operator' || caller.accountId !== accountId) return denied;
    if (caller.kind === 'root') return ok(accountId);
    return denialOf(caller, action, arn) ?? ok(accountId);
  };

  return {
    async put(caller: Caller, arn: string, body: unknown): Promise<Result<ResourcePolicyView>> {
      const account = owned(caller, arn, 'palisade:PutResourcePolicy');
      if (!account.ok) return account;
      const parsed = resourcePolicyRequestSchema.safeParse(body);
      if (!parsed.success) return validationFailure(parsed.error);
      const current = await getResourcePolicy(deps.store, account.value, arn);
      let policy = current?.policy;
      if (parsed.data.policy !== undefined) {
        const text =
          typeof parsed.data.policy === 'string' ? parsed.data.policy : JSON.stringify(parsed.data.policy);
        if (text.length > RESOURCE_POLICY_MAX_CHARS)
          return fail(
            'policy.too-large',
            `Resource policies are limited to ${RESOURCE_POLICY_MAX_CHARS} characters.`,
          );
        const catalog = deps.catalogFor ? await deps.catalogFor(account.value) : undefined;
        const message = malformedPolicyMessage(validatePolicy(text, 'resource', catalog));
        if (message) return fail('policy.malformed', message);
        policy = JSON.stringify(JSON.parse(text));
      }
      const written = await putResourcePolicy(
        deps.store,
        {
          accountId: account.value,
          resourceArn: arn,
          ...(policy !== undefined ? { policy } : {}),
          tags: parsed.data.tags ?? current?.tags ?? [],
          updatedAt: deps.now().toISOString(),
        },
        parsed.data.expectedVersion,
      );
      return written.ok ? ok(view(written.value)) : written;
    },

    async get(caller: Caller, arn: string): Promise<Result<ResourcePolicyView>> {
      const account = owned(caller, arn, 'palisade:GetResourcePolicy');
      if (!account.ok) return account;
      const record = await getResourcePolicy(deps.store, account.value, arn);
      return record
        ? ok(view(record))
        : fail('entity.not-found', `No policy or tags are registered for ${arn}.`);
    },

    async remove(caller: Caller, arn: string): Promise<Result<undefined>> {
      const account = owned(caller, arn, 'palisade:DeleteResourcePolicy');
      if (!account.ok) return account;
      const deleted = await deleteResourcePolicy(deps.store, account.value, arn);
      return deleted.ok ? ok(undefined) : deleted;
    },
  };
}

/** The resource-policy service's type. */
export type ResourcePolicyService = ReturnType<typeof resourcePolicyService>;
