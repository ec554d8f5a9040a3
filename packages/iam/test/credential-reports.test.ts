import { type Caller, type OperationTable, rootCaller } from '@palisade/principals';
import { putNewAccount, recordAccessKeyUse, recordPasswordUse, type StoreContext } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { equippedUser } from '../../../test/fixtures/equipped-user.ts';
import { createIamTestContext, loadUserCaller } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import { CREDENTIAL_REPORT_COLUMNS, iamOperations } from '../src/index.ts';

/** The header of AWS's credential report, as the IAM User Guide documents it ("Credential report format"). */
const AWS_HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,' +
  'password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,' +
  'access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
  'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,' +
  'access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,' +
  'cert_2_active,cert_2_last_rotated';

const START = Date.parse('2026-12-07T10:00:00.000Z');
const A = '100000000015';
let clock = START;
const now = () => new Date(clock);
let store: StoreContext;
let ops: OperationTable;
let root: Caller;
let keys: readonly string[];

/** The report's rows as records keyed by the header's columns. */
function rowsOf(content: Uint8Array): Record<string, string>[] {
  const [header = '', ...lines] = Buffer.from(content).toString('utf8').trimEnd().split('\n');
  const columns = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, n) => [columns[n], value])));
}

beforeAll(async () => {
  const context = await createIamTestContext('credential-report', now);
  store = context.store;
  ops = iamOperations(context);
  await putNewAccount(store, { accountId: A, alias: 'report-a', createdAt: '2026-01-02T03:04:05.000Z' });
  root = rootCaller('aws', A, now);
  await mustRunOperation(ops, root, 'UpdateAccountPasswordPolicy', { MaxPasswordAge: 90 });
  const equipped = await equippedUser(ops, store, root, now(), { name: 'alice', policyArns: [], groups: [] });
  // Both keys are created at the pinned instant: key 1 is the lower id.
  keys = [...equipped.accessKeyIds].sort();
  await recordPasswordUse(store, A, equipped.userId, { at: new Date(START - 1800_000), region: 'us-east-1' });
  await mustRunOperation(ops, root, 'CreateUser', { UserName: 'bob' });
  await recordAccessKeyUse(store, keys[0] as string, {
    at: new Date(START - 3600_000),
    service: 'iam',
    region: 'eu-west-1',
  });
});

describe('the credential report', () => {
  it('has AWS documented columns, in AWS order', () => {
    const ours = CREDENTIAL_REPORT_COLUMNS;
    const aws = AWS_HEADER.split(',');
    expect(ours).toHaveLength(aws.length);
    for (const [n, column] of aws.entries()) expect(ours[n], `column ${n + 1}`).toBe(column);
  });

  it('answers ReportNotPresent before any report was generated', async () => {
    const got = await runOperation(ops, root, 'GetCredentialReport', {});
    expect(got).toMatchObject({ ok: false, code: 'report.not-present' });
  });

  it('starts a report, then answers COMPLETE while it is current', async () => {
    const started = await mustRunOperation(ops, root, 'GenerateCredentialReport', {});
    expect(started).toEqual({
      State: 'STARTED',
      Description: 'No report exists. Starting a new report generation task',
    });
    clock = START + 60_000;
    expect(await mustRunOperation(ops, root, 'GenerateCredentialReport', {})).toEqual({ State: 'COMPLETE' });
  });

  it('holds the root row and a row per user, column by column', async () => {
    const got = await mustRunOperation<{ Content: Uint8Array; ReportFormat: string; GeneratedTime: Date }>(
      ops,
      root,
      'GetCredentialReport',
      {},
    );
    expect(got.ReportFormat).toBe('text/csv');
    expect(got.GeneratedTime.toISOString()).toBe(new Date(START).toISOString());
    expect(Buffer.from(got.Content).toString('utf8').split('\n')[0]).toBe(AWS_HEADER);
    const [rootRow, alice, bob] = rowsOf(got.Content);
    expect(rootRow).toEqual({
      user: '<root_account>',
      arn: `arn:aws:iam::${A}:root`,
      user_creation_time: '2026-01-02T03:04:05+00:00',
      password_enabled: 'not_supported',
      password_last_used: 'N/A',
      password_last_changed: 'not_supported',
      password_next_rotation: 'not_supported',
      mfa_active: 'false',
      access_key_1_active: 'false',
      access_key_1_last_rotated: 'N/A',
      access_key_1_last_used_date: 'N/A',
      access_key_1_last_used_region: 'N/A',
      access_key_1_last_used_service: 'N/A',
      access_key_2_active: 'false',
      access_key_2_last_rotated: 'N/A',
      access_key_2_last_used_date: 'N/A',
      access_key_2_last_used_region: 'N/A',
      access_key_2_last_used_service: 'N/A',
      cert_1_active: 'false',
      cert_1_last_rotated: 'N/A',
      cert_2_active: 'false',
      cert_2_last_rotated: 'N/A',
    });
    expect(alice).toEqual({
      user: 'alice',
      arn: `arn:aws:iam::${A}:user/alice`,
      user_creation_time: '2026-12-07T10:00:00+00:00',
      password_enabled: 'true',
      password_last_used: '2026-12-07T09:30:00+00:00',
      password_last_changed: '2026-12-07T10:00:00+00:00',
      password_next_rotation: '2027-03-07T10:00:00+00:00',
      mfa_active: 'true',
      access_key_1_active: 'true',
      access_key_1_last_rotated: '2026-12-07T10:00:00+00:00',
      access_key_1_last_used_date: '2026-12-07T09:00:00+00:00',
      access_key_1_last_used_region: 'eu-west-1',
      access_key_1_last_used_service: 'iam',
      access_key_2_active: 'true',
      access_key_2_last_rotated: '2026-12-07T10:00:00+00:00',
      access_key_2_last_used_date: 'N/A',
      access_key_2_last_used_region: 'N/A',
      access_key_2_last_used_service: 'N/A',
      cert_1_active: 'false',
      cert_1_last_rotated: 'N/A',
      cert_2_active: 'false',
      cert_2_last_rotated: 'N/A',
    });
    expect(bob).toMatchObject({
      user: 'bob',
      password_enabled: 'false',
      password_last_used: 'N/A',
      password_last_changed: 'N/A',
      password_next_rotation: 'N/A',
      mfa_active: 'false',
      access_key_1_active: 'false',
      access_key_1_last_rotated: 'N/A',
    });
  });

  it('expires after four hours: Get answers ReportExpired, Generate starts a new report', async () => {
    clock = START + 4 * 3600_000;
    expect(await runOperation(ops, root, 'GetCredentialReport', {})).toMatchObject({
      ok: false,
      code: 'report.expired',
    });
    expect(await mustRunOperation(ops, root, 'GenerateCredentialReport', {})).toMatchObject({
      State: 'STARTED',
    });
    const got = await mustRunOperation<{ GeneratedTime: Date }>(ops, root, 'GetCredentialReport', {});
    expect(got.GeneratedTime.toISOString()).toBe(new Date(clock).toISOString());
    clock = START + 60_000;
  });

  it('is refused to a user no policy allows it', async () => {
    const bob = await loadUserCaller(store, A, 'bob', now);
    for (const action of ['GenerateCredentialReport', 'GetCredentialReport']) {
      const got = await runOperation(ops, bob, action, {});
      expect(got).toMatchObject({ ok: false, code: 'access.denied' });
    }
  });
});
