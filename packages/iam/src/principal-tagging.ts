/**
 * Tags and permissions boundaries, which users and roles share operation for operation:
 * Tag<Kind>, Untag<Kind>, List<Kind>Tags, Put<Kind>PermissionsBoundary, Delete<Kind>PermissionsBoundary.
 */
import { ok } from '@palisade/failures';
import { listing, type Operation, operation, pageInMemory, type RequestFacts } from '@palisade/principals';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { paging, policyArn, roleName, tagKeys, tags, userName } from './iam-inputs.ts';
import { changeBoundary, loadAuthorized, tagPrincipal, untagPrincipal } from './principal-lifecycle.ts';

const KINDS = {
  user: { label: 'User', nameMember: 'UserName', nameSchema: userName },
  role: { label: 'Role', nameMember: 'RoleName', nameSchema: roleName },
} as const;

type Label<K extends keyof typeof KINDS> = (typeof KINDS)[K]['label'];
type NamedInput = Record<string, unknown>;

/** The tag and boundary operations of a user or role, with their outputs. */
export type TaggingOperations<L extends string> = Readonly<
  Record<
    `Tag${L}` | `Untag${L}` | `Put${L}PermissionsBoundary` | `Delete${L}PermissionsBoundary`,
    Operation<NamedInput, undefined>
  > &
    Record<
      `List${L}Tags`,
      Operation<NamedInput, { Tags: { Key: string; Value: string }[]; IsTruncated: boolean }>
    >
>;

/** The tag and boundary operations of users or roles, by AWS action name. */
export function taggingOperations<K extends keyof typeof KINDS>(
  context: IamContext,
  kind: K,
): TaggingOperations<Label<K>> {
  const { label, nameMember, nameSchema } = KINDS[kind];
  const load = (
    caller: Parameters<typeof loadAuthorized>[1],
    input: Record<string, unknown>,
    action: string,
    facts: RequestFacts = {},
  ) => loadAuthorized(context, caller, kind, input[nameMember] as string, `iam:${action}`, facts);
  // Computed keys widen to `string`: the object has exactly the keys the type names.
  return {
    [`Tag${label}`]: operation(z.object({ [nameMember]: nameSchema, Tags: tags }), async (caller, input) => {
      const principal = await load(caller, input, `Tag${label}`, {
        requestTags: input.Tags as z.output<typeof tags>,
      });
      if (!principal.ok) return principal;
      const tagged = await tagPrincipal(context, principal.value, input.Tags as z.output<typeof tags>);
      return tagged.ok ? ok(undefined) : tagged;
    }),

    [`Untag${label}`]: operation(
      z.object({ [nameMember]: nameSchema, TagKeys: tagKeys }),
      async (caller, input) => {
        const principal = await load(caller, input, `Untag${label}`, {
          removedTagKeys: input.TagKeys as string[],
        });
        if (!principal.ok) return principal;
        const untagged = await untagPrincipal(context, principal.value, input.TagKeys as string[]);
        return untagged.ok ? ok(undefined) : untagged;
      },
    ),

    [`List${label}Tags`]: operation(
      z.object({ [nameMember]: nameSchema, ...paging }),
      async (caller, input) => {
        const principal = await load(caller, input, `List${label}Tags`);
        if (!principal.ok) return principal;
        // At most 50 tags, held on the record: paged in memory, by key.
        const page = pageInMemory(
          principal.value.tags,
          (tag) => tag.Key,
          input.Marker as string | undefined,
          input.MaxItems as number | undefined,
        );
        if (!page.ok) return page;
        return ok(listing('Tags', [...page.value.items], page.value.next));
      },
    ),

    [`Put${label}PermissionsBoundary`]: operation(
      z.object({ [nameMember]: nameSchema, PermissionsBoundary: policyArn }),
      async (caller, input) => {
        const principal = await load(caller, input, `Put${label}PermissionsBoundary`, {
          permissionsBoundary: input.PermissionsBoundary as string,
        });
        if (!principal.ok) return principal;
        const changed = await changeBoundary(context, principal.value, input.PermissionsBoundary as string);
        return changed.ok ? ok(undefined) : changed;
      },
    ),

    [`Delete${label}PermissionsBoundary`]: operation(
      z.object({ [nameMember]: nameSchema }),
      async (caller, input) => {
        const principal = await load(caller, input, `Delete${label}PermissionsBoundary`);
        if (!principal.ok) return principal;
        const changed = await changeBoundary(context, principal.value, undefined);
        return changed.ok ? ok(undefined) : changed;
      },
    ),
  } as TaggingOperations<Label<K>>;
}
