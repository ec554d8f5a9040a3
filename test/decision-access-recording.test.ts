/**
 * Access advisor from decisions: a question judged about a user counts as the user's use of the
 * action's service, through the same recorder as its own calls (one write per service per hour).
 */
import { type IamContext, type IamOperations, iamOperations, tenantAccountOperations } from '@palisade/iam';
import { createAccessRecorder, operatorCaller, rootCaller } from '@palisade/principals';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDecisionQuestions } from '../packages/decisions/src/index.ts';
import { createIamTestContext } from './fixtures/iam-context.ts';

const START = Date.parse('2026-12-07T10:00:00.000Z');
const clock = START;
const now = () => new Date(clock);
let iam: IamContext;
let accountId: string;
let updates = 0;

async function run(action: keyof IamOperations, input: object) {
  const result = await iamOperations(iam)[action]?.(rootCaller('aws', accountId, now), input);
  if (!result?.ok) throw new Error(`${action}: ${result?.message}`);
  return result.value as Record<string, unknown>;
}

beforeAll(async () => {
  iam = await createIamTestContext('decision-access', now);
  const created = await tenantAccountOperations(iam).createAccount(
    operatorCaller('AKIAOPERATOR0000TEST'),
    'decision-access',
  );
  if (!created.ok) throw new Error(created.message);
  accountId = created.value.account.accountId;
  await run('CreateUser', { UserName: 'carol' });
  await run('PutUserPolicy', {
    UserName: 'carol',
    PolicyName: 'read',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }],
    }),
  });
  iam.store.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand') updates++;
      return next(args);
    },
    { step: 'initialize', name: 'countUpdates' },
  );
});

describe('decisions about a user', () => {
  it('record its use of the asked service once for 100 allowed decisions, listed by access advisor', async () => {
    const recorder = createAccessRecorder({ store: iam.store, now });
    const { decisions } = createDecisionQuestions({
      store: iam.store,
      partition: 'aws',
      now,
      recordAccess: recorder.principalAccess,
    });
    const carol = `arn:aws:iam::${accountId}:user/carol`;
    const root = rootCaller('aws', accountId, now);
    updates = 0;
    for (let n = 0; n < 100; n++) {
      const answer = await decisions.authorize(
        root,
        { principal: carol, action: 'iam:GetUser', resource: '*' },
        'req',
      );
      expect(answer.ok && answer.value.decision).toBe('allowed');
    }
    // The first decision's write is not awaited by the answer: wait for it to land.
    for (let tries = 0; tries < 100 && updates === 0; tries++) await new Promise((r) => setTimeout(r, 20));
    expect(updates).toBe(1);

    const job = await run('GenerateServiceLastAccessedDetails', { Arn: carol });
    const details = await run('GetServiceLastAccessedDetails', { JobId: job.JobId });
    const services = details.ServicesLastAccessed as { ServiceNamespace: string; LastAuthenticated?: Date }[];
    expect(services.find((service) => service.ServiceNamespace === 'iam')).toMatchObject({
      LastAuthenticated: new Date(START),
      LastAuthenticatedEntity: carol,
      TotalAuthenticatedEntities: 1,
    });
    expect(services.find((service) => service.ServiceNamespace === 'sts')?.LastAuthenticated).toBeUndefined();
  });
});
