/**
 * `npm run bench:iam` (issue #4): p50/p99 of CreateUser, GetUser, AttachUserPolicy, AddUserToGroup,
 * PutUserPolicy and ListUsers
 * (1,000 users in pages of 100, timed as one operation) over HTTP with @aws-sdk/client-iam, against
 * Palisade on DynamoDB Local and against moto_server, next to the raw DynamoDB Local latency of the
 * very requests Palisade made (recorded by an SDK middleware, replayed with a document client into
 * a mirror account). Sequential, one request at a time; everything it starts, it stops.
 *
 * Environment: BENCH_ITERATIONS (default 200), BENCH_LIST_ITERATIONS (default 50),
 * BENCH_WARMUP (default 20), BENCH_SCENARIO_SECONDS (default 60: a scenario stops early past it,
 * keeping at least 30 samples). Profile with `node --cpu-prof --import tsx scripts/bench-iam/main.ts`.
 */
import { subscribe } from 'node:diagnostics_channel';
import { availableParallelism, loadavg } from 'node:os';
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  GetUserCommand,
  IAMClient,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { serve } from '@hono/node-server';
import { createStoreContext } from '@palisade/store';
import { inParallel } from '../../test/fixtures/in-parallel.ts';
import { type BenchStart, benchPlatform, runOnDynamoDbLocal } from '../bench-platform.ts';
import { startMotoServer, stopOnExit } from './child-processes.ts';
import {
  attachRecorder,
  describeCalls,
  inFlight,
  prepareReplay,
  type RecordedCall,
  replay,
  sequentialRoundTrips,
  withoutAuditEvents,
} from './dynamodb-recorder.ts';
import { measureLoopbackFloor } from './loopback-floor.ts';
import { median, ms, percentile, ratio, renderTable } from './statistics.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const LIST_ITERATIONS = Number(process.env.BENCH_LIST_ITERATIONS ?? 50);
/** The write operations, whose verdicts state the target and the floor-relative one. */
const WRITES = ['CreateUser', 'AttachUserPolicy', 'AddUserToGroup', 'PutUserPolicy'] as const;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
/** A scenario stops early past this many seconds (with at least MIN_SAMPLES): shared machines crawl. */
const SCENARIO_SECONDS = Number(process.env.BENCH_SCENARIO_SECONDS ?? 60);
const MIN_SAMPLES = 30;
const TOTAL_USERS = 1_000;
const PAGE_SIZE = 100;
const POLICY_DOCUMENT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bench-bucket/*' }],
});

/** One measured iteration of a scenario. */
interface Sample {
  readonly totalMs: number;
  readonly serverMs: number;
  /** The same IAM calls answered at once with Palisade's answers: the client side's own cost. */
  readonly clientFloorMs: number;
  readonly calls: readonly RecordedCall[];
  readonly rawMs: number;
  /** True when this sample's replay left out the call's audit event (every other sample, interleaved). */
  readonly rawWithoutEvent: boolean;
  readonly motoMs?: number;
  /** TCP connections opened by Palisade's side (IAM client and store client) and by the moto client. */
  readonly palisadeConnects: number;
  readonly motoConnects: number;
  /** IAM API requests the operation took (a listing takes one per page). */
  readonly palisadeRequests: number;
  readonly motoRequests: number;
}

/** An answer the platform gave, replayed as is by the canned server. */
interface CannedAnswer {
  readonly status: number;
  readonly headers: [string, string][];
  readonly body: string;
}

/** What the report shows for one operation. */
interface Measured {
  readonly name: string;
  readonly requests: number;
  readonly samples: readonly Sample[];
  readonly replaySurprises: readonly string[];
}

const stops = stopOnExit();
process.on('unhandledRejection', (error) => {
  console.error('bench:iam failed:', error);
  void stops.stopAll().finally(() => process.exit(1));
});

// Every TCP connection a client opens: keep-alive should make these rare.
let connects = 0;
subscribe('net.client.socket', () => {
  connects++;
});

const userName = (index: number) => `bench-user-${String(index).padStart(4, '0')}`;
const progress = (text: string) => process.stderr.write(`bench:iam: ${text}\n`);

await runOnDynamoDbLocal(stops, progress, main);

async function main({ dynamodb, loadAtStart }: BenchStart): Promise<void> {
  progress('starting moto_server');
  const moto = await startMotoServer(stops);
  if (!moto.server)
    console.log(`note: moto_server unavailable, moto columns are empty (${moto.unavailable})`);

  const { platform, createAccount: accountOf } = await benchPlatform(dynamodb.endpoint, 'bench-iam');
  const recorder = attachRecorder(platform.store.dynamodb);

  // Time spent inside the app (after Node parsed the request, before it writes the response), and
  // the answers it gave, which the canned server then gives back with no work at all.
  // Answers are kept only while an operation is measured (not while seeding), and read only after
  // the timed call ended: reading one makes the adapter's light Response a full web Response, a
  // cost the bench would otherwise add to Palisade's time. The canned server rebuilds them.
  let serverMs = 0;
  let answers: Response[] | undefined;
  const url = await listen('platform server', async (request: Request, env: unknown) => {
    const started = performance.now();
    const response = await platform.app.fetch(request, env);
    serverMs += performance.now() - started;
    answers?.push(response);
    return response;
  });
  // The client side's floor: the same IAM SDK calls, answered at once with Palisade's own answers
  // by the same Node server adapter (signing, HTTP on loopback and XML parsing, nothing else).
  let replaying: CannedAnswer[] = [];
  const cannedUrl = await listen('canned server', async () => {
    const answer = replaying.shift();
    return answer
      ? new Response(answer.body, { status: answer.status, headers: answer.headers })
      : new Response('no canned answer left', { status: 500 });
  });

  /** Serves `fetch` on a free loopback port until the bench stops; answers its URL. */
  async function listen(name: string, fetch: (request: Request, env: unknown) => Promise<Response>) {
    const server = serve({ fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((listening) => server.once('listening', listening));
    stops.add(
      name,
      () =>
        new Promise<void>((closed) => {
          server.close(() => closed());
          if ('closeAllConnections' in server) server.closeAllConnections();
        }),
    );
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  // The measured account, and its mirror: replayed requests are rewritten into the mirror, so
  // writes land on fresh keys exactly as the originals did.
  const measured = await accountOf('bench-measured');
  const mirror = await accountOf('bench-mirror');
  // Entities seeded in both accounts have their own ids in each (AIDA…, ANPA…, AGPA…): a replayed
  // write names the mirror's, so its conditions find the items they check (else it is cancelled).
  const mirrorIds = new Map<string, string>();
  const rewrite = (text: string) => {
    let rewritten = text.replaceAll(measured.accountId, mirror.accountId);
    for (const [from, to] of mirrorIds)
      if (rewritten.includes(from)) rewritten = rewritten.replaceAll(from, to);
    return rewritten;
  };
  const clientFor = (
    endpoint: string,
    key: { accessKeyId: string; secretAccessKey: string },
    maxAttempts = 1,
  ) => new IAMClient({ endpoint, region: 'us-east-1', maxAttempts, credentials: key });
  const motoKey = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const palisade = clientFor(url, measured.key);
  const canned = clientFor(cannedUrl, measured.key);
  const motoClient = moto.server ? clientFor(moto.server.endpoint, motoKey) : undefined;
  const requestCounts = new Map<IAMClient, number>();
  for (const client of motoClient ? [palisade, motoClient] : [palisade]) {
    requestCounts.set(client, 0);
    client.middlewareStack.add(
      (next) => (args) => {
        requestCounts.set(client, (requestCounts.get(client) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'benchIamRequestCount' },
    );
  }
  const requestsOf = (client: IAMClient | undefined) => (client ? (requestCounts.get(client) ?? 0) : 0);
  // Seeding runs in parallel and is not timed: its clients retry (moto resets busy connections).
  const seeders = [
    clientFor(url, measured.key, 5),
    clientFor(url, mirror.key, 5),
    ...(moto.server ? [clientFor(moto.server.endpoint, motoKey, 5)] : []),
  ];
  const replayStore = createStoreContext({ tableName: 'bench-iam', endpoint: dynamodb.endpoint });

  /**
   * Runs `call` once on each target, Palisade first (recorded), then its replay, then moto. With
   * `withoutEvent`, the replay leaves the audit event out of the change's transaction: the raw
   * DynamoDB cost of a change before and after the trail, interleaved in one run.
   */
  const measureOnce = async (call: (client: IAMClient) => Promise<void>, withoutEvent: boolean) => {
    serverMs = 0;
    const connectsBefore = connects;
    const palisadeRequestsBefore = requestsOf(palisade);
    const motoRequestsBefore = requestsOf(motoClient);
    answers = [];
    recorder.start();
    const started = performance.now();
    await call(palisade);
    const totalMs = performance.now() - started;
    const calls = recorder.take();
    const server = serverMs;
    const palisadeConnects = connects - connectsBefore;
    replaying = await Promise.all((answers ?? []).map(cannedAnswerOf));
    answers = undefined;
    const cannedStarted = performance.now();
    await call(canned);
    const clientFloorMs = performance.now() - cannedStarted;
    const full = prepareReplay(calls, rewrite);
    const stripped = withoutEvent ? withoutAuditEvents(full) : undefined;
    const prepared = stripped ?? full;
    const replayStarted = performance.now();
    const surprises = await replay(replayStore.documents, prepared);
    const rawMs = performance.now() - replayStarted;
    let motoMs: number | undefined;
    const motoConnectsBefore = connects;
    if (motoClient) {
      const motoStarted = performance.now();
      await call(motoClient);
      motoMs = performance.now() - motoStarted;
    }
    const sample: Sample = {
      totalMs,
      serverMs: server,
      clientFloorMs,
      calls,
      rawMs,
      rawWithoutEvent: stripped !== undefined,
      ...(motoMs === undefined ? {} : { motoMs }),
      palisadeConnects,
      motoConnects: connects - motoConnectsBefore,
      palisadeRequests: requestsOf(palisade) - palisadeRequestsBefore,
      motoRequests: requestsOf(motoClient) - motoRequestsBefore,
    };
    return { sample, surprises };
  };

  const scenario = async (
    name: string,
    requests: number,
    warmup: number,
    iterations: number,
    call: (client: IAMClient, index: number) => Promise<void>,
  ): Promise<Measured> => {
    progress(`${name}: ${warmup} warm-up + ${iterations} measured`);
    const samples: Sample[] = [];
    const replaySurprises: string[] = [];
    const deadline = performance.now() + SCENARIO_SECONDS * 1_000;
    for (let index = 0; index < warmup + iterations; index++) {
      const { sample, surprises } = await measureOnce((client) => call(client, index), index % 2 === 1);
      if (index >= warmup) {
        samples.push(sample);
        replaySurprises.push(...surprises);
      }
      if (performance.now() > deadline && samples.length >= Math.min(MIN_SAMPLES, iterations)) {
        progress(
          `${name}: time budget of ${SCENARIO_SECONDS} s spent, stopping at ${samples.length} samples`,
        );
        break;
      }
    }
    return { name, requests, samples, replaySurprises };
  };

  progress('measuring a bare loopback HTTP round trip');
  const floor = await measureLoopbackFloor(ITERATIONS, WARMUP);

  const results: Measured[] = [];
  // Seeding first warms the JVM behind DynamoDB Local, Palisade and moto before anything is timed.
  const createdLater = Math.min(TOTAL_USERS, WARMUP + ITERATIONS);
  const seed = async (from: number, to: number) => {
    progress(`seeding users ${from}…${to - 1} in both accounts and moto`);
    await inParallel(to - from, 8, async (offset) => {
      const input = { UserName: userName(from + offset) };
      for (const seeder of seeders) {
        // A retried create whose first attempt landed finds its user already there.
        await seeder.send(new CreateUserCommand(input)).catch((error: Error) => {
          if (error.name !== 'EntityAlreadyExistsException') throw error;
        });
      }
    });
  };
  await seed(0, TOTAL_USERS - createdLater);
  const createIterations = Math.max(0, createdLater - WARMUP);
  const createUser = await scenario('CreateUser', 1, WARMUP, createIterations, async (client, index) => {
    await client.send(new CreateUserCommand({ UserName: userName(TOTAL_USERS - createdLater + index) }));
  });
  results.push(createUser);
  // A scenario cut short by its time budget leaves users to create before ListUsers counts them.
  const createdSoFar = TOTAL_USERS - createdLater + WARMUP + createUser.samples.length;
  if (createdSoFar < TOTAL_USERS) await seed(createdSoFar, TOTAL_USERS);

  await learnMirrorIds(palisade, seeders[1], mirrorIds);

  results.push(
    await scenario('GetUser', 1, WARMUP, ITERATIONS, async (client, index) => {
      const got = await client.send(new GetUserCommand({ UserName: userName(index % TOTAL_USERS) }));
      if (got.User?.UserName !== userName(index % TOTAL_USERS))
        throw new Error('GetUser returned another user');
    }),
  );

  // A customer-managed policy in each account (and moto): the attach path that reads and counts.
  const policyCreate = new CreatePolicyCommand({
    PolicyName: 'bench-policy',
    PolicyDocument: POLICY_DOCUMENT,
  });
  const palisadePolicy = (await palisade.send(policyCreate)).Policy;
  const mirrorPolicy = (await seeders[1]?.send(policyCreate))?.Policy;
  if (palisadePolicy?.PolicyId && mirrorPolicy?.PolicyId)
    mirrorIds.set(palisadePolicy.PolicyId, mirrorPolicy.PolicyId);
  const motoPolicy = motoClient ? (await motoClient.send(policyCreate)).Policy?.Arn : undefined;
  results.push(
    await scenario('AttachUserPolicy', 1, WARMUP, ITERATIONS, async (client, index) => {
      const PolicyArn = client === palisade ? palisadePolicy?.Arn : motoPolicy;
      await client.send(new AttachUserPolicyCommand({ UserName: userName(index % TOTAL_USERS), PolicyArn }));
    }),
  );

  // A group in each account (and moto): AddUserToGroup reads the group and the user, then writes.
  const groupCreate = new CreateGroupCommand({ GroupName: 'bench-group' });
  const palisadeGroup = (await palisade.send(groupCreate)).Group?.GroupId;
  const mirrorGroup = (await seeders[1]?.send(groupCreate))?.Group?.GroupId;
  if (palisadeGroup && mirrorGroup) mirrorIds.set(palisadeGroup, mirrorGroup);
  if (motoClient) await motoClient.send(groupCreate);
  results.push(
    await scenario('AddUserToGroup', 1, WARMUP, ITERATIONS, async (client, index) => {
      await client.send(
        new AddUserToGroupCommand({ GroupName: 'bench-group', UserName: userName(index % TOTAL_USERS) }),
      );
    }),
  );
  results.push(
    await scenario('PutUserPolicy', 1, WARMUP, ITERATIONS, async (client, index) => {
      await client.send(
        new PutUserPolicyCommand({
          UserName: userName(index % TOTAL_USERS),
          PolicyName: 'bench-inline',
          PolicyDocument: POLICY_DOCUMENT,
        }),
      );
    }),
  );

  const listWarmup = Math.min(WARMUP, 3);
  results.push(
    await scenario(
      `ListUsers ${TOTAL_USERS} (${TOTAL_USERS / PAGE_SIZE}×${PAGE_SIZE})`,
      TOTAL_USERS / PAGE_SIZE,
      listWarmup,
      LIST_ITERATIONS,
      async (client) => {
        let marker: string | undefined;
        let seen = 0;
        do {
          const page = await client.send(new ListUsersCommand({ MaxItems: PAGE_SIZE, Marker: marker }));
          seen += page.Users?.length ?? 0;
          marker = page.IsTruncated ? page.Marker : undefined;
        } while (marker);
        if (seen !== TOTAL_USERS) throw new Error(`ListUsers saw ${seen} users, expected ${TOTAL_USERS}`);
      },
    ),
  );

  report(results, {
    floor,
    hasMoto: motoClient !== undefined,
    load: `${loadAtStart.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}`,
  });
}

/** An answer as the canned server gives it back (the adapter has already sent the original). */
async function cannedAnswerOf(response: Response): Promise<CannedAnswer> {
  return { status: response.status, headers: [...response.headers], body: await response.text() };
}

/** Maps each user id of the measured account to the id of the mirror's user of the same name. */
async function learnMirrorIds(
  measured: IAMClient,
  mirror: IAMClient | undefined,
  ids: Map<string, string>,
): Promise<void> {
  if (!mirror) return;
  const idsByName = async (client: IAMClient) => {
    const byName = new Map<string, string>();
    let marker: string | undefined;
    do {
      const page = await client.send(new ListUsersCommand({ MaxItems: PAGE_SIZE, Marker: marker }));
      for (const user of page.Users ?? [])
        if (user.UserName && user.UserId) byName.set(user.UserName, user.UserId);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return byName;
  };
  const [ours, theirs] = await Promise.all([idsByName(measured), idsByName(mirror)]);
  for (const [name, id] of ours) {
    const mirrored = theirs.get(name);
    if (mirrored && mirrored !== id) ids.set(id, mirrored);
  }
}

function report(
  results: readonly Measured[],
  run: { floor: { p50: number; p99: number }; hasMoto: boolean; load: string },
): void {
  const rows = results.map((result) => summarise(result));
  console.log(
    `\nIAM benchmark — Node ${process.version}, ${availableParallelism()} CPUs, load ${run.load}, ` +
      `sequential, ${ITERATIONS} iterations (ListUsers ${LIST_ITERATIONS}) after warm-up; times in ms\n`,
  );
  console.log(
    renderTable(
      [
        'operation',
        'n',
        'DDB calls',
        'Palisade p50',
        'p99',
        'moto p50',
        'p99',
        'raw DDB p50',
        'client floor p50',
        'floor',
        'overhead p50',
        'Palisade/moto',
        'floor/moto',
      ],
      rows.map((row) => [
        row.name,
        String(row.samples),
        String(row.calls),
        ms(row.p50),
        ms(row.p99),
        ms(row.motoP50),
        ms(row.motoP99),
        ms(row.rawP50),
        ms(row.clientFloor),
        ms(row.rawP50 + row.clientFloor),
        ms(row.overhead),
        ratio(row.p50, row.motoP50),
        ratio(row.rawP50 + row.clientFloor, row.motoP50),
      ]),
    ),
  );
  console.log('\nWhere Palisade time goes (p50 of each part per operation):\n');
  console.log(
    renderTable(
      [
        'operation',
        'HTTP + IAM SDK',
        'in app',
        'DDB in flight',
        'app own (in app − DDB in flight)',
        'IAM requests Palisade/moto',
        'TCP connects Palisade/moto',
        'DDB round trips sequential / all',
        'DynamoDB requests',
      ],
      rows.map((row) => [
        row.name,
        ms(row.clientHttp),
        ms(row.server),
        ms(row.inDynamo),
        ms(row.own),
        `${row.palisadeRequests} / ${run.hasMoto ? row.motoRequests : '—'}`,
        `${row.palisadeConnects.toFixed(1)} / ${run.hasMoto ? row.motoConnects.toFixed(1) : '—'}`,
        `${row.sequential} / ${row.calls}`,
        row.detail,
      ]),
    ),
  );
  const audited = rows.filter((row) => row.rawWithoutEventP50 !== undefined);
  if (audited.length > 0) {
    console.log(
      '\nThe audit event, before and after (raw DynamoDB p50 of the same change with and without its ' +
        'event item, interleaved sample by sample in this run):\n',
    );
    console.log(
      renderTable(
        [
          'operation',
          'without event',
          'with event',
          'the event adds',
          'Palisade p50',
          'share of Palisade p50',
        ],
        audited.map((row) => {
          const added = row.rawP50 - (row.rawWithoutEventP50 ?? row.rawP50);
          return [
            row.name,
            ms(row.rawWithoutEventP50),
            ms(row.rawP50),
            ms(added),
            ms(row.p50),
            `${((100 * added) / row.p50).toFixed(1)}%`,
          ];
        }),
      ),
    );
  }
  console.log("\nEach DynamoDB request as Palisade's store client saw it (all measured operations):\n");
  console.log(
    renderTable(
      ['operation', 'request', 'count', 'p50', 'p99'],
      commandLatencies(results).map((line) => [
        line.operation,
        line.command,
        String(line.count),
        ms(line.p50),
        ms(line.p99),
      ]),
    ),
  );
  console.log(
    `\nA bare loopback HTTP round trip (Node client → Node server, keep-alive): p50 ${ms(run.floor.p50)}, ` +
      `p99 ${ms(run.floor.p99)}.\n` +
      'raw DDB = the same DynamoDB requests replayed directly with a document client, as the operation sent them (one after another, or together where it had them in flight together), ' +
      "into a mirror account; client floor = the same IAM SDK calls answered at once, with Palisade's own " +
      'answers, by the same Node server adapter; floor = raw DDB + client floor: what the operation ' +
      'would cost if Palisade did nothing but its DynamoDB requests; overhead = Palisade p50 − floor.\n' +
      '"DDB in flight" is the time during which at least one DynamoDB request was outstanding.\n' +
      '"in app" is the Hono app\'s time per ' +
      'operation; "HTTP + IAM SDK" the rest of the round trip (signing, HTTP on loopback, XML parsing); ' +
      '"TCP connects" counts new connections per operation (moto_server answers Connection: close).',
  );
  const surprises = results.flatMap((result) => result.replaySurprises.map((s) => `${result.name}: ${s}`));
  if (surprises.length > 0) {
    const counts = new Map<string, number>();
    for (const s of surprises) counts.set(s, (counts.get(s) ?? 0) + 1);
    console.log('\nReplays that ended differently from the original request (count):');
    for (const [text, count] of counts) console.log(`  ${text} ×${count}`);
  }
  console.log('\nTargets:');
  for (const line of verdicts(rows, run.hasMoto)) console.log(`  ${line}`);
}

interface Row {
  readonly name: string;
  readonly requests: number;
  readonly samples: number;
  readonly calls: number;
  /** DynamoDB round trips waited for one after another (median over samples). */
  readonly sequential: number;
  readonly detail: string;
  readonly p50: number;
  readonly p99: number;
  readonly motoP50?: number;
  readonly motoP99?: number;
  readonly rawP50: number;
  readonly rawP99: number;
  /** The same change's raw DynamoDB p50 without its audit event (writes only). */
  readonly rawWithoutEventP50?: number;
  readonly overhead: number;
  readonly clientFloor: number;
  readonly clientHttp: number;
  readonly server: number;
  readonly inDynamo: number;
  readonly own: number;
  readonly palisadeConnects: number;
  readonly motoConnects: number;
  readonly palisadeRequests: number;
  readonly motoRequests: number;
}

function summarise(result: Measured): Row {
  const { samples } = result;
  const totals = samples.map((s) => s.totalMs);
  // The floor is the change as Palisade commits it; samples replayed without the event give "before".
  const raws = samples.filter((s) => !s.rawWithoutEvent).map((s) => s.rawMs);
  const rawsWithoutEvent = samples.filter((s) => s.rawWithoutEvent).map((s) => s.rawMs);
  const motos = samples.flatMap((s) => (s.motoMs === undefined ? [] : [s.motoMs]));
  const inDynamo = samples.map((s) => inFlight(s.calls));
  const p50 = median(totals);
  const rawP50 = median(raws);
  const clientFloor = median(samples.map((s) => s.clientFloorMs));
  const last = samples.at(-1)?.calls ?? [];
  return {
    name: result.name,
    requests: result.requests,
    samples: samples.length,
    calls: median(samples.map((s) => s.calls.length)),
    sequential: median(samples.map((s) => sequentialRoundTrips(s.calls))),
    detail: describeCalls(last),
    p50,
    p99: percentile(totals, 99),
    ...(motos.length ? { motoP50: median(motos), motoP99: percentile(motos, 99) } : {}),
    rawP50,
    rawP99: percentile(raws, 99),
    ...(rawsWithoutEvent.length ? { rawWithoutEventP50: median(rawsWithoutEvent) } : {}),
    overhead: p50 - rawP50 - clientFloor,
    clientFloor,
    clientHttp: median(samples.map((s) => s.totalMs - s.serverMs)),
    server: median(samples.map((s) => s.serverMs)),
    inDynamo: median(inDynamo),
    own: median(samples.map((s, index) => s.serverMs - (inDynamo[index] ?? 0))),
    palisadeConnects: mean(samples.map((s) => s.palisadeConnects)),
    motoConnects: mean(samples.map((s) => s.motoConnects)),
    palisadeRequests: median(samples.map((s) => s.palisadeRequests)),
    motoRequests: median(samples.map((s) => s.motoRequests)),
  };
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : 0;
}

function commandLatencies(results: readonly Measured[]) {
  const lines: { operation: string; command: string; count: number; p50: number; p99: number }[] = [];
  for (const result of results) {
    const byCommand = new Map<string, number[]>();
    for (const sample of result.samples) {
      for (const call of sample.calls) {
        const command = call.commandName.replace(/Command$/, '') + (call.error ? ` (${call.error})` : '');
        byCommand.set(command, [...(byCommand.get(command) ?? []), call.durationMs]);
      }
    }
    for (const [command, durations] of byCommand) {
      lines.push({
        operation: result.name.split(' ')[0] ?? result.name,
        command,
        count: durations.length,
        p50: median(durations),
        p99: percentile(durations, 99),
      });
    }
  }
  return lines;
}

function verdicts(rows: readonly Row[], hasMoto: boolean): string[] {
  const lines: string[] = [];
  const check = (met: boolean, text: string) => lines.push(`${met ? 'MET   ' : 'MISSED'} ${text}`);
  const byName = (prefix: string) => rows.find((row) => row.name.startsWith(prefix));
  const read = (row: Row | undefined, limit: number) => {
    if (!row) return;
    check(
      row.p50 <= limit,
      `${row.name} p50 ${ms(row.p50)} ≤ ${limit} ms (by ${ms(Math.abs(row.p50 - limit))})`,
    );
    if (hasMoto && row.motoP50 !== undefined)
      check(
        row.p50 < row.motoP50,
        `${row.name} faster than moto: ${ratio(row.p50, row.motoP50)} of moto's p50`,
      );
  };
  read(byName('GetUser'), 3);
  read(byName('ListUsers'), 40);
  // A write has two targets: the (≤ 1.5x moto's p50) and the floor-relative one (≤ 1 ms above
  // raw DDB + client), which is what remains attainable where DynamoDB Local's floor alone exceeds it.
  for (const name of WRITES) {
    const row = byName(name);
    if (!row) continue;
    const floor = row.rawP50 + row.clientFloor;
    if (hasMoto && row.motoP50 !== undefined) {
      const attainable = floor <= 1.5 * row.motoP50;
      check(
        row.p50 <= 1.5 * row.motoP50,
        `${name} issue target ≤ 1.5x moto p50: ${ratio(row.p50, row.motoP50)} (${ms(row.p50)} vs ${ms(row.motoP50)})` +
          (attainable
            ? ''
            : ` — not attainable on DynamoDB Local: the floor alone (raw DDB + client) is ${ratio(floor, row.motoP50)} of moto`),
      );
    } else lines.push(`n/a    ${name} issue target ≤ 1.5x moto p50 (moto_server absent)`);
    check(
      row.overhead <= 1,
      `${name} floor-relative target ≤ 1 ms above the floor: ${ms(row.overhead)} ms above ${ms(floor)} ` +
        `(raw DDB ${ms(row.rawP50)} + client ${ms(row.clientFloor)})`,
    );
  }
  // Issue targets: a read waits for one DynamoDB round trip per IAM request, a write for two.
  for (const [name, limit] of [
    ['GetUser', 1],
    ['ListUsers', 1],
    ['CreateUser', 2],
    ['AttachUserPolicy', 2],
    ['AddUserToGroup', 2],
    ['PutUserPolicy', 2],
  ] as const) {
    const row = byName(name);
    if (!row) continue;
    const perRequest = row.sequential / row.requests;
    check(
      perRequest <= limit,
      `${row.name} ${perRequest} sequential DynamoDB round trips per request ≤ ${limit}`,
    );
  }
  for (const row of rows.filter((candidate) => !WRITES.some((name) => candidate.name.startsWith(name)))) {
    const perRequest = row.overhead / row.requests;
    const scope = row.requests > 1 ? ` per request (${ms(row.overhead)} over ${row.requests} requests)` : '';
    check(perRequest <= 1, `${row.name} overhead above the floor ${ms(perRequest)} ms${scope} ≤ 1 ms`);
  }
  return lines;
}
