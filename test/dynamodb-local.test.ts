/**
 * scripts/dynamodb-local.ts: the DynamoDB Local that `npm start`, the test setup and the benches run
 * listens on loopback only, sends no telemetry and keeps its data private to this user.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreContext, ensureTable } from '@palisade/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, startDynamoDbLocal } from '../scripts/dynamodb-local.ts';

/** Local addresses of the sockets listening on `port`, read from /proc/net/tcp and tcp6. */
function listeningAddresses(port: number): string[] {
  const addresses: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [address, hexPort] = (fields[1] ?? '').split(':');
      // State 0A is LISTEN.
      if (fields[3] === '0A' && address && Number.parseInt(hexPort ?? '', 16) === port)
        addresses.push(address);
    }
  }
  return addresses;
}

/** Loopback in /proc/net's little-endian hex: 127.x.x.x, ::ffff:127.x.x.x or ::1. */
function isLoopback(hexAddress: string): boolean {
  if (hexAddress.length === 8) return hexAddress.endsWith('7F');
  return (
    /^0000000000000000FFFF0000[0-9A-F]{6}7F$/.test(hexAddress) ||
    hexAddress === '00000000000000000000000001000000'
  );
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 1_000 });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
  });
}

describe('startDynamoDbLocal', () => {
  let local: DynamoDbLocal;
  const dataDirectory = join(mkdtempSync(join(tmpdir(), 'palisade-ddbl-')), 'dynamodb');

  beforeAll(async () => {
    local = await startDynamoDbLocal({ dataDirectory });
    // A table makes DynamoDB Local write its database file.
    await ensureTable(createStoreContext({ tableName: 'modes', endpoint: local.endpoint }));
  }, 60_000);
  afterAll(() => local?.stop());

  it('listens on loopback only', async () => {
    const addresses = listeningAddresses(local.port);
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.filter((address) => !isLoopback(address))).toEqual([]);
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((entry) => entry && !entry.internal && entry.family === 'IPv4')
      .map((entry) => entry?.address ?? '');
    for (const address of external) expect(await connects(address, local.port)).toBe(false);
    expect(await connects('127.0.0.1', local.port)).toBe(true);
  });

  it('starts with telemetry disabled', () => {
    const commandLine = readFileSync(`/proc/${local.pid}/cmdline`, 'utf8').split('\0');
    expect(commandLine).toContain('-disableTelemetry');
    expect(commandLine).toContain('-dbPath');
  });

  it('keeps its data directory 0700 and its files 0600', () => {
    expect(statSync(dataDirectory).mode & 0o777).toBe(0o700);
    const files = readdirSync(dataDirectory);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(statSync(join(dataDirectory, file)).mode & 0o777).toBe(0o600);
  });
});
