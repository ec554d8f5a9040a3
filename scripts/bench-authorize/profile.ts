/**
 * `npm run bench:authorize:profile`: where a warm POST /v1/authorize spends its CPU, in-process.
 * The authorize function's app is given presigned requests (as a tenant user and as the operator)
 * and the no-op route the same body, with no HTTP in between, under the V8 profiler; it prints the
 * CPU time per request of each, side by side, and the profile's self time by package and function
 * (the profile files are written next to BENCH_PROFILE, default /tmp/authorize).
 */
import { writeFileSync } from 'node:fs';
import { signedJsonRequest } from '../../test/fixtures/signed-requests.ts';
import { summariseProfile } from '../bench-iam/profile-summary.ts';
import { BENCH_OPERATOR as operator, profilerSession, withBenchApp } from './bench-app.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5_000);
const PROFILE = process.env.BENCH_PROFILE ?? '/tmp/authorize';

await withBenchApp('bench-authorize-profile', async ({ app, reader, body }) => {
  // A signed request's headers, reused for every copy (its date stays within the allowed skew).
  const copies = async (key: typeof reader, path: string) => {
    const signed = await signedJsonRequest(key, 'POST', path, body);
    const headers = [...signed.headers];
    return () => new Request(signed.url, { method: 'POST', headers, body });
  };
  const scenarios = [
    {
      name: 'no-op route',
      make: async () => () =>
        new Request('http://palisade.test/bench/noop', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }),
    },
    { name: 'SigV4 verification only', make: () => copies(operator, '/bench/sigv4-only') },
    { name: 'authorize (operator)', make: () => copies(operator, '/v1/authorize') },
    { name: 'authorize (tenant user)', make: () => copies(reader, '/v1/authorize') },
  ];
  const session = await profilerSession();
  const rows: string[] = [];
  for (const scenario of scenarios) {
    const next = await scenario.make();
    // Warm: caches filled, code optimised.
    for (let i = 0; i < 500; i++) {
      const response = await app.fetch(next());
      if (response.status !== 200)
        throw new Error(`${scenario.name}: ${response.status} ${await response.text()}`);
    }
    await session.post('Profiler.start');
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < REQUESTS; i++) await (await app.fetch(next())).arrayBuffer();
    const wall = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const { profile } = await session.post('Profiler.stop');
    const file = `${PROFILE}.${scenario.name.replace(/\W+/g, '-')}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    rows.push(
      `| ${scenario.name} | ${((1000 * wall) / REQUESTS).toFixed(1)} | ${((cpu.user + cpu.system) / REQUESTS).toFixed(1)} |`,
    );
    console.log(`\n## ${scenario.name} (${file})\n`);
    console.log(summariseProfile(profile, 25));
  }
  console.log(`\nIn-process, ${REQUESTS} requests each, sequential (µs per request):\n`);
  console.log('| scenario | wall | CPU |\n|---|---:|---:|');
  for (const row of rows) console.log(row);
});
