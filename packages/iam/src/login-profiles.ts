/**
 * Console passwords: Create/Get/Update/DeleteLoginProfile and ChangePassword, under the account's
 * password policy (length and classes, MaxPasswordAge, PasswordReusePrevention). Passwords are
 * stored only as scrypt hashes. Calling without UserName as the root manages the root's own
 * login profile (the root signs in with the account and no user name). Setting a password (and
 * creating or re-creating a profile) starts a new sign-in generation: every other sign-in session
 * of the owner, and the temporary credentials minted from them, stop working at once.
 */
import { randomUUID } from 'node:crypto';
import {
  checkPasswordPolicy,
  DEFAULT_PASSWORD_POLICY,
  hashPassword,
  type PasswordPolicy,
  verifyPassword,
} from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import {
  boolean,
  type Caller,
  callerFacts,
  denialOf,
  type OperationTable,
  operation,
  signInBindingOf,
} from '@palisade/principals';
import {
  deleteLoginProfile,
  getLoginProfile,
  getPasswordPolicy,
  type LoginProfileOwner,
  type LoginProfileRecord,
  noLoginProfile,
  putNewLoginProfile,
  type SignInGeneration,
  type StoreContext,
  updateLoginProfile,
} from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';
import { userName } from './iam-inputs.ts';
import { resolveCredentialOwner } from './principal-lifecycle.ts';

/** A password as IAM accepts one: 1–128 characters of tab, newline, CR and Latin-1 printable. */
const password = z
  .string()
  .min(1, 'Member must have length greater than or equal to 1')
  .max(128, 'Member must have length less than or equal to 128')
  .regex(
    /^[\t\n\r\x20-\xff]+$/,
    'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
  );

/** The account's password rules: content (checked by credentials) plus age, reuse and expiry. */
export interface AccountPasswordRules {
  readonly content: PasswordPolicy;
  /** Days a password stays valid; absent: forever. */
  readonly maxPasswordAge?: number;
  /** How many recent passwords (the current one included) cannot be reused. */
  readonly passwordReusePrevention?: number;
  /** An expired password blocks sign-in until an administrator resets it. */
  readonly hardExpiry: boolean;
  readonly allowUsersToChangePassword: boolean;
}

/** Reads the account's password policy (IAM's field names) as rules; AWS's defaults when none is set. */
export async function accountPasswordRules(
  store: StoreContext,
  accountId: string,
): Promise<AccountPasswordRules> {
  const stored = await getPasswordPolicy(store, accountId);
  if (!stored)
    return { content: DEFAULT_PASSWORD_POLICY, hardExpiry: false, allowUsersToChangePassword: false };
  const flag = (name: string) => stored[name] === true;
  const count = (name: string) => (typeof stored[name] === 'number' ? (stored[name] as number) : undefined);
  const maxPasswordAge = count('MaxPasswordAge');
  const passwordReusePrevention = count('PasswordReusePrevention');
  return {
    content: {
      minimumPasswordLength: count('MinimumPasswordLength') ?? DEFAULT_PASSWORD_POLICY.minimumPasswordLength,
      requireSymbols: flag('RequireSymbols'),
      requireNumbers: flag('RequireNumbers'),
      requireUppercaseCharacters: flag('RequireUppercaseCharacters'),
      requireLowercaseCharacters: flag('RequireLowercaseCharacters'),
    },
    ...(maxPasswordAge !== undefined ? { maxPasswordAge } : {}),
    ...(passwordReusePrevention !== undefined ? { passwordReusePrevention } : {}),
    hardExpiry: flag('HardExpiry'),
    allowUsersToChangePassword: flag('AllowUsersToChangePassword'),
  };
}

/** True when the profile's password is older than the policy's MaxPasswordAge at `now`. */
export function passwordExpired(
  profile: LoginProfileRecord,
  rules: AccountPasswordRules,
  now: Date,
): boolean {
  if (rules.maxPasswordAge === undefined) return false;
  const changed = Date.parse(profile.passwordChangedAt);
  return !Number.isFinite(changed) || now.getTime() - changed > rules.maxPasswordAge * 86_400_000;
}

/** The name a password may not equal: the user's, or nothing for the root. */
function nameOf(owner: LoginProfileOwner, displayName: string): string {
  return owner.kind === 'user' ? displayName : '';
}

/**
 * Checks a new password against the policy's content rules and, with PasswordReusePrevention, the
 * owner's recent passwords (one scrypt per remembered password: changes are rare, so this is paid
 * only when a password changes).
 */
async function acceptablePassword(
  candidate: string,
  rules: AccountPasswordRules,
  owner: LoginProfileOwner,
  displayName: string,
  current: LoginProfileRecord | undefined,
): Promise<Result<void>> {
  const content = checkPasswordPolicy(candidate, rules.content, nameOf(owner, displayName));
  if (!content.ok) return content;
  const remembered = rules.passwordReusePrevention ?? 0;
  if (current && remembered > 0) {
    const recent = [current.passwordHash, ...current.previousPasswordHashes].slice(0, remembered);
    for (const hash of recent) {
      if ((await verifyPassword(candidate, hash)).ok) {
        return fail(
          'credentials.password-policy',
          `Password does not conform to the account password policy. It must differ from the last ${remembered} passwords.`,
        );
      }
    }
  }
  return ok(undefined);
}

/** The remembered hashes after replacing `current`'s password (newest first, at most 23 earlier ones). */
function rememberedAfterChange(current: LoginProfileRecord): string[] {
  return [current.passwordHash, ...current.previousPasswordHashes].slice(0, 23);
}

/**
 * A new sign-in generation for `owner`'s password, keeping only the caller's own sign-in session
 * when the caller is that owner signed in (a user changing its password stays signed in there).
 */
function nextSignInGeneration(caller: Caller, accountId: string, owner: LoginProfileOwner): SignInGeneration {
  const facts = callerFacts(caller);
  const binding = facts ? signInBindingOf(facts) : undefined;
  const own =
    binding !== undefined &&
    binding.accountId === accountId &&
    binding.owner.kind === owner.kind &&
    (owner.kind === 'root' || (binding.owner.kind === 'user' && binding.owner.userId === owner.userId));
  return { id: randomUUID(), ...(own ? { keptSessionId: binding.sessionId } : {}) };
}

function profileShape(displayName: string, profile: LoginProfileRecord) {
  return {
    LoginProfile: {
      UserName: displayName,
      CreateDate: new Date(profile.createdAt),
      PasswordResetRequired: profile.passwordResetRequired,
    },
  };
}

/** The login profile operations, by AWS action name. */
export function loginProfileOperations(context: IamContext) {
  return {
    CreateLoginProfile: operation(
      z.object({
        UserName: userName.optional(),
        Password: password,
        PasswordResetRequired: boolean.optional(),
      }),
      async (caller, input) => {
        const target = await resolveCredentialOwner(
          context,
          caller,
          input.UserName,
          'iam:CreateLoginProfile',
        );
        if (!target.ok) return target;
        const { owner, displayName } = target.value;
        const rules = await accountPasswordRules(context.store, caller.accountId);
        const acceptable = await acceptablePassword(input.Password, rules, owner, displayName, undefined);
        if (!acceptable.ok) return acceptable;
        const now = context.now().toISOString();
        const created = await putNewLoginProfile(
          context.store,
          {
            accountId: caller.accountId,
            owner,
            passwordHash: await hashPassword(input.Password, context.passwordHashing),
            passwordResetRequired: input.PasswordResetRequired ?? false,
            createdAt: now,
            passwordChangedAt: now,
            // A re-created profile stands behind none of the sessions of the one deleted before it.
            signInGeneration: { id: randomUUID() },
          },
          displayName,
        );
        return created.ok ? ok(profileShape(displayName, created.value)) : created;
      },
    ),

    GetLoginProfile: operation(z.object({ UserName: userName.optional() }), async (caller, input) => {
      const target = await resolveCredentialOwner(context, caller, input.UserName, 'iam:GetLoginProfile');
      if (!target.ok) return target;
      const profile = await getLoginProfile(context.store, caller.accountId, target.value.owner);
      return profile
        ? ok(profileShape(target.value.displayName, profile))
        : noLoginProfile(target.value.owner, target.value.displayName);
    }),

    UpdateLoginProfile: operation(
      z.object({
        UserName: userName.optional(),
        Password: password.optional(),
        PasswordResetRequired: boolean.optional(),
      }),
      async (caller, input) => {
        const target = await resolveCredentialOwner(
          context,
          caller,
          input.UserName,
          'iam:UpdateLoginProfile',
        );
        if (!target.ok) return target;
        const { owner, displayName } = target.value;
        const current = await getLoginProfile(context.store, caller.accountId, owner);
        if (!current) return noLoginProfile(owner, displayName);
        if (input.Password === undefined) {
          if (input.PasswordResetRequired === undefined) return ok(undefined);
          const updated = await updateLoginProfile(context.store, current, {
            passwordResetRequired: input.PasswordResetRequired,
          });
          return updated.ok ? ok(undefined) : updated;
        }
        const rules = await accountPasswordRules(context.store, caller.accountId);
        const acceptable = await acceptablePassword(input.Password, rules, owner, displayName, current);
        if (!acceptable.ok) return acceptable;
        const updated = await updateLoginProfile(context.store, current, {
          passwordHash: await hashPassword(input.Password, context.passwordHashing),
          passwordChangedAt: context.now().toISOString(),
          previousPasswordHashes: rememberedAfterChange(current),
          signInGeneration: nextSignInGeneration(caller, caller.accountId, owner),
          ...(input.PasswordResetRequired !== undefined
            ? { passwordResetRequired: input.PasswordResetRequired }
            : {}),
        });
        return updated.ok ? ok(undefined) : updated;
      },
    ),

    DeleteLoginProfile: operation(z.object({ UserName: userName.optional() }), async (caller, input) => {
      const target = await resolveCredentialOwner(context, caller, input.UserName, 'iam:DeleteLoginProfile');
      if (!target.ok) return target;
      const deleted = await deleteLoginProfile(
        context.store,
        caller.accountId,
        target.value.owner,
        target.value.displayName,
      );
      return deleted.ok ? ok(undefined) : deleted;
    }),

    ChangePassword: operation(
      z.object({ OldPassword: password, NewPassword: password }),
      async (caller, input) => {
        // IAM: only a user changes its own password this way (the root uses its own flows).
        const userId = callerFacts(caller)?.userId;
        if (caller.kind !== 'user' || caller.userName === undefined || userId === undefined) {
          return fail(
            'request.invalid-user-type',
            'ChangePassword is only for IAM users changing their own password.',
          );
        }
        const displayName = caller.userName;
        const owner: LoginProfileOwner = { kind: 'user', userId };
        const rules = await accountPasswordRules(context.store, caller.accountId);
        // The account policy's AllowUsersToChangePassword grants this to every user, as in IAM.
        if (!rules.allowUsersToChangePassword) {
          const denied = denialOf(caller, 'iam:ChangePassword', caller.arn, {
            resourceTags: callerFacts(caller)?.principalTags ?? [],
          });
          if (denied) return denied;
        }
        const current = await getLoginProfile(context.store, caller.accountId, owner);
        if (!current) return noLoginProfile(owner, displayName);
        const matches = await verifyPassword(input.OldPassword, current.passwordHash);
        if (!matches.ok) return fail('credentials.invalid-password', 'The old password is incorrect.');
        const acceptable = await acceptablePassword(input.NewPassword, rules, owner, displayName, current);
        if (!acceptable.ok) return acceptable;
        const updated = await updateLoginProfile(context.store, current, {
          passwordHash: await hashPassword(input.NewPassword, context.passwordHashing),
          passwordChangedAt: context.now().toISOString(),
          previousPasswordHashes: rememberedAfterChange(current),
          passwordResetRequired: false,
          signInGeneration: nextSignInGeneration(caller, caller.accountId, owner),
        });
        return updated.ok ? ok(undefined) : updated;
      },
    ),
  } satisfies OperationTable;
}
