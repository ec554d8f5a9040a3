/**
 * Every DynamoDB key Palisade writes is built here, and nowhere else.
 *
 * Grammar. The account id is the first segment of every tenant-scoped partition key; names are
 * lower-cased in keys (IAM names are unique case-insensitively) and kept as typed on the item.
 * Global lookups (alias → account, access key id → owner) are items of their own, written in the
 * same transaction as what they point at.
 *
 * Access patterns (question → index → key condition → function):
 *
 * | question                                   | index | key condition                                        | function              |
 * |--------------------------------------------|-------|------------------------------------------------------|-----------------------|
 * | the account with this id                   | table | pk = ACCT#<a>, sk = ACCOUNT                          | accountKey            |
 * | every account (operator listing)           | gsi1  | gsi1pk = ACCOUNTS, gsi1sk > cursor                   | accountListKey        |
 * | the account with this alias                | table | pk = ALIAS#<alias>, sk = ALIAS                       | aliasKey              |
 * | the owner and secret of this access key    | table | pk = AKID#<key id>, sk = ACCESS-KEY                  | accessKeyLookupKey    |
 * | a user/group/role/managed policy by its    | table | pk = ACCT#<a>#<KIND>#<id>, sk = <KIND>               | entityRecordKey       |
 * |   immutable id (the authoritative record)  |       |   (id = AIDA…/AGPA…/AROA…/ANPA…)                     |                       |
 * | …and everything it holds (inline policies, | table | pk = ACCT#<a>#<KIND>#<id>, sk = INLINE#… /           | entityPartition       |
 * |   attachments, memberships, member shards, |       |   ATTACHED#… / MEMBER-OF#<group id> / MEMBER#<user   |                       |
 * |   keys, login profile, MFA, versions,      |       |   id> / MEMBERS#nn / ACCESS-KEY#… / MFA#… / VERSION#…|                       |
 * |   a policy's use shards)                   |       |   / USES#nn                                          |                       |
 * | a user/group/role/managed policy by name   | table | pk = ACCT#<a>#<KIND>-NAME#<lower-cased name>,        | entityNameKey         |
 * |   (case-insensitive; the id and an exact   |       |   sk = NAME (written with the record in the same     |                       |
 * |   copy of the record: one GetItem)         |       |   transaction; attribute_not_exists = name is free)  |                       |
 * | every principal of a kind in an account    | gsi1  | gsi1pk = ACCT#<a>#<KIND>S, begins_with(gsi1sk, path) | principalListKey      |
 * |   (only the authoritative records carry it)|       |                                                      |                       |
 * | a managed policy's versions                | table | pk = ACCT#<a>#POLICY#<id>, begins_with(sk, VERSION#) | policyVersionKey      |
 * | every managed policy of an account         | gsi1  | gsi1pk = ACCT#<a>#POLICYS, begins_with(gsi1sk, path) | principalListKey      |
 * | the account's catalog counters (bytes)     | table | pk = ACCT#<a>, sk = SUMMARY                          | accountSummaryKey     |
 * | one shard of an account-wide quota counter | table | pk = ACCT#<a>#COUNTERS, sk = <counter>#<nn>          | accountCounterShardKey|
 * |   every shard of every counter (summary)   | table | pk = ACCT#<a>#COUNTERS                               | accountCounterPartition |
 * | one shard of a group's member count         | table | pk = ACCT#<a>#GROUP#<group id>, sk = MEMBERS#<nn>    | groupMemberShardKey   |
 * | one shard of a managed policy's use counts  | table | pk = ACCT#<a>#POLICY#<policy id>, sk = USES#<nn>     | policyUseShardKey     |
 * |   (attachments, boundary uses; all shards: |       |   (all: begins_with(sk, USES#), one consistent Query |                       |
 * |   GetPolicy, ListPolicies, DeletePolicy)   |       |   per policy)                                        |                       |
 * | the account's password policy              | table | pk = ACCT#<a>, sk = PASSWORD-POLICY                  | passwordPolicyKey     |
 * | the root principal's record and its keys   | table | pk = ACCT#<a>#ROOT, sk = ROOT / ACCESS-KEY#…         | rootPartition         |
 * | the ids of the groups a user is in         | table | pk = ACCT#<a>#USER#<user id>,                        | membershipKey         |
 * |   (then BatchGet of the group records)     |       |   begins_with(sk, MEMBER-OF#) (sk = …#<group id>)    |                       |
 * | the ids of a group's members               | table | pk = ACCT#<a>#GROUP#<group id>,                      | groupMemberKey        |
 * |   (then BatchGet of the user records)      |       |   begins_with(sk, MEMBER#) (sk = …#<user id>)        |                       |
 * | the principals a managed policy is on      | table | pk = ACCT#<a>#POLICY#<policy id>,                    | policyAttachmentKey   |
 * |                                            |       |   begins_with(sk, ATTACHMENT#<KIND>#<principal id>)  |                       |
 * | a user's (or root's) login profile         | table | pk = <user id's (root's) partition>, sk = LOGIN-PROFILE | loginProfileKey    |
 * | an enabled MFA device of a user (or root)  | table | pk = <principal partition>, sk = MFA#<serial ARN>    | assignedMfaDeviceKey  |
 * |   every enabled MFA device of a user       | table | pk = <principal partition>, begins_with(sk, MFA#)    | mfaAssignmentPrefix   |
 * | a virtual MFA device (seed, assignment)    | table | pk = ACCT#<a>#MFA#<name>, sk = MFA-DEVICE            | virtualMfaDeviceKey   |
 * | every virtual MFA device of an account     | gsi1  | gsi1pk = ACCT#<a>#MFAS, gsi1sk > cursor              | virtualMfaListKey     |
 * | a sign-in session (refresh family)         | table | pk = SIGN-IN-SESSION#<session id>, sk = SESSION      | signInSessionKey      |
 * | sign-in failures of a name or source (TTL) | table | pk = SIGN-IN-THROTTLE#<USER|IP>#<sha256>, sk = LOCK / W#<bucket> | signInThrottlePartition |
 * | wrong codes of one MFA device (TTL)        | table | pk = SIGN-IN-THROTTLE#MFA#<sha256(serial)>, sk = LOCK / W#<bucket> | signInThrottlePartition |
 * | sign-in attempts of an account on a day    | table | pk = ACCT#<a>#SIGN-IN-ATTEMPTS#<yyyy-mm-dd>, sk = <iso time>#<id> | signInAttemptKey |
 * |   (attempts naming no known account)       |       |   pk = SIGN-IN-ATTEMPTS#UNRESOLVED#<yyyy-mm-dd>       |                       |
 * | every session signing key                  | table | pk = SIGNING-KEYS, begins_with(sk, KEY#)             | signingKeysPartition  |
 * | the current session signing key pointer    | table | pk = SIGNING-KEYS, sk = CURRENT                      | currentSigningKeyKey  |
 * | the STS session behind a temporary key     | table | pk = AKID#<ASIA…>, sk = STS-SESSION                  | stsSessionKey         |
 * | the unexpired sessions of one assumed-role | gsi1  | gsi1pk = ACCT#<a>#ROLE-SESSION#<role>#<session>,     | roleSessionIndexKey   |
 * |   ARN (AssumeRole*, not GetSessionToken)   |       |   gsi1sk > <now> (gsi1sk = expiration, ISO time)     | roleSessionPartition  |
 * | an account's OIDC provider by host/path    | table | pk = ACCT#<a>#OIDC-PROVIDERS, sk = OIDC#<host/path>  | oidcProviderKey       |
 * | every OIDC provider of an account          | table | pk = ACCT#<a>#OIDC-PROVIDERS, begins_with(sk, OIDC#) | oidcProviderPartition |
 * | the account's decision-log settings        | table | pk = ACCT#<a>, sk = DECISION-LOG-SETTINGS            | decisionLogSettingsKey|
 * | the policy and tags of a tenant resource   | table | pk = ACCT#<a>#RESOURCE#<arn>, sk = RESOURCE-POLICY   | resourcePolicyKey     |
 * | every registered resource of an account    | gsi1  | gsi1pk = ACCT#<a>#RESOURCES, gsi1sk > cursor (ARN)   | resourcePolicyListKey |
 * | the platform-wide service catalog          | table | pk = SERVICE-CATALOG, sk = <prefix>                  | serviceCatalogKey     |
 * | an account's own service catalog           | table | pk = ACCT#<a>#SERVICE-CATALOG, sk = <prefix>         | serviceCatalogKey     |
 * | an account's decisions in a time range     | table | pk = ACCT#<a>#DECISIONS, sk BETWEEN <from> AND <to>  | decisionLogKey        |
 * |   (TTL-expired through expiresAt)          |       |   (sk = <ISO time>#<request id>#<index>)             | decisionLogPartition  |
 * | the table's layout (schema) version        | table | pk = SCHEMA, sk = VERSION                            | schemaVersionKey      |
 * | the lease of the migration runner (+ its   | table | pk = SCHEMA, sk = MIGRATION-LEASE                    | migrationLeaseKey     |
 * |   progress through the running migration)  |       |                                                      |                       |
 * | the change records (outbox) of an account  | table | pk = ACCT#<a>#CHANGES#<yyyy-mm-dd>,                  | changeRecordKey       |
 * |   on a day, in commit order (TTL 7 days)   |       |   sk = <ISO time>#<request id>#<n>                   | changeRecordPartition |
 * |   (platform-wide changes: no account)      |       |   pk = PLATFORM#CHANGES#<yyyy-mm-dd>                 |                       |
 * | an account's audit events, newest first,   | table | pk = ACCT#<a>#AUDIT, sk BETWEEN <from> AND <to>,     | auditEventKey         |
 * |   in a time range (TTL: retention days)    |       |   ScanIndexForward false (sk = <ISO ms>#<event id>)  | auditPartition        |
 * |   (operator/platform events: no account)   |       |   pk = PLATFORM#AUDIT                                |                       |
 * | …with one lookup attribute equal to a value| table | pk = ACCT#<a>#AUDIT#<ATTR>#<value>, same sk: a copy  | auditLookupPartition  |
 * |   (EVENT-NAME, USERNAME, ACCESS-KEY-ID,    |       |   of the event the sealer puts when it seals it      |                       |
 * |   RESOURCE-NAME, READ-ONLY): the sealed    |       |   (value > 512 chars or not printable: sha256:<hex>),|                       |
 * |   events' copies, merged with the unsealed |       |   merged by sk with the gsi2 row below filtered on   |                       |
 * |   ones (gsi2, read up to a bound)          |       |   the event's lookupKeys (<ATTR>#<value>)            |                       |
 * | an audit event by its event id             | table | pk = ACCT#<a>#AUDIT-EVENT#<event id>, sk = EVENT     | auditEventIdKey       |
 * |   (sealed: its copy; unsealed: gsi2 below) |       |   (put by the sealer)                                |                       |
 * | an account's audit events not yet sealed   | gsi2  | gsi2pk = ACCT#<a>#AUDIT-UNSEALED, gsi2sk = event sk  | auditUnsealedIndexKey |
 * |   into its chain, oldest first (sealer) or |       |   (removed by the sealer; the change's transaction   |                       |
 * |   newest first in a range (lookups)        |       |   writes the event alone, with these attributes)     |                       |
 * | an account's audit chain links by sequence | table | pk = ACCT#<a>#AUDIT-CHAIN, sk BETWEEN LINK#<n> AND … | auditChainLinkKey     |
 * |   and its head (only sealers write them)   |       |   head: sk = HEAD                                    | auditChainHeadKey     |
 * | the chain links of events in a time range  | gsi1  | gsi1pk = ACCT#<a>#AUDIT-LINKS, gsi1sk BETWEEN <from> | auditLinkTimeIndexKey |
 * |                                            |       |   AND <to> (gsi1sk = the linked event's sk)          |                       |
 * | a provisioning webhook secret (sealed)     | table | pk = PROVISIONING#WEBHOOK-SECRETS, sk = SECRET#<id>  | webhookSecretKey      |
 * |   every live webhook secret (verification) | table | pk = PROVISIONING#WEBHOOK-SECRETS                    | webhookSecretPartition|
 * | a webhook delivery by its webhook-id: the  | table | pk = WEBHOOK-DELIVERY#<sha256(webhook-id)>,          | webhookDeliveryKey    |
 * |   claim, then the answer (TTL)             |       |   sk = DELIVERY                                      |                       |
 * | the account of a back office's externalId  | table | pk = EXTERNAL-ID#<externalId>, sk = ACCOUNT          | externalIdKey         |
 * |   (unique; written with the account)       |       |                                                      |                       |
 * | a blueprint by name (case-insensitive)     | table | pk = PROVISIONING#BLUEPRINTS, sk = BLUEPRINT#<name>  | blueprintKey          |
 * | a user's setup token (hash, expiry, TTL)   | table | pk = ACCT#<a>#SETUP-TOKENS, sk = USER#<user id>      | setupTokenKey         |
 * | the sign-in sessions a user holds (ended   | gsi1  | gsi1pk = ACCT#<a>#USER#<user id>#SIGN-IN-SESSIONS,  | userSignInSessionIndexKey |
 * |   when the user is deleted)                |       |   gsi1sk = <session id>                              | userSignInSessionsPartition |
 * | one page of a group's members, by user id  | table | pk = ACCT#<a>#GROUP#<group id>, begins_with(sk,      | groupMemberKey        |
 * |   (cursor: the last user id of the page)   |       |   MEMBER#), ExclusiveStartKey = member key of cursor | groupMemberPrefix     |
 * | a SCIM token by the sha256 of its secret   | table | pk = SCIM-TOKEN#<sha256 hex>, sk = SCIM-TOKEN        | scimTokenLookupKey    |
 * |   (the bearer token alone names the account)|      |   (written with the account's item, one transaction) |                       |
 * | an account's SCIM tokens (listing, revoke) | table | pk = ACCT#<a>#SCIM-TOKENS, begins_with(sk, TOKEN#)    | scimTokenKey          |
 * | the SCIM attributes IAM has no field for   | table | pk = <user's / group's id partition>, sk = SCIM      | scimProfileKey        |
 * |   (externalId, name, emails, active, …)    |       |   (read with the record: one BatchGet of both keys)  |                       |
 * | an account's (or the operator's) event     | table | pk = ACCT#<a>#EVENT-SUBSCRIPTIONS,                   | eventSubscriptionKey  |
 * |   subscriptions, and their count (quota)   |       |   sk = SUBSCRIPTION#<sub id> / COUNT                 | eventSubscriptionCountKey |
 * |   (operator: account events of all)        |       |   pk = PLATFORM#EVENT-SUBSCRIPTIONS                  |                       |
 * | one subscription's deliveries, by time     | table | pk = ACCT#<a>#EVENT-DELIVERIES#<sub id>,             | eventDeliveryKey      |
 * |   (attempts on the item; TTL 30 days)      |       |   sk = DELIVERY#msg_<time base 36><hex> (webhook-id) | eventDeliveryPartition|
 * | deliveries due for an attempt by an instant| gsi1  | gsi1pk = EVENT-DELIVERIES-DUE, gsi1sk <= <ISO>#~     | eventDeliveryDueIndexKey |
 * |   (removed once delivered or given up)     |       |   (gsi1sk = <due ISO ms>#<delivery id>)              | eventDeliveryDueBound |
 * | when a user/role last called each service  | table | pk = ACCT#<a>#LAST-ACCESS#<USER|ROLE>#<id>,          | serviceLastAccessKey  |
 * |   (written at most hourly; TTL 400 days)   |       |   begins_with(sk, SERVICE#) (sk = SERVICE#<prefix>)  | lastAccessPartition   |
 * | when and where a role was last assumed     | table | pk = ACCT#<a>#LAST-ACCESS#ROLE#<role id>,            | roleLastUsedKey       |
 * |                                            |       |   sk = ROLE-USED                                     |                       |
 * | when a user last signed in with a password | table | pk = ACCT#<a>#LAST-ACCESS#USER#<user id>,            | passwordLastUsedKey   |
 * |                                            |       |   sk = PASSWORD-USED                                 |                       |
 * | an account's credential report: state and  | table | pk = ACCT#<a>#CREDENTIAL-REPORT, sk = REPORT /       | credentialReportKey   |
 * |   CSV chunks (read: state, then chunks)    |       |   CHUNK#nn                                           | credentialReportChunkKey |
 * | an access advisor job by its id (TTL)      | table | pk = ACCT#<a>#ACCESS-ADVISOR-JOB#<uuid>, sk = JOB    | serviceLastAccessedJobKey |
 * | the principals of an account an operator-  | table | pk = ACCT#<a>#PLATFORM-POLICY#<lower-cased name>,    | platformPolicyAttachmentKey |
 * |   managed policy is attached to (counted   |       |   begins_with(sk, ATTACHMENT#) (sk = …<KIND>#<id>)   | platformPolicyUsePartition |
 * |   for AttachmentCount; written with it)    |       |                                                      |                       |
 * | …and whose permissions boundary it is      | table | same pk, begins_with(sk, BOUNDARY#)                  | platformPolicyBoundaryKey |
 */

import { createHash } from 'node:crypto';

/** A table key: partition and sort key values. */
export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** The kinds of principal-like partitions an account holds (policies share the listing shape). */
export type PartitionKind = 'USER' | 'GROUP' | 'ROLE' | 'POLICY' | 'ROOT';

/** The kinds of entity keyed by an immutable id, with a name → id item beside them. */
export type EntityKind = Exclude<PartitionKind, 'ROOT'>;

const ACCOUNT_ID = /^\d{12}$/;
const ALIAS = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
// IAM names: letters, digits and +=,.@_- (1–128); '#' never appears, so it can separate segments.
const ENTITY_NAME = /^[\w+=,.@-]{1,128}$/;
// Immutable ids (credentials' generateUniqueId: a four-letter prefix, then base32); the prefix names the kind.
const ENTITY_ID: Readonly<Record<EntityKind, RegExp>> = {
  USER: /^AIDA[A-Z0-9]{8,60}$/,
  GROUP: /^AGPA[A-Z0-9]{8,60}$/,
  ROLE: /^AROA[A-Z0-9]{8,60}$/,
  POLICY: /^ANPA[A-Z0-9]{8,60}$/,
};

function checked(value: string, pattern: RegExp, what: string): string {
  // INVARIANT: no unvalidated input becomes part of a key, so no input can address another tenant.
  // Thrown, not returned: reaching here with bad input is a programming error, not a user error.
  if (!pattern.test(value)) throw new Error(`invalid ${what} in key: ${JSON.stringify(value)}`);
  return value;
}

/** True when `value` is a 12-digit account id. */
export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

/** The account's own item. */
export function accountKey(accountId: string): ItemKey {
  return { pk: `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}`, sk: 'ACCOUNT' };
}

/** GSI1 attributes that list every account for the operator. */
export function accountListKey(accountId: string): { gsi1pk: string; gsi1sk: string } {
  return { gsi1pk: 'ACCOUNTS', gsi1sk: checked(accountId, ACCOUNT_ID, 'account id') };
}

/** The account's quota counters. */
export function accountSummaryKey(accountId: string): ItemKey {
  return { pk: accountKey(accountId).pk, sk: 'SUMMARY' };
}

/** How many shards each spread counter has (quota counters, group member counts, policy use counts). */
export const COUNTER_SHARDS = 16;

/** The account-wide counters that quotas bound, each spread over `COUNTER_SHARDS` items. */
export type AccountCounter = 'users' | 'groups' | 'roles' | 'policies' | 'oidcProviders';

const ACCOUNT_COUNTERS: readonly AccountCounter[] = ['users', 'groups', 'roles', 'policies', 'oidcProviders'];

function checkedShard(shard: number): string {
  if (!Number.isInteger(shard) || shard < 0 || shard >= COUNTER_SHARDS) {
    throw new Error(`invalid counter shard ${shard}`);
  }
  return String(shard).padStart(2, '0');
}

/** The partition holding every shard of an account's quota counters. */
export function accountCounterPartition(accountId: string): string {
  return `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#COUNTERS`;
}

/** One shard of an account-wide quota counter. */
export function accountCounterShardKey(accountId: string, counter: AccountCounter, shard: number): ItemKey {
  if (!ACCOUNT_COUNTERS.includes(counter)) throw new Error(`invalid account counter ${counter}`);
  return { pk: accountCounterPartition(accountId), sk: `${counter}#${checkedShard(shard)}` };
}

/** The counter and shard an item of the counter partition holds, or undefined for another item. */
export function parseAccountCounterSortKey(
  sk: string,
): { counter: AccountCounter; shard: number } | undefined {
  const [counter, shard] = sk.split('#');
  if (!ACCOUNT_COUNTERS.includes(counter as AccountCounter) || !/^\d{2}$/.test(shard ?? '')) return undefined;
  return { counter: counter as AccountCounter, shard: Number(shard) };
}

/** A user's membership in a group, in the user's partition (sk = `MEMBER-OF#<group id>`). */
export function membershipKey(accountId: string, userId: string, groupId: string): ItemKey {
  return childOf(accountId, 'USER', userId, `${membershipPrefix}${checkedId('GROUP', groupId)}`);
}

/** The sort-key prefix of a user's memberships. */
export const membershipPrefix = 'MEMBER-OF#';

/** A group's member, in the group's partition (sk = `MEMBER#<user id>`). */
export function groupMemberKey(accountId: string, groupId: string, userId: string): ItemKey {
  return childOf(accountId, 'GROUP', groupId, `${groupMemberPrefix}${checkedId('USER', userId)}`);
}

/** The sort-key prefix of a group's members. */
export const groupMemberPrefix = 'MEMBER#';

/** The sort-key prefix of a group's member-count shards. */
export const groupMemberShardPrefix = 'MEMBERS#';

/** One shard of a group's member count, in the group's partition (created and deleted with the group). */
export function groupMemberShardKey(accountId: string, groupId: string, shard: number): ItemKey {
  return childOf(accountId, 'GROUP', groupId, `${groupMemberShardPrefix}${checkedShard(shard)}`);
}

/** The account's password policy. */
export function passwordPolicyKey(accountId: string): ItemKey {
  return { pk: accountKey(accountId).pk, sk: 'PASSWORD-POLICY' };
}

/** The global alias → account lookup item. */
export function aliasKey(alias: string): ItemKey {
  return { pk: `ALIAS#${checked(alias, ALIAS, 'account alias')}`, sk: 'ALIAS' };
}

/** The global access key id → owner lookup item (one GetItem on every signed request). */
export function accessKeyLookupKey(accessKeyId: string): ItemKey {
  return { pk: `AKID#${checked(accessKeyId, ACCESS_KEY_ID, 'access key id')}`, sk: 'ACCESS-KEY' };
}

function checkedId(kind: EntityKind, id: string): string {
  return checked(id, ENTITY_ID[kind], `${kind.toLowerCase()} id`);
}

/** True when `id` is an immutable id of `kind` (AIDA…, AGPA…, AROA…, ANPA…). */
export function isEntityId(kind: EntityKind, id: string): boolean {
  return ENTITY_ID[kind].test(id);
}

/** The partition holding one user, group, role or managed policy (by immutable id) and everything it owns. */
export function entityPartition(accountId: string, kind: EntityKind, id: string): string {
  return `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#${kind}#${checkedId(kind, id)}`;
}

/** The authoritative record of a user, group, role or managed policy: `sk` = its kind. */
export function entityRecordKey(accountId: string, kind: EntityKind, id: string): ItemKey {
  return { pk: entityPartition(accountId, kind, id), sk: kind };
}

/**
 * The name → id item of an entity (names unique case-insensitively): the id and an exact copy of
 * the record, written in the same transaction as the record, so a read by name is one GetItem.
 */
export function entityNameKey(accountId: string, kind: EntityKind, name: string): ItemKey {
  const account = checked(accountId, ACCOUNT_ID, 'account id');
  return {
    pk: `ACCT#${account}#${kind}-NAME#${checked(name, ENTITY_NAME, 'entity name').toLowerCase()}`,
    sk: 'NAME',
  };
}

/** The partition of the account's root principal (its record, access keys, login profile, MFA). */
export function rootPartition(accountId: string): string {
  return `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#ROOT`;
}

/** The root principal's own record (its counters cap root access keys like a user's). */
export function rootRecordKey(accountId: string): ItemKey {
  return { pk: rootPartition(accountId), sk: 'ROOT' };
}

/** A child item in an entity's partition; `sk` is built by one of the typed functions below. */
function childOf(accountId: string, kind: EntityKind, id: string, sk: string): ItemKey {
  return { pk: entityPartition(accountId, kind, id), sk };
}

// IAM policy names (inline policies): letters, digits and +=,.@_- (1–128).
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
// A managed policy's ARN (customer: 12 digits; AWS/operator-managed: aws or palisade).
const POLICY_ARN = /^arn:[\w-]{1,20}:iam::(?:\d{12}|aws|palisade):policy\/[\x21-\x7e]{1,1200}$/;
const VERSION_ID = /^v[1-9]\d{0,5}$/;

/** The sort-key prefix of a principal's inline policies. */
export const inlinePolicyPrefix = 'INLINE#';

/** An inline policy of a principal (names unique case-insensitively). */
export function inlinePolicyKey(
  accountId: string,
  kind: 'USER' | 'GROUP' | 'ROLE',
  principalId: string,
  policyName: string,
): ItemKey {
  const name = checked(policyName, POLICY_NAME, 'policy name').toLowerCase();
  return childOf(accountId, kind, principalId, `${inlinePolicyPrefix}${name}`);
}

/** The sort-key prefix of the managed policies attached to a principal. */
export const attachedPolicyPrefix = 'ATTACHED#';

/** A managed policy attached to a principal, by the policy's ARN. */
export function attachedPolicyKey(
  accountId: string,
  kind: 'USER' | 'GROUP' | 'ROLE',
  principalId: string,
  policyArn: string,
): ItemKey {
  return childOf(
    accountId,
    kind,
    principalId,
    `${attachedPolicyPrefix}${checked(policyArn, POLICY_ARN, 'policy ARN')}`,
  );
}

/** A customer managed policy's record, by its id (ANPA…). */
export function policyRecordKey(accountId: string, policyId: string): ItemKey {
  return entityRecordKey(accountId, 'POLICY', policyId);
}

/** The sort-key prefix of a managed policy's versions. */
export const policyVersionPrefix = 'VERSION#';

/** One version of a managed policy (zero-padded, so versions sort numerically). */
export function policyVersionKey(accountId: string, policyId: string, versionId: string): ItemKey {
  const number = checked(versionId, VERSION_ID, 'policy version id').slice(1).padStart(6, '0');
  return childOf(accountId, 'POLICY', policyId, `${policyVersionPrefix}${number}`);
}

/** The sort-key prefix of a managed policy's use-count shards. */
export const policyUseShardPrefix = 'USES#';

/**
 * One shard of a managed policy's use counts (attachments and permissions-boundary uses), in the
 * policy's partition: created and deleted with the policy, so attaching never writes its record.
 */
export function policyUseShardKey(accountId: string, policyId: string, shard: number): ItemKey {
  return childOf(accountId, 'POLICY', policyId, `${policyUseShardPrefix}${checkedShard(shard)}`);
}

/** The sort-key prefix of a managed policy's reverse attachment items. */
export const policyAttachmentPrefix = 'ATTACHMENT#';

/** The reverse item of an attachment, in the policy's partition (kind and principal id). */
export function policyAttachmentKey(
  accountId: string,
  policyId: string,
  kind: 'USER' | 'GROUP' | 'ROLE',
  principalId: string,
): ItemKey {
  return childOf(
    accountId,
    'POLICY',
    policyId,
    `${policyAttachmentPrefix}${kind}#${checkedId(kind, principalId)}`,
  );
}

/** The sort-key prefix of a principal's (or root's) access keys. */
export const accessKeyItemPrefix = 'ACCESS-KEY#';

/** An access key's item in its owner's partition. */
export function accessKeyItemKey(accountId: string, owner: CredentialOwnerKey, accessKeyId: string): ItemKey {
  return {
    pk: ownerPartitionOf(accountId, owner),
    sk: `${accessKeyItemPrefix}${checked(accessKeyId, ACCESS_KEY_ID, 'access key id')}`,
  };
}

/** GSI1 attributes that list principals (or policies) of a kind by path then name. */
export function principalListKey(
  accountId: string,
  kind: Exclude<PartitionKind, 'ROOT'>,
  path: string,
  name: string,
): { gsi1pk: string; gsi1sk: string } {
  return {
    gsi1pk: `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#${kind}S`,
    gsi1sk: `${path}${checked(name, ENTITY_NAME, 'entity name').toLowerCase()}`,
  };
}

/** The GSI1 partition to query for a listing of principals of a kind. */
export function principalListPartition(accountId: string, kind: Exclude<PartitionKind, 'ROOT'>): string {
  return `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#${kind}S`;
}

// A tenant resource ARN with a 12-digit account segment: arn:<partition>:<service>:<region>:<account>:<resource>.
const RESOURCE_ARN = /^arn:[a-z0-9-]{1,63}:[a-zA-Z0-9-]{1,63}:[a-z0-9-]{0,63}:\d{12}:[^\s]{1,1600}$/;
const SERVICE_PREFIX = /^[a-z0-9-]{1,64}$/;
// ISO-8601 instants (as Date.toISOString writes them), optionally followed by #-separated suffixes.
const LOG_SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z(#[\w.-]{1,128}){0,2}$/;

/** The account's decision-log settings (sampling rate). */
export function decisionLogSettingsKey(accountId: string): ItemKey {
  return { pk: accountKey(accountId).pk, sk: 'DECISION-LOG-SETTINGS' };
}

/** True when `arn` names a tenant resource with an account segment. */
export function isResourceArn(arn: string): boolean {
  return RESOURCE_ARN.test(arn);
}

/** The policy-and-tags item of a tenant resource (the ARN's account owns it). */
export function resourcePolicyKey(accountId: string, resourceArn: string): ItemKey {
  const account = checked(accountId, ACCOUNT_ID, 'account id');
  return {
    pk: `ACCT#${account}#RESOURCE#${checked(resourceArn, RESOURCE_ARN, 'resource ARN')}`,
    sk: 'RESOURCE-POLICY',
  };
}

/** GSI1 attributes that list an account's registered resources by ARN. */
export function resourcePolicyListKey(
  accountId: string,
  resourceArn: string,
): { gsi1pk: string; gsi1sk: string } {
  return {
    gsi1pk: `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#RESOURCES`,
    gsi1sk: checked(resourceArn, RESOURCE_ARN, 'resource ARN'),
  };
}

/** A service catalog entry: platform-wide (`scope` = `platform`) or an account's own. */
export function serviceCatalogKey(scope: 'platform' | { accountId: string }, prefix?: string): ItemKey {
  const pk =
    scope === 'platform'
      ? 'SERVICE-CATALOG'
      : `ACCT#${checked(scope.accountId, ACCOUNT_ID, 'account id')}#SERVICE-CATALOG`;
  return { pk, sk: prefix === undefined ? '' : checked(prefix, SERVICE_PREFIX, 'service prefix') };
}

/** The partition holding an account's logged decisions. */
export function decisionLogPartition(accountId: string): string {
  return `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#DECISIONS`;
}

/** One logged decision, sorted by time then request id and position in a batch. */
export function decisionLogKey(accountId: string, at: string, requestId: string, index: number): ItemKey {
  return { pk: decisionLogPartition(accountId), sk: decisionLogSortKey(`${at}#${requestId}#${index}`) };
}

/** True when `value` is a whole decision-log sort key (`<instant>#<request id>#<index>`): a page's cursor. */
export function isDecisionLogCursor(value: string): boolean {
  return LOG_SORT_KEY.test(value) && value.split('#').length === 3;
}

/** A validated decision-log sort key (or a time bound for a range query). */
export function decisionLogSortKey(value: string): string {
  return checked(value, LOG_SORT_KEY, 'decision log sort key');
}

// An OIDC provider's identity: host[:port][/path] of printable ASCII without '#' (AWS: ≤ 255).
const OIDC_PROVIDER_ID = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?(?:\/[\x21\x22\x24-\x7e]*)?$/;

/** The global temporary key id → STS session lookup (one GetItem on every request signed with it). */
export function stsSessionKey(accessKeyId: string): ItemKey {
  return { pk: `AKID#${checked(accessKeyId, ACCESS_KEY_ID, 'access key id')}`, sk: 'STS-SESSION' };
}

// RoleSessionName: 2–64 of letters, digits and +=,.@_- (AWS's pattern); case is kept, as in the ARN.
const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
// Expirations as Date.toISOString writes them, so string order is time order.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The GSI1 partition holding the sessions of one assumed-role ARN (role name lower-cased). */
export function roleSessionPartition(accountId: string, roleName: string, sessionName: string): string {
  const account = checked(accountId, ACCOUNT_ID, 'account id');
  const role = checked(roleName, ENTITY_NAME, 'role name').toLowerCase();
  return `ACCT#${account}#ROLE-SESSION#${role}#${checked(sessionName, ROLE_SESSION_NAME, 'role session name')}`;
}

/** GSI1 attributes that file a role session under its ARN, sorted by expiry (so a query skips expired ones). */
export function roleSessionIndexKey(
  accountId: string,
  roleName: string,
  sessionName: string,
  expiration: string,
): { gsi1pk: string; gsi1sk: string } {
  return {
    gsi1pk: roleSessionPartition(accountId, roleName, sessionName),
    gsi1sk: roleSessionExpiryBound(expiration),
  };
}

/** A validated expiry for the role-session index's sort key (or a query's lower bound). */
export function roleSessionExpiryBound(instant: string): string {
  return checked(instant, ISO_INSTANT, 'session expiry');
}

/** The partition holding every OIDC provider of an account. */
export function oidcProviderPartition(accountId: string): string {
  return `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#OIDC-PROVIDERS`;
}

/** One OIDC provider, by its host/path (the part of its ARN after `oidc-provider/`). */
export function oidcProviderKey(accountId: string, providerId: string): ItemKey {
  if (providerId.length > 255) throw new Error('invalid OIDC provider id in key: too long');
  return {
    pk: oidcProviderPartition(accountId),
    sk: `OIDC#${checked(providerId, OIDC_PROVIDER_ID, 'OIDC provider id')}`,
  };
}

/** The validated forms the key grammar accepts, for callers that validate up front. */
export const keyPatterns = {
  accountId: ACCOUNT_ID,
  alias: ALIAS,
  accessKeyId: ACCESS_KEY_ID,
  entityName: ENTITY_NAME,
  resourceArn: RESOURCE_ARN,
  servicePrefix: SERVICE_PREFIX,
  oidcProviderId: OIDC_PROVIDER_ID,
};

/** Whose credentials (access keys, login profile, MFA devices) an item belongs to: a user by id, or root. */
export type CredentialOwnerKey =
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'root' };

function ownerPartitionOf(accountId: string, owner: CredentialOwnerKey): string {
  return owner.kind === 'root' ? rootPartition(accountId) : entityPartition(accountId, 'USER', owner.userId);
}

/** The partition key of a credential owner (a user's partition, or the root's). */
export function credentialOwnerPartition(accountId: string, owner: CredentialOwnerKey): string {
  return ownerPartitionOf(accountId, owner);
}

/** The owner's own record (user item or root item), whose counters guard deletion. */
export function credentialOwnerRecordKey(accountId: string, owner: CredentialOwnerKey): ItemKey {
  return owner.kind === 'root' ? rootRecordKey(accountId) : entityRecordKey(accountId, 'USER', owner.userId);
}

/** A user's (or the root's) login profile, in the owner's partition. */
export function loginProfileKey(accountId: string, owner: CredentialOwnerKey): ItemKey {
  return { pk: ownerPartitionOf(accountId, owner), sk: 'LOGIN-PROFILE' };
}

// arn:<partition>:iam::<account>:mfa<path><name>; the name is IAM's VirtualMFADeviceName (1–226).
const MFA_SERIAL = /^arn:[\w-]{1,20}:iam::(\d{12}):mfa(\/|\/[\x21-\x7e]{1,510}\/)([\w+=,.@-]{1,226})$/;
const MFA_NAME = /^[\w+=,.@-]{1,226}$/;

/** The account id and device name inside a virtual MFA serial ARN, or undefined when it is not one. */
export function parseMfaSerial(
  serial: string,
): { accountId: string; path: string; name: string } | undefined {
  const m = MFA_SERIAL.exec(serial);
  if (!m || serial.length > 900) return undefined;
  return { accountId: m[1] as string, path: m[2] as string, name: m[3] as string };
}

/** An enabled MFA device in its owner's partition (sk = `MFA#<serial ARN>`). */
export function assignedMfaDeviceKey(accountId: string, owner: CredentialOwnerKey, serial: string): ItemKey {
  return { pk: ownerPartitionOf(accountId, owner), sk: `MFA#${checked(serial, MFA_SERIAL, 'MFA serial')}` };
}

/** The sort-key prefix of a principal's enabled MFA devices. */
export const mfaAssignmentPrefix = 'MFA#';

/** A virtual MFA device of an account: its sealed seed and whom it is assigned to. */
export function virtualMfaDeviceKey(accountId: string, name: string): ItemKey {
  const account = checked(accountId, ACCOUNT_ID, 'account id');
  return {
    pk: `ACCT#${account}#MFA#${checked(name, MFA_NAME, 'MFA device name').toLowerCase()}`,
    sk: 'MFA-DEVICE',
  };
}

/** The GSI1 partition to query for an account's virtual MFA devices. */
export function virtualMfaListPartition(accountId: string): string {
  return `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#MFAS`;
}

/** GSI1 attributes listing an account's virtual MFA devices by name. */
export function virtualMfaListKey(accountId: string, name: string): { gsi1pk: string; gsi1sk: string } {
  return {
    gsi1pk: virtualMfaListPartition(accountId),
    gsi1sk: checked(name, MFA_NAME, 'MFA device name').toLowerCase(),
  };
}

const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ATTEMPT_SORT = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[A-Za-z0-9_-]{1,40}$/;

/** A sign-in session, addressed by its id (the refresh-token family id carries no account). */
export function signInSessionKey(sessionId: string): ItemKey {
  return { pk: `SIGN-IN-SESSION#${checked(sessionId, SESSION_ID, 'session id')}`, sk: 'SESSION' };
}

/** The partition counting failures of one hashed identity (account + user), source IP or MFA device. */
export function signInThrottlePartition(kind: 'USER' | 'IP' | 'MFA', hashHex: string): string {
  return `SIGN-IN-THROTTLE#${kind}#${checked(hashHex, SHA256_HEX, 'throttle hash')}`;
}

/** The sort key of one failure bucket (zero-padded so buckets sort by time). */
export function signInThrottleBucket(bucket: number): string {
  if (!Number.isSafeInteger(bucket) || bucket < 0) throw new Error(`invalid throttle bucket ${bucket}`);
  return `W#${String(bucket).padStart(12, '0')}`;
}

/** The sort key of a lockout item in a throttle partition. */
export const signInThrottleLock = 'LOCK';

/** One recorded sign-in attempt, by the account it named (or none) and the day it happened. */
export function signInAttemptKey(accountId: string | undefined, day: string, sortKey: string): ItemKey {
  checked(day, DAY, 'day');
  const pk =
    accountId === undefined
      ? `SIGN-IN-ATTEMPTS#UNRESOLVED#${day}`
      : `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#SIGN-IN-ATTEMPTS#${day}`;
  return { pk, sk: checked(sortKey, ATTEMPT_SORT, 'attempt sort key') };
}

/** The partition of the deployment's session signing keys. */
export const signingKeysPartition = 'SIGNING-KEYS';

const KID = /^[A-Za-z0-9_-]{16,100}$/;

/** One session signing key by kid. */
export function signingKeyKey(kid: string): ItemKey {
  return { pk: signingKeysPartition, sk: `KEY#${checked(kid, KID, 'kid')}` };
}

/** The pointer to the key that signs now (the rotation race is decided on it). */
export function currentSigningKeyKey(): ItemKey {
  return { pk: signingKeysPartition, sk: 'CURRENT' };
}

/** The table's layout version: which migrations (migrations.ts) the data has been through. */
export function schemaVersionKey(): ItemKey {
  return { pk: 'SCHEMA', sk: 'VERSION' };
}

/** The one migration runner's lease, holding its progress through the migration it runs. */
export function migrationLeaseKey(): ItemKey {
  return { pk: 'SCHEMA', sk: 'MIGRATION-LEASE' };
}

/** Whose change log a change record is filed in: an account's, or the platform's (signing keys, catalog). */
export type ChangeScope = { readonly accountId: string } | 'platform';

const CHANGE_SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[\w.-]{1,128}#\d{1,6}$/;

/** The partition holding one day's change records of a scope (`day` = yyyy-mm-dd). */
export function changeRecordPartition(scope: ChangeScope, day: string): string {
  checked(day, DAY, 'day');
  return scope === 'platform'
    ? `PLATFORM#CHANGES#${day}`
    : `ACCT#${checked(scope.accountId, ACCOUNT_ID, 'account id')}#CHANGES#${day}`;
}

/** One change record: filed by the day of `at`, sorted by time, request id and position in the request. */
export function changeRecordKey(scope: ChangeScope, at: string, requestId: string, n: number): ItemKey {
  return {
    pk: changeRecordPartition(scope, at.slice(0, 10)),
    sk: checked(`${at}#${requestId}#${n}`, CHANGE_SORT_KEY, 'change record sort key'),
  };
}

/**
 * The name-keyed layout of v1/v2 (`ACCT#<a>#<KIND>#<lower-cased name>`), for the migrations that
 * read it (migration-spread-counters.ts, migration-id-keys.ts) and nothing else.
 */
export const nameKeyedLayout = {
  /** The v2 partition of an entity by name. */
  partition(accountId: string, kind: EntityKind, name: string): string {
    const account = checked(accountId, ACCOUNT_ID, 'account id');
    return `ACCT#${account}#${kind}#${checked(name, ENTITY_NAME, 'entity name').toLowerCase()}`;
  },
  /** The account, kind and lower-cased name of a v2 entity partition key, or undefined for another key. */
  parsePartition(pk: string): { accountId: string; kind: EntityKind; name: string } | undefined {
    const m = /^ACCT#(\d{12})#(USER|GROUP|ROLE|POLICY)#([\w+=,.@-]{1,128})$/.exec(pk);
    if (!m || isEntityId(m[2] as EntityKind, m[3] as string)) return undefined;
    return { accountId: m[1] as string, kind: m[2] as EntityKind, name: m[3] as string };
  },
  /** One of a group's member-count shards in its v2 partition. */
  groupMemberShardKey(accountId: string, groupName: string, shard: number): ItemKey {
    return {
      pk: nameKeyedLayout.partition(accountId, 'GROUP', groupName),
      sk: `${groupMemberShardPrefix}${checkedShard(shard)}`,
    };
  },
  /** A member-count shard in a v2 group partition (as read from a member item's pk). */
  memberShardKeyIn(groupPartition: string, shard: number): ItemKey {
    checked(groupPartition, /^ACCT#\d{12}#GROUP#[\w+=,.@-]{1,128}$/, 'group partition');
    return { pk: groupPartition, sk: `${groupMemberShardPrefix}${checkedShard(shard)}` };
  },
  /** A user's v2 membership item (`MEMBER-OF#<group name>` in the user's name partition). */
  membershipKey(accountId: string, userName: string, groupName: string): ItemKey {
    const group = checked(groupName, ENTITY_NAME, 'group name').toLowerCase();
    return { pk: nameKeyedLayout.partition(accountId, 'USER', userName), sk: `${membershipPrefix}${group}` };
  },
};

// The children that keep their sort key when migration 3 moves them into their owner's id partition.
const SAME_SORT_KEY_CHILD =
  /^(?:INLINE|ATTACHED|MEMBERS|ACCESS-KEY|MFA|VERSION)#[\x21-\x7e]{1,1700}$|^LOGIN-PROFILE$/;

/** Where migration 3 puts a v2 child that keeps its sort key: the same `sk` in its owner's id partition. */
export function childKeyInIdPartition(accountId: string, kind: EntityKind, id: string, sk: string): ItemKey {
  return { pk: entityPartition(accountId, kind, id), sk: checked(sk, SAME_SORT_KEY_CHILD, 'child sort key') };
}

/** Whose audit trail an event is filed in: an account's, or the platform's (operator acts with no account). */
export type AuditScope = { readonly accountId: string } | 'platform';

/** The attributes an audit event can be looked up by (CloudTrail's LookupAttributes, EventId aside). */
export type AuditLookupAttribute =
  | 'EVENT-NAME'
  | 'USERNAME'
  | 'ACCESS-KEY-ID'
  | 'RESOURCE-NAME'
  | 'READ-ONLY';

const AUDIT_LOOKUP_ATTRIBUTES: readonly AuditLookupAttribute[] = [
  'EVENT-NAME',
  'USERNAME',
  'ACCESS-KEY-ID',
  'RESOURCE-NAME',
  'READ-ONLY',
];
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// <ISO instant with ms>#<event id>: what orders an account's events by time.
const AUDIT_SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-f-]{36}$/;
// A time bound of a range query: an instant, optionally followed by a suffix that sorts it.
const AUDIT_SORT_BOUND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z(?:#[0-9a-f-]{0,36}|~)?$/;
// A lookup value kept as given: printable ASCII without a prefix a hashed value could take.
const AUDIT_LOOKUP_VALUE = /^[\x21-\x7e]{1,512}$/;
const AUDIT_CHAIN_MAX_SEQ = 10 ** 16 - 1;

function auditScopePrefix(scope: AuditScope): string {
  return scope === 'platform' ? 'PLATFORM' : `ACCT#${checked(scope.accountId, ACCOUNT_ID, 'account id')}`;
}

/** True when `value` is an audit event id (a lower-case UUID). */
export function isAuditEventId(value: string): boolean {
  return EVENT_ID.test(value);
}

/** The partition holding a trail's events, sorted by time. */
export function auditPartition(scope: AuditScope): string {
  return `${auditScopePrefix(scope)}#AUDIT`;
}

/** A validated audit sort key (`<ISO ms>#<event id>`), or a range bound (an instant, `~` after it for "through"). */
export function auditSortKey(value: string): string {
  if (AUDIT_SORT_KEY.test(value)) return value;
  return checked(value, AUDIT_SORT_BOUND, 'audit sort key');
}

/** One audit event: filed by time, then id. */
export function auditEventKey(scope: AuditScope, eventTime: string, eventId: string): ItemKey {
  checked(eventId, EVENT_ID, 'audit event id');
  return {
    pk: auditPartition(scope),
    sk: checked(`${eventTime}#${eventId}`, AUDIT_SORT_KEY, 'audit sort key'),
  };
}

/** The partition of the copies of a trail's events whose lookup attribute `attribute` equals `value`. */
export function auditLookupPartition(
  scope: AuditScope,
  attribute: AuditLookupAttribute,
  value: string,
): string {
  if (!AUDIT_LOOKUP_ATTRIBUTES.includes(attribute))
    throw new Error(`invalid audit lookup attribute ${attribute}`);
  // Values come from requests: one that is long or not printable is keyed by its digest, so any
  // value has exactly one key and none can reach past its own segment.
  const kept = AUDIT_LOOKUP_VALUE.test(value) && !value.startsWith('sha256:');
  const segment = kept ? value : `sha256:${createHash('sha256').update(value, 'utf8').digest('hex')}`;
  return `${auditPartition(scope)}#${attribute}#${segment}`;
}

/** The copy of an audit event addressed by its id. */
export function auditEventIdKey(scope: AuditScope, eventId: string): ItemKey {
  return {
    pk: `${auditScopePrefix(scope)}#AUDIT-EVENT#${checked(eventId, EVENT_ID, 'audit event id')}`,
    sk: 'EVENT',
  };
}

/** GSI2 attributes that file an event as not yet sealed into its trail's chain (the sealer removes them). */
export function auditUnsealedIndexKey(scope: AuditScope, sk: string): { gsi2pk: string; gsi2sk: string } {
  return { gsi2pk: auditUnsealedPartition(scope), gsi2sk: auditSortKey(sk) };
}

/** The GSI2 partition of a trail's unsealed events. */
export function auditUnsealedPartition(scope: AuditScope): string {
  return `${auditScopePrefix(scope)}#AUDIT-UNSEALED`;
}

/** The partition of a trail's chain: links by sequence, and the head. */
export function auditChainPartition(scope: AuditScope): string {
  return `${auditScopePrefix(scope)}#AUDIT-CHAIN`;
}

/** The sort key of chain link `seq` (16 digits, so links sort by sequence). */
export function auditChainLinkSortKey(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > AUDIT_CHAIN_MAX_SEQ)
    throw new Error(`invalid audit chain seq ${seq}`);
  return `LINK#${String(seq).padStart(16, '0')}`;
}

/** Chain link `seq` of a trail. */
export function auditChainLinkKey(scope: AuditScope, seq: number): ItemKey {
  return { pk: auditChainPartition(scope), sk: auditChainLinkSortKey(seq) };
}

/** The head of a trail's chain (last sequence and digest). */
export function auditChainHeadKey(scope: AuditScope): ItemKey {
  return { pk: auditChainPartition(scope), sk: 'HEAD' };
}

/** GSI1 attributes that file a chain link under the time of the event it links. */
export function auditLinkTimeIndexKey(
  scope: AuditScope,
  eventSk: string,
): { gsi1pk: string; gsi1sk: string } {
  return { gsi1pk: auditLinkTimePartition(scope), gsi1sk: auditSortKey(eventSk) };
}

/** The GSI1 partition of a trail's links by event time. */
export function auditLinkTimePartition(scope: AuditScope): string {
  return `${auditScopePrefix(scope)}#AUDIT-LINKS`;
}

// ---- provisioning webhooks (issue #14) ----

const WEBHOOK_SECRET_ID = /^[a-z0-9]{20}$/;
// A back office's id for a tenant: no '#', so it cannot reach past its own segment.
const EXTERNAL_ID = /^[\w.:@+=,/-]{1,128}$/;
const BLUEPRINT_NAME = /^[\w.-]{1,64}$/;

/** The partition of every provisioning webhook secret. */
export const webhookSecretPartition = 'PROVISIONING#WEBHOOK-SECRETS';

/** One provisioning webhook secret (sealed with the secret box). */
export function webhookSecretKey(secretId: string): ItemKey {
  return {
    pk: webhookSecretPartition,
    sk: `SECRET#${checked(secretId, WEBHOOK_SECRET_ID, 'webhook secret id')}`,
  };
}

/** A webhook delivery's claim and answer, by its sender's webhook-id (any text: keyed by its digest). */
export function webhookDeliveryKey(webhookId: string): ItemKey {
  const digest = createHash('sha256').update(webhookId, 'utf8').digest('hex');
  return { pk: `WEBHOOK-DELIVERY#${digest}`, sk: 'DELIVERY' };
}

/** The item that maps a back office's externalId to its account (unique). */
export function externalIdKey(externalId: string): ItemKey {
  return { pk: `EXTERNAL-ID#${checked(externalId, EXTERNAL_ID, 'external id')}`, sk: 'ACCOUNT' };
}

/** The partition of every blueprint. */
export const blueprintPartition = 'PROVISIONING#BLUEPRINTS';

/** A blueprint by name (names are unique case-insensitively). */
export function blueprintKey(name: string): ItemKey {
  return {
    pk: blueprintPartition,
    sk: `BLUEPRINT#${checked(name, BLUEPRINT_NAME, 'blueprint name').toLowerCase()}`,
  };
}

/** A user's setup token (its hash, expiry and use), by the user's immutable id. */
export function setupTokenKey(accountId: string, userId: string): ItemKey {
  return {
    pk: `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#SETUP-TOKENS`,
    sk: `USER#${checked(userId, ENTITY_ID.USER, 'user id')}`,
  };
}

/** The forms the provisioning keys accept, for validation up front. */
export const provisioningKeyPatterns = {
  webhookSecretId: WEBHOOK_SECRET_ID,
  externalId: EXTERNAL_ID,
  blueprintName: BLUEPRINT_NAME,
};

// ---- user and group deprovisioning (issues #13, #14) ----

/** The GSI1 partition listing the sign-in sessions one user holds (so deleting the user ends them). */
export function userSignInSessionsPartition(accountId: string, userId: string): string {
  return `${entityPartition(accountId, 'USER', userId)}#SIGN-IN-SESSIONS`;
}

/** GSI1 attributes filing a sign-in session under the user who holds it. */
export function userSignInSessionIndexKey(
  accountId: string,
  userId: string,
  sessionId: string,
): { gsi1pk: string; gsi1sk: string } {
  return {
    gsi1pk: userSignInSessionsPartition(accountId, userId),
    gsi1sk: checked(sessionId, SESSION_ID, 'session id'),
  };
}

// ---- SCIM provisioning (issue #13) ----

// A SCIM token id: 16 random bytes, base64url (what credentials' random ids look like elsewhere).
const SCIM_TOKEN_ID = /^[A-Za-z0-9_-]{22}$/;

/** The global item that turns a presented SCIM token (by the sha256 of its secret) into its account and id. */
export function scimTokenLookupKey(tokenHashHex: string): ItemKey {
  return { pk: `SCIM-TOKEN#${checked(tokenHashHex, SHA256_HEX, 'SCIM token hash')}`, sk: 'SCIM-TOKEN' };
}

/** The partition of an account's SCIM tokens (names, creation and last-use times; never the secret). */
export function scimTokenPartition(accountId: string): string {
  return `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#SCIM-TOKENS`;
}

/** The sort-key prefix of the tokens in an account's SCIM token partition. */
export const scimTokenPrefix = 'TOKEN#';

/** One SCIM token of an account, by its id. */
export function scimTokenKey(accountId: string, tokenId: string): ItemKey {
  return {
    pk: scimTokenPartition(accountId),
    sk: `${scimTokenPrefix}${checked(tokenId, SCIM_TOKEN_ID, 'SCIM token id')}`,
  };
}

/** True when `value` has the form of a SCIM token id. */
export function isScimTokenId(value: string): boolean {
  return SCIM_TOKEN_ID.test(value);
}

/** The SCIM attributes of a user or group that IAM has no field for, in the entity's own id partition. */
export function scimProfileKey(accountId: string, kind: 'USER' | 'GROUP', id: string): ItemKey {
  return { pk: entityPartition(accountId, kind, id), sk: 'SCIM' };
}
// ---- outbound events (issue #14) ----

/** Whose event subscriptions: an account's (its identities' events) or the operator's (account events). */
export type EventSubscriberScope = { readonly accountId: string } | 'platform';

// Subscription ids: `sub_` and 24 lower-case hex digits; delivery ids (the `webhook-id`): `msg_`,
// 11 base-36 digits of the commit's milliseconds (so they sort by time), then 20 hex digits.
const EVENT_SUBSCRIPTION_ID = /^sub_[0-9a-f]{24}$/;
const EVENT_DELIVERY_ID = /^msg_[0-9a-z]{11}[0-9a-f]{20}$/;
const DUE_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function subscriberPrefix(scope: EventSubscriberScope): string {
  return scope === 'platform' ? 'PLATFORM' : `ACCT#${checked(scope.accountId, ACCOUNT_ID, 'account id')}`;
}

/** True when `value` is an event subscription id. */
export function isEventSubscriptionId(value: string): boolean {
  return EVENT_SUBSCRIPTION_ID.test(value);
}

/** True when `value` is an event delivery id (a `webhook-id`). */
export function isEventDeliveryId(value: string): boolean {
  return EVENT_DELIVERY_ID.test(value);
}

/** The partition of a subscriber's subscriptions and their count. */
export function eventSubscriptionPartition(scope: EventSubscriberScope): string {
  return `${subscriberPrefix(scope)}#EVENT-SUBSCRIPTIONS`;
}

/** The sort-key prefix of the subscriptions in their partition. */
export const eventSubscriptionPrefix = 'SUBSCRIPTION#';

/** One event subscription. */
export function eventSubscriptionKey(scope: EventSubscriberScope, subscriptionId: string): ItemKey {
  return {
    pk: eventSubscriptionPartition(scope),
    sk: `${eventSubscriptionPrefix}${checked(subscriptionId, EVENT_SUBSCRIPTION_ID, 'event subscription id')}`,
  };
}

/** The count of a subscriber's subscriptions (the quota's condition). */
export function eventSubscriptionCountKey(scope: EventSubscriberScope): ItemKey {
  return { pk: eventSubscriptionPartition(scope), sk: 'COUNT' };
}

/** The partition of one subscription's deliveries, oldest first (delivery ids sort by time). */
export function eventDeliveryPartition(scope: EventSubscriberScope, subscriptionId: string): string {
  return `${subscriberPrefix(scope)}#EVENT-DELIVERIES#${checked(subscriptionId, EVENT_SUBSCRIPTION_ID, 'event subscription id')}`;
}

/** The sort-key prefix of a subscription's deliveries. */
export const eventDeliveryPrefix = 'DELIVERY#';

/** One delivery of one event to one subscription. */
export function eventDeliveryKey(
  scope: EventSubscriberScope,
  subscriptionId: string,
  deliveryId: string,
): ItemKey {
  return {
    pk: eventDeliveryPartition(scope, subscriptionId),
    sk: `${eventDeliveryPrefix}${checked(deliveryId, EVENT_DELIVERY_ID, 'event delivery id')}`,
  };
}

const DELIVERY_PARTITION_OF = /^(?:ACCT#(\d{12})|PLATFORM)#EVENT-DELIVERIES#(sub_[0-9a-f]{24})$/;

/** The delivery a key of eventDeliveryKey's grammar addresses (undefined for any other key). */
export function eventDeliveryOfKey(
  key: ItemKey,
): { scope: EventSubscriberScope; subscriptionId: string; deliveryId: string } | undefined {
  const partition = DELIVERY_PARTITION_OF.exec(key.pk);
  const deliveryId = key.sk.startsWith(eventDeliveryPrefix) ? key.sk.slice(eventDeliveryPrefix.length) : '';
  if (!partition || !EVENT_DELIVERY_ID.test(deliveryId)) return undefined;
  return {
    scope: partition[1] ? { accountId: partition[1] } : 'platform',
    subscriptionId: partition[2] as string,
    deliveryId,
  };
}

/** The GSI1 partition of every delivery waiting for an attempt, by when it is due. */
export const EVENT_DELIVERIES_DUE = 'EVENT-DELIVERIES-DUE';

/** GSI1 attributes that file a pending delivery under the instant its next attempt is due. */
export function eventDeliveryDueIndexKey(
  dueAt: string,
  deliveryId: string,
): { gsi1pk: string; gsi1sk: string } {
  return {
    gsi1pk: EVENT_DELIVERIES_DUE,
    gsi1sk: `${checked(dueAt, DUE_INSTANT, 'due instant')}#${checked(deliveryId, EVENT_DELIVERY_ID, 'event delivery id')}`,
  };
}

/** The upper bound of a due-index query: every delivery due at or before `at`. */
export function eventDeliveryDueBound(at: string): string {
  return `${checked(at, DUE_INSTANT, 'due instant')}#~`;
}

/** What a changed item's key says about it: the account, the entity partition, the child its sort key names. */
export interface ChangedKeyIdentifiers {
  readonly accountId?: string;
  /** The entity partition the item is in (`ROOT` for the root's). */
  readonly kind?: EntityKind | 'ROOT';
  /** The entity's immutable id (AIDA…, AGPA…, AROA…, ANPA…). */
  readonly id?: string;
  /** The id or ARN the sort key names after its prefix (a group id, a user id, a policy ARN, a key id). */
  readonly child?: string;
  readonly accessKeyId?: string;
}

const ENTITY_PARTITION_OF = /^ACCT#(\d{12})(?:#(USER|GROUP|ROLE|POLICY)#([A-Z0-9]{12,64})|#(ROOT))?$/;
const CHILD_SORT_KEY = /^(?:MEMBER-OF|MEMBER|ATTACHED|ACCESS-KEY)#(.+)$/;

/** Reads the identifiers out of a key of this grammar (the inverse of the key builders above, for change records). */
export function changedKeyIdentifiers(key: ItemKey): ChangedKeyIdentifiers {
  const lookup = /^AKID#([A-Z0-9]{16,128})$/.exec(key.pk);
  if (lookup) return { accessKeyId: lookup[1] as string };
  const partition = ENTITY_PARTITION_OF.exec(key.pk);
  if (!partition) return {};
  const child = CHILD_SORT_KEY.exec(key.sk)?.[1];
  const kind = (partition[2] ?? partition[4]) as EntityKind | 'ROOT' | undefined;
  return {
    accountId: partition[1] as string,
    ...(kind ? { kind } : {}),
    ...(partition[3] ? { id: partition[3] } : {}),
    ...(child ? { child } : {}),
    ...(key.sk.startsWith(accessKeyItemPrefix) && child ? { accessKeyId: child } : {}),
  };
}

// ---- compliance: last access, credential reports, access advisor jobs (issue #15) ----

const TRACKED_ID = /^(?:AIDA|AROA)[A-Z0-9]{8,60}$/;
const ADVISOR_JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REPORT_CHUNKS = 100;

/** The principals whose use of services is tracked: users and roles, by immutable id. */
export type TrackedPrincipalKind = 'USER' | 'ROLE';

/** The partition of what one user or role last accessed (and when a role was last assumed). */
export function lastAccessPartition(accountId: string, kind: TrackedPrincipalKind, id: string): string {
  if (kind !== 'USER' && kind !== 'ROLE') throw new Error(`invalid tracked kind ${kind}`);
  return `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#LAST-ACCESS#${kind}#${checked(id, TRACKED_ID, 'tracked principal id')}`;
}

/** The sort-key prefix of a principal's per-service last-access items. */
export const serviceLastAccessPrefix = 'SERVICE#';

/** When and where a user or role last called a service (its namespace, `iam`, `sts`, a catalog prefix). */
export function serviceLastAccessKey(
  accountId: string,
  kind: TrackedPrincipalKind,
  id: string,
  service: string,
): ItemKey {
  return {
    pk: lastAccessPartition(accountId, kind, id),
    sk: `${serviceLastAccessPrefix}${checked(service, SERVICE_PREFIX, 'service namespace')}`,
  };
}

/** When and where a role was last assumed (GetRole's RoleLastUsed). */
export function roleLastUsedKey(accountId: string, roleId: string): ItemKey {
  return { pk: lastAccessPartition(accountId, 'ROLE', roleId), sk: 'ROLE-USED' };
}

/** When a user last signed in with its password (GetUser's PasswordLastUsed, the credential report). */
export function passwordLastUsedKey(accountId: string, userId: string): ItemKey {
  return { pk: lastAccessPartition(accountId, 'USER', userId), sk: 'PASSWORD-USED' };
}

/** The partition of an account's credential report: its state item and its content chunks. */
export function credentialReportPartition(accountId: string): string {
  return `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#CREDENTIAL-REPORT`;
}

/** The credential report's state (STARTED/INPROGRESS/COMPLETE, generated time, chunk count). */
export function credentialReportKey(accountId: string): ItemKey {
  return { pk: credentialReportPartition(accountId), sk: 'REPORT' };
}

/** The sort-key prefix of the credential report's chunks. */
export const credentialReportChunkPrefix = 'CHUNK#';

/** One chunk of the credential report's CSV (items stay far below DynamoDB's 400 KB). */
export function credentialReportChunkKey(accountId: string, chunk: number): ItemKey {
  if (!Number.isInteger(chunk) || chunk < 0 || chunk >= REPORT_CHUNKS)
    throw new Error(`invalid report chunk ${chunk}`);
  return {
    pk: credentialReportPartition(accountId),
    sk: `${credentialReportChunkPrefix}${String(chunk).padStart(2, '0')}`,
  };
}

/** True when `value` is an access advisor job id Palisade issues (a UUID). */
export function isServiceLastAccessedJobId(value: string): boolean {
  return ADVISOR_JOB_ID.test(value);
}

/** An access advisor job (GenerateServiceLastAccessedDetails): its entity, granularity and results (TTL). */
export function serviceLastAccessedJobKey(accountId: string, jobId: string): ItemKey {
  return {
    pk: `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#ACCESS-ADVISOR-JOB#${checked(jobId, ADVISOR_JOB_ID, 'job id')}`,
    sk: 'JOB',
  };
}

// ---- operator-managed policies' uses (issue #15) ----

/** The partition of an account's reverse items for one operator-managed policy (by name, case-insensitive). */
export function platformPolicyUsePartition(accountId: string, policyName: string): string {
  return `ACCT#${checked(accountId, ACCOUNT_ID, 'account id')}#PLATFORM-POLICY#${checked(policyName, POLICY_NAME, 'policy name').toLowerCase()}`;
}

/** The reverse item of an operator-managed policy's attachment to a principal of the account. */
export function platformPolicyAttachmentKey(
  accountId: string,
  policyName: string,
  kind: 'USER' | 'GROUP' | 'ROLE',
  principalId: string,
): ItemKey {
  return {
    pk: platformPolicyUsePartition(accountId, policyName),
    sk: `${policyAttachmentPrefix}${kind}#${checkedId(kind, principalId)}`,
  };
}

/** The sort-key prefix of an operator-managed policy's reverse items for boundary uses. */
export const platformPolicyBoundaryPrefix = 'BOUNDARY#';

/** The reverse item of an operator-managed policy in use as a principal's permissions boundary. */
export function platformPolicyBoundaryKey(
  accountId: string,
  policyName: string,
  kind: 'USER' | 'ROLE',
  principalId: string,
): ItemKey {
  return {
    pk: platformPolicyUsePartition(accountId, policyName),
    sk: `${platformPolicyBoundaryPrefix}${kind}#${checkedId(kind, principalId)}`,
  };
}
