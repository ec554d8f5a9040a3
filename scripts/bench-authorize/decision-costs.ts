/**
 * What one decision costs beyond throughput: the DynamoDB requests it makes (warm and cold), a
 * batch of 100 against a single decision, and latency in a small account against a large one.
 * All in-process through the decision service, on the platform's own store client.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { defaultQuotas, iamOperations } from '@palisade/iam';
import { operatorCaller, rootCaller } from '@palisade/principals';
import type { createPlatform } from '../../functions/wiring/platform.ts';
import {
  attachRecorder,
  type DynamoDbRecorder,
  type RecordedCall,
  sequentialRoundTrips,
} from '../bench-iam/dynamodb-recorder.ts';
import { median, percentile } from '../bench-iam/statistics.ts';

/** The platform these measurements run on. */
export type MeasuredPlatform = ReturnType<typeof createPlatform>;

/** The DynamoDB requests of one decision and how many sequential round trips they took. */
export interface RequestCount {
  readonly calls: readonly string[];
  readonly roundTrips: number;
  /**
   * Requests still in flight when the decision had answered (e.g. last-access recording): they add
   * nothing to its latency, so they are neither in `calls` nor in `roundTrips`.
   */
  readonly background: readonly string[];
}

/**
 * Records every DynamoDB request a decision waits for (the longest chain of them is its sequential
 * round trips) and names those still in flight when it has answered.
 */
export function attachRequestCounter(client: DynamoDBClient) {
  const recorder: DynamoDbRecorder = attachRecorder(client);
  let inFlight: Set<string> | undefined;
  let started = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const open = inFlight;
      if (!open) return next(args);
      const id = `${String(context.commandName).replace(/Command$/, '')}#${started++}`;
      open.add(id);
      try {
        return await next(args);
      } finally {
        open.delete(id);
      }
    },
    { step: 'initialize', name: 'benchAuthorizeInFlight', priority: 'low' },
  );
  return {
    async count(work: () => Promise<unknown>): Promise<RequestCount> {
      const open = new Set<string>();
      inFlight = open;
      recorder.start();
      await work();
      const calls = recorder.take();
      inFlight = undefined;
      return {
        calls: calls.map(describeCall),
        roundTrips: sequentialRoundTrips(calls),
        background: [...open].map((id) => id.slice(0, id.indexOf('#'))),
      };
    },
  };
}

function describeCall(call: RecordedCall): string {
  const name = call.commandName.replace(/Command$/, '');
  const input = call.input as {
    Key?: { pk?: string; sk?: string };
    RequestItems?: Record<string, { Keys?: { pk?: string; sk?: string }[] }>;
    IndexName?: string;
    ExpressionAttributeValues?: Record<string, unknown>;
  };
  // Account ids and ARNs vary per run; the key's shape is what says which item it is.
  const shape = (text: unknown) =>
    String(text)
      .replace(/arn:[^#]*/g, '<arn>')
      .replace(/\d{12}/g, '<a>');
  const key = (k: { pk?: string; sk?: string }) => `${shape(k.pk)} ${shape(k.sk)}`;
  const error = call.error ? ` → ${call.error}` : '';
  if (input.Key) return `${name}(${key(input.Key)})${error}`;
  if (input.RequestItems) {
    const keys = Object.values(input.RequestItems).flatMap((entry) => entry.Keys ?? []);
    return `${name}(${keys.map(key).join(', ')})${error}`;
  }
  const values = Object.values(input.ExpressionAttributeValues ?? {})
    .map(shape)
    .join(', ');
  return `${name}(${input.IndexName ?? 'table'}: ${values})${error}`;
}

/** Median and p99 of `samples` sequential calls of `work`, in milliseconds. */
export async function latency(samples: number, work: (i: number) => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await work(i);
    times.push(performance.now() - started);
  }
  return { p50: median(times), p99: percentile(times, 99) };
}

/** A decision question about `user` in account `accountId`. */
export function question(accountId: string, user: string, doc: number) {
  return {
    principal: `arn:aws:iam::${accountId}:user/${user}`,
    action: 'docs:Read',
    resource: `arn:aws:docs:us-east-1:${accountId}:doc/${doc}`,
    context: { 'aws:SourceIp': '203.0.113.9' },
  };
}

const POLICY = (accountId: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['docs:Read', 'docs:List'], Resource: '*' },
      { Effect: 'Deny', Action: 'docs:*', Resource: `arn:aws:docs:us-east-1:${accountId}:doc/secret/*` },
    ],
  });

/**
 * Creates an account with `users` users, each with one inline policy, through the IAM operations
 * in parallel batches. The users-per-account quota (AWS's 5,000) is raised for this account's
 * writes only, so a 10,000-user account can exist.
 */
export async function populatedAccount(
  platform: MeasuredPlatform,
  operatorKeyId: string,
  name: string,
  users: number,
  parallel: number,
): Promise<{ accountId: string; seconds: number }> {
  const started = performance.now();
  const created = await platform.accounts.createAccount(operatorCaller(operatorKeyId), name);
  if (!created.ok) throw new Error(created.message);
  const accountId = created.value.account.accountId;
  const ops = iamOperations({
    ...platform.iam,
    quotas: { ...defaultQuotas, usersPerAccount: Math.max(defaultQuotas.usersPerAccount, users) },
  });
  const root = rootCaller(platform.iam.partition, accountId);
  const make = async (index: number) => {
    for (const [action, input] of [
      ['CreateUser', { UserName: `user-${index}` }],
      ['PutUserPolicy', { UserName: `user-${index}`, PolicyName: 'docs', PolicyDocument: POLICY(accountId) }],
    ] as const) {
      // The user counter is one item: parallel creates conflict on it and are retried.
      for (let attempt = 1; ; attempt++) {
        const result = await ops[action]?.(root, input);
        if (result?.ok) break;
        if (attempt === 20) throw new Error(`${action} user-${index}: ${result?.message}`);
        await new Promise((done) => setTimeout(done, Math.random() * 10 * attempt));
      }
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < users) await make(next++);
    }),
  );
  return { accountId, seconds: (performance.now() - started) / 1000 };
}
