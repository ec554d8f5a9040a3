/** The single DynamoDB table: definition, keys, client and repositories. */
export * from './access-keys.ts';
export * from './accounts.ts';
export * from './client.ts';
export * from './inline-policies.ts';
export * from './keys.ts';
export * from './managed-policies.ts';
export * from './memberships.ts';
export * from './principals.ts';
export * from './table-definition.ts';
export * from './transactions.ts';
