/// <reference path="./.sst/platform/config.d.ts" />

/**
 * Palisade on AWS: one DynamoDB table (from the store's single definition), the secrets, the
 * deploy-time migration of the table's data, and an HTTP API whose routes run the Lambda handlers
 * in functions/. `npx sst deploy --stage prod`.
 */

export default $config({
  app(input) {
    return {
      name: 'palisade',
      home: 'aws',
      removal: input?.stage === 'prod' ? 'retain' : 'remove',
      protect: input?.stage === 'prod',
    };
  },
  async run() {
    const { tableDefinition, keyAttributes } = await import('./packages/store/src/table-definition.ts');
    const { handlerDeployments, migrationDeployment, sstNodejsOptions } = await import(
      './functions/wiring/deployment.ts'
    );

    const table = new sst.aws.Dynamo('Table', {
      fields: Object.fromEntries(keyAttributes(tableDefinition).map((name) => [name, 'string' as const])),
      primaryIndex: { hashKey: tableDefinition.partitionKey, rangeKey: tableDefinition.sortKey },
      globalIndexes: Object.fromEntries(
        tableDefinition.globalIndexes.map((index) => [
          index.name,
          { hashKey: index.partitionKey, rangeKey: index.sortKey },
        ]),
      ),
      ttl: tableDefinition.ttlAttribute,
      stream: tableDefinition.stream,
    });

    const masterKey = new sst.Secret('MasterKey');
    const secrets = [
      new sst.Secret('OperatorAccessKeyId'),
      new sst.Secret('OperatorSecretAccessKey'),
      masterKey,
    ];

    // The table's data is brought to this code's layout during the deploy: the migration function
    // is invoked once the table exists and again whenever the function is updated (each deploy of
    // new code), and the HTTP handlers are replaced only after it succeeded. A failed invocation
    // fails the deploy; the next deploy invokes it again.
    const migrator = new sst.aws.Function('Migrate', {
      handler: migrationDeployment.handler,
      runtime: 'nodejs22.x',
      architecture: 'arm64',
      memory: '1024 MB',
      // A migration checkpoints as it goes: one cut short by the limit resumes on the next invocation.
      timeout: '15 minutes',
      nodejs: sstNodejsOptions(migrationDeployment.bundle),
      // The table only: migrations read and write items, and need no secret.
      link: [table],
    });
    const migration = new aws.lambda.Invocation('MigrateOnDeploy', {
      functionName: migrator.name,
      input: JSON.stringify({}),
      // Changes whenever the function is updated: a new migration ships as new code.
      triggers: { code: migrator.nodes.function.lastModified },
    });

    const api = new sst.aws.ApiGatewayV2('Api');
    for (const [handler, { routes, bundle }] of Object.entries(handlerDeployments)) {
      // One function per handler, however many routes it serves: one pool of warm instances.
      const fn = new sst.aws.Function(handler.replace(/^functions\/|\.handler$/g, ''), {
        handler,
        // The AWS SDK v3 requires Node 22 for releases from 2027 on.
        runtime: 'nodejs22.x',
        architecture: 'arm64',
        memory: '1024 MB',
        timeout: '15 seconds',
        nodejs: sstNodejsOptions(bundle),
        link: [table, ...secrets],
        // Access JWTs name their issuer; in AWS that is the public URL the deployer gives.
        environment: process.env.PALISADE_ISSUER ? { PALISADE_ISSUER: process.env.PALISADE_ISSUER } : {},
        transform: {
          // On the Lambda itself, not its SST component: new code goes live after the migration.
          function: (_args: unknown, opts: { dependsOn?: unknown }) => {
            opts.dependsOn = [...[opts.dependsOn ?? []].flat(), migration];
          },
        },
      });
      for (const route of routes) api.route(route, fn.arn);
    }

    // Outbound events: the stream subscriber files each delivery in the table and announces it on
    // this queue (delayed until due); the delivery function attempts it and announces its retry.
    // A message the function fails on is received again, then dead-lettered; the delivery itself
    // stays pending in the table either way.
    const deadDeliveries = new sst.aws.Queue('EventDeliveriesDead', {});
    const deliveries = new sst.aws.Queue('EventDeliveries', {
      // Longer than the function's timeout, so a message is not received twice while it runs.
      visibilityTimeout: '90 seconds',
      dlq: { queue: deadDeliveries.arn, retry: 5 },
    });
    deliveries.subscribe(
      {
        handler: 'functions/event-delivery.handler',
        // Attempts read and write deliveries, open signing secrets, and announce retries.
        link: [table, masterKey, deliveries],
        runtime: 'nodejs22.x',
        architecture: 'arm64',
        memory: '512 MB',
        // Ten attempts run in parallel, each bounded at 10 s.
        timeout: '30 seconds',
        environment: process.env.PALISADE_EVENT_RETRY_SCHEDULE
          ? { PALISADE_EVENT_RETRY_SCHEDULE: process.env.PALISADE_EVENT_RETRY_SCHEDULE }
          : {},
      },
      // No batching window: a delivery goes out as soon as it is announced (SST's default waits 20 s).
      { batch: { size: 10, window: '0 seconds', partialResponses: true } },
    );
    // A delivery whose message was dead-lettered or lost stays pending in the table: announce it again.
    new sst.aws.Cron('EventDeliverySweep', {
      schedule: 'rate(5 minutes)',
      function: {
        handler: 'functions/event-sweep.handler',
        link: [table, deliveries],
        runtime: 'nodejs22.x',
        architecture: 'arm64',
        memory: '256 MB',
        timeout: '60 seconds',
      },
    });

    // Change records (outbox items) reach their consumers through the table's stream; the filter
    // keeps every other item's change from invoking the function.
    table.subscribe(
      'ChangeStream',
      {
        handler: 'functions/change-stream.handler',
        // The audit sealer writes the chain of each trail the changes touched; outbound events
        // are filed in the table and announced on the delivery queue.
        link: [table, deliveries],
        runtime: 'nodejs22.x',
        architecture: 'arm64',
        memory: '512 MB',
        timeout: '30 seconds',
      },
      { filters: [{ eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['change-record'] } } } }] },
    );

    return { api: api.url, table: table.name, migrator: migrator.name, eventDeliveries: deliveries.url };
  },
});
