/**
 * The credential report: GenerateCredentialReport builds the account's CSV (AWS's columns in AWS's
 * order, the root first) page by page over the users, and GetCredentialReport returns it base64 in
 * the XML. A report is fresh for four hours: Generate answers COMPLETE within them and starts a
 * new one after; Get answers ReportExpired after them.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { denialOf, type OperationTable, operation, rootArn } from '@palisade/principals';
import {
  type CredentialFacts,
  claimCredentialReport,
  getAccount,
  getCredentialReportState,
  getPasswordPolicy,
  getPasswordsLastUsed,
  listPrincipals,
  putCredentialReport,
  readCredentialFacts,
  readCredentialReport,
} from '@palisade/store';
import { z } from 'zod';
import type { IamContext } from './iam-context.ts';

/** The report's columns, exactly as AWS documents them, in AWS's order. */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

/** How long a report stays current: AWS regenerates (and Get refuses) after four hours. */
export const REPORT_LIFETIME_MS = 4 * 3600_000;
/** A generation that has not finished in this long is taken to have died and may be restarted. */
const STALE_GENERATION_MS = 5 * 60_000;
/** Users read per page while generating (each page: one listing, its partitions, one batched read). */
const USERS_PER_PAGE = 100;

/** GenerateCredentialReport's answer. */
interface GeneratedReport {
  readonly State: 'STARTED' | 'INPROGRESS' | 'COMPLETE';
  readonly Description?: string;
}

/** One row's owner: a user (name, ARN, creation), or the root (`<root_account>`). */
export interface ReportOwner {
  readonly user: string;
  readonly arn: string;
  readonly createdAt: string;
  readonly root: boolean;
}

/** AWS's timestamps in the report: ISO 8601, seconds, `+00:00`. */
function reportTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19)}+00:00`;
}

/** The report's row for one owner; `maxPasswordAge` is the password policy's, in days. */
export function credentialReportRow(
  owner: ReportOwner,
  facts: CredentialFacts,
  maxPasswordAge: number | undefined,
  passwordLastUsedAt?: string,
): string[] {
  const profile = facts.loginProfile;
  // A password never used to sign in (or the root's, whose sign-ins are not recorded): `no_information`.
  const passwordLastUsed = passwordLastUsedAt
    ? reportTime(passwordLastUsedAt)
    : profile
      ? 'no_information'
      : 'N/A';
  const password = owner.root
    ? ['not_supported', passwordLastUsed, 'not_supported', 'not_supported']
    : [
        profile ? 'true' : 'false',
        passwordLastUsed,
        profile ? reportTime(profile.passwordChangedAt) : 'N/A',
        profile && maxPasswordAge !== undefined
          ? reportTime(
              new Date(Date.parse(profile.passwordChangedAt) + maxPasswordAge * 86_400_000).toISOString(),
            )
          : 'N/A',
      ];
  const keyColumns = [0, 1].flatMap((n) => {
    const key = facts.accessKeys[n];
    if (!key) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
    return [
      key.status === 'Active' ? 'true' : 'false',
      reportTime(key.createdAt),
      key.lastUsedAt ? reportTime(key.lastUsedAt) : 'N/A',
      key.lastUsedRegion ?? 'N/A',
      key.lastUsedService ?? 'N/A',
    ];
  });
  return [
    owner.user,
    owner.arn,
    reportTime(owner.createdAt),
    ...password,
    facts.mfaActive ? 'true' : 'false',
    ...keyColumns,
    // Palisade has no signing certificates.
    'false',
    'N/A',
    'false',
    'N/A',
  ];
}

/** One CSV line (fields quoted only when they must be; IAM names never need it). */
function csvLine(fields: readonly string[]): string {
  return `${fields.map((field) => (/[",\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field)).join(',')}\n`;
}

/** Builds the account's report: the root's row, then every user's, page by page. */
async function buildReport(context: IamContext, accountId: string): Promise<string> {
  const [account, policy] = await Promise.all([
    getAccount(context.store, accountId),
    getPasswordPolicy(context.store, accountId),
  ]);
  const maxAge = typeof policy?.MaxPasswordAge === 'number' ? policy.MaxPasswordAge : undefined;
  const [rootFacts] = await readCredentialFacts(context.store, accountId, [{ kind: 'root' }]);
  let csv = csvLine(CREDENTIAL_REPORT_COLUMNS);
  csv += csvLine(
    credentialReportRow(
      {
        user: '<root_account>',
        arn: rootArn(context.partition, accountId),
        createdAt: account?.createdAt ?? new Date(0).toISOString(),
        root: true,
      },
      rootFacts as CredentialFacts,
      maxAge,
    ),
  );
  let after: string | undefined;
  do {
    const page = await listPrincipals(context.store, accountId, 'user', {
      limit: USERS_PER_PAGE,
      ...(after ? { after } : {}),
    });
    const [facts, passwordsUsed] = await Promise.all([
      readCredentialFacts(
        context.store,
        accountId,
        page.items.map((user) => ({ kind: 'user', userId: user.id })),
      ),
      getPasswordsLastUsed(
        context.store,
        accountId,
        page.items.map((user) => user.id),
      ),
    ]);
    page.items.forEach((user, n) => {
      csv += csvLine(
        credentialReportRow(
          { user: user.name, arn: user.arn, createdAt: user.createdAt, root: false },
          facts[n] as CredentialFacts,
          maxAge,
          passwordsUsed.get(user.id),
        ),
      );
    });
    after = page.next;
  } while (after);
  return csv;
}

/** The credential report operations, by AWS action name. */
export function credentialReportOperations(context: IamContext) {
  return {
    GenerateCredentialReport: operation(z.object({}), async (caller): Promise<Result<GeneratedReport>> => {
      const denied = denialOf(caller, 'iam:GenerateCredentialReport', '*');
      if (denied) return denied;
      const now = context.now();
      const state = await getCredentialReportState(context.store, caller.accountId);
      const current =
        state?.generatedAt !== undefined &&
        now.getTime() - Date.parse(state.generatedAt) < REPORT_LIFETIME_MS;
      if (state?.state === 'COMPLETE' && current) return ok({ State: 'COMPLETE' });
      const claimed = await claimCredentialReport(context.store, caller.accountId, now, {
        staleBefore: new Date(now.getTime() - STALE_GENERATION_MS),
        expiredBefore: new Date(now.getTime() - REPORT_LIFETIME_MS),
      });
      if (!claimed.ok) {
        if (claimed.code !== 'report.in-progress') return claimed;
        return ok({ State: 'INPROGRESS' });
      }
      // Generated within this call, so the next GetCredentialReport finds it complete.
      const csv = await buildReport(context, caller.accountId);
      const stored = await putCredentialReport(context.store, caller.accountId, csv, now);
      if (!stored.ok) return stored;
      return ok({
        State: 'STARTED',
        Description: 'No report exists. Starting a new report generation task',
      });
    }),

    GetCredentialReport: operation(z.object({}), async (caller) => {
      const denied = denialOf(caller, 'iam:GetCredentialReport', '*');
      if (denied) return denied;
      const state = await getCredentialReportState(context.store, caller.accountId);
      if (state?.generatedAt === undefined || state.chunks === undefined) {
        return state?.state === 'INPROGRESS'
          ? fail('report.in-progress', 'Report is in progress')
          : fail(
              'report.not-present',
              'Credential report not present. Call GenerateCredentialReport to generate one.',
            );
      }
      if (context.now().getTime() - Date.parse(state.generatedAt) >= REPORT_LIFETIME_MS) {
        return fail(
          'report.expired',
          'Credential report expired. Call GenerateCredentialReport to generate a new one.',
        );
      }
      const csv = await readCredentialReport(context.store, caller.accountId, state.chunks);
      return ok({
        Content: new Uint8Array(Buffer.from(csv, 'utf8')),
        ReportFormat: 'text/csv' as const,
        GeneratedTime: new Date(state.generatedAt),
      });
    }),
  } satisfies OperationTable;
}
