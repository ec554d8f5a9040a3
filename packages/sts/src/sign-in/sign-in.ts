/**
 * Password sign-in (per tenant): account alias or id, user name (none for the root), password and,
 * when the principal has an enabled MFA device, a TOTP code. Throttled per identity and per source
 * before any password is checked; an unknown account, unknown user, missing login profile and
 * wrong password all answer the same `credentials.invalid-password` after the same scrypt work;
 * every attempt is recorded (never the password or code).
 */
import { randomUUID } from 'node:crypto';
import { dummyVerifyPassword, hashPassword, verifyPassword } from '@palisade/credentials';
import { fail, type Result } from '@palisade/failures';
import { accountPasswordRules, hasMfaDevice, passwordExpired, verifyOwnerMfaCode } from '@palisade/iam';
import { rootArn } from '@palisade/principals';
import {
  type CredentialOwnerKey,
  findAccountIdByAlias,
  getAccount,
  getLoginProfile,
  getPrincipal,
  keyPatterns,
  type LoginProfileRecord,
  recordSignInAttempt,
  setAuditPrincipal,
  updateLoginProfile,
} from '@palisade/store';
import type { SessionIssuer, SessionTokens } from './session-issuer.ts';
import type { SignInContext } from './sign-in-context.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';

/** A sign-in request as the HTTP layer hands it over. */
export interface SignInRequest {
  /** The account's alias or 12-digit id. */
  readonly account: string;
  /** Absent for the root. */
  readonly userName?: string;
  readonly password: string;
  readonly mfaCode?: string;
}

/** Where a request came from. */
export interface SignInOrigin {
  readonly sourceIp?: string;
}

const INVALID_MESSAGE = 'The account, user name or password is incorrect.';
const USER_NAME = /^[\w+=,.@-]{1,64}$/;

/** Who the request names, once resolved (any part may be missing; the answer does not say which). */
interface Resolved {
  readonly accountId?: string;
  readonly owner?: CredentialOwnerKey;
  readonly principal?: { readonly arn: string; readonly id: string };
  readonly profile?: LoginProfileRecord;
}

async function resolve(context: SignInContext, request: SignInRequest): Promise<Resolved> {
  const name = request.account.trim().toLowerCase();
  const accountId = keyPatterns.accountId.test(name)
    ? name
    : keyPatterns.alias.test(name)
      ? await findAccountIdByAlias(context.store, name)
      : undefined;
  if (!accountId) return {};
  if (request.userName === undefined) {
    const owner = { kind: 'root' } as const;
    const profile = await getLoginProfile(context.store, accountId, owner);
    return {
      accountId,
      owner,
      principal: { arn: rootArn(context.partition, accountId), id: accountId },
      ...(profile ? { profile } : {}),
    };
  }
  if (!USER_NAME.test(request.userName)) return { accountId };
  // The name item gives the user's id, which keys its login profile: two reads in sequence.
  const user = await getPrincipal(context.store, accountId, 'user', request.userName);
  // A deactivated user is answered as an unknown one: its password is kept, not usable.
  if (!user || user.active === false) return { accountId };
  const owner = { kind: 'user', userId: user.id } as const;
  const profile = await getLoginProfile(context.store, accountId, owner);
  return {
    accountId,
    owner,
    principal: { arn: user.arn, id: user.id },
    ...(profile ? { profile } : {}),
  };
}

/**
 * The sign-in's audit event (ConsoleLogin, success or failure) names whom it signs in, not the
 * anonymous request, in that account's trail; an unknown user's name is hidden, as AWS does.
 */
function auditSignInPrincipal({ accountId, owner, principal }: Resolved): void {
  if (!accountId) return;
  setAuditPrincipal(
    principal && owner
      ? {
          type: owner.kind === 'root' ? 'root' : 'user',
          arn: principal.arn,
          accountId,
          principalId: principal.id,
          ...(owner.kind === 'root' ? {} : { userName: principal.arn.split('/').at(-1) as string }),
        }
      : { type: 'user', accountId, userName: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
  );
}

/** Builds the sign-in operation. */
export function createPasswordSignIn(
  context: SignInContext,
  throttle: SignInThrottle,
  sessions: SessionIssuer,
): (request: SignInRequest, origin: SignInOrigin) => Promise<Result<SessionTokens>> {
  return async function signIn(request, origin) {
    const now = context.now();
    const resolved = await resolve(context, request);
    auditSignInPrincipal(resolved);
    const record = (outcome: string) =>
      recordSignInAttempt(context.store, {
        ...(resolved.accountId ? { accountId: resolved.accountId } : {}),
        accountName: request.account.slice(0, 128),
        ...(request.userName !== undefined ? { userName: request.userName.slice(0, 128) } : {}),
        ...(origin.sourceIp ? { sourceIp: origin.sourceIp } : {}),
        at: now,
        attemptId: randomUUID(),
        outcome,
        expiresAt: Math.floor(now.getTime() / 1000) + context.attemptRetentionDays * 86_400,
      });

    // The throttled identity is what was asked for, resolved where possible (alias and id count together).
    const identity = `${resolved.accountId ?? `unresolved:${request.account.trim().toLowerCase()}`}\n${(request.userName ?? '').toLowerCase()}`;
    const reservation = await throttle.begin(identity, origin.sourceIp, now);
    if (!reservation.ok) {
      await record('throttled');
      return reservation;
    }

    const { accountId, owner, principal, profile } = resolved;
    if (!accountId || !owner || !principal || !profile) {
      // Same work as a real check, so timing does not tell which part was wrong.
      await dummyVerifyPassword(request.password, context.passwordHashing);
      await throttle.failed(reservation.value, now);
      await record(!accountId ? 'unknown-account' : !principal ? 'unknown-user' : 'no-login-profile');
      return fail('credentials.invalid-password', INVALID_MESSAGE);
    }
    const matched = await verifyPassword(request.password, profile.passwordHash, context.passwordHashing);
    if (!matched.ok) {
      await throttle.failed(reservation.value, now);
      await record('invalid-password');
      return fail('credentials.invalid-password', INVALID_MESSAGE);
    }

    const [account, rules, mfaEnabled] = await Promise.all([
      getAccount(context.store, accountId),
      accountPasswordRules(context.store, accountId),
      hasMfaDevice(context.store, accountId, owner),
    ]);
    if (account?.status !== 'active') {
      await throttle.released(reservation.value);
      await record('account-not-active');
      return fail('account.suspended', `The account is ${account?.status ?? 'closed'}; sign-in is disabled.`);
    }
    let authTime = now;
    if (mfaEnabled) {
      if (request.mfaCode === undefined) {
        // Not a failure: the password was right, and the client now asks for a code.
        await throttle.released(reservation.value);
        await record('mfa-required');
        return fail('credentials.mfa-required', 'An MFA code is required for this sign-in.');
      }
      const verified = await verifyOwnerMfaCode(
        context.store,
        context.secrets,
        accountId,
        owner,
        request.mfaCode,
        now,
      );
      if (!verified.ok) {
        await throttle.failed(reservation.value, now);
        await record(verified.code === 'credentials.throttled' ? 'mfa-device-locked' : 'invalid-mfa');
        return verified;
      }
      authTime = verified.value.authTime;
    }

    const expired = passwordExpired(profile, rules, now);
    if (expired && rules.hardExpiry) {
      await throttle.released(reservation.value);
      await record('password-expired');
      return fail('access.denied', 'The password has expired; an administrator must reset it.');
    }
    await throttle.succeeded(reservation.value);
    if (matched.value.needsRehash) {
      // The password is known only now: upgrade its hash to the current cost (best effort).
      await updateLoginProfile(context.store, profile, {
        passwordHash: await hashPassword(request.password, context.passwordHashing),
      });
    }
    const opened = await sessions.open(
      {
        accountId,
        owner,
        principalArn: principal.arn,
        principalId: principal.id,
        authTime,
        mfa: mfaEnabled,
        passwordResetRequired: profile.passwordResetRequired || expired,
        ...(profile.signInGeneration ? { profileGeneration: profile.signInGeneration.id } : {}),
      },
      now,
    );
    await record(opened.ok ? 'success' : 'session-unavailable');
    // Not awaited: the password's last use is telemetry, never a reason to delay or fail a sign-in.
    if (opened.ok && owner.kind === 'user') void context.accessRecorder?.passwordUse(accountId, principal.id);
    return opened;
  };
}
