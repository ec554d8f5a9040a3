/// <reference path="./.sst/platform/config.d.ts" />

/**
 * Palisade on AWS: one DynamoDB table (from the store's single definition), the secrets, and an
 * HTTP API whose routes run the Lambda handlers in functions/. `npx sst deploy --stage prod`.
 */

/** Every handler in functions/ and the HTTP API routes it serves. */
export const handlers: Record<string, { routes: string[] }> = {
  'functions/api.handler': { routes: ['$default'] },
};

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

    const secrets = [
      new sst.Secret('OperatorAccessKeyId'),
      new sst.Secret('OperatorSecretAccessKey'),
      new sst.Secret('MasterKey'),
    ];

    const api = new sst.aws.ApiGatewayV2('Api');
    for (const [handler, { routes }] of Object.entries(handlers)) {
      for (const route of routes) {
        api.route(route, {
          handler,
          runtime: 'nodejs20.x',
          architecture: 'arm64',
          memory: '1024 MB',
          timeout: '15 seconds',
          link: [table, ...secrets],
          // Access JWTs name their issuer; in AWS that is the public URL the deployer gives.
          environment: process.env.PALISADE_ISSUER ? { PALISADE_ISSUER: process.env.PALISADE_ISSUER } : {},
        });
      }
    }

    return { api: api.url, table: table.name };
  },
});
