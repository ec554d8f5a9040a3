/**
 * Timing and heap measurement for the benchmark. Decisions are timed with process.hrtime.bigint
 * over small fixed batches (the same batch for every engine, so p99s are comparable); a run
 * yields the median and p99 of the per-decision batch means and the throughput; the report takes
 * medians over repeated, interleaved runs because the machine is shared and noisy.
 */

/** Decisions per timed batch, for every engine (timer overhead is ~40 ns per batch). */
export const BATCH = 4;

/** One timed run of one engine. */
export interface RunStats {
  readonly medianNs: number;
  readonly p99Ns: number;
  readonly decisionsPerSecond: number;
  /**
   * Process CPU time (user + system) per decision over the run: unlike wall time it does not grow
   * while the process waits for a core on a loaded machine (GC helper threads count too).
   */
  readonly cpuNs: number;
}

/** Statistics across runs: the median of each run statistic. */
export type Timing = RunStats & { readonly runs: number };

let sink = 0;

/** Keeps results observable so no engine call can be optimised away. */
export function consumed(): number {
  return sink;
}

/**
 * Calls `run` over the requests in order until `millis` have passed and at least `minSamples`
 * batches are in (a slow engine's p99 over few samples is close to its maximum).
 */
export function timeRun(
  run: (i: number) => unknown,
  count: number,
  millis: number,
  minSamples = 10,
): RunStats {
  const samples: number[] = [];
  let i = 0;
  let totalNs = 0;
  const cpuStart = process.cpuUsage();
  const deadline = process.hrtime.bigint() + BigInt(Math.round(millis * 1e6));
  do {
    const start = process.hrtime.bigint();
    for (let k = 0; k < BATCH; k++) {
      if (run(i) !== undefined) sink++;
      i = i + 1 === count ? 0 : i + 1;
    }
    const elapsed = Number(process.hrtime.bigint() - start);
    samples.push(elapsed / BATCH);
    totalNs += elapsed;
  } while (process.hrtime.bigint() < deadline || samples.length < minSamples);
  const cpu = process.cpuUsage(cpuStart);
  samples.sort((a, b) => a - b);
  return {
    medianNs: quantile(samples, 0.5),
    p99Ns: quantile(samples, 0.99),
    decisionsPerSecond: (samples.length * BATCH) / (totalNs / 1e9),
    cpuNs: ((cpu.user + cpu.system) * 1000) / (samples.length * BATCH),
  };
}

/** Warms an engine up over the requests in order: at least `millis` long and 50 decisions. */
export function warmUp(run: (i: number) => unknown, count: number, millis: number): void {
  const deadline = Date.now() + millis;
  let i = 0;
  let done = 0;
  while (Date.now() < deadline || done < 50) {
    if (run(i) !== undefined) sink++;
    i = i + 1 === count ? 0 : i + 1;
    done++;
  }
}

/** The median of each statistic over runs. */
export function medianOfRuns(runs: readonly RunStats[]): Timing {
  const med = (pick: (r: RunStats) => number) =>
    quantile(
      [...runs.map(pick)].sort((a, b) => a - b),
      0.5,
    );
  return {
    medianNs: med((r) => r.medianNs),
    p99Ns: med((r) => r.p99Ns),
    decisionsPerSecond: med((r) => r.decisionsPerSecond),
    cpuNs: med((r) => r.cpuNs),
    runs: runs.length,
  };
}

/** Linear-interpolated quantile of sorted numbers. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (at - lo);
}

/** The median wall time of `fn` in nanoseconds over repeated calls for about `millis`. */
export function timeOperation(fn: () => unknown, millis: number, minReps = 5): number {
  const samples: number[] = [];
  const deadline = process.hrtime.bigint() + BigInt(Math.round(millis * 1e6));
  do {
    const start = process.hrtime.bigint();
    if (fn() !== undefined) sink++;
    samples.push(Number(process.hrtime.bigint() - start));
  } while (process.hrtime.bigint() < deadline || samples.length < minReps);
  samples.sort((a, b) => a - b);
  return quantile(samples, 0.5);
}

/** Memory retained per compiled policy, from many compiled copies. */
export interface HeapPerPolicy {
  /** JS heap bytes per policy (process.memoryUsage().heapUsed after full GCs). */
  readonly heapBytes: number;
  /** Memory outside the JS heap per policy (external + array buffers: WebAssembly memory lives here). */
  readonly externalBytes: number;
}

/**
 * Builds `copies` compiled copies (their inputs prepared by the caller beforehand, so input text
 * is not counted) and divides the retained memory by the number of policies. Needs --expose-gc.
 */
export function heapPerPolicy(
  build: (copy: number) => unknown,
  copies: number,
  policiesPerCopy: number,
): HeapPerPolicy | undefined {
  const gc = globalThis.gc;
  if (gc === undefined) return undefined;
  const settle = () => {
    gc();
    gc();
  };
  settle();
  const before = process.memoryUsage();
  const kept: unknown[] = [];
  for (let k = 0; k < copies; k++) kept.push(build(k));
  settle();
  const after = process.memoryUsage();
  if (kept.length !== copies) sink++;
  const policies = copies * policiesPerCopy;
  return {
    heapBytes: (after.heapUsed - before.heapUsed) / policies,
    externalBytes: (after.external - before.external) / policies,
  };
}
