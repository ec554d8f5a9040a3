/**
 * SCIM bearer tokens: created by the account's root or a user allowed `palisade:CreateScimToken`,
 * shown once, stored as the sha256 of a 256-bit random secret (a lookup by digest compares no
 * secret), listed without secrets with their last use, revoked at once (every SCIM request reads
 * the token's item strongly consistent, so a revoked token's next request is refused).
 */
import { createHash, randomBytes } from 'node:crypto';
import { fail, ok, type Result } from '@palisade/failures';
import { type Caller, denialOf, palisadeArn, validationFailure } from '@palisade/principals';
import {
  deleteScimToken,
  findScimToken,
  getAccount,
  isScimTokenId,
  listScimTokens,
  putScimToken,
  recordScimTokenUse,
  type ScimTokenOwner,
  type ScimTokenRecord,
  type StoreContext,
} from '@palisade/store';
import { z } from 'zod';

export type { ScimTokenOwner, ScimTokenRecord } from '@palisade/store';

/** What the token service needs. */
export interface ScimTokenContext {
  readonly store: StoreContext;
  readonly partition: string;
  readonly now: () => Date;
}

/** A token as its creator sees it once: with the secret. */
export interface CreatedScimToken {
  readonly tokenId: string;
  readonly name: string;
  readonly token: string;
  readonly createdAt: string;
}

/** The body of `POST /v1/scim/tokens`. */
export const createScimTokenSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\w+=,.@ -]+$/, 'letters, digits, spaces and +=,.@_-')
    .describe('What the token is for (`okta`, `entra`).'),
});

// Who may manage tokens; the token's prefix makes a leaked one easy to find by secret scanners.
const TOKEN_PREFIX = 'pscim_';
const TOKEN_FORM = /^pscim_[A-Za-z0-9_-]{43}$/;
/** Tokens per account: a soft bound (counted before the write), so a loop cannot fill the table. */
export const MAX_SCIM_TOKENS_PER_ACCOUNT = 20;
/** How often one process records a token's last use at most. */
export const SCIM_TOKEN_USE_INTERVAL_MS = 60_000;
const USE_MEMORY = 10_000;

function digestOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The SCIM token service: management (authorized like every REST call) and authentication of a presented token. */
export function scimTokenService(context: ScimTokenContext) {
  const lastRecorded = new Map<string, number>();
  const refusal = (caller: Caller, action: string, tokenId: string) =>
    caller.kind === 'operator'
      ? fail('access.denied', `The operator has no account: ${action} acts inside a tenant account.`)
      : denialOf(caller, action, palisadeArn(context.partition, caller.accountId, `scim-token/${tokenId}`));

  /** Records a token's use at most once a minute per process; the memory of uses is bounded. */
  function noteUse(owner: ScimTokenOwner, at: Date): Promise<unknown> {
    const last = lastRecorded.get(owner.tokenId);
    if (last !== undefined && at.getTime() - last < SCIM_TOKEN_USE_INTERVAL_MS) return Promise.resolve();
    if (lastRecorded.size >= USE_MEMORY) lastRecorded.clear();
    lastRecorded.set(owner.tokenId, at.getTime());
    return recordScimTokenUse(context.store, owner.accountId, owner.tokenId, at.toISOString());
  }

  return {
    /** Creates a token for the caller's account; the secret is in this answer only. */
    async create(caller: Caller, body: unknown): Promise<Result<CreatedScimToken>> {
      const denied = refusal(caller, 'palisade:CreateScimToken', '*');
      if (denied) return denied;
      const parsed = createScimTokenSchema.safeParse(body);
      if (!parsed.success) return validationFailure(parsed.error);
      const existing = await listScimTokens(context.store, caller.accountId);
      if (existing.length >= MAX_SCIM_TOKENS_PER_ACCOUNT)
        return fail(
          'quota.exceeded',
          `Cannot exceed quota for SCIM tokens per account: ${MAX_SCIM_TOKENS_PER_ACCOUNT}.`,
        );
      const tokenId = randomBytes(16).toString('base64url');
      const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const createdAt = context.now().toISOString();
      const stored = await putScimToken(
        context.store,
        { accountId: caller.accountId, tokenId, name: parsed.data.name, createdAt },
        digestOf(token),
      );
      return stored.ok ? ok({ tokenId, name: parsed.data.name, token, createdAt }) : stored;
    },

    /** The caller's account's tokens, without secrets, with their last use. */
    async list(caller: Caller): Promise<Result<ScimTokenRecord[]>> {
      const denied = refusal(caller, 'palisade:ListScimTokens', '*');
      if (denied) return denied;
      return ok(await listScimTokens(context.store, caller.accountId));
    },

    /** Revokes a token of the caller's account. */
    async revoke(caller: Caller, tokenId: string): Promise<Result<void>> {
      if (!isScimTokenId(tokenId))
        return fail('entity.not-found', `The SCIM token ${tokenId} does not exist.`);
      const denied = refusal(caller, 'palisade:DeleteScimToken', tokenId);
      if (denied) return denied;
      return deleteScimToken(context.store, caller.accountId, tokenId);
    },

    /**
     * The account and token a presented bearer token stands for: refused when malformed, unknown
     * (never issued, or revoked) or when its account is not active.
     */
    async authenticate(token: string | undefined): Promise<Result<ScimTokenOwner>> {
      if (token === undefined || !TOKEN_FORM.test(token))
        return fail('credentials.missing', 'Send a SCIM token as Authorization: Bearer <token>.');
      const owner = await findScimToken(context.store, digestOf(token));
      if (!owner) return fail('credentials.invalid-token', 'The SCIM token is not valid.');
      const account = await getAccount(context.store, owner.accountId);
      if (account?.status !== 'active')
        return fail('account.suspended', 'The account of this SCIM token is not active.');
      // Awaited (at most once a minute per token and process), but telemetry never refuses a request.
      await noteUse(owner, context.now()).catch(() => false);
      return ok(owner);
    },
  };
}

/** The SCIM token service's type. */
export type ScimTokens = ReturnType<typeof scimTokenService>;
