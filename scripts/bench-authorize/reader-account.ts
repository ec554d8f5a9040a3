/**
 * The account the authorize benches ask about: a user `reader` allowed to read docs (but not the
 * secret ones) and to ask for decisions, with an access key, and the question both benches ask.
 */
import { type IamOperations, iamOperations } from '@palisade/iam';
import { operatorCaller, rootCaller } from '@palisade/principals';
import type { Platform } from '../../functions/wiring/platform.ts';
import { createUserWithPolicy } from '../../test/fixtures/user-with-policy.ts';

/** The bench account, its reader's key, the question, and a way to run more IAM actions as root. */
export interface ReaderAccount {
  readonly accountId: string;
  readonly reader: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly question: {
    readonly principal: string;
    readonly action: string;
    readonly resource: string;
    readonly context: Readonly<Record<string, string>>;
  };
  call(action: keyof IamOperations, input: object): Promise<Record<string, never>>;
}

/** Creates account `alias` as the operator and its reader (set-up that must succeed). */
export async function readerAccount(
  platform: Platform,
  operatorAccessKeyId: string,
  alias: string,
): Promise<ReaderAccount> {
  const created = await platform.accounts.createAccount(operatorCaller(operatorAccessKeyId), alias);
  if (!created.ok) throw new Error(created.message);
  const accountId = created.value.account.accountId;
  const operations = iamOperations(platform.iam);
  const root = rootCaller('aws', accountId);
  const call = async (action: keyof IamOperations, input: object) => {
    const result = await operations[action]?.(root, input);
    if (!result?.ok) throw new Error(`${action}: ${result?.message}`);
    return result.value as Record<string, never>;
  };
  await createUserWithPolicy(call, 'reader', 'docs', [
    { Effect: 'Allow', Action: ['docs:Read', 'docs:List', 'palisade:Authorize'], Resource: '*' },
    { Effect: 'Deny', Action: 'docs:*', Resource: `arn:aws:docs:us-east-1:${accountId}:doc/secret/*` },
  ]);
  const key = (await call('CreateAccessKey', { UserName: 'reader' })) as unknown as {
    AccessKey: { AccessKeyId: string; SecretAccessKey: string };
  };
  return {
    accountId,
    reader: { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey },
    question: {
      principal: `arn:aws:iam::${accountId}:user/reader`,
      action: 'docs:Read',
      resource: `arn:aws:docs:us-east-1:${accountId}:doc/42`,
      context: { 'aws:SourceIp': '203.0.113.9' },
    },
    call,
  };
}
