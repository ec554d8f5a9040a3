/**
 * A Lambda's cold-start cost as it ships: its handler bundled with esbuild exactly as the
 * deployment table says (minified ESM for node20), its size, and the time to import it in a fresh
 * Node process, in a folder with no node_modules: the import fails if anything left out of the
 * bundle were needed at start-up. The import is timed twice: wall time, and the process's CPU
 * time, which a shared machine's other load disturbs far less (the figure the targets use).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { type BundleOptions, handlerDeployments } from '../../functions/wiring/deployment.ts';

const run = promisify(execFile);

/** What one bundle costs: bytes on disk and module initialisation in a fresh process. */
export interface BundleMeasurement {
  /** The SST handler name, or the reference's name. */
  readonly handler: string;
  /** All its files: what ships. */
  readonly bytes: number;
  /** The entry and the chunks it imports statically (the rest loads on first use). */
  readonly bytesAtStart: number;
  /** The same entry with nothing left out, for reference. */
  readonly bytesSelfContained: number;
  /** Wall time of the import, per run. */
  readonly initMs: readonly number[];
  /** CPU time (user + system, all the process's threads) of the same imports, per run. */
  readonly initCpuMs: readonly number[];
  /** With `phases`: the import's CPU split into V8 compiling the bundle, loading its built-ins, and evaluating it. */
  readonly phasesCpuMs?: Readonly<Record<Phase, readonly number[]>>;
  /** The largest contributors to the minified bundle, by package (or first-party folder). */
  readonly largest: readonly { readonly name: string; readonly bytes: number }[];
}

/** Where a bundle's code comes from: a file, or source text (the reference bundles). */
type Entry = { readonly file: string } | { readonly source: string };

/** One file of a bundle, by its path relative to the bundle's folder. */
interface BundleFile {
  readonly path: string;
  readonly contents: Uint8Array;
}

/** A bundle's code (the entry first, then the chunks code splitting made), its largest contributors and esbuild's metafile. */
interface BuiltBundle {
  readonly files: readonly BundleFile[];
  /** All its files: what ships. */
  readonly bytes: number;
  /** The entry and the chunks it imports statically: what an import loads and compiles. */
  readonly bytesAtStart: number;
  readonly largest: BundleMeasurement['largest'];
  readonly metafile: Metafile;
}

/** Where esbuild places a split bundle's files (never written: `write` is false). */
const OUT_DIR = join(tmpdir(), 'palisade-bundle-out');

async function bundle(entry: Entry, options: BundleOptions): Promise<BuiltBundle> {
  const result = await build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.source, resolveDir: process.cwd(), loader: 'ts' as const } }),
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    // Split: what is only imported dynamically goes into chunks loaded on first use, not at start-up.
    ...(options.splitting
      ? {
          splitting: true,
          outdir: OUT_DIR,
          entryNames: '[name]',
          chunkNames: 'chunks/[name]-[hash]',
          outExtension: { '.js': '.mjs' },
        }
      : {}),
    external: [...options.external],
    mainFields: [...options.mainFields],
    // Some CommonJS dependencies call require(); in an ESM bundle that needs a real require.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    logLevel: 'silent',
    metafile: true,
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entryOutput = outputs.find(([, output]) => output.entryPoint !== undefined)?.[0] ?? outputs[0]?.[0];
  const isEntry = (path: string) =>
    !options.splitting || (entryOutput !== undefined && resolve(entryOutput) === path);
  // The entry first, named as the import expects it.
  const files = result.outputFiles
    .map((file) => ({
      path: isEntry(file.path) ? 'entry.mjs' : relative(OUT_DIR, file.path),
      contents: file.contents,
    }))
    .sort((a, b) => Number(b.path === 'entry.mjs') - Number(a.path === 'entry.mjs'));
  if (files[0]?.path !== 'entry.mjs') throw new Error('esbuild produced no entry');
  const atStart = new Set<string>();
  const visit = (output: string | undefined) => {
    if (output === undefined || atStart.has(output)) return;
    atStart.add(output);
    for (const i of result.metafile.outputs[output]?.imports ?? []) {
      if (!i.external && i.kind === 'import-statement') visit(i.path);
    }
  };
  visit(entryOutput);
  const sizeOf = ([, output]: (typeof outputs)[number]) => output.bytes;
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
    .slice(0, 5);
  return {
    files,
    bytes: outputs.map(sizeOf).reduce((a, b) => a + b, 0),
    bytesAtStart: outputs
      .filter(([name]) => atStart.has(name))
      .map(sizeOf)
      .reduce((a, b) => a + b, 0),
    largest,
    metafile: result.metafile,
  };
}

/** A deployed handler's bundle as it ships, with esbuild's metafile (the bytes each input left in it). */
export function bundleHandler(handler: string): Promise<BuiltBundle> {
  const deployment = handlerDeployments[handler];
  if (!deployment) throw new Error(`${handler} is not in functions/wiring/deployment.ts`);
  return bundle({ file: `${handler.replace(/\.[^.]+$/, '')}.ts` }, deployment.bundle);
}

/** Writes a deployed handler's bundle into `directory` as it ships; the entry file's path. */
export async function writeHandlerBundle(handler: string, directory: string): Promise<string> {
  return writeBundle(await bundleHandler(handler), directory);
}

/** Writes a bundle's files into `directory`; the entry file's path. */
async function writeBundle(built: Pick<BuiltBundle, 'files'>, directory: string): Promise<string> {
  for (const file of built.files) {
    await mkdir(dirname(join(directory, file.path)), { recursive: true });
    await writeFile(join(directory, file.path), file.contents);
  }
  const [entry] = built.files;
  if (!entry) throw new Error('a bundle without files');
  return join(directory, entry.path);
}

function sourceName(input: string): string {
  const modules = input.lastIndexOf('node_modules/');
  if (modules < 0) return input.split('/').slice(0, 2).join('/');
  const [scope, name] = input.slice(modules + 'node_modules/'.length).split('/');
  return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? input);
}

const ENV = {
  PATH: process.env.PATH ?? '',
  TABLE_NAME: 'bench-bundle',
  PALISADE_OPERATOR_ACCESS_KEY_ID: 'AKIAOPERATOR0000BENCH',
  PALISADE_OPERATOR_SECRET_ACCESS_KEY: 'operator-secret-for-bench-only-00000000',
  PALISADE_MASTER_KEY: Buffer.alloc(32, 5).toString('base64'),
  AWS_REGION: 'us-east-1',
};

/** The reference the authorize bundle's initialisation is held against (issue #12 item 7: ≤ 1.2×). */
export const DOCUMENT_CLIENT_REFERENCE = 'reference: DynamoDB document client alone';

/** The libraries the authorize function is built on, alone: its floor, with none of Palisade's code. */
export const LIBRARIES_REFERENCE =
  'reference: its libraries alone (DynamoDB document client, Hono and its Lambda adapter, zod/mini, @smithy/signature-v4)';

/** Reference points built and measured the same way: what any function with these parts costs. */
const REFERENCES: readonly { readonly name: string; readonly source: string }[] = [
  {
    name: 'reference: Hono app, one route',
    source: `import { Hono } from 'hono'; import { handle } from 'hono/aws-lambda';
      export const handler = handle(new Hono().get('/', (c) => c.text('ok')));`,
  },
  {
    name: DOCUMENT_CLIENT_REFERENCE,
    source: `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
      export const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));`,
  },
  {
    // What the authorize function cannot do without (the stack it is built on), with nothing of
    // Palisade: the part of the 1.2× budget that is the libraries', not the code's.
    name: LIBRARIES_REFERENCE,
    source: `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
      import { Hash } from '@smithy/hash-node';
      import { SignatureV4 } from '@smithy/signature-v4';
      import { Hono } from 'hono';
      import { handle } from 'hono/aws-lambda';
      import { safeParse, strictObject, string } from 'zod/mini';
      const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
      const question = strictObject({ action: string() });
      const signer = new SignatureV4({ credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        region: 'us-east-1', service: 'palisade', sha256: Hash.bind(null, 'sha256') });
      export const handler = handle(new Hono().post('/', async (c) =>
        c.json({ ok: safeParse(question, await c.req.json()).success, signer: typeof signer, client: typeof client })));`,
  },
];

/** What both benches print of the bundles' initialisation, measured by measureLambdaBundles. */
export interface InitSummary {
  /** The first handler measured (the authorize function). */
  readonly authorize: BundleMeasurement;
  /** The DynamoDB document client alone, which the 1.2× target is held against. */
  readonly documentClient: BundleMeasurement;
  /** The bundle and initialisation tables. */
  readonly report: readonly string[];
  /** The median of the per-round CPU ratios, authorize against the document client. */
  readonly ratio: number;
  /**
   * The budget line: the 1.2× target in CPU ms, how much of it the libraries alone
   * (LIBRARIES_REFERENCE) take, and what is left for, and taken by, Palisade's own code.
   */
  readonly budget: string;
}

/** Summarises `bundles` (the handlers first, then the references). */
export function initSummary(bundles: readonly BundleMeasurement[]): InitSummary {
  const find = (name: string) => bundles.find((b) => b.handler === name);
  const authorize = bundles[0];
  const documentClient = find(DOCUMENT_CLIENT_REFERENCE);
  const libraries = find(LIBRARIES_REFERENCE);
  if (!authorize || !documentClient || !libraries) throw new Error('bundle measurements missing');
  const cpu = (b: BundleMeasurement) => quantile(b.initCpuMs, 0.5);
  const budget = 1.2 * cpu(documentClient);
  return {
    authorize,
    documentClient,
    report: bundleReport(bundles, documentClient),
    ratio: initRatio(authorize, documentClient).median,
    budget: `The 1.2× budget is ${budget.toFixed(1)} ms CPU; the libraries alone take ${cpu(libraries).toFixed(1)} ms (${initRatio(libraries, documentClient).median.toFixed(2)}×), leaving ${(budget - cpu(libraries)).toFixed(1)} ms for Palisade's own code, which takes ${(cpu(authorize) - cpu(libraries)).toFixed(1)} ms (median CPU, same rounds).`,
  };
}

/** The import's wall and CPU milliseconds, printed by the fresh process as its last line. */
function importScript(file: string): string {
  const url = JSON.stringify(pathToFileURL(file).href);
  return `const c=process.cpuUsage();const t=performance.now();await import(${url});const w=performance.now()-t;const u=process.cpuUsage(c);console.log(w,(u.user+u.system)/1000)`;
}

/** The parts of a module's initialisation, in the order they run. */
type Phase = 'compile' | 'link' | 'evaluate';
const PHASES: readonly Phase[] = ['compile', 'link', 'evaluate'];

/**
 * The same import done by hand with node:vm's SourceTextModule, so each phase can be timed: parse
 * and compile (the entry and the chunks it imports statically), link (the Node built-ins it
 * imports, each loaded and wrapped), evaluate (module bodies and whatever they run, e.g. building
 * the app). Prints the three CPU times.
 */
function phasesScript(file: string): string {
  const url = JSON.stringify(pathToFileURL(file).href);
  return [
    "import vm from 'node:vm';import {readFileSync} from 'node:fs';import {fileURLToPath} from 'node:url';",
    'const cpu=()=>{const u=process.cpuUsage();return (u.user+u.system)/1000};',
    // The built-ins' wrappers are kept: one collected before evaluation crashes Node 20 (SIGSEGV).
    'let compile=0;const modules=new Map();const kept=[];',
    'const load=(url)=>{let m=modules.get(url);if(m)return m;const src=readFileSync(fileURLToPath(url),"utf8");',
    'const c=cpu();m=new vm.SourceTextModule(src,{identifier:url,initializeImportMeta(meta){meta.url=url},',
    // A chunk imported dynamically during evaluation loads as a plain import.
    'importModuleDynamically:(spec)=>import(spec.startsWith(".")?new URL(spec,url).href:spec)});compile+=cpu()-c;modules.set(url,m);return m};',
    `const c0=cpu();const m=load(${url});const c1=cpu();`,
    'await m.link(async(spec,referrer)=>{if(spec.startsWith("."))return load(new URL(spec,referrer.identifier).href);',
    'const ns=await import(spec);const keys=Object.keys(ns);',
    'const s=new vm.SyntheticModule(keys,function(){for(const k of keys)this.setExport(k,ns[k])});await s.link(()=>{});kept.push(s);return s});',
    'const c2=cpu();await m.evaluate();const c3=cpu();console.log(compile,c2-c1-(compile-(c1-c0)),c3-c2,kept.length);',
  ].join('');
}

/** Runs the phase split of one import in a fresh process; its output. */
async function phasesRun(file: string, directory: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--no-warnings', '--experimental-vm-modules', '--input-type=module', '-e', phasesScript(file)],
    { env: ENV, cwd: directory },
  );
  return stdout;
}

/** A reference point's bundle (by its name in REFERENCES), built with the handlers' options. */
export function bundleReference(name: string): Promise<BuiltBundle> {
  const reference = REFERENCES.find((r) => r.name === name);
  if (!reference) throw new Error(`no reference bundle named ${name}`);
  const options = Object.values(handlerDeployments)[0]?.bundle ?? {
    external: [],
    mainFields: [],
    splitting: false,
  };
  return bundle({ source: reference.source }, options);
}

/**
 * Bundles the deployed handlers and the reference points, then imports each `runs` times in fresh
 * Node processes, interleaved round by round (every other round in reverse order, so a drift in
 * the machine's load falls on all of them alike).
 */
export async function measureLambdaBundles(
  handlers: readonly string[],
  runs: number,
  { phases = false }: { readonly phases?: boolean } = {},
): Promise<BundleMeasurement[]> {
  const built: (BuiltBundle & { name: string; selfContained: number })[] = [];
  for (const handler of handlers) {
    const shipped = await bundleHandler(handler);
    const entry = { file: `${handler.replace(/\.[^.]+$/, '')}.ts` };
    const options = handlerDeployments[handler]?.bundle ?? { external: [], mainFields: [], splitting: false };
    const selfContained = await bundle(entry, { ...options, external: [] });
    built.push({ name: handler, ...shipped, selfContained: selfContained.bytes });
  }
  const options = Object.values(handlerDeployments)[0]?.bundle ?? {
    external: [],
    mainFields: [],
    splitting: false,
  };
  for (const reference of REFERENCES) {
    const shipped = await bundle({ source: reference.source }, options);
    built.push({ name: reference.name, ...shipped, selfContained: shipped.bytes });
  }
  // Outside the repository: an import fails if anything left out of a bundle is needed at start-up.
  const directory = await mkdtemp(join(tmpdir(), 'palisade-bundle-'));
  try {
    const files = await Promise.all(built.map((b, i) => writeBundle(b, join(directory, `bundle-${i}`))));
    const initMs = built.map((): number[] => []);
    const initCpuMs = built.map((): number[] => []);
    const phaseCpuMs = built.map(() => ({
      compile: [] as number[],
      link: [] as number[],
      evaluate: [] as number[],
    }));
    const order = [...files.keys()];
    for (let round = 0; round < runs; round++) {
      for (const i of round % 2 === 0 ? order : [...order].reverse()) {
        const { stdout } = await run(
          process.execPath,
          ['--no-warnings', '--input-type=module', '-e', importScript(files[i] as string)],
          { env: ENV, cwd: directory },
        );
        const [wall, cpu] = (stdout.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
        if (!Number.isFinite(wall) || !Number.isFinite(cpu)) throw new Error(`bad timing: ${stdout}`);
        initMs[i]?.push(wall as number);
        initCpuMs[i]?.push(cpu as number);
        if (!phases) continue;
        const split = await phasesRun(files[i] as string, directory);
        const times = (split.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
        for (const [p, phase] of PHASES.entries()) phaseCpuMs[i]?.[phase].push(times[p] ?? Number.NaN);
      }
    }
    return built.map((b, i) => ({
      handler: b.name,
      bytes: b.bytes,
      bytesAtStart: b.bytesAtStart,
      bytesSelfContained: b.selfContained,
      initMs: initMs[i] ?? [],
      initCpuMs: initCpuMs[i] ?? [],
      ...(phases && phaseCpuMs[i] ? { phasesCpuMs: phaseCpuMs[i] } : {}),
      largest: b.largest,
    }));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** The value below which a share `q` (0–1) of the values lie (nearest rank). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.round((sorted.length - 1) * q)] ?? Number.NaN;
}

/** Median and interquartile range, as `p50 (p25–p75)`. */
export function spread(values: readonly number[], digits = 1): string {
  const [p25, p50, p75] = [0.25, 0.5, 0.75].map((q) => quantile(values, q).toFixed(digits));
  return `${p50} (${p25}–${p75})`;
}

/**
 * The authorize bundle against the DynamoDB document client alone, round by round: the median and
 * interquartile range of the per-round ratios (both imports ran next to each other in each round).
 */
function initRatio(
  bundle: BundleMeasurement,
  reference: BundleMeasurement,
): { readonly cpu: readonly number[]; readonly wall: readonly number[]; readonly median: number } {
  const ratios = (a: readonly number[], b: readonly number[]) => a.map((x, i) => x / (b[i] ?? Number.NaN));
  const cpu = ratios(bundle.initCpuMs, reference.initCpuMs);
  return { cpu, wall: ratios(bundle.initMs, reference.initMs), median: quantile(cpu, 0.5) };
}

/** The bundle table (its columns unchanged) and the module initialisation table with CPU time and spreads. */
function bundleReport(bundles: readonly BundleMeasurement[], reference: BundleMeasurement): string[] {
  const median = (values: readonly number[]) => quantile(values, 0.5);
  const runs = bundles[0]?.initMs.length ?? 0;
  return [
    '\nLambda bundles (esbuild, minified ESM, node20; module init = import in a fresh node process)\n',
    '| bundle | KB | KB with nothing external | init p50 ms | init runs ms | largest parts |',
    '|---|---:|---:|---:|---|---|',
    ...bundles.map(
      (b) =>
        `| ${b.handler} | ${(b.bytes / 1024).toFixed(0)}${b.bytesAtStart < b.bytes ? ` (${(b.bytesAtStart / 1024).toFixed(0)} at start-up)` : ''} | ${(b.bytesSelfContained / 1024).toFixed(0)} | ${median(b.initMs).toFixed(1)} | ${b.initMs.map((t) => t.toFixed(0)).join(' ')} | ${b.largest.map((l) => `${l.name} ${(l.bytes / 1024).toFixed(0)}`).join(', ')} |`,
    ),
    `\nModule initialisation, ${runs} interleaved rounds: median (interquartile range); ratios are per round, against the DynamoDB document client alone\n`,
    '| bundle | wall ms | CPU ms | wall ratio | CPU ratio |',
    '|---|---:|---:|---:|---:|',
    ...bundles.map((b) => {
      const ratio = initRatio(b, reference);
      return `| ${b.handler} | ${spread(b.initMs)} | ${spread(b.initCpuMs)} | ${spread(ratio.wall, 2)} | ${spread(ratio.cpu, 2)} |`;
    }),
    ...phaseReport(bundles, reference),
  ];
}

/** Where each bundle's initialisation CPU goes (when measured), and how much more than the reference's. */
function phaseReport(bundles: readonly BundleMeasurement[], reference: BundleMeasurement): string[] {
  const base = reference.phasesCpuMs;
  if (!base) return [];
  const cell = (b: BundleMeasurement, phase: Phase) => {
    const ms = quantile(b.phasesCpuMs?.[phase] ?? [], 0.5);
    const more = ms - quantile(base[phase], 0.5);
    return `${ms.toFixed(1)} (${more >= 0 ? '+' : ''}${more.toFixed(1)})`;
  };
  return [
    '\nModule initialisation by phase, CPU ms: median (difference from the DynamoDB document client alone)\n',
    '| bundle | compile (V8 parses the bundle: entry and static chunks) | link (its Node built-ins) | evaluate (module bodies, app construction) |',
    '|---|---:|---:|---:|',
    ...bundles
      .filter((b) => b.phasesCpuMs)
      .map((b) => `| ${b.handler} | ${PHASES.map((phase) => cell(b, phase)).join(' | ')} |`),
  ];
}
