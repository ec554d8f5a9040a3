/**
 * A fresh table with two accounts, an IAM context and an STS context with a pinned clock and stub
 * ports (MFA: one device and one code; web identity: refused), for the STS service tests.
 */
import { fail, ok } from '@palisade/failures';
import { type IamContext, iamOperations } from '@palisade/iam';
import {
  type Caller,
  federatedUserCaller,
  loadEffectivePolicies,
  type OperationTable,
  roleSessionCaller,
  rootCaller,
  userCaller,
} from '@palisade/principals';
import { getPrincipalById, getStsSession, putNewAccount, type StoreContext } from '@palisade/store';
import { createIamTestContext, loadUserCaller } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import { createUserWithPolicy, type RunIamAction } from '../../../test/fixtures/user-with-policy.ts';
import { type StsContext, stsOperations } from '../src/index.ts';

/** The clock every STS test runs at (whole seconds, so expirations are exact). */
export const NOW = new Date('2026-11-28T12:00:00Z');
/** The account that holds the users. */
export const A = '200000000001';
/** The account that holds the roles. */
export const B = '200000000002';
/** The MFA device the stub verifier knows, and its one valid code. */
export const MFA_SERIAL = `arn:aws:iam::${A}:mfa/alice-phone`;
export const MFA_CODE = '123456';

/** A JSON policy document with one statement. */
export const doc = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

/** Everything a test file needs. */
export interface StsFixture {
  readonly store: StoreContext;
  readonly iam: IamContext;
  readonly sts: StsContext;
  readonly iamOps: OperationTable;
  readonly stsOps: OperationTable;
  readonly rootA: Caller;
  readonly rootB: Caller;
  /** Runs an operation and returns its result. */
  call(
    ops: OperationTable,
    caller: Caller,
    action: string,
    input: object,
  ): ReturnType<OperationTable[string]>;
  /** Runs an operation that must succeed and returns its output. */
  must<T = Record<string, unknown>>(
    ops: OperationTable,
    caller: Caller,
    action: string,
    input: object,
  ): Promise<T>;
  /** The caller an IAM user of an account is. */
  user(accountId: string, name: string): Promise<Caller>;
  /** Creates user `name` in the account with one inline policy and returns the caller it is. */
  userWithPolicy(
    accountId: string,
    name: string,
    policy: { readonly name: string; readonly statement: object },
  ): Promise<Caller>;
  /** The caller a temporary access key stands for (as authentication would build it). */
  session(accessKeyId: string): Promise<Caller>;
}

/** Builds the fixture on its own table. */
export async function createStsFixture(prefix: string): Promise<StsFixture> {
  const now = () => NOW;
  const iam = await createIamTestContext(prefix, now);
  const { store, secrets } = iam;
  const sts: StsContext = {
    store,
    partition: 'aws',
    now,
    secrets,
    verifyMfa: async ({ accountId, owner, serialNumber, tokenCode, now: at }) =>
      owner.kind === 'user' &&
      (await getPrincipalById(store, accountId, 'user', owner.userId))?.name === 'alice' &&
      serialNumber === MFA_SERIAL &&
      tokenCode === MFA_CODE
        ? ok({ authTime: at })
        : fail('credentials.invalid-mfa', 'The MFA code is not valid.'),
    verifyWebIdentity: async () => fail('credentials.invalid-identity-token', 'not in these tests'),
  };
  await putNewAccount(store, { accountId: A, alias: `${prefix}-a`, createdAt: NOW.toISOString() });
  await putNewAccount(store, { accountId: B, alias: `${prefix}-b`, createdAt: NOW.toISOString() });
  const iamOps = iamOperations(iam);
  const stsOps = stsOperations(sts);
  return {
    store,
    iam,
    sts,
    iamOps,
    stsOps,
    rootA: rootCaller('aws', A, now),
    rootB: rootCaller('aws', B, now),
    call: runOperation,
    must: mustRunOperation,
    user: (accountId, name) => loadUserCaller(store, accountId, name, now),
    async userWithPolicy(accountId, name, policy) {
      const root = rootCaller('aws', accountId, now);
      const run: RunIamAction = (action, input) => mustRunOperation(iamOps, root, action, input);
      await createUserWithPolicy(run, name, policy.name, [policy.statement]);
      return loadUserCaller(store, accountId, name, now);
    },
    async session(accessKeyId) {
      const session = await getStsSession(store, accessKeyId);
      if (!session) throw new Error(`no session ${accessKeyId}`);
      const subject = session.subject;
      const owner = subject.kind === 'federated-user' ? subject.issuer : subject;
      if (owner.kind === 'root') {
        return subject.kind === 'federated-user'
          ? federatedUserCaller('aws', undefined, session, now)
          : rootCaller('aws', session.accountId, now, session);
      }
      const kind = owner.kind === 'role' ? 'role' : 'user';
      const name = owner.kind === 'role' ? owner.roleName : owner.userName;
      const effective = await loadEffectivePolicies(store, 'aws', session.accountId, kind, name);
      if (!effective) throw new Error(`no principal ${name}`);
      if (subject.kind === 'federated-user') return federatedUserCaller('aws', effective, session, now);
      return kind === 'role'
        ? roleSessionCaller(effective, session, now)
        : userCaller(effective, now, {}, session);
    },
  };
}
