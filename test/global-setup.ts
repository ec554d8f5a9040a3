/**
 * Vitest global setup: one DynamoDB Local in memory on a free port for the whole run. Tests read
 * its endpoint with `inject('dynamodbEndpoint')` and isolate themselves by unique tables or ids.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../scripts/dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

/** Starts DynamoDB Local before any test file and returns the teardown that stops it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const local = await startDynamoDbLocal();
  project.provide('dynamodbEndpoint', local.endpoint);
  return () => local.stop();
}
