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
 * | a principal and everything it holds        | table | pk = ACCT#<a>#<KIND>#<name>                          | principalPartition    |
 * |   (user/group/role item, inline policies,  |       |   sk = <KIND> / INLINE#… / ATTACHED#… / MEMBER…#… /  | principalItemKey      |
 * |    attachments, memberships, keys, MFA)    |       |   ACCESS-KEY#… / MFA#…                               |                       |
 * | every principal of a kind in an account    | gsi1  | gsi1pk = ACCT#<a>#<KIND>S, begins_with(gsi1sk, path) | principalListKey      |
 * | a managed policy and its versions          | table | pk = ACCT#<a>#POLICY#<name>, sk = POLICY / VERSION#… | policyPartition       |
 * | every managed policy of an account         | gsi1  | gsi1pk = ACCT#<a>#POLICYS, begins_with(gsi1sk, path) | principalListKey      |
 * | the account's quota counters               | table | pk = ACCT#<a>, sk = SUMMARY                          | accountSummaryKey     |
 * | the account's password policy              | table | pk = ACCT#<a>, sk = PASSWORD-POLICY                  | passwordPolicyKey     |
 * | the root principal's record and its keys   | table | pk = ACCT#<a>#ROOT, sk = ROOT / ACCESS-KEY#…         | principalPartition    |
 * | the groups a user is in                    | table | pk = ACCT#<a>#USER#<u>, begins_with(sk, MEMBER-OF#)  | principalPartition    |
 * | the members of a group                     | table | pk = ACCT#<a>#GROUP#<g>, begins_with(sk, MEMBER#)    | principalPartition    |
 * | the principals a managed policy is on      | table | pk = ACCT#<a>#POLICY#<p>, begins_with(sk, ATTACHMENT#) | principalPartition  |
 */

/** A table key: partition and sort key values. */
export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** The kinds of principal-like partitions an account holds (policies share the listing shape). */
export type PartitionKind = 'USER' | 'GROUP' | 'ROLE' | 'POLICY' | 'ROOT';

const ACCOUNT_ID = /^\d{12}$/;
const ALIAS = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
// IAM names: letters, digits and +=,.@_- (1–128); '#' never appears, so it can separate segments.
const ENTITY_NAME = /^[\w+=,.@-]{1,128}$/;

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

/** The partition key holding one principal (or managed policy) and everything it owns. */
export function principalPartition(accountId: string, kind: PartitionKind, name = ''): string {
  const account = checked(accountId, ACCOUNT_ID, 'account id');
  if (kind === 'ROOT') return `ACCT#${account}#ROOT`;
  return `ACCT#${account}#${kind}#${checked(name, ENTITY_NAME, 'entity name').toLowerCase()}`;
}

/** An item inside a principal partition: its own record (`sk` = kind) or a child (`INLINE#x`, …). */
export function principalItemKey(
  accountId: string,
  kind: PartitionKind,
  name: string,
  child?: string,
): ItemKey {
  return { pk: principalPartition(accountId, kind, name), sk: child ?? kind };
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

/** The validated forms the key grammar accepts, for callers that validate up front. */
export const keyPatterns = {
  accountId: ACCOUNT_ID,
  alias: ALIAS,
  accessKeyId: ACCESS_KEY_ID,
  entityName: ENTITY_NAME,
};
