// The esbuild options the package ships with, shared by bin/build-cli.js and the policy bench so that
// the bench measures the engine as it ships (plain JavaScript: build-cli.js runs on plain Node 20).

/** One ESM file for Node 20, every import inlined, only warnings and errors logged. */
export const NODE_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
};
