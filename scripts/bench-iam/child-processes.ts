/**
 * The benchmarks' child processes: DynamoDB Local and moto_server, and a stop list that runs on
 * normal exit, on failure and on Ctrl-C or SIGTERM, so no DynamoDB Local or moto outlives a run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type DynamoDbLocal, freePort, startDynamoDbLocal } from '../dynamodb-local.ts';

/** Things to stop, newest first, once. */
export interface StopList {
  add(name: string, stop: () => Promise<void>): void;
  /** Stops everything registered (each at most once); errors are reported, not thrown. */
  stopAll(): Promise<void>;
}

/** A stop list that also runs when the process is interrupted or terminated. */
export function stopOnExit(): StopList {
  const entries: { name: string; stop: () => Promise<void> }[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      for (const entry of entries.reverse()) {
        try {
          await entry.stop();
        } catch (error) {
          console.error(`bench:iam: could not stop ${entry.name}: ${String(error)}`);
        }
      }
    })();
    return stopping;
  };
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      console.error(`\nbench:iam: ${signal} received, stopping child processes`);
      void stopAll().finally(() => process.exit(code));
    });
  }
  return { add: (name, stop) => entries.push({ name, stop }), stopAll };
}

/** Starts DynamoDB Local in memory, stopped with `stops`, also when interrupted while it starts. */
export function startDynamoDbLocalUntilStopped(stops: StopList): Promise<DynamoDbLocal> {
  const starting = startDynamoDbLocal();
  // Registered before it answers: an interrupt during start-up waits for it, then stops it.
  stops.add('DynamoDB Local', async () => (await starting.catch(() => undefined))?.stop());
  return starting;
}

/** A running moto_server. */
export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts `moto_server` on a free loopback port and puts its stop on `stops` at once (an interrupt
 * during its slow start must not orphan it); `unavailable` says why when it cannot run here.
 */
export async function startMotoServer(
  stops: StopList,
): Promise<{ server?: MotoServer; unavailable?: string }> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    // Werkzeug logs every request; a pipe nobody drains would stall moto, so keep only a tail.
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group: pyenv's shim runs helpers before it becomes moto, and they all go together.
    detached: true,
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4_000);
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const stop = async () => {
    if (!running()) return;
    signalGroup('SIGTERM');
    // Werkzeug can take a few seconds to honour SIGTERM.
    const timer = setTimeout(() => signalGroup('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  stops.add('moto_server', stop);
  // Last resort when the process exits without running the stop list (an uncaught error).
  process.once('exit', () => {
    if (running()) signalGroup('SIGKILL');
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const failed = await Promise.race([
      spawnError,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)),
    ]);
    if (failed) return { unavailable: `moto_server could not start (${failed.message})` };
    if (child.exitCode !== null) return { unavailable: `moto_server exited early:\n${tail}` };
    if (await answers(endpoint)) return { server: { endpoint, stop } };
    if (Date.now() > deadline) {
      await stop();
      return { unavailable: `moto_server did not answer on ${endpoint} within 60 s:\n${tail}` };
    }
  }
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}
