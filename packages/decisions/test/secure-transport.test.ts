/**
 * A decision carries `aws:SecureTransport`: the asker's value (it describes its own client's
 * request) or, when the asker gives none, false, so a guardrail on plain HTTP never silently passes.
 */
import { type IamContext, type IamOperations, iamOperations, tenantAccountOperations } from '@palisade/iam';
import { operatorCaller, rootCaller } from '@palisade/principals';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { createUserWithPolicy } from '../../../test/fixtures/user-with-policy.ts';
import { createDecisions } from '../src/index.ts';

const NOW = new Date('2026-12-01T10:00:00Z');
const operator = operatorCaller('AKIAOPERATOR0000TEST');
let iam: IamContext;
let A: string;

beforeAll(async () => {
  iam = await createIamTestContext('decisions-transport', () => NOW);
  const created = await tenantAccountOperations(iam).createAccount(operator, 'decisions-transport');
  if (!created.ok) throw new Error(created.message);
  A = created.value.account.accountId;
  const run = async (action: keyof IamOperations, input: object) => {
    const result = await iamOperations(iam)[action]?.(
      rootCaller('aws', A, () => NOW),
      input,
    );
    if (!result?.ok) throw new Error(`${action}: ${result?.message}`);
  };
  await createUserWithPolicy(run, 'carol', 'tls-only', [
    { Effect: 'Allow', Action: 'docs:Read', Resource: '*' },
    { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
  ]);
});

const ask = (context?: Record<string, string | boolean>) => {
  const { decisions } = createDecisions({ store: iam.store, partition: 'aws', now: () => NOW });
  return decisions.authorize(
    operator,
    {
      principal: `arn:aws:iam::${A}:user/carol`,
      action: 'docs:Read',
      resource: `arn:aws:docs:us-east-1:${A}:doc/1`,
      ...(context ? { context } : {}),
    },
    'req',
  );
};

describe('aws:SecureTransport in decisions', () => {
  it('judges a question without aws:SecureTransport as plain HTTP: the Deny applies', async () => {
    expect(await ask()).toMatchObject({ ok: true, value: { decision: 'explicitDeny' } });
  });

  it('takes the asker’s aws:SecureTransport = true', async () => {
    expect(await ask({ 'aws:SecureTransport': 'true' })).toMatchObject({
      ok: true,
      value: { decision: 'allowed' },
    });
    expect(await ask({ 'aws:SecureTransport': true })).toMatchObject({
      ok: true,
      value: { decision: 'allowed' },
    });
  });

  it('takes the asker’s aws:SecureTransport = false', async () => {
    expect(await ask({ 'aws:SecureTransport': 'false' })).toMatchObject({
      ok: true,
      value: { decision: 'explicitDeny' },
    });
  });
});
