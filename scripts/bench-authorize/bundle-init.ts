/**
 * `npm run bench:authorize:init`: the authorize Lambda's module initialisation alone, beside the
 * reference bundles (the last section of `npm run bench:authorize`, without DynamoDB Local or load).
 * BENCH_INIT_RUNS rounds (default 31), interleaved; BENCH_INIT_HANDLERS adds handlers
 * (comma-separated SST names, e.g. functions/api.handler). Each round also splits every import's
 * CPU into compile, link and evaluate (BENCH_INIT_PHASES=0 leaves that out).
 */
import { execFileSync } from 'node:child_process';
import { initSummary, measureLambdaBundles } from './lambda-bundle.ts';

const RUNS = Number(process.env.BENCH_INIT_RUNS ?? 31);
const HANDLERS = ['functions/authorize.handler', ...(process.env.BENCH_INIT_HANDLERS?.split(',') ?? [])];

console.log(`load average before: ${execFileSync('uptime').toString().trim()}`);
const bundles = await measureLambdaBundles(HANDLERS, RUNS, { phases: process.env.BENCH_INIT_PHASES !== '0' });
const { report, ratio, budget } = initSummary(bundles);
console.log(report.join('\n'));
console.log(
  `\n- ${ratio <= 1.2 ? 'MET   ' : 'MISSED'} authorize module initialisation ≤ 1.2× the DynamoDB document client alone: ${ratio.toFixed(2)}× (median of per-round CPU ratios). ${budget}`,
);
console.log(`load average after: ${execFileSync('uptime').toString().trim()}`);
