/** The single DynamoDB table: definition, keys, client and repositories. */
export * from './accounts.ts';
export * from './client.ts';
export * from './keys.ts';
export * from './table-definition.ts';
