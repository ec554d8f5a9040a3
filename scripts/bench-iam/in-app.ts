/**
 * `npm run bench:iam:in-app`: the app's own time per IAM operation, apart from the client side.
 * Each operation is a presigned Query request given to the Hono app in-process (no HTTP, no IAM
 * SDK), so what is timed is the app alone; the DynamoDB requests it makes are recorded, and the
 * app's own time is its wall time minus the time during which at least one DynamoDB request was in
 * flight. The same requests replayed directly (the raw floor) are timed in the same run.
 *
 * With BENCH_PROFILE=<file.cpuprofile> the measured loops run under the V8 profiler and the
 * profile's self time is summarised by package (where the app's own time goes).
 */

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { availableParallelism, loadavg } from 'node:os';
import { createStoreContext } from '@palisade/store';
import { signedQueryRequest } from '../../test/fixtures/signed-requests.ts';
import { benchPlatform } from '../bench-platform.ts';
import { startDynamoDbLocalUntilStopped, stopOnExit } from './child-processes.ts';
import { attachRecorder, inFlight, prepareReplay, replay } from './dynamodb-recorder.ts';
import { summariseProfile } from './profile-summary.ts';
import { median, ms, percentile, renderTable } from './statistics.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
const PROFILE = process.env.BENCH_PROFILE;
const POLICY_DOCUMENT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bench-bucket/*' }],
});

const stops = stopOnExit();
try {
  await main();
} finally {
  await stops.stopAll();
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

async function main(): Promise<void> {
  const load = loadavg()[0] ?? 0;
  const dynamodb = await startDynamoDbLocalUntilStopped(stops);
  const { platform, createAccount: accountOf } = await benchPlatform(dynamodb.endpoint, 'bench-in-app');
  const recorder = attachRecorder(platform.store.dynamodb);
  const replayStore = createStoreContext({ tableName: 'bench-in-app', endpoint: dynamodb.endpoint });
  const measured = await accountOf('in-app-measured');
  const mirror = await accountOf('in-app-mirror');
  const rewrite = (text: string) => text.replaceAll(measured.accountId, mirror.accountId);
  const total = WARMUP + ITERATIONS;
  const send = async (key: typeof measured.key, parameters: Record<string, string>) => {
    const response = await platform.app.fetch(await signedQueryRequest(key, 'iam', parameters));
    if (response.status !== 200) throw new Error(`${parameters.Action}: ${await response.text()}`);
  };
  const userName = (index: number) => `in-app-user-${String(index).padStart(4, '0')}`;
  await send(measured.key, { Action: 'CreatePolicy', PolicyName: 'p', PolicyDocument: POLICY_DOCUMENT });
  await send(mirror.key, { Action: 'CreatePolicy', PolicyName: 'p', PolicyDocument: POLICY_DOCUMENT });
  await send(measured.key, { Action: 'CreateGroup', GroupName: 'g' });
  await send(mirror.key, { Action: 'CreateGroup', GroupName: 'g' });
  const policyArn = (accountId: string) => `arn:aws:iam::${accountId}:policy/p`;

  const scenarios: { name: string; parameters: (index: number) => Record<string, string> }[] = [
    { name: 'CreateUser', parameters: (i) => ({ Action: 'CreateUser', UserName: userName(i) }) },
    { name: 'GetUser', parameters: (i) => ({ Action: 'GetUser', UserName: userName(i) }) },
    {
      name: 'AttachUserPolicy',
      parameters: (i) => ({
        Action: 'AttachUserPolicy',
        UserName: userName(i),
        PolicyArn: policyArn(measured.accountId),
      }),
    },
    {
      name: 'AddUserToGroup',
      parameters: (i) => ({ Action: 'AddUserToGroup', UserName: userName(i), GroupName: 'g' }),
    },
    {
      name: 'PutUserPolicy',
      parameters: (i) => ({
        Action: 'PutUserPolicy',
        UserName: userName(i),
        PolicyName: 'inline',
        PolicyDocument: POLICY_DOCUMENT,
      }),
    },
    { name: 'ListUsers (100)', parameters: () => ({ Action: 'ListUsers', MaxItems: '100' }) },
  ];
  const rows: string[][] = [];
  const session = PROFILE ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
  }
  for (const scenario of scenarios) {
    // Presigned up front: signing is the client's cost, not the app's.
    const requests = await Promise.all(
      Array.from({ length: total }, (_, i) =>
        signedQueryRequest(measured.key, 'iam', scenario.parameters(i)),
      ),
    );
    const walls: number[] = [];
    const owns: number[] = [];
    const raws: number[] = [];
    const cpus: number[] = [];
    const rawCpus: number[] = [];
    if (session) await session.post('Profiler.start');
    for (let i = 0; i < total; i++) {
      recorder.start();
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const response = await platform.app.fetch(requests[i] as Request);
      await response.arrayBuffer();
      const wall = performance.now() - started;
      const cpu = cpuMs(process.cpuUsage(cpuBefore));
      const calls = recorder.take();
      if (response.status !== 200) throw new Error(`${scenario.name} answered ${response.status}`);
      const prepared = prepareReplay(calls, rewrite);
      const rawCpuBefore = process.cpuUsage();
      const rawStarted = performance.now();
      await replay(replayStore.documents, prepared);
      const raw = performance.now() - rawStarted;
      const rawCpu = cpuMs(process.cpuUsage(rawCpuBefore));
      if (i < WARMUP) continue;
      walls.push(wall);
      owns.push(wall - inFlight(calls));
      raws.push(raw);
      cpus.push(cpu);
      rawCpus.push(rawCpu);
    }
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      const file = `${PROFILE}.${scenario.name.split(' ')[0]}.cpuprofile`;
      writeFileSync(file, JSON.stringify(profile));
      console.log(`\n${scenario.name}: profile ${file}`);
      console.log(summariseProfile(profile, 12));
    }
    rows.push([
      scenario.name,
      String(walls.length),
      ms(median(walls)),
      ms(percentile(walls, 99)),
      ms(median(raws)),
      ms(median(walls) - median(raws)),
      ms(median(owns)),
      ms(percentile(owns, 99)),
      ms(median(cpus)),
      ms(median(rawCpus)),
      ms(median(cpus) - median(rawCpus)),
    ]);
  }
  console.log(
    `\nIAM in-app benchmark — Node ${process.version}, ${availableParallelism()} CPUs, load ${load.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}; ` +
      `presigned Query requests given to app.fetch in-process; times in ms\n`,
  );
  console.log(
    renderTable(
      [
        'operation',
        'n',
        'in-app p50',
        'p99',
        'raw DDB p50',
        'in-app − raw',
        'own p50',
        'own p99',
        'app CPU p50',
        'raw CPU p50',
        'app − raw CPU',
      ],
      rows,
    ),
  );
  console.log(
    '\nown = wall time minus the time during which at least one DynamoDB request was in flight ' +
      "(the app's CPU on the critical path: parse, verify, authorize, build, render). CPU columns are " +
      "this process's CPU time (user + system) per operation, which a loaded machine disturbs far less " +
      'than wall time; the raw replay pays the same DynamoDB client CPU, so app − raw CPU is what the ' +
      'app adds on the CPU.',
  );
}
