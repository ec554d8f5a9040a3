/**
 * Versioned migrations of the table's data layout. The table records the version its data is at
 * (one item, `schemaVersionKey`); `migrate` runs every later migration of the ordered list, under a
 * lease so that two runners (two `npm start`s, a deploy racing a restart) never run one migration
 * at the same time, and records each one as applied in a transaction that also proves the lease is
 * still the runner's. A runner that dies leaves its lease to expire, with its progress in it: the
 * next runner resumes the migration from the last checkpoint.
 *
 * The contract of a migration: idempotent and resumable. It pages through items (`forEachTablePage`
 * checkpoints after each page), writes with conditions that make a second application a no-op, and
 * may be re-run from any checkpoint after a crash at any point. It checkpoints more often than the
 * lease lasts (`leaseMs`, 60 s by default): a runner silent for longer is presumed dead, and its
 * next checkpoint or record fails (`isMigrationLeaseLost`) so it stops writing.
 */
import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client.ts';
import { migrationLeaseKey, schemaVersionKey } from './keys.ts';
import { idKeys } from './migration-id-keys.ts';
import { platformPolicyUses } from './migration-platform-policy-uses.ts';
import { policyUseShards } from './migration-policy-uses.ts';
import { spreadCounters } from './migration-spread-counters.ts';
import { isConditionFailure } from './transactions.ts';

/** Where a scan stopped: a page's `LastEvaluatedKey` (table keys only). */
export type MigrationCursor = Readonly<Record<string, string>>;

/** What a running migration may use: the store, the clock, its resume point and its checkpoint. */
export interface MigrationContext {
  readonly store: StoreContext;
  readonly now: () => Date;
  /** Where an earlier, interrupted run of this same migration last checkpointed; absent: the start. */
  readonly resumeFrom: MigrationCursor | undefined;
  /**
   * Saves progress and extends the lease. Rejects (`isMigrationLeaseLost`) when another runner
   * has taken the lease over: the migration must stop (its writes so far are idempotent).
   */
  checkpoint(cursor: MigrationCursor | undefined): Promise<void>;
}

/** One structured log line of a migration run. */
export interface MigrationLogEntry {
  readonly msg: string;
  readonly [detail: string]: unknown;
}

/** Where migration runs report what they do. */
export type MigrationLog = (entry: MigrationLogEntry) => void;

/** One step of the layout's history: applied once per table, in version order. */
export interface Migration {
  /** 1, 2, 3…: the layout version the data is at once this migration has run. */
  readonly version: number;
  readonly name: string;
  run(context: MigrationContext, log: MigrationLog): Promise<void>;
}

/** What one `migrate` call did: the version it found, the version it left, and what it applied. */
export interface MigrationReport {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly { readonly version: number; readonly name: string }[];
}

/** How a runner migrates; every field has a default suited to `npm start` and the deploy function. */
export interface MigrateOptions {
  /** The ordered list to apply (default: `migrations`). */
  readonly migrations?: readonly Migration[];
  readonly now?: () => Date;
  readonly log?: MigrationLog;
  /** This runner's identity on the lease (default: a random UUID). */
  readonly owner?: string;
  /** How long a lease lasts without a checkpoint (default 60 s). */
  readonly leaseMs?: number;
  /** How long to wait for another runner's lease before giving up (default 5 min). */
  readonly waitMs?: number;
  /** How long to sleep between looks at a held lease (default 1 s). */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** True for the error a runner gets when another runner took its lease over (it was presumed dead). */
export function isMigrationLeaseLost(error: unknown): boolean {
  return error instanceof Error && error.name === 'MigrationLeaseLost';
}

/** Layout v1: the layout the store wrote before versioned migrations. Records the version only. */
const baseline: Migration = {
  version: 1,
  name: 'baseline: the name-keyed layout (v1)',
  run: async () => {},
};

/** Every migration of the table's layout, oldest first. Append new ones at the end. */
export const migrations: readonly Migration[] = [
  baseline,
  spreadCounters,
  idKeys,
  policyUseShards,
  platformPolicyUses,
];

const SCHEMA_ENTITY = 'schema-version';
const LEASE_ENTITY = 'migration-lease';

/** The layout version the table's data is at (0: never migrated, not even the baseline). */
export async function readSchemaVersion(store: StoreContext): Promise<number> {
  const { Item } = await store.documents.send(
    new GetCommand({ TableName: store.tableName, Key: schemaVersionKey(), ConsistentRead: true }),
  );
  const version = Item?.schemaVersion;
  return typeof version === 'number' ? version : 0;
}

/**
 * Brings the table's data to the latest version of `options.migrations`: one consistent read when
 * it is there already; otherwise takes the lease (waiting for another runner's), applies each
 * missing migration in order and records it. Throws when the table is newer than the list (old
 * code must not serve a newer layout), when the lease stays taken, or when a migration fails.
 */
export async function migrate(store: StoreContext, options: MigrateOptions = {}): Promise<MigrationReport> {
  const list = orderedMigrations(options.migrations ?? migrations);
  const latest = list.at(-1)?.version ?? 0;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const owner = options.owner ?? randomUUID();
  const leaseMs = options.leaseMs ?? 60_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const pollMs = options.pollMs ?? 1_000;

  const found = await readSchemaVersion(store);
  if (found > latest) throw tooNew(found, latest);
  if (found === latest) return { from: found, to: found, applied: [] };

  let waited = 0;
  let progress = await acquireLease(store, owner, now(), leaseMs);
  while (progress === false) {
    if (waited >= (options.waitMs ?? 300_000)) {
      throw new Error(`another migration runner has held the lease for ${waited} ms; try again later`);
    }
    await sleep(pollMs);
    waited += pollMs;
    const version = await readSchemaVersion(store);
    if (version > latest) throw tooNew(version, latest);
    if (version === latest) return { from: version, to: version, applied: [] };
    progress = await acquireLease(store, owner, now(), leaseMs);
  }

  const from = await readSchemaVersion(store);
  let version = from;
  const applied: { version: number; name: string }[] = [];
  try {
    if (version > latest) throw tooNew(version, latest);
    for (const migration of list.filter((m) => m.version > from)) {
      const resumeFrom = progress?.version === migration.version ? progress.cursor : undefined;
      log({ msg: 'migration started', version: migration.version, name: migration.name, resumeFrom });
      await migration.run(
        {
          store,
          now,
          resumeFrom,
          checkpoint: (cursor) => checkpoint(store, owner, migration.version, cursor, now(), leaseMs),
        },
        log,
      );
      await recordApplied(store, owner, version, migration, now(), leaseMs);
      log({ msg: 'migration applied', version: migration.version, name: migration.name });
      applied.push({ version: migration.version, name: migration.name });
      version = migration.version;
      progress = undefined;
    }
  } catch (error) {
    await expireLease(store, owner);
    throw error;
  }
  await releaseLease(store, owner);
  return { from, to: version, applied };
}

function orderedMigrations(list: readonly Migration[]): readonly Migration[] {
  // INVARIANT: versions are 1, 2, 3… in order, so "the data is at version n" names one history.
  list.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration "${migration.name}" has version ${migration.version}, expected ${index + 1}`,
      );
    }
  });
  return list;
}

function tooNew(found: number, latest: number): Error {
  return new Error(
    `the table's data is at layout version ${found}, newer than this code knows (${latest}); deploy newer code`,
  );
}

type Progress = { readonly version: number; readonly cursor: MigrationCursor | undefined } | undefined;

/** Takes the lease when free, expired or already ours; false when another runner holds it. */
async function acquireLease(
  store: StoreContext,
  owner: string,
  at: Date,
  leaseMs: number,
): Promise<Progress | false> {
  try {
    const { Attributes } = await store.documents.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: migrationLeaseKey(),
        UpdateExpression: 'SET #owner = :owner, leaseUntil = :until, entity = :entity',
        ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: {
          ':owner': owner,
          ':until': at.getTime() + leaseMs,
          ':now': at.getTime(),
          ':entity': LEASE_ENTITY,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const saved = Attributes?.progress as { version?: unknown; cursor?: unknown } | undefined;
    return typeof saved?.version === 'number'
      ? { version: saved.version, cursor: saved.cursor as MigrationCursor | undefined }
      : undefined;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

async function checkpoint(
  store: StoreContext,
  owner: string,
  version: number,
  cursor: MigrationCursor | undefined,
  at: Date,
  leaseMs: number,
): Promise<void> {
  try {
    await store.documents.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: migrationLeaseKey(),
        UpdateExpression: 'SET progress = :progress, leaseUntil = :until',
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: {
          ':owner': owner,
          ':until': at.getTime() + leaseMs,
          ':progress': cursor ? { version, cursor } : { version },
        },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw leaseLost();
    throw error;
  }
}

/** Records `migration` as applied, atomically with proof that the lease is still ours. */
async function recordApplied(
  store: StoreContext,
  owner: string,
  previous: number,
  migration: Migration,
  at: Date,
  leaseMs: number,
): Promise<void> {
  try {
    await store.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: store.tableName,
              Key: schemaVersionKey(),
              UpdateExpression:
                'SET schemaVersion = :version, entity = :entity, applied = list_append(if_not_exists(applied, :none), :entry)',
              ConditionExpression:
                previous === 0 ? 'attribute_not_exists(schemaVersion)' : 'schemaVersion = :previous',
              ExpressionAttributeValues: {
                ':version': migration.version,
                ':entity': SCHEMA_ENTITY,
                ':none': [],
                ':entry': [{ version: migration.version, name: migration.name, appliedAt: at.toISOString() }],
                ...(previous === 0 ? {} : { ':previous': previous }),
              },
            },
          },
          {
            Update: {
              TableName: store.tableName,
              Key: migrationLeaseKey(),
              UpdateExpression: 'SET leaseUntil = :until REMOVE progress',
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': owner, ':until': at.getTime() + leaseMs },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [schema, lease] = error.CancellationReasons ?? [];
    if (lease?.Code === 'ConditionalCheckFailed') throw leaseLost();
    if (schema?.Code === 'ConditionalCheckFailed') {
      throw new Error(
        `the table's layout version moved away from ${previous} during migration ${migration.version}`,
      );
    }
    throw error;
  }
}

/** Deletes our lease after a complete run, leaving the table as the migrations left it. */
async function releaseLease(store: StoreContext, owner: string): Promise<void> {
  const released = await updateLeaseIfOurs(store, owner, 'delete');
  if (!released) throw leaseLost();
}

/** Ends our lease at once after a failure, keeping its progress for the next runner. */
async function expireLease(store: StoreContext, owner: string): Promise<void> {
  await updateLeaseIfOurs(store, owner, 'expire').catch(() => false);
}

async function updateLeaseIfOurs(
  store: StoreContext,
  owner: string,
  how: 'delete' | 'expire',
): Promise<boolean> {
  const condition = {
    TableName: store.tableName,
    Key: migrationLeaseKey(),
    ConditionExpression: '#owner = :owner',
    ExpressionAttributeNames: { '#owner': 'owner' },
  };
  try {
    if (how === 'delete') {
      await store.documents.send(
        new DeleteCommand({ ...condition, ExpressionAttributeValues: { ':owner': owner } }),
      );
    } else {
      await store.documents.send(
        new UpdateCommand({
          ...condition,
          UpdateExpression: 'SET leaseUntil = :zero',
          ExpressionAttributeValues: { ':owner': owner, ':zero': 0 },
        }),
      );
    }
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

function leaseLost(): Error {
  const error = new Error('another migration runner took the lease over; stopping');
  error.name = 'MigrationLeaseLost';
  return error;
}
