/**
 * Palisade as it ships: src/index.ts bundled by esbuild with the options bin/build-cli.js uses
 * (bin/node-bundle.js), into a temporary directory, then imported. Running the TypeScript through
 * tsx measures a dev-time artifact as well: tsx compiles with esbuild's `keepNames`, which wraps
 * every named closure in a `__name(fn, "…")` call (an Object.defineProperty) each time the closure
 * is created, and the evaluator creates several per request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NODE_BUNDLE_OPTIONS } from '../bin/node-bundle.js';
import type * as palisade from '../src/index.ts';

/** The part of Palisade's API the benchmark drives. */
export type PalisadeLibrary = Pick<
  typeof palisade,
  'compilePrincipalPolicies' | 'compileResourcePolicies' | 'evaluate'
>;

/** Bundles and imports Palisade, or returns the reason it could not (esbuild comes with tsx). */
export async function loadBundledPalisade(): Promise<PalisadeLibrary | string> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return 'esbuild is not installed';
  }
  const dir = mkdtempSync(join(tmpdir(), 'palisade-bench-'));
  const outfile = join(dir, 'policy.mjs');
  try {
    await esbuild.build({
      entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
      outfile,
      ...NODE_BUNDLE_OPTIONS,
    });
    return (await import(pathToFileURL(outfile).href)) as PalisadeLibrary;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
