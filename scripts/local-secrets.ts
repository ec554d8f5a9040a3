/**
 * Local-only secrets for `npm start`: the operator's access key and the master key, generated once
 * and kept under `.data/` with mode 0600. In AWS they come from SST secrets instead.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The operator's long-term access key. */
export interface OperatorCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function generateOperatorCredentials(): OperatorCredentials {
  const suffix = Array.from({ length: 16 }, () => BASE32[randomInt(BASE32.length)]).join('');
  return {
    accessKeyId: `AKIA${suffix}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
}

function writePrivate(path: string, contents: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents, { mode: 0o600 });
  // writeFileSync's mode only applies when it creates the file.
  chmodSync(path, 0o600);
}

/** Reads the stored operator credentials, generating and storing a pair on first use. */
export function loadOrCreateOperatorCredentials(path: string): {
  credentials: OperatorCredentials;
  created: boolean;
} {
  if (existsSync(path)) {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<OperatorCredentials>;
    if (typeof stored.accessKeyId === 'string' && typeof stored.secretAccessKey === 'string') {
      return {
        credentials: { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey },
        created: false,
      };
    }
    throw new Error(`${path} is not a valid operator credentials file; delete it to generate a new pair.`);
  }
  const credentials = generateOperatorCredentials();
  writePrivate(path, `${JSON.stringify(credentials, null, 2)}\n`);
  return { credentials, created: true };
}

/** Reads the stored master key (base64, 32 bytes), generating it on first use. */
export function loadOrCreateMasterKey(path: string): string {
  if (existsSync(path)) {
    const key = readFileSync(path, 'utf8').trim();
    if (Buffer.from(key, 'base64').length !== 32) throw new Error(`${path} must hold 32 bytes in base64.`);
    return key;
  }
  const key = randomBytes(32).toString('base64');
  writePrivate(path, `${key}\n`);
  return key;
}
