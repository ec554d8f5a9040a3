/**
 * The authorize Lambda's cold-start cost: functions/api.ts bundled with esbuild as it would ship
 * (minified ESM for node20), its size, and the time to import it in a fresh Node process.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const run = promisify(execFile);

/** What the bundle costs: bytes on disk and module initialisation in a fresh process. */
export interface BundleMeasurement {
  readonly bytes: number;
  /** The same entry point with the runtime-provided AWS SDK v3 left out, for reference. */
  readonly bytesWithoutSdk: number;
  readonly initMs: readonly number[];
  /** The largest contributors to the minified bundle, by package (or first-party folder). */
  readonly largest: readonly { readonly name: string; readonly bytes: number }[];
}

const ENTRY = 'functions/api.ts';

async function bundle(external: string[]) {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    external,
    // Some CommonJS dependencies call require(); in an ESM bundle that needs a real require.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    logLevel: 'silent',
    metafile: true,
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output');
  const bySource = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = sourceName(input);
      bySource.set(name, (bySource.get(name) ?? 0) + bytesInOutput);
    }
  }
  const largest = [...bySource]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 6);
  return { contents: file.contents, largest };
}

function sourceName(input: string): string {
  const modules = input.lastIndexOf('node_modules/');
  if (modules < 0) return input.split('/').slice(0, 2).join('/');
  const [scope, name] = input.slice(modules + 'node_modules/'.length).split('/');
  return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? input);
}

/** Bundles the API Lambda with nothing external and imports it `runs` times in fresh processes. */
export async function measureLambdaBundle(runs: number): Promise<BundleMeasurement> {
  const { contents, largest } = await bundle([]);
  const withoutSdk = (await bundle(['@aws-sdk/*', '@smithy/*'])).contents;
  const directory = await mkdtemp(join(tmpdir(), 'palisade-bundle-'));
  try {
    const file = join(directory, 'api.mjs');
    await writeFile(file, contents);
    const script = `const t=performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now()-t)`;
    const env = {
      PATH: process.env.PATH ?? '',
      TABLE_NAME: 'bench-bundle',
      PALISADE_OPERATOR_ACCESS_KEY_ID: 'AKIAOPERATOR0000BENCH',
      PALISADE_OPERATOR_SECRET_ACCESS_KEY: 'operator-secret-for-bench-only-00000000',
      PALISADE_MASTER_KEY: Buffer.alloc(32, 5).toString('base64'),
      AWS_REGION: 'us-east-1',
    };
    const initMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        env,
        cwd: directory,
      });
      initMs.push(Number(stdout.trim().split('\n').at(-1)));
    }
    return { bytes: contents.byteLength, bytesWithoutSdk: withoutSdk.byteLength, initMs, largest };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
