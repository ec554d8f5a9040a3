/**
 * Tags of the resources other than users and roles: Tag/Untag/List for managed policies
 * (`…Policy…`), OIDC providers (`…OpenIDConnectProvider…`) and virtual MFA devices
 * (`…MFADevice…`). IAM's rules hold as for users: at most 50 tags, keys unique case-insensitively
 * (a key given again replaces the value), `aws:` keys refused, and the request's tags
 * (`aws:RequestTag/…`, `aws:TagKeys`) and the resource's own (`aws:ResourceTag/…`) as context.
 */
import { fail, ok, type Result } from '@palisade/failures';
import {
  type Caller,
  decodeMarker,
  denialOf,
  encodeMarker,
  type Operation,
  operation,
  type RequestFacts,
} from '@palisade/principals';
import {
  type ManagedPolicyRecord,
  setManagedPolicyTags,
  setOidcProviderTags,
  setVirtualMfaDeviceTags,
  type Tag,
} from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { mfaSerialNumber, paging, policyArn, tagKeys, tags } from './iam-inputs.ts';
import { resolveManagedPolicy } from './managed-policy-refs.ts';
import { deviceBySerial } from './mfa-devices.ts';
import { loadAuthorizedOidcProvider } from './oidc-providers.ts';

/** IAM's limit of tags per resource. */
export const TAGS_PER_RESOURCE = 50;

/** A tagged resource as loaded for one request: its tags, and how to replace them. */
interface Tagged {
  readonly tags: readonly Tag[];
  /** Replaces the tags; a failure when this resource cannot be tagged. */
  readonly save: (tags: readonly Tag[]) => Promise<Result<unknown>>;
}

/** How one resource type is named in requests and loaded (after authorizing the action on it). */
interface TagTarget<L extends string, M extends string> {
  readonly label: L;
  readonly member: M;
  readonly schema: z.ZodType<string>;
  readonly load: (caller: Caller, id: string, action: string, facts: RequestFacts) => Promise<Result<Tagged>>;
}

/** A page of tags: IAM's List…Tags output. */
export interface TagPage {
  Tags: Tag[];
  IsTruncated: boolean;
  Marker?: string;
}

/** The Tag, Untag and List…Tags operations of one resource type. */
export type ResourceTaggingOperations<L extends string> = Readonly<
  Record<`Tag${L}` | `Untag${L}`, Operation<Record<string, unknown>, undefined>> &
    Record<`List${L}Tags`, Operation<Record<string, unknown>, TagPage>>
>;

/** `current` with `added` set: a key given again (in any case) takes the new value. */
export function mergeTags(current: readonly Tag[], added: readonly Tag[]): Result<Tag[]> {
  const addedKeys = new Set(added.map((tag) => tag.Key.toLowerCase()));
  const merged = [...current.filter((tag) => !addedKeys.has(tag.Key.toLowerCase())), ...added];
  return merged.length > TAGS_PER_RESOURCE
    ? fail('quota.exceeded', `The number of tags has reached the maximum limit (${TAGS_PER_RESOURCE}).`)
    : ok(merged);
}

/** `current` without the tags whose keys (in any case) are in `keys`. */
export function removeTags(current: readonly Tag[], keys: readonly string[]): Tag[] {
  const removed = new Set(keys.map((key) => key.toLowerCase()));
  return current.filter((tag) => !removed.has(tag.Key.toLowerCase()));
}

/** One page of a resource's tags; the marker is the opaque offset of the next tag. */
export function tagPage(all: readonly Tag[], marker: string | undefined, maxItems = 100): Result<TagPage> {
  const cursor = decodeMarker(marker);
  const start = cursor === undefined ? 0 : Number(cursor);
  if (cursor !== undefined && !(/^\d{1,3}$/.test(cursor) && start > 0 && start <= TAGS_PER_RESOURCE)) {
    return fail('request.invalid', 'Invalid Marker: it does not continue this listing.');
  }
  const end = start + maxItems;
  const next = end < all.length ? encodeMarker(String(end)) : undefined;
  return ok({
    Tags: all.slice(start, end),
    IsTruncated: next !== undefined,
    ...(next ? { Marker: next } : {}),
  });
}

/** Builds the three tag operations of one resource type. */
function taggingOf<L extends string, M extends string>(
  target: TagTarget<L, M>,
): ResourceTaggingOperations<L> {
  const { label, member, schema, load } = target;
  const idOf = (input: Record<string, unknown>) => input[member] as string;
  // Computed keys widen to `string`: the object has exactly the keys the type names.
  return {
    [`Tag${label}`]: operation(z.object({ [member]: schema, Tags: tags }), async (caller, input) => {
      const added = input.Tags as Tag[];
      const loaded = await load(caller, idOf(input), `iam:Tag${label}`, { requestTags: added });
      if (!loaded.ok) return loaded;
      const merged = mergeTags(loaded.value.tags, added);
      if (!merged.ok) return merged;
      const saved = await loaded.value.save(merged.value);
      return saved.ok ? ok(undefined) : saved;
    }),
    [`Untag${label}`]: operation(z.object({ [member]: schema, TagKeys: tagKeys }), async (caller, input) => {
      const keys = input.TagKeys as string[];
      const loaded = await load(caller, idOf(input), `iam:Untag${label}`, { removedTagKeys: keys });
      if (!loaded.ok) return loaded;
      const saved = await loaded.value.save(removeTags(loaded.value.tags, keys));
      return saved.ok ? ok(undefined) : saved;
    }),
    [`List${label}Tags`]: operation(z.object({ [member]: schema, ...paging }), async (caller, input) => {
      const loaded = await load(caller, idOf(input), `iam:List${label}Tags`, {});
      if (!loaded.ok) return loaded;
      return tagPage(
        loaded.value.tags,
        input.Marker as string | undefined,
        input.MaxItems as number | undefined,
      );
    }),
  } as ResourceTaggingOperations<L>;
}

/** The tag operations of managed policies, OIDC providers and virtual MFA devices, by AWS action name. */
export function resourceTaggingOperations(context: IamContext) {
  const policies = taggingOf({
    label: 'Policy',
    member: 'PolicyArn',
    schema: policyArn,
    load: async (caller, arn, action, facts) => {
      // Resolved before authorizing so the policy's tags are context; a denial still comes first.
      const ref = await resolveManagedPolicy(context, caller.accountId, arn);
      const record: ManagedPolicyRecord | undefined =
        ref.ok && ref.value.scope === 'customer' ? ref.value.record : undefined;
      const denied = denialOf(caller, action, arn, {
        ...(record ? { resourceTags: record.tags } : {}),
        ...facts,
      });
      if (denied) return denied;
      if (!ref.ok) return ref;
      if (!record) {
        // Operator-managed policies carry no tags and, like AWS managed policies, take none.
        return ok({
          tags: [],
          save: async () =>
            fail('access.denied', `Policy ${arn} is managed by the operator and cannot be changed.`),
        });
      }
      return ok({ tags: record.tags, save: (next) => setManagedPolicyTags(context.store, record, next) });
    },
  });
  const providers = taggingOf({
    label: 'OpenIDConnectProvider',
    member: 'OpenIDConnectProviderArn',
    schema: z.string().min(20).max(2048),
    load: async (caller, arn, action, facts) => {
      const provider = await loadAuthorizedOidcProvider(context, caller, arn, action, facts);
      if (!provider.ok) return provider;
      return ok({
        tags: provider.value.tags,
        save: (next) => setOidcProviderTags(context.store, provider.value, next),
      });
    },
  });
  const devices = taggingOf({
    label: 'MFADevice',
    member: 'SerialNumber',
    schema: mfaSerialNumber,
    load: async (caller, serial, action, facts) => {
      // Read before authorizing so the device's tags are context; a denial still comes first.
      const device = await deviceBySerial(context, caller, serial);
      const denied = denialOf(caller, action, serial, {
        ...(device.ok ? { resourceTags: device.value.tags } : {}),
        ...facts,
      });
      if (denied) return denied;
      if (!device.ok) return device;
      return ok({
        tags: device.value.tags,
        save: (next) => setVirtualMfaDeviceTags(context.store, device.value, next),
      });
    },
  });
  return { ...policies, ...providers, ...devices };
}
