/**
 * `npm start` end to end: boots on DynamoDB Local with data under a data directory, keeps data
 * across a restart, migrates an older layout before serving, stops DynamoDB Local on SIGINT, and
 * explains a missing Java.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStoreContext,
  getAccount,
  type Migration,
  migrate,
  migrations,
  putNewAccount,
  readSchemaVersion,
} from '@palisade/store';
import { Webhook } from 'standardwebhooks';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../scripts/dynamodb-local.ts';
import { eventually } from './fixtures/eventually.ts';
import { createLayoutV1Table } from './fixtures/layout-v1.ts';
import { sendAs } from './fixtures/signed-fetch.ts';
import { createTestTable, TEST_CHANGE_ORIGIN } from './fixtures/test-table.ts';

interface Started {
  child: ChildProcess;
  output: () => string;
  dynamodbEndpoint: string;
  baseUrl: string;
}

async function startPlatform(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    env: { ...env, PORT: String(port), PALISADE_DATA_DIR: dataDir, DYNAMODB_ENDPOINT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
    const ok = await fetch(`${baseUrl}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const endpoint = /DynamoDB Local on (http:\/\/[\d.:]+)/.exec(output)?.[1];
  if (!endpoint) throw new Error(`no DynamoDB Local endpoint in output:\n${output}`);
  return { child, output: () => output, dynamodbEndpoint: endpoint, baseUrl };
}

async function stopWithSigint(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((done) => started.child.once('exit', (code) => done(code)));
  started.child.kill('SIGINT');
  return exited;
}

function javaListening(endpoint: string): Promise<boolean> {
  return fetch(endpoint, { signal: AbortSignal.timeout(1_000) }).then(
    () => true,
    () => false,
  );
}

/** Runs `npm start` on the suite's DynamoDB Local and `tableName` until it serves or exits. */
async function startOnTable(
  tableName: string,
): Promise<{ served: boolean; code: number | null; output: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
      TABLE_NAME: tableName,
      PALISADE_DATA_DIR: mkdtempSync(join(tmpdir(), 'palisade-migrate-')),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  const deadline = Date.now() + 30_000;
  let served = false;
  while (Date.now() < deadline && !served && child.exitCode === null) {
    served = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (!served) await new Promise((r) => setTimeout(r, 200));
  }
  if (child.exitCode === null) child.kill('SIGTERM');
  const code = await exited;
  return { served, code, output };
}

/** A loopback webhook receiver that answers 503 until told to accept. */
async function startWebhookReceiver() {
  const requests: { headers: IncomingHttpHeaders; body: string; accepted: boolean }[] = [];
  let accepting = false;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      requests.push({ headers: request.headers, body, accepted: accepting });
      response.writeHead(accepting ? 204 : 503).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests,
    accept: () => {
      accepting = true;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** As the operator: an account; as its root: a subscription to `url` and a user. Returns the secret. */
async function subscribeAndChange(
  baseUrl: string,
  operator: { accessKeyId: string; secretAccessKey: string },
  url: string,
): Promise<string> {
  const send = async (key: typeof operator, method: string, path: string, body: unknown) => {
    const answer = await sendAs(
      baseUrl,
      { key, service: 'palisade' },
      { method, path, body: JSON.stringify(body) },
      new Date(),
    );
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
    return JSON.parse(answer.text) as Record<string, unknown>;
  };
  const account = await send(operator, 'POST', '/v1/accounts', { alias: 'hooks-at-restart' });
  const root = account.rootAccessKey as typeof operator;
  const subscription = await send(root, 'POST', '/v1/event-subscriptions', {
    url,
    types: ['iam.user.created'],
  });
  await send(root, 'POST', '/v1/users', { userName: 'pending-at-stop' });
  return String(subscription.secret);
}

describe('npm start', () => {
  it('serves /healthz, keeps data and pending webhook deliveries across a restart and leaves no DynamoDB Local behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'palisade-start-'));
    const hooks = await startWebhookReceiver();
    // A loopback receiver needs private destinations; retries every 2 s (configuration of the child only).
    const hookEnv = {
      ...process.env,
      PALISADE_WEBHOOK_ALLOW_PRIVATE: '1',
      PALISADE_EVENT_RETRY_SCHEDULE: '2s,2s,2s,2s,2s',
    };
    const first = await startPlatform(dataDir, hookEnv);
    expect(first.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const credentialsPath = join(dataDir, 'operator-credentials.json');
    expect(statSync(credentialsPath).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(readFileSync(credentialsPath, 'utf8'));
    expect(credentials.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(statSync(join(dataDir, 'dynamodb')).mode & 0o777).toBe(0o700);

    const store = createStoreContext({
      tableName: 'palisade',
      endpoint: first.dynamodbEndpoint,
      systemOrigin: TEST_CHANGE_ORIGIN,
    });
    const written = await putNewAccount(store, {
      accountId: '555555555555',
      alias: 'survivor',
      createdAt: 'now',
    });
    expect(written.ok).toBe(true);
    // A change whose webhook the receiver refuses while this process runs: its delivery is pending at the stop.
    const secret = await subscribeAndChange(first.baseUrl, credentials, hooks.url);
    await eventually(() => hooks.requests.length >= 1, 'a first attempt');
    expect(await stopWithSigint(first)).toBe(0);
    expect(await javaListening(first.dynamodbEndpoint)).toBe(false);

    hooks.accept();
    const second = await startPlatform(dataDir, hookEnv);
    const reopened = createStoreContext({ tableName: 'palisade', endpoint: second.dynamodbEndpoint });
    expect(await getAccount(reopened, '555555555555')).toMatchObject({ alias: 'survivor' });
    expect(JSON.parse(readFileSync(credentialsPath, 'utf8'))).toEqual(credentials);
    // The restarted process delivers what the first left pending, with the same webhook-id.
    await eventually(
      () => hooks.requests.some((request) => request.accepted),
      'the delivery after the restart',
    );
    const delivered = hooks.requests.find((request) => request.accepted);
    expect(delivered?.headers['webhook-id']).toBe(hooks.requests[0]?.headers['webhook-id']);
    const event = new Webhook(secret).verify(
      delivered?.body ?? '',
      delivered?.headers as Record<string, string>,
    );
    expect(event).toMatchObject({ type: 'iam.user.created', data: { userName: 'pending-at-stop' } });
    await hooks.close();
    expect(await stopWithSigint(second)).toBe(0);
    expect(await javaListening(second.dynamodbEndpoint)).toBe(false);
  }, 120_000);

  it('uses DYNAMODB_ENDPOINT when set and starts no DynamoDB Local of its own', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      env: {
        ...process.env,
        PORT: String(port),
        DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
        TABLE_NAME: `start-${port}`,
        PALISADE_DATA_DIR: mkdtempSync(join(tmpdir(), 'palisade-endpoint-')),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
    expect(status).toBe(200);
    expect(output).toContain(`using DynamoDB at ${inject('dynamodbEndpoint')}`);
    expect(output).not.toContain('DynamoDB Local on');
  }, 45_000);

  it('stops with a message naming what to install when java is missing', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'palisade-nojava-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      env: {
        ...process.env,
        PATH: bin,
        DYNAMODB_ENDPOINT: '',
        PALISADE_DATA_DIR: mkdtempSync(join(tmpdir(), 'p-')),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).toBe(1);
    expect(output).toMatch(/needs Java 17/);
    expect(output).toMatch(/openjdk-17-jre-headless/);
  }, 30_000);
  it('migrates a table of an older layout before it serves, and says what it applied', async () => {
    const store = await createLayoutV1Table('start');
    const started = await startOnTable(store.tableName);
    expect(started.served, started.output).toBe(true);
    const latest = migrations.at(-1)?.version;
    expect(await readSchemaVersion(store)).toBe(latest);
    expect(started.output).toContain(`migration applied v1 ${migrations[0]?.name}`);
    expect(started.output).toMatch(new RegExp(`table migrated: layout v${latest} \\(applied v1 `));
    // A migration's own tally reads as its figures, not as a step with no version.
    expect(started.output).toMatch(
      /moved entity items to id partitions \(moved \d+, owners \d+, orphans \d+\)/,
    );
    expect(started.output).not.toContain('undefined');
    expect(started.output.indexOf('table migrated')).toBeLessThan(started.output.indexOf('listening on'));

    const again = await startOnTable(store.tableName);
    expect(again.output).toContain(`table layout is current: layout v${latest}`);
  }, 60_000);

  it('refuses to serve a table whose layout is newer than the code', async () => {
    const store = await createTestTable('start');
    const future: Migration = {
      version: migrations.length + 1,
      name: 'from the future',
      run: async () => {},
    };
    await migrate(store, { migrations: [...migrations, future] });
    const started = await startOnTable(store.tableName);
    expect(started.served).toBe(false);
    expect(started.code).toBe(1);
    expect(started.output).toMatch(/migrating table .* failed: .*newer than this code knows/);
    expect(started.output).not.toContain('listening on');
  }, 45_000);
});
