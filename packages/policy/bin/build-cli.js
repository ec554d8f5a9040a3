#!/usr/bin/env node
// Bundles src/cli.ts into dist/cli.js so the `palisade-policy` bin runs on plain Node 20.
// Run by `prepare` (npm runs it for workspaces on `npm install`); if esbuild is missing it warns
// instead of failing the whole install, and the bin explains how to build.
import { NODE_BUNDLE_OPTIONS } from './node-bundle.js';

const entry = new URL('../src/cli.ts', import.meta.url).pathname;
const outfile = new URL('../dist/cli.js', import.meta.url).pathname;

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('@palisade/policy: esbuild not found; palisade-policy is not built.\n');
  process.exit(0);
}
await esbuild.build({ entryPoints: [entry], outfile, ...NODE_BUNDLE_OPTIONS });
