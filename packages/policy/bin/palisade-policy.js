#!/usr/bin/env node
// Runs the CLI bundled by this package's `prepare` script (no TypeScript loader at runtime).
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('palisade-policy: dist/cli.js is missing; run `npm run build -w @palisade/policy`.\n');
  process.exit(1);
}
await import(bundle.href);
