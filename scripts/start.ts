/**
 * `npm start`: the platform on this machine. Starts DynamoDB Local (data under .data/) unless
 * DYNAMODB_ENDPOINT is set, creates the table when missing, migrates its data to this code's
 * layout, and serves the same app the Lambda handlers serve, on @hono/node-server.
 */
import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { stdoutLog } from '@palisade/api';
import { createSecretBoxFromConfig } from '@palisade/credentials';
import { ensureTable, startChangeStreamReader } from '@palisade/store';
import { changeConsumers } from '../functions/wiring/change-consumers.ts';
import { devAllowLoopbackOidc, type PlatformConfig } from '../functions/wiring/config.ts';
import { deliveryOptionsOf, startLocalEventDelivery } from '../functions/wiring/event-delivery.ts';
import { readEventDeliveryConfig } from '../functions/wiring/event-delivery-config.ts';
import { migrateTable } from '../functions/wiring/migration.ts';
import { createPlatform } from '../functions/wiring/platform.ts';
import { storeFor } from '../functions/wiring/store.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { loadOrCreateMasterKey, loadOrCreateOperatorCredentials } from './local-secrets.ts';

const dataDirectory = resolve(process.env.PALISADE_DATA_DIR ?? '.data');
const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 4000);
const tableName = process.env.TABLE_NAME ?? 'palisade';

let dynamodb: DynamoDbLocal | undefined;
let endpoint = process.env.DYNAMODB_ENDPOINT;
if (!endpoint) {
  try {
    dynamodb = await startDynamoDbLocal({ dataDirectory: resolve(dataDirectory, 'dynamodb') });
  } catch (error) {
    console.error(`palisade: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  endpoint = dynamodb.endpoint;
  console.log(`palisade: DynamoDB Local on ${endpoint} (data in ${resolve(dataDirectory, 'dynamodb')})`);
} else {
  console.log(`palisade: using DynamoDB at ${endpoint}`);
}

const operator = resolveOperatorCredentials();
const config: PlatformConfig = {
  tableName,
  dynamodbEndpoint: endpoint,
  operatorAccessKeyId: operator.accessKeyId,
  operatorSecretAccessKey: operator.secretAccessKey,
  masterKey: process.env.PALISADE_MASTER_KEY ?? loadOrCreateMasterKey(resolve(dataDirectory, 'master-key')),
  partition: process.env.PALISADE_PARTITION || 'aws',
  // Tokens name the URL they can be verified at; locally that is this server.
  issuer: process.env.PALISADE_ISSUER || `http://${host}:${port}`,
  devAllowLoopbackOidc: devAllowLoopbackOidc(process.env),
  events: readEventDeliveryConfig(process.env),
};

// The same store and app the Lambda handlers build from their configuration.
const store = storeFor(config);
const created = await ensureTable(store);
if (created) console.log(`palisade: created table ${tableName}`);
// The data is brought to this code's layout before anything serves it; a failure stops start-up.
try {
  await migrateTable(store, (entry) => console.log(`palisade: ${describeMigrationStep(entry)}`));
} catch (error) {
  console.error(
    `palisade: migrating table ${tableName} failed: ${error instanceof Error ? error.message : error}`,
  );
  await dynamodb?.stop();
  process.exit(1);
}

const platform = createPlatform(config);
// Change records reach their consumers from DynamoDB Local's stream, in this process (in AWS: the
// stream subscriber function, functions/change-stream.ts).
// Outbound events: the same delivery code as the AWS delivery function, run by an in-process
// worker over the table's pending deliveries (so a restart resumes whatever was pending).
const eventDelivery = startLocalEventDelivery(
  deliveryOptionsOf(store, createSecretBoxFromConfig(config.masterKey), config.events),
  (error) =>
    console.error(`palisade: event delivery: ${error instanceof Error ? error.message : String(error)}`),
);
const changeStream = startChangeStreamReader({
  tableName,
  endpoint,
  consume: changeConsumers(stdoutLog, store, eventDelivery.announce),
  onError: (error) =>
    console.error(`palisade: change stream: ${error instanceof Error ? error.message : String(error)}`),
});
const server = serve({ fetch: platform.app.fetch, hostname: host, port }, (info) => {
  console.log(`palisade: listening on http://${host}:${info.port}`);
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`palisade: ${signal} received, stopping`);
  await new Promise<void>((done) => {
    server.close(() => done());
    // Keep-alive connections would hold close() open; a stopping server owes them nothing.
    if ('closeAllConnections' in server) server.closeAllConnections();
  });
  await changeStream.stop();
  await eventDelivery.worker.stop();
  await dynamodb?.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

function resolveOperatorCredentials(): { accessKeyId: string; secretAccessKey: string } {
  const id = process.env.PALISADE_OPERATOR_ACCESS_KEY_ID;
  const secret = process.env.PALISADE_OPERATOR_SECRET_ACCESS_KEY;
  if (id && secret) return { accessKeyId: id, secretAccessKey: secret };
  const path = resolve(dataDirectory, 'operator-credentials.json');
  const { credentials, created: generated } = loadOrCreateOperatorCredentials(path);
  console.log(`palisade: operator credentials ${generated ? 'generated in' : 'read from'} ${path}`);
  return credentials;
}

/**
 * One line for a migration log entry: a step (`migration applied v2 …`), a migration's own tally
 * (`moved entity items to id partitions (moved 12, owners 3, orphans 0)`) or the outcome.
 */
function describeMigrationStep(entry: Readonly<Record<string, unknown>>): string {
  const { msg, version, name, to, applied } = entry;
  if (Array.isArray(applied)) {
    const list = applied.map((m: { version: number; name: string }) => `v${m.version} ${m.name}`).join(', ');
    return `${msg}: layout v${to}${list ? ` (applied ${list})` : ''}`;
  }
  if (version !== undefined) return `${msg} v${version} ${name}`;
  const figures = Object.entries(entry)
    .filter(([key]) => key !== 'msg' && key !== 'level')
    .map(([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return figures.length > 0 ? `${msg} (${figures.join(', ')})` : String(msg);
}
