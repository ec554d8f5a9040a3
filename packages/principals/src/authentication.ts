/**
 * Who is calling, from a SigV4-signed request: one key lookup, signature verification with
 * @smithy/signature-v4 (in @palisade/credentials), the account's status, and the caller's
 * effective policies. Any doubt is a refusal: unknown, inactive or unopenable keys, suspended or
 * closed accounts, missing principals. Temporary keys (`ASIA…`) are looked up as STS sessions:
 * their session token must come with the request, they expire on time whatever TTL has not yet
 * deleted, and their caller carries the session's policies, tags, source identity and MFA state.
 */
import {
  fixedLengthEqual,
  isAccessKeyId,
  type ReceivedRequest,
  type SecretBox,
  type SigningSecret,
  type VerifiedSignature,
  verifySigV4,
} from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import {
  type AccessKeyRecord,
  accountStampKey,
  batchPointReads,
  gatherPointReads,
  getAccessKeyStamped,
  getAccount,
  getStsSession,
  type RecordStamp,
  readAccountDecisionStates,
  readStamps,
  recordAccessKeyUse,
  type StampReader,
  type StoreContext,
  type StsSessionRecord,
  stampId,
  stampsHold,
} from '@palisade/store';
import type { Caller } from './caller.ts';
import {
  type CallerRequest,
  federatedUserCaller,
  operatorCaller,
  roleSessionCaller,
  rootCaller,
  userCaller,
} from './callers.ts';
import { holdWritesUntilConfirmed } from './confirmed-operations.ts';
import type { RequestOrigin } from './context-keys.ts';
import type { CachedCredential, CredentialCache } from './credential-cache.ts';
import { type EffectivePolicies, loadEffectivePoliciesById } from './effective-policies.ts';
import { signInBindingStands } from './sign-in-standing.ts';

/** What authentication needs. */
export interface AuthenticationContext {
  readonly store: StoreContext;
  readonly partition: string;
  readonly secrets: SecretBox;
  readonly now: () => Date;
  /** Remembers long-term keys between requests (absent: every request reads the table). */
  readonly credentialCache?: CredentialCache;
  /** The operator's long-term key (from SST secrets or the local credentials file). */
  readonly operator: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /**
   * How a remembered credential's stamps are re-read (absent: one strongly consistent BatchGetItem
   * each time). The decision routes pass their bundle cache's, so a caller's revalidation shares
   * the round trip of the decision's own.
   */
  readonly readStamps?: StampReader;
}

/** An authenticated request: the caller and what its signature proved. */
export interface Authenticated {
  readonly caller: Caller;
  readonly signature: VerifiedSignature;
  /**
   * Present only from `authenticateSignedRequestOverlapped`, when the caller came from a remembered
   * credential whose window had passed: resolves true once its stamps are confirmed unchanged,
   * false when anything changed (the credential is then forgotten), and rejects when the store
   * cannot say. Nothing may be written or answered for this caller before it resolves true.
   */
  readonly confirmation?: Promise<boolean>;
}

/** How often a key's last use is written: GetAccessKeyLastUsed reports it to the minute. */
const ACCESS_KEY_USE_GRANULARITY_MS = 60_000;

const INVALID_TOKEN = 'The security token included in the request is invalid.';

/** Verifies a signed request for `service` and builds its caller, confirmed fresh. */
export async function authenticateSignedRequest(
  context: AuthenticationContext,
  request: ReceivedRequest,
  service: string,
  origin: RequestOrigin = {},
): Promise<Result<Authenticated>> {
  const authenticated = await authenticateOnce(context, request, service, origin);
  if (!authenticated.ok || authenticated.value.confirmation === undefined) return authenticated;
  const { confirmation, ...confirmed } = authenticated.value;
  if (await confirmation) return ok(confirmed);
  // Something the remembered credential was built from changed (and it was forgotten): start over.
  return authenticateOnce(context, request, service, origin);
}

/**
 * Like authenticateSignedRequest, but a remembered credential past its window is returned at once
 * with its revalidation still running (`confirmation`), so the caller's operation can overlap its
 * own reads with it; `runConfirmed` (confirmed-operations.ts) holds every write and the answer until then.
 */
export function authenticateSignedRequestOverlapped(
  context: AuthenticationContext,
  request: ReceivedRequest,
  service: string,
  origin: RequestOrigin = {},
): Promise<Result<Authenticated>> {
  // INVARIANT: a caller is only ever handed out unconfirmed with its store's writes held for it.
  holdWritesUntilConfirmed(context.store);
  batchPointReads(context.store);
  return authenticateOnce(context, request, service, origin);
}

async function authenticateOnce(
  context: AuthenticationContext,
  request: ReceivedRequest,
  service: string,
  origin: RequestOrigin,
): Promise<Result<Authenticated>> {
  let key: AccessKeyRecord | undefined;
  let keyStamp: RecordStamp | undefined;
  let session: StsSessionRecord | undefined;
  let cached: CachedCredential | undefined;
  let confirmation: Promise<boolean> | undefined;
  let openedSecret: string | undefined;
  const lookupSecret = async (accessKeyId: string): Promise<Result<SigningSecret>> => {
    if (accessKeyId === context.operator.accessKeyId) {
      return ok({ temporary: false, secretAccessKey: context.operator.secretAccessKey });
    }
    // INVARIANT: only an id Palisade could have issued reaches a key lookup (and a DynamoDB key).
    if (!isAccessKeyId(accessKeyId)) return fail('credentials.unknown-key', INVALID_TOKEN);
    if (accessKeyId.startsWith('ASIA')) {
      session = await getStsSession(context.store, accessKeyId);
      if (!session) return fail('credentials.unknown-key', INVALID_TOKEN);
      const secret = context.secrets.open(session.encryptedSecret, session.accessKeyId);
      if (!secret.ok) return fail('credentials.unknown-key', INVALID_TOKEN);
      return ok({
        temporary: true,
        secretAccessKey: secret.value,
        sessionTokenHash: session.sessionTokenHash,
      });
    }
    const remembered = rememberedCredential(context, accessKeyId);
    if (remembered) {
      cached = remembered.entry;
      confirmation = remembered.confirmation;
      key = remembered.entry.key;
      return ok({ temporary: false, secretAccessKey: remembered.entry.secretAccessKey });
    }
    const found = await getAccessKeyStamped(context.store, accessKeyId);
    key = found?.key;
    keyStamp = found?.stamp;
    if (!key) return fail('credentials.unknown-key', INVALID_TOKEN);
    if (key.status !== 'Active') return fail('credentials.inactive', INVALID_TOKEN);
    const secret = context.secrets.open(key.encryptedSecret, key.accessKeyId);
    // A secret that cannot be opened (wrong master key, tampering) authenticates no one.
    if (!secret.ok) return fail('credentials.unknown-key', INVALID_TOKEN);
    openedSecret = secret.value;
    return ok({ temporary: false, secretAccessKey: secret.value });
  };

  const now = context.now();
  const verified = await verifySigV4({ request, service, now, lookupSecret });
  // A revalidation started for a request that fails anyway must not surface as an unhandled rejection.
  confirmation?.catch(() => {});
  if (!verified.ok) return verified;
  const signature = verified.value;
  // Object.assign, not a spread: V8 (Node 20) copies a spread object through a slow path.
  const facts: CallerRequest = { origin: Object.assign({}, origin, { requestedRegion: signature.region }) };

  if (session !== undefined) {
    const caller = await sessionCaller(context, session, now, facts);
    return caller.ok ? ok({ caller: caller.value, signature }) : caller;
  }
  if (key === undefined) {
    // Only the operator's key verifies without a stored key record.
    // An access key id is no secret, nor is its length: no hashing needed.
    if (!fixedLengthEqual(signature.accessKeyId, context.operator.accessKeyId))
      return fail('credentials.unknown-key', INVALID_TOKEN);
    return ok({ caller: operatorCaller(signature.accessKeyId), signature });
  }
  const owned = key;

  let effective: EffectivePolicies | undefined = cached?.effective;
  if (!cached) {
    // The account's state and the owner's policies are independent reads: one round trip for both.
    const [states, loaded] = await Promise.all([
      readAccountDecisionStates(context.store, [owned.accountId], stampReader(context)),
      owned.owner.kind === 'user'
        ? loadEffectivePoliciesById(
            context.store,
            context.partition,
            owned.accountId,
            'user',
            owned.owner.userId,
          )
        : Promise.resolve(undefined),
    ]);
    const state = states.get(owned.accountId);
    if (state?.status !== 'active') {
      return fail(
        'account.suspended',
        `The account ${owned.accountId} is ${state?.status === 'missing' || !state ? 'closed' : state.status}; its credentials are disabled.`,
      );
    }
    if (owned.owner.kind === 'user') {
      if (!loaded) return fail('credentials.unknown-key', INVALID_TOKEN);
      // A deactivated user's keys keep their own status (restored as they were) but sign nothing.
      if (loaded.principal.active === false) return fail('credentials.inactive', INVALID_TOKEN);
      effective = loaded;
    }
    const accountStamp = state.stamps.find(
      (stamp) => stampId(stamp) === stampId(accountStampKey(owned.accountId)),
    );
    if (context.credentialCache && keyStamp && accountStamp && openedSecret !== undefined) {
      context.credentialCache.set(owned.accessKeyId, {
        key: owned,
        secretAccessKey: openedSecret,
        ...(effective ? { effective } : {}),
        // INVARIANT: every stamp was read with (never after) what it stands for.
        stamps: [keyStamp, accountStamp, ...(effective?.stamps ?? [])],
        checkedAt: now.getTime(),
        lastRecordedAt: owned.lastUsedAt ? Date.parse(owned.lastUsedAt) : 0,
      });
    }
  }

  let caller: Caller;
  if (owned.owner.kind === 'root') {
    caller = rootCaller(context.partition, owned.accountId, context.now, undefined, facts);
  } else if (effective) {
    caller = userCaller(effective, context.now, facts);
  } else {
    // INVARIANT: a user key never authenticates without its user's policies (fail closed).
    return fail('credentials.unknown-key', INVALID_TOKEN);
  }
  // Write the key's last use only when the last recording is a minute old: the remembered entry
  // knows when this process last wrote it, a fresh lookup knows what the table holds.
  const remembered = context.credentialCache?.get(owned.accessKeyId);
  const lastUsed = remembered?.lastRecordedAt ?? (owned.lastUsedAt ? Date.parse(owned.lastUsedAt) : 0);
  if (now.getTime() - lastUsed >= ACCESS_KEY_USE_GRANULARITY_MS) {
    // Recorded in parallel with the revalidation: a use of a key is a fact whatever its state now.
    await recordAccessKeyUse(
      context.store,
      owned.accessKeyId,
      { at: now, service, region: signature.region },
      ACCESS_KEY_USE_GRANULARITY_MS,
    );
    // Written, or refused because another process wrote within the minute: either way it is recent.
    if (remembered) remembered.lastRecordedAt = now.getTime();
  }
  return ok({ caller, signature, ...(confirmation ? { confirmation } : {}) });
}

function stampReader(context: AuthenticationContext): StampReader {
  return context.readStamps ?? ((keys) => readStamps(context.store, keys));
}

const EXPIRED_TOKEN = 'The security token included in the request is expired';

/**
 * The caller behind a verified temporary key: refused once the session has expired (checked here,
 * since TTL deletion is lazy), when its account is no longer active, or when its principal is gone
 * (a role deleted and recreated under the same name is another role), or when the sign-in session
 * it was minted from no longer stands.
 */
async function sessionCaller(
  context: AuthenticationContext,
  session: StsSessionRecord,
  now: Date,
  request: CallerRequest,
): Promise<Result<Caller>> {
  // INVARIANT: an expired session authenticates no one, whatever the table still holds.
  if (!(now.getTime() < Date.parse(session.expiration)))
    return fail('credentials.expired-token', EXPIRED_TOKEN);
  const binding = session.signInSession;
  const subject = session.subject;
  // A federated user stands on its issuer's permissions: the issuer is the principal to load.
  const owner = subject.kind === 'federated-user' ? subject.issuer : subject;
  const kind = owner.kind === 'role' ? 'role' : 'user';
  // The account, the sign-in session and the principal (by the id the session was issued for: a
  // role deleted and recreated under its name is another role) are independent reads: one round
  // trip for all three, however the checks below then order their refusals.
  const [account, signInStands, effective] = await Promise.all([
    getAccount(context.store, session.accountId),
    binding ? signInBindingStands(context.store, binding, now) : true,
    owner.kind === 'root'
      ? undefined
      : loadEffectivePoliciesById(
          context.store,
          context.partition,
          session.accountId,
          kind,
          owner.kind === 'role' ? owner.roleId : owner.userId,
        ),
  ]);
  // INVARIANT: credentials minted from a sign-in session end when it ends (sign-out, revocation,
  // a password change), checked on every request they sign.
  if (!signInStands) return fail('credentials.invalid-token', INVALID_TOKEN);
  if (account?.status !== 'active') {
    return fail(
      'account.suspended',
      `The account ${session.accountId} is ${account?.status ?? 'closed'}; its credentials are disabled.`,
    );
  }
  if (owner.kind === 'root') {
    return ok(
      subject.kind === 'federated-user'
        ? federatedUserCaller(context.partition, undefined, session, context.now, request)
        : rootCaller(context.partition, session.accountId, context.now, session, request),
    );
  }
  if (!effective) return fail('credentials.unknown-key', INVALID_TOKEN);
  // INVARIANT: what a deactivated user got from GetSessionToken ends with the user's activation.
  if (effective.principal.active === false) return fail('credentials.inactive', INVALID_TOKEN);
  if (subject.kind === 'federated-user')
    return ok(federatedUserCaller(context.partition, effective, session, context.now, request));
  return ok(
    kind === 'role'
      ? roleSessionCaller(effective, session, context.now, request)
      : userCaller(effective, context.now, request, session),
  );
}

/**
 * A remembered credential: within the window as is; after it, with a revalidation started (one
 * read of exactly its stamped keys) that confirms it only if every version is unchanged and the
 * account still active, and forgets it otherwise.
 */
function rememberedCredential(
  context: AuthenticationContext,
  accessKeyId: string,
): { entry: CachedCredential; confirmation?: Promise<boolean> } | undefined {
  const cache = context.credentialCache;
  const entry = cache?.get(accessKeyId);
  if (!cache || !entry) return undefined;
  const startedAt = context.now().getTime();
  const age = startedAt - entry.checkedAt;
  if (age < cache.revalidateAfterMs) {
    if (age >= cache.refreshAheadMs)
      cache.refresh(entry, () => confirm(context, cache, accessKeyId, entry, startedAt));
    return { entry };
  }
  // Only a confirmation the request waits for is worth holding the operation's first reads for.
  gatherPointReads();
  return { entry, confirmation: confirm(context, cache, accessKeyId, entry, startedAt) };
}

/**
 * One read of exactly the entry's stamped keys: true (and the window restarts from `startedAt`)
 * when every version is unchanged and the account still active; otherwise the entry is forgotten.
 */
function confirm(
  context: AuthenticationContext,
  cache: CredentialCache,
  accessKeyId: string,
  entry: CachedCredential,
  startedAt: number,
): Promise<boolean> {
  return stampReader(context)(entry.stamps).then(
    (current) => {
      const account = current.get(stampId(accountStampKey(entry.key.accountId)));
      if (account?.status === 'active' && stampsHold(entry.stamps, current)) {
        entry.checkedAt = startedAt;
        return true;
      }
      if (cache.get(accessKeyId) === entry) cache.delete(accessKeyId);
      return false;
    },
    (error: unknown) => {
      // Fail closed: an entry that could not be confirmed is not served again unconfirmed.
      if (cache.get(accessKeyId) === entry) cache.delete(accessKeyId);
      throw error;
    },
  );
}
