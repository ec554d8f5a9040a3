/**
 * Owners' setup tokens: how a tenant's owner, created by a webhook, sets a first password without
 * any secret travelling back to the back office but the token. Random (256 bits), shown once,
 * stored as a SHA-256, single use, expiring after 7 days by default.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fixedLengthEqual } from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import {
  consumeSetupToken,
  findAccountIdByAlias,
  getAccount,
  getLoginProfile,
  getPrincipal,
  getSetupToken,
  keyPatterns,
  putSetupToken,
} from '@palisade/store';
import { DEFAULT_SETUP_TOKEN_TTL_SECONDS, type ProvisioningContext } from './provisioning-context.ts';
import { tenantRoot } from './tenant-building.ts';

/** An owner as a tenant.created answer shows it: the token only when one was issued now. */
export interface OwnerSetup {
  readonly userName: string;
  readonly setupToken?: string;
  readonly setupExpiresAt?: string;
}

/** What the owner sends to set the first password. */
export interface SetupRequest {
  /** The account's alias or 12-digit id. */
  readonly account: string;
  readonly userName: string;
  readonly setupToken: string;
  readonly password: string;
}

const TOKEN = /^pst_[A-Za-z0-9_-]{43}$/;
const INVALID = 'The account, user name or setup token is not valid.';

function hashOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Issues the owner a new setup token, replacing an unused one, unless the owner has set a password
 * already (a used token or a login profile): then the answer carries no token.
 */
export async function issueOwnerSetup(
  context: ProvisioningContext,
  accountId: string,
  userName: string,
): Promise<Result<OwnerSetup>> {
  const { store } = context.iam;
  const user = await getPrincipal(store, accountId, 'user', userName);
  if (!user) return ok({ userName });
  const [profile, existing] = await Promise.all([
    getLoginProfile(store, accountId, { kind: 'user', userId: user.id }),
    getSetupToken(store, accountId, user.id),
  ]);
  if (profile || existing?.usedAt) return ok({ userName });
  const setupToken = `pst_${randomBytes(32).toString('base64url')}`;
  const ttl = context.setupTokenTtlSeconds ?? DEFAULT_SETUP_TOKEN_TTL_SECONDS;
  const setupExpiresAt = new Date(context.iam.now().getTime() + ttl * 1000).toISOString();
  const stored = await putSetupToken(store, {
    accountId,
    userId: user.id,
    tokenHash: hashOf(setupToken),
    validUntil: setupExpiresAt,
  });
  // Used meanwhile (the owner was quicker than this replay): no new token.
  if (!stored.ok) return ok({ userName });
  return ok({ userName, setupToken, setupExpiresAt });
}

/**
 * Sets the owner's first password with a setup token: the account's password policy applies (a
 * refused password leaves the token unused); the token works once. Every mismatch is one answer.
 */
export async function completeSetup(
  context: ProvisioningContext,
  request: SetupRequest,
): Promise<Result<void>> {
  const { store } = context.iam;
  const invalid = fail('provisioning.invalid-setup-token', INVALID);
  const name = request.account.trim().toLowerCase();
  const accountId = keyPatterns.accountId.test(name)
    ? name
    : keyPatterns.alias.test(name)
      ? await findAccountIdByAlias(store, name)
      : undefined;
  if (!accountId || !TOKEN.test(request.setupToken) || !keyPatterns.entityName.test(request.userName))
    return invalid;
  const [account, user] = await Promise.all([
    getAccount(store, accountId),
    getPrincipal(store, accountId, 'user', request.userName),
  ]);
  if (!user) return invalid;
  if (account?.status !== 'active') return fail('account.suspended', 'The account is not active.');
  const token = await getSetupToken(store, accountId, user.id);
  const now = context.iam.now();
  const presented = hashOf(request.setupToken);
  if (!token || token.usedAt || Date.parse(token.validUntil) <= now.getTime()) return invalid;
  if (!fixedLengthEqual(presented, token.tokenHash)) return invalid;
  // The login profile first: it checks the password policy, and it exists once only, so of two
  // concurrent setups with one token only one gets past here.
  const created = await context.operations.CreateLoginProfile(tenantRoot(context, accountId), {
    UserName: user.name,
    Password: request.password,
  });
  if (!created.ok) return created.code === 'entity.already-exists' ? invalid : created;
  const consumed = await consumeSetupToken(
    store,
    { accountId, userId: user.id, tokenHash: presented },
    now.toISOString(),
  );
  return consumed.ok ? ok(undefined) : invalid;
}
