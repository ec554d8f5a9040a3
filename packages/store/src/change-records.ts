/**
 * Change records: every committed change carries, in its own transaction, an outbox item saying
 * what changed (entity, key, put/update/delete: never item values, so no secret can leak), who
 * changed it and through which interface. The table's stream carries them to consumers.
 *
 * Who and how reach `transact()` through an AsyncLocalStorage scope the API layer opens around
 * each operation (`withChangeOrigin`), so store signatures need not carry them. Writers outside any
 * request (bootstrap, migrations, tests) give their store context a `systemOrigin` instead.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import {
  type AuditEventEntry,
  auditEventWrite,
  DEFAULT_AUDIT_RETENTION_DAYS,
  recordAuditEvents,
} from './audit-events.ts';
import type { StoreContext } from './client.ts';
import {
  type AuditScope,
  type ChangeScope,
  changeRecordKey,
  changeRecordPartition,
  type ItemKey,
} from './keys.ts';
import { queryWholePartition } from './partition-queries.ts';
import type { TransactItem } from './transactions.ts';

/** The interface a change came through. */
export type ChangeInterface =
  | 'iam-query'
  | 'sts-query'
  | 'rest'
  | 'sts-rest'
  | 'operator'
  | 'sign-in'
  | 'decisions'
  | 'cloudtrail'
  | 'system'
  /** A signed inbound webhook from the operator's back office, or the setup of its owner's first password. */
  | 'provisioning'
  // SCIM 2.0 provisioning (issue #13): the actor is the SCIM token.
  | 'scim';

/** Who made a change (identifiers only: never a secret, token or hash). */
export interface ChangePrincipal {
  /**
   * `root`, `user`, `assumed-role`, `operator`, `web-identity` (a token's subject, once verified), or
   * `anonymous` before authentication (sign-in, web identity).
   */
  readonly type: string;
  readonly arn?: string;
  readonly accountId?: string;
  /** AWS's UserId (`AIDA…`, `AROA…:<session>`, the account id for root). */
  readonly principalId?: string;
  /** The access key id the request was signed with (long-term or temporary). */
  readonly accessKeyId?: string;
  /** The sign-in session the caller acts for (Bearer, or keys minted from one). */
  readonly signInSessionId?: string;
  /** The IAM user's name (users only). */
  readonly userName?: string;
  /** When the caller's temporary credentials were issued (role and session-token callers). */
  readonly sessionIssuedAt?: string;
  /** True when MFA authenticated the caller's session. */
  readonly mfaAuthenticated?: boolean;
  /** A role session's role, by its ARN with the role's path (the session ARN drops the path). */
  readonly sessionIssuerArn?: string;
  /** The source identity a role session carries (sts:SourceIdentity). */
  readonly sourceIdentity?: string;
  /** The OIDC provider's ARN behind a role session from AssumeRoleWithWebIdentity. */
  readonly webIdentityProvider?: string;
  /** The provider a `web-identity` principal (a token's subject) was authenticated by. */
  readonly identityProvider?: string;
}

/** Who made a change, through which interface and operation, from where. */
export interface ChangeOrigin {
  readonly via: ChangeInterface;
  /** The operation's name: AWS's where AWS has one (`CreateUser`, `AssumeRole`), else Palisade's. */
  readonly operation: string;
  /** The request id the client saw (`x-amzn-RequestId`); a fresh id for system writers. */
  readonly requestId: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly principal?: ChangePrincipal;
}

/** What a change did to one item. */
export interface ChangedItem {
  /** The item's entity type (`user`, `inline-policy`, `access-key`, …). */
  readonly entity: string;
  readonly key: ItemKey;
  readonly change: 'put' | 'update' | 'delete';
  /** The identifiers the write states of the item (never a value outside CHANGE_SUBJECT_FIELDS). */
  readonly subject?: ChangeSubject;
}

/**
 * The identifier attributes a change record may copy from its writes: names, ids, ARNs, paths and
 * statuses, never a secret, hash, document or token. Outbound events are built from these
 * (@palisade/events) without reading the table again, which a deletion would leave nothing to read.
 */
export const CHANGE_SUBJECT_FIELDS = [
  'id',
  'name',
  'arn',
  'path',
  'userId',
  'groupId',
  'principalId',
  'kind',
  'policyArn',
  'accessKeyId',
  'alias',
  'status',
] as const;

/** The identifiers a write states of its item (a put's attributes, an update's or condition's named values). */
export type ChangeSubject = Readonly<Partial<Record<(typeof CHANGE_SUBJECT_FIELDS)[number], string>>>;

// Longer values are left out: identifiers are short (a policy ARN is the longest, about 1,300).
const MAX_SUBJECT_VALUE = 1_300;

function subjectOf(write: TransactItem): ChangeSubject | undefined {
  const source = write.Put ? write.Put.Item : statedValues(write.Update ?? write.Delete);
  const subject: Partial<Record<(typeof CHANGE_SUBJECT_FIELDS)[number], string>> = {};
  for (const field of CHANGE_SUBJECT_FIELDS) {
    const value = source?.[field];
    if (typeof value === 'string' && value.length <= MAX_SUBJECT_VALUE) subject[field] = value;
  }
  return Object.keys(subject).length > 0 ? subject : undefined;
}

/**
 * What an update or a delete states of its item: each `attribute = :value` of its update and its
 * condition (`SET #s = :s`, `#name = :name`), the attribute named through ExpressionAttributeNames.
 */
function statedValues(
  write:
    | {
        readonly UpdateExpression?: string | undefined;
        readonly ConditionExpression?: string | undefined;
        readonly ExpressionAttributeNames?: Record<string, string> | undefined;
        readonly ExpressionAttributeValues?: Record<string, unknown> | undefined;
      }
    | undefined,
): Record<string, unknown> {
  const stated: Record<string, unknown> = {};
  const text = `${write?.UpdateExpression ?? ''} ${write?.ConditionExpression ?? ''}`;
  for (const [, attribute, placeholder] of text.matchAll(/(?<![\w.#])(#?\w+)\s*=\s*(:\w+)/g)) {
    const name = attribute?.startsWith('#') ? write?.ExpressionAttributeNames?.[attribute] : attribute;
    if (name && placeholder) stated[name] = write?.ExpressionAttributeValues?.[placeholder];
  }
  return stated;
}

/** The typed, secret-free record of one committed change (one transaction). */
export interface ChangeRecord {
  readonly recordId: string;
  /** The account the change belongs to, or `platform` for deployment-wide items. */
  readonly accountId: string;
  /** ISO instant of the commit attempt that succeeded. */
  readonly at: string;
  readonly operation: string;
  readonly origin: ChangeOrigin;
  readonly items: readonly ChangedItem[];
}

/** How long change records stay in the table (TTL): consumers read them off the stream within seconds. */
export const CHANGE_RECORD_RETENTION_SECONDS = 7 * 24 * 3600;

/** The entity value that marks an outbox item (what stream consumers filter on). */
export const CHANGE_RECORD_ENTITY = 'change-record';

/**
 * The writes that are not changes, so carry no record: each is one item sent outside `transact()`,
 * and this is the one list of them (the write-path test refuses any other single-item write).
 */
export const unrecordedWrites = {
  recordAccessKeyUse: 'telemetry: when and where a key was last used (GetAccessKeyLastUsed)',
  claimMfaStep: 'replay guard: marks a TOTP time step as spent',
  addSignInThrottleCount: 'abuse counters that expire by TTL',
  lockSignInThrottle: 'an abuse lockout that expires by TTL',
  clearSignInThrottle: 'forgets abuse counters after a successful sign-in',
  recordSignInAttempt: 'the attempt log is itself the record of what happened',
  putDecisionLogRecords: 'decisions are reads; the decision log records them',
  recordAuditEvents: 'the audit event of a call that changed nothing (a refusal, a failed sign-in)',
  appendAuditChainLink: 'sealing links an event into its chain; the event records the change',
  claimWebhookDelivery: 'replay guard: claims a webhook-id before its event is applied (TTL)',
  rememberWebhookAnswer:
    'replay guard: the answer a webhook-id gets again (TTL); the change has its own record',
  releaseWebhookDelivery: 'replay guard: frees the claim of a delivery that failed before answering',
  recordScimTokenUse: 'telemetry: when a SCIM token was last used (at most once a minute per process)',
  putEventDeliveries: 'the outbound events of committed changes: the delivery log is itself their record',
  claimEventDelivery: 'a delivery worker leases a delivery for one attempt',
  recordEventDeliveryAttempt: 'the outcome of one delivery attempt, kept on the delivery it belongs to',
  recordServiceLastAccess:
    'telemetry: when a user or role last called a service (access advisor; at most hourly)',
  recordPasswordUse:
    'telemetry: when a user last signed in with its password (PasswordLastUsed; at most hourly)',
  recordRoleUse: "telemetry: when and where a role was last assumed (GetRole's RoleLastUsed; at most hourly)",
} as const;

/**
 * What CloudTrail says of a call besides who made it, when and from where: set by the interface
 * that runs the call (runAsChange), completed by a service before its transaction.
 */
export interface AuditDetails {
  /** `iam.amazonaws.com`, `sts.amazonaws.com`, `signin.amazonaws.com`, `palisade`, … */
  readonly eventSource: string;
  /** AWS's operation name where AWS has one. */
  readonly eventName: string;
  readonly readOnly: boolean;
  /** The call's input, already redacted (@palisade/audit); null when it has none. */
  readonly requestParameters: Readonly<Record<string, unknown>> | null;
  /** What the call answered worth keeping, already redacted; AWS leaves it null for most calls. */
  readonly responseElements?: Readonly<Record<string, unknown>> | null;
  /** Names and ARNs the call is about (the ResourceName lookup). */
  readonly resources?: readonly string[];
  /** `AwsApiCall` unless said otherwise (`AwsConsoleSignIn`). */
  readonly eventType?: string;
  readonly additionalEventData?: Readonly<Record<string, unknown>>;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** Builds the stored entry of a call's event for one trail: the port @palisade/audit fills. */
export type AuditEventBuilder = (call: {
  readonly origin: ChangeOrigin;
  readonly details: AuditDetails;
  readonly scope: AuditScope;
  readonly at: Date;
}) => AuditEventEntry;

/** The audit side of a change-origin scope: what to record of the call, and how to build its event. */
export interface AuditRecording {
  /** The details, or how to make them: a call that commits nothing never pays for its parameters. */
  readonly details: AuditDetails | (() => AuditDetails);
  readonly build: AuditEventBuilder;
}

interface AuditState {
  readonly details: () => AuditDetails;
  readonly build: AuditEventBuilder;
  /** Set by a service during the call (responseElements, resources, the signed-in principal). */
  additions: Partial<AuditDetails>;
  principal?: ChangePrincipal;
  /** INVARIANT: one event per call per trail: set while a transaction carries it, kept once one committed. */
  claimed: boolean;
}

interface OriginScope {
  readonly origin: ChangeOrigin;
  sequence: number;
  readonly audit?: AuditState;
}

const scopes = new AsyncLocalStorage<OriginScope>();
let systemSequence = 0;

/**
 * Runs `run` with `origin` as the origin of every change it commits; with `audit`, the first
 * transaction that commits also files the call's audit event (change-records.ts, pendingAuditEvent).
 */
export function withChangeOrigin<T>(
  origin: ChangeOrigin,
  run: () => Promise<T>,
  audit?: AuditRecording,
): Promise<T> {
  const details = audit?.details;
  const state: AuditState | undefined = audit
    ? {
        details: typeof details === 'function' ? once(details) : () => details as AuditDetails,
        build: audit.build,
        additions: {},
        claimed: false,
      }
    : undefined;
  const scope: { origin: ChangeOrigin; sequence: number; audit?: AuditState } = { origin, sequence: 0 };
  if (state) scope.audit = state;
  return scopes.run(scope, run);
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

/** Sets the current call's responseElements (already redacted) before its transaction; no-op outside a scope. */
export function setAuditResponseElements(elements: Readonly<Record<string, unknown>> | null): void {
  const audit = scopes.getStore()?.audit;
  if (audit) audit.additions = { ...audit.additions, responseElements: elements };
}

/** Adds names or ARNs the current call is about (the ResourceName lookup); no-op outside a scope. */
export function addAuditResources(names: readonly string[]): void {
  const audit = scopes.getStore()?.audit;
  if (audit)
    audit.additions = { ...audit.additions, resources: [...(audit.additions.resources ?? []), ...names] };
}

/**
 * Names who the current call turned out to be, for a call that starts anonymous (a sign-in names
 * the user once the password matched); no-op outside a scope.
 */
export function setAuditPrincipal(principal: ChangePrincipal): void {
  const audit = scopes.getStore()?.audit;
  if (audit) audit.principal = principal;
}

function auditCallOf(scope: OriginScope, audit: AuditState): { origin: ChangeOrigin; details: AuditDetails } {
  const details = audit.details();
  const { additions } = audit;
  return {
    origin: audit.principal ? { ...scope.origin, principal: audit.principal } : scope.origin,
    details: {
      ...details,
      ...additions,
      ...(additions.resources ? { resources: [...(details.resources ?? []), ...additions.resources] } : {}),
    },
  };
}

/** The current call's origin, audit details and event builder, for recording a call that changed nothing. */
export function currentAuditCall():
  | { readonly origin: ChangeOrigin; readonly details: AuditDetails; readonly build: AuditEventBuilder }
  | undefined {
  const scope = scopes.getStore();
  return scope?.audit ? { ...auditCallOf(scope, scope.audit), build: scope.audit.build } : undefined;
}

/** The origin of writes made outside any request, e.g. by bootstrap, migrations or key rotation. */
export function systemChangeOrigin(operation: string): ChangeOrigin {
  return { via: 'system', operation, requestId: `system-${randomUUID()}` };
}

const ACCOUNT_PARTITION = /^ACCT#(\d{12})(?:#|$)/;
const ACCOUNT_ID = /^\d{12}$/;

function keyOf(write: TransactItem): ItemKey | undefined {
  const key = write.Put?.Item ?? write.Update?.Key ?? write.Delete?.Key;
  if (!key || typeof key.pk !== 'string' || typeof key.sk !== 'string') return undefined;
  return { pk: key.pk, sk: key.sk };
}

/** The items a transaction changes: its puts, updates and deletes (condition checks change nothing). */
export function changedItems(writes: readonly TransactItem[]): ChangedItem[] {
  const items: ChangedItem[] = [];
  for (const write of writes) {
    const key = keyOf(write);
    if (!key) continue;
    const change = write.Put ? 'put' : write.Update ? 'update' : 'delete';
    const declared = write.Put?.Item?.entity;
    // Updates and deletes do not restate the entity: the sort key's first segment names it.
    const entity = typeof declared === 'string' ? declared : (key.sk.split('#')[0] ?? '').toLowerCase();
    const subject = subjectOf(write);
    items.push({ entity, key, change, ...(subject ? { subject } : {}) });
  }
  return items;
}

/** The account a change belongs to: the first account partition it writes, else an account an item names. */
function scopeOf(writes: readonly TransactItem[], origin: ChangeOrigin): ChangeScope {
  for (const write of writes) {
    const account = ACCOUNT_PARTITION.exec(keyOf(write)?.pk ?? '')?.[1];
    if (account) return { accountId: account };
  }
  for (const write of writes) {
    const named = write.Put?.Item?.accountId;
    if (typeof named === 'string' && ACCOUNT_ID.test(named)) return { accountId: named };
  }
  const callerAccount = origin.principal?.accountId;
  return callerAccount && ACCOUNT_ID.test(callerAccount) ? { accountId: callerAccount } : 'platform';
}

/**
 * The outbox item a transaction of `writes` carries, or undefined when it changes nothing.
 * INVARIANT: no change without its record: a change with no origin (no `withChangeOrigin` scope,
 * no `systemOrigin` on the store) is a programming error and throws before anything is written.
 */
export function changeRecordItem(
  context: StoreContext,
  writes: readonly TransactItem[],
  at: Date,
): TransactItem | undefined {
  const items = changedItems(writes);
  if (items.length === 0) return undefined;
  const scope = scopes.getStore();
  const origin = scope?.origin ?? context.systemOrigin;
  if (!origin) {
    throw new Error(
      `a change needs its origin: run it inside withChangeOrigin or give the store a systemOrigin (${items[0]?.key.pk})`,
    );
  }
  const n = scope ? ++scope.sequence : ++systemSequence;
  const filed = scopeOf(writes, origin);
  const instant = at.toISOString();
  const record: ChangeRecord = {
    recordId: randomUUID(),
    accountId: filed === 'platform' ? 'platform' : filed.accountId,
    at: instant,
    operation: origin.operation,
    origin,
    items,
  };
  return {
    Put: {
      Item: {
        ...changeRecordKey(filed, instant, origin.requestId, n),
        entity: CHANGE_RECORD_ENTITY,
        ...record,
        expiresAt: Math.floor(at.getTime() / 1000) + CHANGE_RECORD_RETENTION_SECONDS,
      },
    },
  };
}

/**
 * Files the current call's event for a call that changed nothing (a refusal, a failed sign-in),
 * with `outcome` added to its details, in the trail of the caller's (or the named principal's)
 * account. Best-effort: resolves false instead of failing, as it must never change the answer.
 */
export async function recordUnchangedCall(
  context: StoreContext,
  outcome: Partial<AuditDetails>,
  at: Date = new Date(),
): Promise<boolean> {
  const call = currentAuditCall();
  if (!call) return false;
  const account = call.origin.principal?.accountId;
  const trail: AuditScope = account && ACCOUNT_ID.test(account) ? { accountId: account } : 'platform';
  try {
    const entry = call.build({
      origin: call.origin,
      details: { ...call.details, ...outcome },
      scope: trail,
      at,
    });
    await recordAuditEvents(context, [{ scope: trail, entry }]);
    return true;
  } catch {
    return false;
  }
}

/** How many trails one call's event is filed in at most (the caller's, a role's other account, the platform's). */
const MAX_AUDIT_TRAILS = 3;

/**
 * The trails a call's event belongs in: every account its writes touch and the caller's own
 * (a cross-account AssumeRole tells both), and the platform's for the operator's calls.
 */
export function auditScopesOf(writes: readonly TransactItem[], origin: ChangeOrigin): AuditScope[] {
  const accounts: string[] = [];
  const add = (account: string | undefined) => {
    if (account && ACCOUNT_ID.test(account) && !accounts.includes(account)) accounts.push(account);
  };
  for (const write of writes) add(ACCOUNT_PARTITION.exec(keyOf(write)?.pk ?? '')?.[1]);
  for (const write of writes) {
    const named = write.Put?.Item?.accountId;
    add(typeof named === 'string' ? named : undefined);
  }
  add(origin.principal?.accountId);
  const trails: AuditScope[] = accounts.map((accountId) => ({ accountId }));
  if (origin.via === 'operator' || trails.length === 0) trails.unshift('platform');
  return trails.slice(0, MAX_AUDIT_TRAILS);
}

/**
 * The audit event items a transaction of `writes` carries: the call's event in each of its
 * trails, when the call has audit details and no earlier transaction of it committed its event.
 * `settle` says whether the transaction committed; a failed one leaves the event to the next.
 */
export function pendingAuditEvent(
  context: StoreContext,
  writes: readonly TransactItem[],
  at: Date,
): { readonly writes: TransactItem[]; settle(committed: boolean): void } | undefined {
  const scope = scopes.getStore();
  const audit = scope?.audit;
  if (!scope || !audit || audit.claimed || changedItems(writes).length === 0) return undefined;
  audit.claimed = true;
  const retention = context.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
  const call = auditCallOf(scope, audit);
  // One item per trail: the event's lookup copies are the sealer's to write, off the write path.
  const items = auditScopesOf(writes, call.origin).map((trail) =>
    auditEventWrite(trail, audit.build({ ...call, scope: trail, at }), retention),
  );
  return {
    writes: items,
    settle(committed) {
      if (!committed) audit.claimed = false;
    },
  };
}

/** Converts a stored (or streamed, unmarshalled) outbox item into its record; undefined for any other item. */
export function toChangeRecord(item: Record<string, unknown>): ChangeRecord | undefined {
  if (item.entity !== CHANGE_RECORD_ENTITY) return undefined;
  return {
    recordId: String(item.recordId),
    accountId: String(item.accountId),
    at: String(item.at),
    operation: String(item.operation),
    origin: item.origin as ChangeOrigin,
    items: (item.items as ChangedItem[] | undefined) ?? [],
  };
}

/** The change records of a scope on one day (`yyyy-mm-dd`), in commit order. */
export async function listChangeRecords(
  context: StoreContext,
  scope: ChangeScope,
  day: string,
): Promise<ChangeRecord[]> {
  const items = await queryWholePartition(context, changeRecordPartition(scope, day));
  const records = items.map(toChangeRecord).filter((record): record is ChangeRecord => record !== undefined);
  return records;
}
