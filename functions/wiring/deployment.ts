/**
 * Every Lambda handler in functions/: the HTTP API routes it serves and how it is bundled.
 * sst.config.ts deploys from this table and `npm run bench:authorize` builds the same bundles, so
 * the benchmark measures what ships.
 */

/** The esbuild options a handler's bundle is built with (SST passes them to esbuild). */
export interface BundleOptions {
  /** Packages left out of the bundle: the Lambda runtime provides them. */
  readonly external: readonly string[];
  readonly mainFields: readonly string[];
  /** Code only imported dynamically goes into chunks that load on first use, not at start-up (SST's `nodejs.splitting`). */
  readonly splitting: boolean;
}

/** One handler's routes and bundling. */
export interface HandlerDeployment {
  /** API Gateway (HTTP API) route keys; the most specific route wins, `$default` takes the rest. */
  readonly routes: readonly string[];
  readonly bundle: BundleOptions;
}

/**
 * The DynamoDB client is bundled (one file parses faster than the runtime's copy of the SDK spread
 * over node_modules), from its ES module builds, which tree-shake to about half the CommonJS size.
 * Left out: the credential providers the SDK's default chain imports only when the environment
 * holds no credentials, which never happens in Lambda; off Lambda the runtime's SDK v3 has them.
 * Split: what the code imports only dynamically (jose, for sign-in access tokens; the SDK's event
 * streams, which DynamoDB never uses) is neither read nor compiled at start-up.
 */
const BUNDLE: BundleOptions = {
  mainFields: ['module', 'main'],
  splitting: true,
  external: [
    '@aws-sdk/credential-provider-http',
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-login',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-web-identity',
    '@aws-sdk/nested-clients',
    '@aws-sdk/token-providers',
    '@smithy/credential-provider-imds',
    // Imported (dynamically) only by the SDK's browser user-agent parser, which a Node bundle
    // tree-shakes away; split, esbuild would still ship it as an unused 35 KB chunk.
    'bowser',
  ],
};

/** The handlers, keyed by SST handler name (`<file without .ts>.<export>`). */
export const handlerDeployments: Readonly<Record<string, HandlerDeployment>> = {
  'functions/api.handler': { routes: ['$default'], bundle: BUNDLE },
  // Decisions are the calls SaaS backends make on every request: their own small function.
  'functions/authorize.handler': {
    routes: ['POST /v1/authorize', 'POST /v1/authorize/batch'],
    bundle: BUNDLE,
  },
};

/**
 * The one-shot function that brings the table's data to the latest layout (no HTTP route): SST
 * invokes it during each deploy, after the table exists and before the HTTP handlers are replaced.
 */
export const migrationDeployment: { readonly handler: string; readonly bundle: BundleOptions } = {
  handler: 'functions/migrate.handler',
  bundle: BUNDLE,
};

/** A bundle's options as SST's `nodejs` function argument takes them (sst.config.ts, every function). */
export function sstNodejsOptions(bundle: BundleOptions) {
  return {
    splitting: bundle.splitting,
    esbuild: { external: [...bundle.external], mainFields: [...bundle.mainFields] },
  };
}
