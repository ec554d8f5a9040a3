/**
 * From change records to outbound events: each committed change to an account's identities or to
 * an account becomes events `{type, timestamp, data: {accountId, …}}`. The data comes from the
 * record alone (its items' keys and the identifiers their writes stated, change-records.ts), never
 * from a read of the table: a deleted user has nothing left to read, and a read would race later
 * changes. Whatever interface made the change (Query API, REST, SCIM, provisioning webhooks), the
 * items are the same, so the events are too.
 */
import { type ChangedItem, type ChangeRecord, changedKeyIdentifiers, isAccountId } from '@palisade/store';

/** The events of an account's identities: what a tenant's subscriptions receive. */
export const IAM_EVENT_TYPES = [
  'iam.user.created',
  'iam.user.updated',
  'iam.user.deleted',
  'iam.group.created',
  'iam.group.updated',
  'iam.group.deleted',
  'iam.group.member.added',
  'iam.group.member.removed',
  'iam.role.created',
  'iam.role.updated',
  'iam.role.deleted',
  'iam.policy.created',
  'iam.policy.updated',
  'iam.policy.deleted',
  'iam.policy.attached',
  'iam.policy.detached',
  'iam.access-key.created',
  'iam.access-key.updated',
  'iam.access-key.deleted',
] as const;

/** The events of accounts: what the operator's subscriptions receive, for every account. */
export const ACCOUNT_EVENT_TYPES = [
  'account.created',
  'account.suspended',
  'account.reactivated',
  'account.closed',
] as const;

/** Every event type. */
export type EventType = (typeof IAM_EVENT_TYPES)[number] | (typeof ACCOUNT_EVENT_TYPES)[number];

/** One outbound event, exactly as its body is sent. */
export interface PlatformEvent {
  readonly type: EventType;
  /** The commit's instant (ISO 8601). */
  readonly timestamp: string;
  readonly data: { readonly accountId: string } & Readonly<Record<string, string>>;
}

/** True for the event types the operator's subscriptions take (the rest are a tenant's). */
export function isAccountEventType(type: string): boolean {
  return (ACCOUNT_EVENT_TYPES as readonly string[]).includes(type);
}

const RECORD_KINDS = {
  USER: { noun: 'user', id: 'userId', name: 'userName' },
  GROUP: { noun: 'group', id: 'groupId', name: 'groupName' },
  ROLE: { noun: 'role', id: 'roleId', name: 'roleName' },
  POLICY: { noun: 'policy', id: 'policyId', name: 'policyName' },
} as const;

const VERB = { put: 'created', update: 'updated', delete: 'deleted' } as const;
const STATUS_EVENTS: Readonly<Record<string, EventType>> = {
  active: 'account.reactivated',
  suspended: 'account.suspended',
  closed: 'account.closed',
};
const PRINCIPAL_TYPES = {
  USER: 'user',
  GROUP: 'group',
  ROLE: 'role',
  POLICY: 'policy',
  ROOT: 'root',
} as const;

type Data = Record<string, string>;
type Found = { type: EventType; data: Data; about: string };

/** The event one changed item stands for, if any, with the entity id it is about. */
function eventOfItem(item: ChangedItem): Found | undefined {
  const ids = changedKeyIdentifiers(item.key);
  const subject = item.subject ?? {};
  if (item.key.sk === 'ACCOUNT' && ids.accountId && !ids.kind) {
    if (item.change === 'put')
      return {
        type: 'account.created',
        data: subject.alias ? { alias: subject.alias } : {},
        about: 'account',
      };
    const type = item.change === 'update' && subject.status ? STATUS_EVENTS[subject.status] : undefined;
    return type ? { type, data: { status: subject.status as string }, about: 'account' } : undefined;
  }
  if (!ids.kind || !ids.accountId) return undefined;
  if (ids.kind !== 'ROOT' && item.key.sk === ids.kind && ids.id) {
    const kind = RECORD_KINDS[ids.kind];
    const data: Data = { [kind.id]: ids.id };
    if (subject.name) data[kind.name] = subject.name;
    if (subject.arn) data[ids.kind === 'POLICY' ? 'policyArn' : 'arn'] = subject.arn;
    if (subject.path) data.path = subject.path;
    return { type: `iam.${kind.noun}.${VERB[item.change]}` as EventType, data, about: ids.id };
  }
  const owner: Data =
    ids.kind === 'ROOT'
      ? { principalType: 'root' }
      : { principalType: PRINCIPAL_TYPES[ids.kind], principalId: ids.id ?? '' };
  if (item.key.sk.startsWith('MEMBER-OF#') && ids.child && ids.id) {
    if (item.change === 'update') return undefined;
    const type = item.change === 'put' ? 'iam.group.member.added' : 'iam.group.member.removed';
    return { type, data: { userId: ids.id, groupId: ids.child }, about: ids.id };
  }
  if (item.key.sk.startsWith('ATTACHED#') && ids.child) {
    if (item.change === 'update') return undefined;
    const type = item.change === 'put' ? 'iam.policy.attached' : 'iam.policy.detached';
    return { type, data: { policyArn: ids.child, ...owner }, about: ids.id ?? 'root' };
  }
  if (ids.accessKeyId && item.key.sk.startsWith('ACCESS-KEY#')) {
    const data: Data = { accessKeyId: ids.accessKeyId, ...owner };
    if (subject.status) data.status = subject.status;
    return { type: `iam.access-key.${VERB[item.change]}` as EventType, data, about: ids.id ?? 'root' };
  }
  return undefined;
}

/**
 * The events of one change record, in the order of its items. A record's update of an entity is
 * `updated` only when nothing more specific was said of that entity in the same change (adding a
 * member or a key also moves the user's record, which is not a second event).
 */
export function eventsOf(record: ChangeRecord): PlatformEvent[] {
  if (!isAccountId(record.accountId)) return [];
  const found = record.items.map(eventOfItem).filter((event): event is Found => event !== undefined);
  const specific = new Set(
    found.filter((event) => !event.type.endsWith('.updated')).map((event) => event.about),
  );
  // A rename puts the new name item: the name an update of the record leaves it with.
  const renamed = new Map(
    record.items
      .filter(
        (item) => item.change === 'put' && item.key.sk === 'NAME' && item.subject?.id && item.subject.name,
      )
      .map((item) => [item.subject?.id as string, item.subject?.name as string]),
  );
  const seen = new Set<string>();
  const events: PlatformEvent[] = [];
  for (const event of found) {
    if (
      event.type.endsWith('.updated') &&
      !event.type.startsWith('iam.access-key') &&
      specific.has(event.about)
    )
      continue;
    const key = `${event.type}|${JSON.stringify(event.data)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const newName = renamed.get(event.about);
    const data = { ...event.data };
    for (const name of ['userName', 'groupName', 'roleName', 'policyName'] as const) {
      if (newName && event.type.endsWith('.updated') && data[name.replace('Name', 'Id')] === event.about)
        data[name] = newName;
    }
    events.push({ type: event.type, timestamp: record.at, data: { accountId: record.accountId, ...data } });
  }
  return events;
}
