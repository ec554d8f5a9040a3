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
    timeout: string;
    dependsOn: unknown[];
    self: { name: string; nodes: { function: { lastModified: string } } };
  }[];
  routes: { route: string; handler: string }[];
  subscribers: { name: string; handler: string; filters: unknown }[];
  invocations: { name: string; self: object; functionName: string; triggers: Record<string, unknown> }[];
}

const recorded: Recorded = {
  dynamo: [],
  secrets: [],
  functions: [],
  routes: [],
  subscribers: [],
  invocations: [],
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
        this.subscribe = (subscriber: string, fn: { handler: string }, options?: { filters?: unknown }) => {
          recorded.subscribers.push({ name: subscriber, handler: fn.handler, filters: options?.filters });
        };
      },
      Function: function SstFunction(
        this: { arn: string; name: string; nodes: { function: { lastModified: string } } },
        name: string,
        args: {
          handler: string;
          link: unknown[];
          timeout: string;
          nodejs?: { esbuild?: unknown };
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
          timeout: args.timeout,
          dependsOn: lambdaOptions.dependsOn ?? [],
          self: this,
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
  it('wires every handler file in functions/ to an HTTP route, the table stream or the deploy-time migration', () => {
    const files = readdirSync('functions').filter((file) => file.endsWith('.ts'));
    const asFile = (handler: string) => handler.replace(/\.handler$/, '.ts').replace(/^functions\//, '');
    const wired = new Set([
      ...[...recorded.routes, ...recorded.subscribers].map((r) => asFile(r.handler)),
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

  it('retains and protects production data', () => {
    expect(config.app({ stage: 'prod' })).toMatchObject({ removal: 'retain', protect: true });
    expect(config.app({ stage: 'dev' })).toMatchObject({ removal: 'remove' });
  });
});
