/**
 * `npm run bench:authorize:profile-http`: where the server's CPU goes under real HTTP load. The
 * authorize function's app is served on loopback by @hono/node-server (as `npm start` serves it) and
 * autocannon, in its own process, sends each scenario's request over 10 connections while the V8
 * profiler samples this (the server's) process. Prints server CPU per request and the profile's
 * self time by package and function for each scenario (files next to BENCH_PROFILE, default
 * /tmp/authorize-http). The in-process profile (`bench:authorize:profile`) builds web Requests
 * itself, so it cannot show what the Node adapter costs; this one does.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { signJsonRequest } from '../../packages/decisions/test/support/signed-client.ts';
import { summariseProfile } from '../bench-iam/profile-summary.ts';
import { BENCH_OPERATOR as operator, profilerSession, withBenchApp } from './bench-app.ts';

const run = promisify(execFile);
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const PROFILE = process.env.BENCH_PROFILE ?? '/tmp/authorize-http';

await withBenchApp('bench-authorize-profile-http', async ({ app, reader, body }) => {
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((done) => server.once('listening', done));
  const base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const scenarios = [
    { name: 'no-op route', path: '/bench/noop', headers: { 'content-type': 'application/json' } },
    {
      name: 'SigV4 verification only',
      path: '/bench/sigv4-only',
      headers: await signJsonRequest(base, operator, 'POST', '/bench/sigv4-only', body),
    },
    {
      name: 'authorize (operator)',
      path: '/v1/authorize',
      headers: await signJsonRequest(base, operator, 'POST', '/v1/authorize', body),
    },
    {
      name: 'authorize (tenant user)',
      path: '/v1/authorize',
      headers: await signJsonRequest(base, reader, 'POST', '/v1/authorize', body),
    },
  ];
  const session = await profilerSession();
  const rows: string[] = [];
  for (const scenario of scenarios) {
    const url = new URL(scenario.path, base).toString();
    const warm = await fetch(url, { method: 'POST', headers: scenario.headers, body });
    if (warm.status !== 200) throw new Error(`${scenario.name}: ${warm.status} ${await warm.text()}`);
    await session.post('Profiler.start');
    const cpuBefore = process.cpuUsage();
    const { stdout } = await run(
      process.execPath,
      [
        AUTOCANNON,
        '--json',
        '-c',
        '10',
        '-d',
        String(DURATION_S),
        '-m',
        'POST',
        ...Object.entries(scenario.headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]),
        '-b',
        body,
        url,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const cpu = process.cpuUsage(cpuBefore);
    const { profile } = await session.post('Profiler.stop');
    const report = JSON.parse(stdout) as { requests: { total: number; average: number }; non2xx: number };
    const file = `${PROFILE}.${scenario.name.replace(/\W+/g, '-')}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    rows.push(
      `| ${scenario.name} | ${Math.round(report.requests.average)} | ${((cpu.user + cpu.system) / Math.max(1, report.requests.total)).toFixed(1)} | ${report.non2xx} |`,
    );
    console.log(`\n## ${scenario.name} (${file})\n`);
    console.log(summariseProfile(profile, 30));
  }
  console.log(`\nHTTP, 10 connections, ${DURATION_S} s each (server CPU µs per request):\n`);
  console.log('| scenario | req/s | server CPU µs/req | non-2xx |\n|---|---:|---:|---:|');
  for (const row of rows) console.log(row);
  await new Promise((done) => server.close(() => done(undefined)));
});
