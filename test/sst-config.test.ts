/**
 * Checks sst.config.ts offline: runs its `run()` with stand-in SST (and Pulumi `aws`) globals that
 * record what it declares, then compares that with functions/ and with the store's table definition.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { CHANGE_RECORD_ENTITY, tableDefinition } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { handlerDeployments, migrationDeployment } from '../functions/wiring/deployment.ts';

interface Recorded {
  dynamo: Record<string, unknown>[];
  secrets: string[];
  functions: {
    name: string;
    handler: string;
    link: unknown[];
    esbuild: unknown;
    splitting: unknown;
    timeout: string;
    dependsOn: unknown[];
    self: { name: string; nodes: { function: { lastModified: string } } };
  }[];
  routes: { route: string; handler: string }[];
  subscribers: { name: string; handler: string; filters: unknown }[];
  invocations: { name: string; self: object; functionName: string; triggers: Record<string, unknown> }[];
  queues: {
    name: string;
    self: { name: string; arn: string };
    dlq?: { queue: string; retry: number };
    visibilityTimeout?: string;
  }[];
  queueSubscribers: { queue: string; handler: string; link: unknown[]; timeout: string; batch: unknown }[];
  /** What each stream subscriber is linked to. */
  subscriberLinks: Record<string, unknown[]>;
  crons: { name: string; schedule: string; handler: string; link: unknown[] }[];
}

const recorded: Recorded = {
  dynamo: [],
  secrets: [],
  functions: [],
  routes: [],
  subscribers: [],
  invocations: [],
  queues: [],
  queueSubscribers: [],
  subscriberLinks: {},
  crons: [],
};

function installStandIns(): void {
  const globals = globalThis as Record<string, unknown>;
  globals.$config = (config: unknown) => config;
  globals.$app = { name: 'palisade', stage: 'test' };
  globals.sst = {
    Secret: function Secret(this: { name: string }, name: string) {
      recorded.secrets.push(name);
      this.name = name;
    },
    aws: {
      Dynamo: function Dynamo(this: Record<string, unknown>, name: string, args: Record<string, unknown>) {
        recorded.dynamo.push({ name, ...args });
        this.name = name;
        this.subscribe = (
          subscriber: string,
          fn: { handler: string; link?: unknown[] },
          options?: { filters?: unknown },
        ) => {
          recorded.subscribers.push({ name: subscriber, handler: fn.handler, filters: options?.filters });
          recorded.subscriberLinks[subscriber] = fn.link ?? [];
        };
      },
      Function: function SstFunction(
        this: { arn: string; name: string; nodes: { function: { lastModified: string } } },
        name: string,
        args: {
          handler: string;
          link: unknown[];
          timeout: string;
          nodejs?: { esbuild?: unknown; splitting?: unknown };
          transform?: { function?: (args: object, opts: { dependsOn?: unknown[] }, name: string) => void };
        },
      ) {
        // What SST hands the Lambda resource's options through: a dependency SST itself declared.
        const lambdaOptions: { dependsOn?: unknown[] } = { dependsOn: ['log-group'] };
        args.transform?.function?.({}, lambdaOptions, `${name}Function`);
        this.arn = `arn:aws:lambda:us-east-1:123456789012:function:${args.handler}`;
        this.name = `function-name-of-${name}`;
        this.nodes = { function: { lastModified: `last-modified-of-${name}` } };
        recorded.functions.push({
          name,
          handler: args.handler,
          link: args.link,
          esbuild: args.nodejs?.esbuild,
          splitting: args.nodejs?.splitting,
          timeout: args.timeout,
          dependsOn: lambdaOptions.dependsOn ?? [],
          self: this,
        });
      },
      Queue: function Queue(
        this: { name: string; arn: string; url: string; subscribe: unknown },
        name: string,
        args: { dlq?: { queue: string; retry: number }; visibilityTimeout?: string },
      ) {
        this.name = name;
        this.arn = `arn:aws:sqs:us-east-1:123456789012:${name}`;
        this.url = `https://sqs.us-east-1.amazonaws.com/123456789012/${name}`;
        this.subscribe = (
          fn: { handler: string; link: unknown[]; timeout: string },
          options?: { batch?: unknown },
        ) => {
          recorded.queueSubscribers.push({
            queue: name,
            handler: fn.handler,
            link: fn.link,
            timeout: fn.timeout,
            batch: options?.batch,
          });
        };
        recorded.queues.push({ name, self: this, ...args });
      },
      Cron: function Cron(
        name: string,
        args: { schedule: string; function: { handler: string; link: unknown[] } },
      ) {
        recorded.crons.push({
          name,
          schedule: args.schedule,
          handler: args.function.handler,
          link: args.function.link,
        });
      },
      ApiGatewayV2: function ApiGatewayV2(this: Record<string, unknown>) {
        this.url = 'https://example.invalid';
        this.route = (route: string, arn: string) => {
          recorded.routes.push({ route, handler: arn.split(':function:')[1] ?? '' });
        };
      },
    },
  };
  globals.aws = {
    lambda: {
      Invocation: function Invocation(
        this: object,
        name: string,
        args: { functionName: string; triggers: Record<string, unknown> },
      ) {
        recorded.invocations.push({ name, self: this, ...args });
      },
    },
  };
}

/** The function the deploy-time invocation runs. */
function migrator() {
  const invoked = recorded.invocations[0]?.functionName;
  const fn = recorded.functions.find((f) => f.self.name === invoked);
  if (!fn) throw new Error(`no function is invoked on deploy (${invoked})`);
  return fn;
}

const routedFunctions = () => recorded.functions.filter((f) => f !== migrator());

let config: { run(): Promise<unknown>; app(input: { stage: string }): Record<string, unknown> };

beforeAll(async () => {
  installStandIns();
  const module = (await import(resolve('sst.config.ts'))) as { default: typeof config };
  config = module.default;
  await config.run();
});

describe('sst.config.ts', () => {
  it('wires every handler file in functions/ to an HTTP route, the table stream, a queue or the deploy-time migration', () => {
    const files = readdirSync('functions').filter((file) => file.endsWith('.ts'));
    const asFile = (handler: string) => handler.replace(/\.handler$/, '.ts').replace(/^functions\//, '');
    const wired = new Set([
      ...[...recorded.routes, ...recorded.subscribers, ...recorded.queueSubscribers, ...recorded.crons].map(
        (r) => asFile(r.handler),
      ),
      asFile(migrator().handler),
    ]);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(wired, `functions/${file} is not wired`).toContain(file);
  });

  it('declares the table with exactly the store definition of keys, indexes, TTL and stream', () => {
    expect(recorded.dynamo).toHaveLength(1);
    const table = recorded.dynamo[0] as {
      fields: Record<string, string>;
      primaryIndex: { hashKey: string; rangeKey: string };
      globalIndexes: Record<string, { hashKey: string; rangeKey: string }>;
      ttl: string;
      stream: string;
    };
    expect(table.primaryIndex).toEqual({
      hashKey: tableDefinition.partitionKey,
      rangeKey: tableDefinition.sortKey,
    });
    expect(table.globalIndexes).toEqual(
      Object.fromEntries(
        tableDefinition.globalIndexes.map((i) => [i.name, { hashKey: i.partitionKey, rangeKey: i.sortKey }]),
      ),
    );
    expect(table.ttl).toBe(tableDefinition.ttlAttribute);
    expect(table.stream).toBe('new-and-old-images');
    for (const field of Object.values(table.fields)) expect(field).toBe('string');
  });

  it('links the table and every secret to every HTTP handler, and only the table to the migration', () => {
    expect(recorded.secrets.sort()).toEqual(['MasterKey', 'OperatorAccessKeyId', 'OperatorSecretAccessKey']);
    const linked = (fn: Recorded['functions'][number]) =>
      fn.link.map((l) => (l as { name: string }).name).sort();
    for (const fn of routedFunctions()) {
      expect(linked(fn)).toEqual(['MasterKey', 'OperatorAccessKeyId', 'OperatorSecretAccessKey', 'Table']);
    }
    expect(linked(migrator())).toEqual(['Table']);
  });

  it('invokes the migration function on each deploy of new code, before the HTTP handlers are replaced', () => {
    expect(recorded.invocations).toHaveLength(1);
    const fn = migrator();
    expect(fn.handler).toBe(migrationDeployment.handler);
    expect(fn.timeout).toBe('15 minutes');
    expect(recorded.invocations[0]?.triggers).toEqual({ code: fn.self.nodes.function.lastModified });
    expect(routedFunctions().length).toBeGreaterThan(0);
    for (const routed of routedFunctions()) {
      expect(routed.dependsOn).toEqual(['log-group', recorded.invocations[0]?.self]);
    }
  });

  it('builds one function per handler and routes the decision calls to the authorize function', () => {
    expect(new Set(recorded.functions.map((f) => f.handler)).size).toBe(recorded.functions.length);
    const routed = Object.fromEntries(recorded.routes.map((r) => [r.route, r.handler]));
    expect(routed).toMatchObject({
      $default: 'functions/api.handler',
      'POST /v1/authorize': 'functions/authorize.handler',
      'POST /v1/authorize/batch': 'functions/authorize.handler',
    });
  });

  it('bundles each function as the deployment table says (what the benchmark measures)', () => {
    for (const fn of recorded.functions) {
      const deployment =
        handlerDeployments[fn.handler] ?? (fn === migrator() ? migrationDeployment : undefined);
      expect(fn.esbuild).toEqual({
        external: deployment?.bundle.external,
        mainFields: deployment?.bundle.mainFields,
      });
      expect(fn.splitting).toBe(deployment?.bundle.splitting);
    }
  });

  it('subscribes the change-stream function to the table stream, for change records only', () => {
    expect(recorded.subscribers).toEqual([
      {
        name: 'ChangeStream',
        handler: 'functions/change-stream.handler',
        filters: [
          { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: [CHANGE_RECORD_ENTITY] } } } },
        ],
      },
    ]);
  });

  it('feeds the event delivery function from a queue that dead-letters, and links the queue to the stream subscriber', () => {
    const deliveries = recorded.queues.find((queue) => queue.name === 'EventDeliveries');
    const dead = recorded.queues.find((queue) => queue.name === 'EventDeliveriesDead');
    expect(deliveries && dead).toBeTruthy();
    expect(deliveries?.dlq).toEqual({ queue: dead?.self.arn, retry: 5 });
    expect(recorded.queueSubscribers).toEqual([
      {
        queue: 'EventDeliveries',
        handler: 'functions/event-delivery.handler',
        link: [
          expect.objectContaining({ name: 'Table' }),
          expect.objectContaining({ name: 'MasterKey' }),
          deliveries?.self,
        ],
        timeout: '30 seconds',
        batch: { size: 10, window: '0 seconds', partialResponses: true },
      },
    ]);
    // SQS must not hand a message to a second invocation while the first still runs.
    const seconds = (text: string | undefined) => Number(/^(\d+) seconds$/.exec(text ?? '')?.[1]);
    expect(seconds(deliveries?.visibilityTimeout)).toBeGreaterThan(
      seconds(recorded.queueSubscribers[0]?.timeout),
    );
    const streamLinks = (recorded.subscriberLinks.ChangeStream ?? []).map(
      (l) => (l as { name: string }).name,
    );
    expect(streamLinks).toEqual(['Table', 'EventDeliveries']);
    // Deliveries whose message was lost are announced again on a schedule.
    expect(recorded.crons).toEqual([
      {
        name: 'EventDeliverySweep',
        schedule: 'rate(5 minutes)',
        handler: 'functions/event-sweep.handler',
        link: [expect.objectContaining({ name: 'Table' }), deliveries?.self],
      },
    ]);
  });

  it('retains and protects production data', () => {
    expect(config.app({ stage: 'prod' })).toMatchObject({ removal: 'retain', protect: true });
    expect(config.app({ stage: 'dev' })).toMatchObject({ removal: 'remove' });
  });
});
