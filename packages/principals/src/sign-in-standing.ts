/**
 * Whether a sign-in session still stands, the one rule bearer authentication, refresh and the
 * temporary credentials minted from a session all apply: the session is active and unexpired, and
 * its owner's login profile still stands behind it (the profile exists, and the session was
 * opened under the current password, or is the one that changed it).
 */
import {
  getLoginProfile,
  getPrincipalById,
  getSignInSession,
  type LoginProfileRecord,
  type SignInBinding,
  type SignInSessionRecord,
  type StoreContext,
} from '@palisade/store';

/** True when `session` may still act: active, unexpired, and opened under the profile's current password. */
export function signInSessionStands(
  session: SignInSessionRecord | undefined,
  profile: LoginProfileRecord | undefined,
  now: Date,
): session is SignInSessionRecord {
  if (!session || !profile) return false;
  if (session.status !== 'active' || session.expiresAt * 1000 <= now.getTime()) return false;
  const generation = profile.signInGeneration;
  return (
    (session.profileGeneration ?? '') === (generation?.id ?? '') ||
    session.sessionId === generation?.keptSessionId
  );
}

/**
 * True when the session must change its password before anything else: the profile says so, or
 * the session opened with an expired password that it has not changed since.
 */
export function signInMustResetPassword(session: SignInSessionRecord, profile: LoginProfileRecord): boolean {
  if (profile.passwordResetRequired) return true;
  return session.passwordResetRequired && session.sessionId !== profile.signInGeneration?.keptSessionId;
}

/**
 * True when the sign-in session that temporary credentials are bound to still stands, and its user
 * is still active (reads in parallel: the session, the profile, and the user's record).
 */
export async function signInBindingStands(
  store: StoreContext,
  binding: SignInBinding,
  now: Date,
): Promise<boolean> {
  const { owner } = binding;
  const [session, profile, user] = await Promise.all([
    getSignInSession(store, binding.sessionId),
    getLoginProfile(store, binding.accountId, owner),
    owner.kind === 'user' ? getPrincipalById(store, binding.accountId, 'user', owner.userId) : undefined,
  ]);
  if (owner.kind === 'user' && user?.active !== true) return false;
  return (
    signInSessionStands(session, profile, now) &&
    session.accountId === binding.accountId &&
    !signInMustResetPassword(session, profile as LoginProfileRecord)
  );
}
