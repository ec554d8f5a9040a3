/**
 * Renaming a user or group (IAM's UpdateUser NewUserName / UpdateGroup NewGroupName). Every key is
 * built from the lower-cased name, so a rename moves the whole partition and rewrites every item
 * elsewhere that names it, in ONE transaction: new items are put only where nothing exists (the
 * new record's put is the case-insensitive uniqueness check), old items are deleted only if they
 * are unchanged since they were read, so a concurrent change or rename cancels the move.
 *
 * What moves for a user: its record (same id, new name/ARN/path, counters, tags, boundary), inline
 * policies, ATTACHED# items, MEMBER-OF# items, owned ACCESS-KEY# items, LOGIN-PROFILE, MFA#
 * assignments; what it rewrites: each group's MEMBER#<user> item, each customer policy's
 * ATTACHMENT#USER#<user> item, each key's global AKID# lookup (`owner`), each virtual MFA device's
 * `assignedTo`. For a group: its record, inline policies, ATTACHED# and MEMBER# items; each member's
 * MEMBER-OF#<group> item and each customer policy's ATTACHMENT#GROUP#<group> item.
 * Not rewritten: sign-in and STS sessions (they name the old ARN and stop resolving).
 */
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import type { StoreContext } from './client.ts';
import {
  accessKeyItemPrefix,
  accessKeyLookupKey,
  attachedPolicyPrefix,
  groupMemberKey,
  groupMemberPrefix,
  type ItemKey,
  inlinePolicyPrefix,
  membershipKey,
  membershipPrefix,
  mfaAssignmentPrefix,
  movedChildKey,
  parseMfaSerial,
  policyAttachmentKey,
  principalListKey,
  virtualMfaDeviceKey,
} from './keys.ts';
import {
  capitalised,
  type PrincipalRecord,
  principalKey,
  readPrincipalPartition,
  toPrincipal,
  zeroCounters,
} from './principals.ts';
import { type GuardedWrite, transact } from './transactions.ts';

/** TransactWriteItems' limit. */
export const MAX_RENAME_TRANSACTION_ITEMS = 100;

/** What to rename: a user or group, to a new name and optionally a new path (with its new ARN). */
export interface PrincipalRename {
  readonly accountId: string;
  readonly kind: 'user' | 'group';
  readonly name: string;
  readonly newName: string;
  readonly newPath: string;
  readonly newArn: string;
}

const KIND_KEY = { user: 'USER', group: 'GROUP' } as const;

type Item = Record<string, unknown>;

/** A condition on an old item meaning "as it was when read". */
interface Unchanged {
  readonly expression: string;
  readonly values?: Record<string, unknown>;
  readonly names?: Record<string, string>;
}

const EXISTS: Unchanged = { expression: 'attribute_exists(pk)' };

/**
 * Moves a user or group to a new name (and path) in one transaction. Fails `entity.not-found` when
 * it is gone, `entity.already-exists` when the new name is taken (case-insensitively),
 * `entity.concurrent-modification` when anything moved changed meanwhile, and `quota.exceeded`
 * when the move needs more than 100 transaction items.
 */
export async function renamePrincipal(
  context: StoreContext,
  rename: PrincipalRename,
): Promise<Result<PrincipalRecord>> {
  const { accountId, kind, name, newName } = rename;
  const label = capitalised(kind);
  const items = await readPrincipalPartition(context, accountId, kind, name);
  const recordItem = items.find((item) => item.sk === KIND_KEY[kind]);
  if (!recordItem) return fail('entity.not-found', `The ${kind} with name ${name} cannot be found.`);
  const current = toPrincipal(recordItem);
  const changed = (message: string) => fail('entity.concurrent-modification', message);
  const raced = changed(`${label} ${current.name} changed meanwhile; retry.`);

  const renamed: PrincipalRecord = {
    ...current,
    name: newName,
    path: rename.newPath,
    arn: rename.newArn,
    version: current.version + 1,
  };
  const newPartitionKey = (sk: string) => movedChildKey(accountId, KIND_KEY[kind], newName, sk);
  const userOwner = { kind: 'user', userName: newName };

  // The new record first: a failed condition on it means the name is taken.
  const writes: GuardedWrite[] = [];
  const recordKeyOld = principalKey(accountId, kind, current.name);
  const recordKeyNew = principalKey(accountId, kind, newName);
  const recordUnchanged = recordCondition(current);
  const sameKey = recordKeyOld.pk === recordKeyNew.pk;
  writes.push({
    write: {
      Put: {
        Item: {
          ...recordItem,
          ...recordKeyNew,
          ...principalListKey(accountId, KIND_KEY[kind], renamed.path, newName),
          name: renamed.name,
          path: renamed.path,
          arn: renamed.arn,
          version: renamed.version,
        },
        ...conditionOf(sameKey ? recordUnchanged : { expression: 'attribute_not_exists(pk)' }),
      },
    },
    onConditionFailed: sameKey
      ? raced
      : fail('entity.already-exists', `${label} with name ${newName} already exists.`),
  });
  if (!sameKey) {
    writes.push({
      write: { Delete: { Key: recordKeyOld, ...conditionOf(recordUnchanged) } },
      onConditionFailed: raced,
    });
  }

  for (const item of items) {
    const sk = String(item.sk);
    if (sk === KIND_KEY[kind]) continue;
    const moved: Item = { ...item, ...newPartitionKey(sk) };
    let unchanged: Unchanged = EXISTS;
    if (sk.startsWith(inlinePolicyPrefix)) {
      unchanged = { expression: 'document = :document', values: { ':document': item.document } };
    } else if (sk.startsWith(accessKeyItemPrefix)) {
      unchanged = {
        expression: '#status = :status',
        names: { '#status': 'status' },
        values: { ':status': item.status },
      };
      writes.push(
        referringUpdate(
          accessKeyLookupKey(String(item.accessKeyId)),
          'owner',
          current.name,
          userOwner,
          raced,
        ),
      );
    } else if (sk === 'LOGIN-PROFILE') {
      moved.owner = userOwner;
      unchanged = { expression: 'version = :version', values: { ':version': item.version } };
    } else if (sk.startsWith(mfaAssignmentPrefix)) {
      moved.owner = userOwner;
      unchanged = { expression: 'lastUsedStep = :step', values: { ':step': item.lastUsedStep } };
      const serial = parseMfaSerial(String(item.serialNumber));
      if (!serial) return changed(`MFA device ${String(item.serialNumber)} cannot be moved.`);
      writes.push(
        referringUpdate(
          virtualMfaDeviceKey(accountId, serial.name),
          'assignedTo',
          current.name,
          userOwner,
          raced,
        ),
      );
    } else if (sk.startsWith(membershipPrefix)) {
      // The group's side of the membership names this user.
      const group = String(item.groupName);
      writes.push(
        ...moveItem(
          groupMemberKey(accountId, group, name),
          groupMemberKey(accountId, group, newName),
          { entity: 'member', userName: newName, ...memberShardOf(item) },
          EXISTS,
          raced,
        ),
      );
    } else if (sk.startsWith(groupMemberPrefix)) {
      // The user's side of the membership names this group.
      const user = String(item.userName);
      writes.push(
        ...moveItem(
          membershipKey(accountId, user, name),
          membershipKey(accountId, user, newName),
          { entity: 'membership', groupName: newName, ...memberShardOf(item) },
          EXISTS,
          raced,
        ),
      );
    } else if (sk.startsWith(attachedPolicyPrefix) && isCustomerPolicyOf(accountId, String(item.policyArn))) {
      // A customer policy's reverse attachment item names this principal.
      const policy = String(item.policyName);
      const reverse = (principal: string) =>
        policyAttachmentKey(accountId, policy, KIND_KEY[kind], principal);
      writes.push(
        ...moveItem(
          reverse(name),
          reverse(newName),
          { entity: 'policy-attachment', kind, principal: newName },
          EXISTS,
          raced,
        ),
      );
    }
    writes.push(...moveItem(keyOf(item), keyOf(moved), stripKeys(moved), unchanged, raced));
  }

  // The change record transact() appends is one more item.
  if (writes.length + 1 > MAX_RENAME_TRANSACTION_ITEMS) {
    return fail(
      'quota.exceeded',
      `Cannot rename ${kind} ${current.name}: too many items to rename in one step (${writes.length + 1} > ${MAX_RENAME_TRANSACTION_ITEMS}); detach policies, memberships or credentials first.`,
    );
  }
  const written = await transact(context, writes);
  return written.ok ? ok(renamed) : written;
}

function recordCondition(current: PrincipalRecord): Unchanged {
  // INVARIANT: every dependent add/remove moves a counter, so equal counters mean the same dependents.
  const fields = Object.keys(zeroCounters) as (keyof PrincipalRecord['counters'])[];
  const values: Record<string, unknown> = { ':version': current.version };
  const names: Record<string, string> = {};
  const parts = ['version = :version'];
  fields.forEach((field, index) => {
    names[`#c${index}`] = field;
    values[`:c${index}`] = current.counters[field];
    parts.push(
      current.counters[field] === 0
        ? `(attribute_not_exists(counters.#c${index}) OR counters.#c${index} = :c${index})`
        : `counters.#c${index} = :c${index}`,
    );
  });
  return { expression: parts.join(' AND '), values, names };
}

/** Moves one item: delete where it was (if unchanged), put where it goes (if free); in place when the key stays. */
/** The member-count shard a membership was counted in, carried to both of its items (counter-shards.ts). */
function memberShardOf(item: Item): Item {
  return typeof item.memberShard === 'number' ? { memberShard: item.memberShard } : {};
}

function moveItem(
  from: ItemKey,
  to: ItemKey,
  content: Item,
  unchanged: Unchanged,
  onConditionFailed: Failure,
): GuardedWrite[] {
  const item = { ...content, ...to };
  if (from.pk === to.pk && from.sk === to.sk) {
    return [{ write: { Put: { Item: item, ...conditionOf(unchanged) } }, onConditionFailed }];
  }
  return [
    { write: { Delete: { Key: from, ...conditionOf(unchanged) } }, onConditionFailed },
    { write: { Put: { Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }, onConditionFailed },
  ];
}

/** Points a global item's owner attribute (AKID lookup `owner`, MFA device `assignedTo`) at the new name. */
function referringUpdate(
  key: ItemKey,
  attribute: 'owner' | 'assignedTo',
  oldName: string,
  owner: Item,
  onConditionFailed: Failure,
): GuardedWrite {
  return {
    write: {
      Update: {
        Key: key,
        UpdateExpression: 'SET #o = :owner',
        ConditionExpression: 'attribute_exists(pk) AND #o.kind = :user AND #o.userName = :old',
        ExpressionAttributeNames: { '#o': attribute },
        ExpressionAttributeValues: { ':owner': owner, ':user': 'user', ':old': oldName },
      },
    },
    onConditionFailed,
  };
}

function conditionOf(condition: Unchanged) {
  return {
    ConditionExpression: condition.expression,
    ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
    ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
  };
}

function isCustomerPolicyOf(accountId: string, policyArn: string): boolean {
  return /^arn:[\w-]+:iam::(\d{12}):policy\//.exec(policyArn)?.[1] === accountId;
}

function keyOf(item: Item): ItemKey {
  return { pk: String(item.pk), sk: String(item.sk) };
}

function stripKeys(item: Item): Item {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest;
}
