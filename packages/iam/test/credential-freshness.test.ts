/**
 * The credential cache on DynamoDB Local, the clock pinned: a remembered key is confirmed after its
 * window by one read of exactly the records it was built from, so each kind of change reaches the
 * next request after the window, and writes to other users leave it as it is.
 */
import {
  type IamContext,
  type IamOperations,
  iamOperations,
  setUserActive,
  tenantAccountOperations,
} from '@palisade/iam';
import {
  type AuthenticationContext,
  authenticateSignedRequest,
  authenticateSignedRequestOverlapped,
  createCredentialCache,
  operatorCaller,
  rootCaller,
} from '@palisade/principals';
import { getAccount, type StoreContext, setAccountStatus } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { newDefaultPolicyVersion } from '../../../test/fixtures/managed-policy-changes.ts';
import { onEverySend } from '../../../test/fixtures/store-sends.ts';
import { signAsClient } from '../../credentials/test/support/client-signing.ts';

const WINDOW = 250;
const START = new Date('2031-03-01T12:00:00.000Z');
const OPERATOR = { accessKeyId: 'AKIAOPERATOR0000TEST', secretAccessKey: 'operator-secret' };
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allowRead = policy({ Effect: 'Allow', Action: 'docs:Read', Resource: '*' });
const allowWrite = policy({ Effect: 'Allow', Action: 'docs:Write', Resource: '*' });

let iam: IamContext;
let store: StoreContext;
let A: string;
let sends = 0;
let now = START;

async function run(action: keyof IamOperations, input: object) {
  const result = await iamOperations(iam)[action]?.(rootCaller('aws', A), input);
  if (!result?.ok) throw new Error(`${action}: ${result?.message}`);
  return result.value as Record<string, unknown>;
}

beforeAll(async () => {
  iam = await createIamTestContext('credential-freshness', () => now);
  store = iam.store;
  onEverySend(store, () => {
    sends++;
  });
  const created = await tenantAccountOperations(iam).createAccount(
    operatorCaller(OPERATOR.accessKeyId),
    'cred-fresh',
  );
  if (!created.ok) throw new Error(created.message);
  A = created.value.account.accountId;
  await run('CreatePolicy', { PolicyName: 'read', PolicyDocument: allowRead });
});

interface Key {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

async function userWithKey(user: string): Promise<Key> {
  await run('CreateUser', { UserName: user });
  const created = (await run('CreateAccessKey', { UserName: user })) as {
    AccessKey: { AccessKeyId: string; SecretAccessKey: string };
  };
  return { accessKeyId: created.AccessKey.AccessKeyId, secretAccessKey: created.AccessKey.SecretAccessKey };
}

function authenticationContext(): AuthenticationContext {
  return {
    store,
    partition: 'aws',
    secrets: iam.secrets,
    now: () => now,
    operator: OPERATOR,
    credentialCache: createCredentialCache({ revalidateAfterMs: WINDOW }),
  };
}

async function signed(key: Key) {
  return signAsClient(
    { method: 'POST', path: '/', headers: { host: 'palisade.test' }, body: 'Action=GetUser' },
    { credentials: key, service: 'iam', region: 'us-east-1', date: now },
  );
}

/** What a request signed with `key` gets: the failure code, or whether the caller may read docs. */
async function outcome(context: AuthenticationContext, key: Key): Promise<string> {
  const authenticated = await authenticateSignedRequest(context, await signed(key), 'iam');
  if (!authenticated.ok) return authenticated.code;
  return authenticated.value.caller.authorize('docs:Read', '*').allowed ? 'may-read' : 'may-not-read';
}

const later = (ms: number) => {
  now = new Date(now.getTime() + ms);
};

interface CredentialChange {
  readonly change: string;
  readonly setup: (user: string, key: Key) => Promise<void>;
  readonly commit: (user: string, key: Key) => Promise<void>;
  readonly before: string;
  readonly after: string;
}

const changes: readonly CredentialChange[] = [
  {
    change: 'the key deactivated',
    setup: async () => {},
    commit: async (user, key) => {
      await run('UpdateAccessKey', { UserName: user, AccessKeyId: key.accessKeyId, Status: 'Inactive' });
    },
    before: 'may-not-read',
    after: 'credentials.inactive',
  },
  {
    change: 'the key deleted',
    setup: async () => {},
    commit: async (user, key) => {
      await run('DeleteAccessKey', { UserName: user, AccessKeyId: key.accessKeyId });
    },
    before: 'may-not-read',
    after: 'credentials.unknown-key',
  },
  {
    change: "the key's user deactivated",
    setup: async () => {},
    commit: async (user) => {
      const set = await setUserActive(iam, rootCaller('aws', A), A, { userName: user }, false);
      if (!set.ok) throw new Error(set.message);
    },
    before: 'may-not-read',
    after: 'credentials.inactive',
  },
  {
    change: "an inline policy on the key's user",
    setup: async () => {},
    commit: async (user) => {
      await run('PutUserPolicy', { UserName: user, PolicyName: 'p', PolicyDocument: allowRead });
    },
    before: 'may-not-read',
    after: 'may-read',
  },
  {
    change: "a membership of the key's user",
    setup: async (user) => {
      await run('CreateGroup', { GroupName: `${user}-g` });
      await run('AttachGroupPolicy', { GroupName: `${user}-g`, PolicyArn: `arn:aws:iam::${A}:policy/read` });
    },
    commit: async (user) => {
      await run('AddUserToGroup', { GroupName: `${user}-g`, UserName: user });
    },
    before: 'may-not-read',
    after: 'may-read',
  },
  {
    change: "a new default version of the user's managed policy",
    ...newDefaultPolicyVersion(run, () => A, { first: allowWrite, next: allowRead }),
    before: 'may-not-read',
    after: 'may-read',
  },
];

describe('the credential cache', () => {
  it.each(changes.map((c, i) => [c.change, c, i] as const))(
    'answers from memory within the window and sees %s right after it',
    async (_, c, i) => {
      const user = `cred-${i}`;
      const key = await userWithKey(user);
      await c.setup(user, key);
      const context = authenticationContext();
      expect(await outcome(context, key)).toBe(c.before);
      await c.commit(user, key);
      later(WINDOW - 1);
      sends = 0;
      expect(await outcome(context, key)).toBe(c.before);
      expect(sends).toBe(0);
      later(1);
      expect(await outcome(context, key)).toBe(c.after);
    },
  );

  it('sees the account suspended right after the window', async () => {
    const key = await userWithKey('cred-suspended');
    const context = authenticationContext();
    expect(await outcome(context, key)).toBe('may-not-read');
    const account = await getAccount(store, A);
    await setAccountStatus(store, A, 'suspended', account?.version ?? 0);
    try {
      later(WINDOW);
      expect(await outcome(context, key)).toBe('account.suspended');
    } finally {
      const suspended = await getAccount(store, A);
      await setAccountStatus(store, A, 'active', suspended?.version ?? 0);
    }
  });

  it('keeps a remembered key through 100 writes to other users: one stamp read, no reload', async () => {
    const key = await userWithKey('cred-warm');
    await run('CreateGroup', { GroupName: 'cred-shared' });
    await run('AttachGroupPolicy', { GroupName: 'cred-shared', PolicyArn: `arn:aws:iam::${A}:policy/read` });
    await run('AddUserToGroup', { GroupName: 'cred-shared', UserName: 'cred-warm' });
    const context = authenticationContext();
    expect(await outcome(context, key)).toBe('may-read');
    const remembered = context.credentialCache?.get(key.accessKeyId);
    for (let n = 0; n < 25; n++) {
      await run('CreateUser', { UserName: `cred-other-${n}` });
      await run('PutUserPolicy', { UserName: `cred-other-${n}`, PolicyName: 'p', PolicyDocument: allowRead });
      await run('AddUserToGroup', { GroupName: 'cred-shared', UserName: `cred-other-${n}` });
      await run('CreateAccessKey', { UserName: `cred-other-${n}` });
    }
    later(WINDOW);
    sends = 0;
    expect(await outcome(context, key)).toBe('may-read');
    expect(sends).toBe(1);
    expect(context.credentialCache?.get(key.accessKeyId)).toBe(remembered);
  });

  it('returns an overlapped caller whose confirmation turns false when the key changed', async () => {
    const key = await userWithKey('cred-overlap');
    const context = authenticationContext();
    expect(await outcome(context, key)).toBe('may-not-read');
    later(WINDOW);
    const unchanged = await authenticateSignedRequestOverlapped(context, await signed(key), 'iam');
    expect(unchanged.ok && (await unchanged.value.confirmation)).toBe(true);
    await run('UpdateAccessKey', {
      UserName: 'cred-overlap',
      AccessKeyId: key.accessKeyId,
      Status: 'Inactive',
    });
    later(WINDOW);
    const changed = await authenticateSignedRequestOverlapped(context, await signed(key), 'iam');
    expect(changed.ok && (await changed.value.confirmation)).toBe(false);
    expect(context.credentialCache?.get(key.accessKeyId)).toBeUndefined();
  });
});

describe('the credential cache revalidating ahead of the window', () => {
  const AHEAD = 200;
  const aheadContext = (): AuthenticationContext => ({
    ...authenticationContext(),
    credentialCache: createCredentialCache({ revalidateAfterMs: WINDOW, refreshAheadMs: AHEAD }),
  });

  it('answers from memory at once and sees a deactivation once the background read settles', async () => {
    const key = await userWithKey('cred-ahead');
    const context = aheadContext();
    expect(await outcome(context, key)).toBe('may-not-read');
    await run('UpdateAccessKey', {
      UserName: 'cred-ahead',
      AccessKeyId: key.accessKeyId,
      Status: 'Inactive',
    });
    later(AHEAD - 1);
    sends = 0;
    expect(await outcome(context, key)).toBe('may-not-read');
    expect(sends).toBe(0);
    later(1);
    // Served from memory: the read it starts would have found the key inactive.
    expect(await outcome(context, key)).toBe('may-not-read');
    await context.credentialCache?.settled();
    expect(sends).toBeGreaterThan(0);
    expect(context.credentialCache?.get(key.accessKeyId)).toBeUndefined();
    expect(await outcome(context, key)).toBe('credentials.inactive');
  });

  it('refuses a key revoked after a background confirmation at most a window after that read began', async () => {
    const key = await userWithKey('cred-ahead-bound');
    const context = aheadContext();
    expect(await outcome(context, key)).toBe('may-not-read');
    later(AHEAD);
    expect(await outcome(context, key)).toBe('may-not-read');
    await context.credentialCache?.settled();
    await run('DeleteAccessKey', { UserName: 'cred-ahead-bound', AccessKeyId: key.accessKeyId });
    later(WINDOW - 1);
    expect(await outcome(context, key)).toBe('may-not-read');
    later(1);
    expect(await outcome(context, key)).toBe('credentials.unknown-key');
  });
});
