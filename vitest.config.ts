import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // The suite's one DynamoDB Local slows as the run goes on (its SQLite thread answers every request's
    // table lookup with the table's stream description): DynamoDB-heavy tests late in the run need
    // more than 20 s there, though each takes a few seconds alone.
    testTimeout: 45_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The SDK's Node 20 deprecation notice is known (see README); keep test output readable.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
