/**
 * An account's credential report (GenerateCredentialReport / GetCredentialReport): a state item
 * (in progress since, last generated at, how many chunks) and the CSV in chunks well below
 * DynamoDB's item limit, written with the state in one transaction so a reader never sees half a
 * report. Also the one read of what a report row needs of a credential owner.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { fail, type Result } from '@palisade/failures';
import { type AccessKeyRecord, toAccessKey } from './access-keys.ts';
import type { StoreContext } from './client.ts';
import {
  accessKeyItemPrefix,
  accessKeyLookupKey,
  type CredentialOwnerKey,
  credentialOwnerPartition,
  credentialReportChunkKey,
  credentialReportChunkPrefix,
  credentialReportKey,
  credentialReportPartition,
  loginProfileKey,
  mfaAssignmentPrefix,
} from './keys.ts';
import { type LoginProfileRecord, toLoginProfile } from './login-profiles.ts';
import { queryWholePartition } from './partition-queries.ts';
import { batchGetItems } from './principals.ts';
import { type GuardedWrite, transact } from './transactions.ts';

/** The stored state of an account's credential report. */
export interface CredentialReportState {
  readonly state: 'INPROGRESS' | 'COMPLETE';
  /** When the generation in progress (or the last one) started. */
  readonly startedAt: string;
  /** When the last complete report was generated, if one was. */
  readonly generatedAt?: string;
  readonly chunks?: number;
}

/** What a report row needs of one credential owner (a user, or the root). */
export interface CredentialFacts {
  readonly loginProfile?: LoginProfileRecord;
  readonly mfaActive: boolean;
  /** The owner's keys with their last use, oldest first (ties by key id). */
  readonly accessKeys: readonly AccessKeyRecord[];
}

/** The largest chunk of CSV one item holds (bytes); a transaction carries at most 4 MB in all. */
const CHUNK_BYTES = 300_000;
/** The most chunks a report may take (3.6 MB): far beyond the 5,000 users an account may hold. */
export const MAX_REPORT_CHUNKS = 12;

/** The account's report state, read strongly consistent. */
export async function getCredentialReportState(
  context: StoreContext,
  accountId: string,
): Promise<CredentialReportState | undefined> {
  const result = await context.documents.send(
    new GetCommand({
      TableName: context.tableName,
      Key: credentialReportKey(accountId),
      ConsistentRead: true,
    }),
  );
  const item = result.Item;
  if (!item) return undefined;
  return {
    state: item.state === 'COMPLETE' ? 'COMPLETE' : 'INPROGRESS',
    startedAt: String(item.startedAt),
    ...(typeof item.generatedAt === 'string' ? { generatedAt: item.generatedAt } : {}),
    ...(typeof item.chunks === 'number' ? { chunks: item.chunks } : {}),
  };
}

/**
 * Marks a generation as started at `at`, unless one is: fails `report.in-progress` when the state
 * is in progress since after `staleBefore`, or complete since after `expiredBefore` (one
 * conditional write, so two callers never both generate). The last complete report is kept.
 */
export function claimCredentialReport(
  context: StoreContext,
  accountId: string,
  at: Date,
  bounds: { readonly staleBefore: Date; readonly expiredBefore: Date },
): Promise<Result<void>> {
  const write: GuardedWrite = {
    write: {
      Update: {
        Key: credentialReportKey(accountId),
        UpdateExpression: 'SET #state = :progress, startedAt = :at, entity = :entity',
        ConditionExpression:
          'attribute_not_exists(pk) OR (#state = :progress AND startedAt < :stale) OR ' +
          '(#state = :complete AND (attribute_not_exists(generatedAt) OR generatedAt <= :expired))',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':progress': 'INPROGRESS',
          ':complete': 'COMPLETE',
          ':at': at.toISOString(),
          ':entity': 'credential-report',
          ':stale': bounds.staleBefore.toISOString(),
          ':expired': bounds.expiredBefore.toISOString(),
        },
      },
    },
    onConditionFailed: fail('report.in-progress', 'The credential report is being generated.'),
  };
  return transact(context, [write]);
}

/** Splits CSV text at line ends into chunks of at most CHUNK_BYTES (a row is far smaller). */
function chunksOf(csv: string): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of csv.split(/(?<=\n)/)) {
    if (current !== '' && Buffer.byteLength(current) + Buffer.byteLength(line) > CHUNK_BYTES) {
      chunks.push(current);
      current = '';
    }
    current += line;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

/** Stores a generated report and marks it complete, in one transaction. */
export async function putCredentialReport(
  context: StoreContext,
  accountId: string,
  csv: string,
  generatedAt: Date,
): Promise<Result<void>> {
  const chunks = chunksOf(csv);
  if (chunks.length > MAX_REPORT_CHUNKS)
    return fail('quota.exceeded', 'The credential report is larger than Palisade can store.');
  const writes: GuardedWrite[] = chunks.map((content, n) => ({
    write: {
      Put: {
        Item: { ...credentialReportChunkKey(accountId, n), entity: 'credential-report-chunk', content },
      },
    },
  }));
  writes.push({
    write: {
      Update: {
        Key: credentialReportKey(accountId),
        UpdateExpression: 'SET #state = :complete, generatedAt = :at, chunks = :chunks',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':complete': 'COMPLETE',
          ':at': generatedAt.toISOString(),
          ':chunks': chunks.length,
        },
      },
    },
  });
  return transact(context, writes);
}

/** The CSV of the last complete report (its first `chunks` chunks, in order). */
export async function readCredentialReport(
  context: StoreContext,
  accountId: string,
  chunks: number,
): Promise<string> {
  const items = await queryWholePartition(
    context,
    credentialReportPartition(accountId),
    credentialReportChunkPrefix,
  );
  return items
    .slice(0, chunks)
    .map((item) => String(item.content))
    .join('');
}

/**
 * What a report row needs of each owner: one partition query each (login profile, MFA, key items,
 * `width` at a time) and one batched read of the keys' lookup items (their last use).
 */
export async function readCredentialFacts(
  context: StoreContext,
  accountId: string,
  owners: readonly CredentialOwnerKey[],
  width = 8,
): Promise<CredentialFacts[]> {
  const partitions: Record<string, unknown>[][] = new Array(owners.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, owners.length) }, async () => {
      while (next < owners.length) {
        const n = next++;
        partitions[n] = await queryWholePartition(
          context,
          credentialOwnerPartition(accountId, owners[n] as CredentialOwnerKey),
        );
      }
    }),
  );
  const keyIds = partitions.flatMap((items) =>
    items
      .filter((item) => String(item.sk).startsWith(accessKeyItemPrefix))
      .map((item) => String(item.accessKeyId)),
  );
  const lookups = await batchGetItems(context, keyIds.map(accessKeyLookupKey), 2);
  const keysById = new Map(lookups.map((item) => [String(item.accessKeyId), toAccessKey(item)]));
  return partitions.map((items, n) => {
    const profileSk = loginProfileKey(accountId, owners[n] as CredentialOwnerKey).sk;
    const profile = items.find((item) => item.sk === profileSk);
    const keys = items
      .filter((item) => String(item.sk).startsWith(accessKeyItemPrefix))
      .map((item) => keysById.get(String(item.accessKeyId)))
      .filter((key): key is AccessKeyRecord => key !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.accessKeyId.localeCompare(b.accessKeyId));
    return {
      ...(profile ? { loginProfile: toLoginProfile(profile) } : {}),
      mfaActive: items.some((item) => String(item.sk).startsWith(mfaAssignmentPrefix)),
      accessKeys: keys,
    };
  });
}
