/**
 * Fine-grained freshness on DynamoDB Local with the cache's clock pinned: every kind of committed
 * change reaches a warm decision once the window has passed (one revalidation read later), and
 * only the bundles that read the changed record reload.
 */
import { type IamContext, type IamOperations, iamOperations, tenantAccountOperations } from '@palisade/iam';
import { operatorCaller, rootCaller } from '@palisade/principals';
import {
  deleteResourcePolicy,
  getAccount,
  putDecisionLogSettings,
  putResourcePolicy,
  type StoreContext,
  setAccountStatus,
} from '@palisade/store';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { newDefaultPolicyVersion } from '../../../test/fixtures/managed-policy-changes.ts';
import { onEverySend } from '../../../test/fixtures/store-sends.ts';
import { createDecisionService } from '../src/decision-service.ts';
import { type BundleCache, createBundleCache } from '../src/policy-bundles.ts';

const WINDOW = 250;
const operator = operatorCaller('AKIAOPERATOR0000TEST');
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allowRead = policy({ Effect: 'Allow', Action: 'docs:Read', Resource: '*' });
const allowAll = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
const allowWrite = policy({ Effect: 'Allow', Action: 'docs:Write', Resource: '*' });

let store: StoreContext;
let iam: IamContext;
let A: string;
let sends = 0;
let clock = 0;
let cache: BundleCache;
let service: ReturnType<typeof createDecisionService>;

async function run(action: keyof IamOperations, input: object) {
  const result = await iamOperations(iam)[action]?.(rootCaller('aws', A), input);
  if (!result?.ok) throw new Error(`${action}: ${result?.message}`);
  return result.value as Record<string, unknown>;
}

const doc = (n: number | string) => `arn:aws:docs:us-east-1:${A}:doc/${n}`;

async function decide(user: string, action = 'docs:Read', resource = doc(1)) {
  const result = await service.authorize(
    operator,
    { principal: `arn:aws:iam::${A}:user/${user}`, action, resource },
    'req',
  );
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

beforeAll(async () => {
  iam = await createIamTestContext('freshness', () => new Date());
  store = iam.store;
  onEverySend(store, () => {
    sends++;
  });
  const created = await tenantAccountOperations(iam).createAccount(operator, 'freshness-unit');
  if (!created.ok) throw new Error(created.message);
  A = created.value.account.accountId;
  await run('CreatePolicy', { PolicyName: 'read', PolicyDocument: allowRead });
  await run('CreatePolicy', { PolicyName: 'everything', PolicyDocument: allowAll });
});

beforeEach(() => {
  clock = 0;
  cache = createBundleCache({ store, partition: 'aws', clock: () => clock, revalidateAfterMs: WINDOW });
  service = createDecisionService({ store, partition: 'aws', now: () => new Date(), cache });
});

interface ChangeCase {
  readonly change: string;
  /** Prepares the user (and anything else) before the decision is warmed. */
  readonly setup: (user: string) => Promise<void>;
  readonly commit: (user: string) => Promise<void>;
  readonly before: string;
  readonly after: string;
  readonly resource?: (user: string) => string;
}

const readPolicyArn = () => `arn:aws:iam::${A}:policy/read`;

const changes: readonly ChangeCase[] = [
  {
    change: 'an inline policy put',
    setup: async () => {},
    commit: async (user) => {
      await run('PutUserPolicy', { UserName: user, PolicyName: 'p', PolicyDocument: allowRead });
    },
    before: 'implicitDeny',
    after: 'allowed',
  },
  {
    change: 'an inline policy delete',
    setup: async (user) => {
      await run('PutUserPolicy', { UserName: user, PolicyName: 'p', PolicyDocument: allowRead });
    },
    commit: async (user) => {
      await run('DeleteUserPolicy', { UserName: user, PolicyName: 'p' });
    },
    before: 'allowed',
    after: 'implicitDeny',
  },
  {
    change: 'a managed policy attachment',
    setup: async () => {},
    commit: async (user) => {
      await run('AttachUserPolicy', { UserName: user, PolicyArn: readPolicyArn() });
    },
    before: 'implicitDeny',
    after: 'allowed',
  },
  {
    change: 'a managed policy detachment',
    setup: async (user) => {
      await run('AttachUserPolicy', { UserName: user, PolicyArn: readPolicyArn() });
    },
    commit: async (user) => {
      await run('DetachUserPolicy', { UserName: user, PolicyArn: readPolicyArn() });
    },
    before: 'allowed',
    after: 'implicitDeny',
  },
  {
    change: 'a user deleted and another created under its name (a new id)',
    setup: async (user) => {
      await run('AttachUserPolicy', { UserName: user, PolicyArn: readPolicyArn() });
    },
    commit: async (user) => {
      await run('DetachUserPolicy', { UserName: user, PolicyArn: readPolicyArn() });
      await run('DeleteUser', { UserName: user });
      await run('CreateUser', { UserName: user });
    },
    before: 'allowed',
    after: 'implicitDeny',
  },
  {
    change: 'a user renamed away and its name taken by a new user',
    setup: async (user) => {
      await run('AttachUserPolicy', { UserName: user, PolicyArn: readPolicyArn() });
    },
    commit: async (user) => {
      await run('UpdateUser', { UserName: user, NewUserName: `${user}-moved` });
      await run('CreateUser', { UserName: user });
    },
    before: 'allowed',
    after: 'implicitDeny',
  },
  {
    change: 'a membership added',
    setup: async (user) => {
      await run('CreateGroup', { GroupName: `${user}-g` });
      await run('PutGroupPolicy', { GroupName: `${user}-g`, PolicyName: 'p', PolicyDocument: allowRead });
    },
    commit: async (user) => {
      await run('AddUserToGroup', { GroupName: `${user}-g`, UserName: user });
    },
    before: 'implicitDeny',
    after: 'allowed',
  },
  {
    change: 'a membership removed',
    setup: async (user) => {
      await run('CreateGroup', { GroupName: `${user}-g` });
      await run('PutGroupPolicy', { GroupName: `${user}-g`, PolicyName: 'p', PolicyDocument: allowRead });
      await run('AddUserToGroup', { GroupName: `${user}-g`, UserName: user });
    },
    commit: async (user) => {
      await run('RemoveUserFromGroup', { GroupName: `${user}-g`, UserName: user });
    },
    before: 'allowed',
    after: 'implicitDeny',
  },
  {
    change: "a group's inline policy (seen by its members)",
    setup: async (user) => {
      await run('CreateGroup', { GroupName: `${user}-g` });
      await run('AddUserToGroup', { GroupName: `${user}-g`, UserName: user });
    },
    commit: async (user) => {
      await run('PutGroupPolicy', { GroupName: `${user}-g`, PolicyName: 'p', PolicyDocument: allowRead });
    },
    before: 'implicitDeny',
    after: 'allowed',
  },
  {
    change: "a group's policy detachment (seen by its members)",
    setup: async (user) => {
      await run('CreateGroup', { GroupName: `${user}-g` });
      await run('AttachGroupPolicy', { GroupName: `${user}-g`, PolicyArn: readPolicyArn() });
      await run('AddUserToGroup', { GroupName: `${user}-g`, UserName: user });
    },
    commit: async (user) => {
      await run('DetachGroupPolicy', { GroupName: `${user}-g`, PolicyArn: readPolicyArn() });
    },
    before: 'allowed',
    after: 'implicitDeny',
  },
  {
    change: "a managed policy's new default version (seen by the principals it is attached to)",
    ...newDefaultPolicyVersion(run, () => A, { first: allowWrite, next: allowRead }),
    before: 'implicitDeny',
    after: 'allowed',
  },
  {
    change: "a managed policy's default set back to an older version",
    setup: async (user) => {
      await run('CreatePolicy', { PolicyName: `${user}-p`, PolicyDocument: allowWrite });
      await run('CreatePolicyVersion', {
        PolicyArn: `arn:aws:iam::${A}:policy/${user}-p`,
        PolicyDocument: allowRead,
        SetAsDefault: true,
      });
      await run('AttachUserPolicy', { UserName: user, PolicyArn: `arn:aws:iam::${A}:policy/${user}-p` });
    },
    commit: async (user) => {
      await run('SetDefaultPolicyVersion', {
        PolicyArn: `arn:aws:iam::${A}:policy/${user}-p`,
        VersionId: 'v1',
      });
    },
    before: 'allowed',
    after: 'implicitDeny',
  },
  {
    change: 'a permissions boundary set',
    setup: async (user) => {
      await run('AttachUserPolicy', { UserName: user, PolicyArn: `arn:aws:iam::${A}:policy/everything` });
      await run('CreatePolicy', { PolicyName: `${user}-b`, PolicyDocument: allowWrite });
    },
    commit: async (user) => {
      await run('PutUserPermissionsBoundary', {
        UserName: user,
        PermissionsBoundary: `arn:aws:iam::${A}:policy/${user}-b`,
      });
    },
    before: 'allowed',
    after: 'implicitDeny',
  },
  {
    change: 'a permissions boundary removed',
    setup: async (user) => {
      await run('AttachUserPolicy', { UserName: user, PolicyArn: `arn:aws:iam::${A}:policy/everything` });
      await run('CreatePolicy', { PolicyName: `${user}-b`, PolicyDocument: allowWrite });
      await run('PutUserPermissionsBoundary', {
        UserName: user,
        PermissionsBoundary: `arn:aws:iam::${A}:policy/${user}-b`,
      });
    },
    commit: async (user) => {
      await run('DeleteUserPermissionsBoundary', { UserName: user });
    },
    before: 'implicitDeny',
    after: 'allowed',
  },
  {
    change: "the boundary policy's new default version",
    setup: async (user) => {
      await run('AttachUserPolicy', { UserName: user, PolicyArn: `arn:aws:iam::${A}:policy/everything` });
      await run('CreatePolicy', { PolicyName: `${user}-b`, PolicyDocument: allowWrite });
      await run('PutUserPermissionsBoundary', {
        UserName: user,
        PermissionsBoundary: `arn:aws:iam::${A}:policy/${user}-b`,
      });
    },
    commit: async (user) => {
      await run('CreatePolicyVersion', {
        PolicyArn: `arn:aws:iam::${A}:policy/${user}-b`,
        PolicyDocument: allowRead,
        SetAsDefault: true,
      });
    },
    before: 'implicitDeny',
    after: 'allowed',
  },
  {
    change: 'a principal tag (read by a condition)',
    setup: async (user) => {
      await run('PutUserPolicy', {
        UserName: user,
        PolicyName: 'p',
        PolicyDocument: policy({
          Effect: 'Allow',
          Action: 'docs:Read',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalTag/team': 'red' } },
        }),
      });
    },
    commit: async (user) => {
      await run('TagUser', { UserName: user, Tags: [{ Key: 'team', Value: 'red' }] });
    },
    before: 'implicitDeny',
    after: 'allowed',
  },
  {
    change: 'a resource policy put',
    setup: async () => {},
    commit: async (user) => {
      await putResourcePolicy(store, {
        accountId: A,
        resourceArn: doc(user),
        policy: policy({
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${A}:user/${user}` },
          Action: 'docs:Read',
          Resource: doc(user),
        }),
        tags: [],
        updatedAt: new Date().toISOString(),
      });
    },
    before: 'implicitDeny',
    after: 'allowed',
    resource: (user) => doc(user),
  },
  {
    change: 'a resource policy delete',
    setup: async (user) => {
      await putResourcePolicy(store, {
        accountId: A,
        resourceArn: doc(user),
        policy: policy({
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${A}:user/${user}` },
          Action: 'docs:Read',
          Resource: doc(user),
        }),
        tags: [],
        updatedAt: new Date().toISOString(),
      });
    },
    commit: async (user) => {
      const removed = await deleteResourcePolicy(store, A, doc(user));
      if (!removed.ok) throw new Error(removed.message);
    },
    before: 'allowed',
    after: 'implicitDeny',
    resource: (user) => doc(user),
  },
];

describe('fine-grained freshness of the decision cache', () => {
  it.each(changes.map((c, i) => [c.change, c, i] as const))(
    'serves %s from the warm cache within the window and decides by it right after',
    async (_, c, i) => {
      const user = `change-${i}`;
      await run('CreateUser', { UserName: user });
      await c.setup(user);
      const resource = c.resource?.(user) ?? doc(1);
      expect((await decide(user, 'docs:Read', resource)).decision).toBe(c.before);
      await c.commit(user);
      clock += WINDOW - 1;
      sends = 0;
      // Still inside the window: the warm entry answers, without a DynamoDB call.
      expect((await decide(user, 'docs:Read', resource)).decision).toBe(c.before);
      expect(sends).toBe(0);
      clock += 1;
      expect((await decide(user, 'docs:Read', resource)).decision).toBe(c.after);
    },
  );

  it('revalidates a warm principal, its resource and its account in one round trip', async () => {
    await run('CreateUser', { UserName: 'one-trip' });
    await run('AttachUserPolicy', { UserName: 'one-trip', PolicyArn: readPolicyArn() });
    expect((await decide('one-trip')).decision).toBe('allowed');
    clock += WINDOW;
    sends = 0;
    expect((await decide('one-trip')).decision).toBe('allowed');
    expect(sends).toBe(1);
  });

  it('sees a suspension of the account and a change of its decision-log settings after the window', async () => {
    await run('CreateUser', { UserName: 'account-wide' });
    await run('AttachUserPolicy', { UserName: 'account-wide', PolicyArn: readPolicyArn() });
    expect((await decide('account-wide')).decision).toBe('allowed');
    expect((await cache.accountStates([A])).get(A)?.logSampleRate).toBe(0);
    const written = await putDecisionLogSettings(store, A, 0.5);
    if (!written.ok) throw new Error(written.message);
    const account = await getAccount(store, A);
    await setAccountStatus(store, A, 'suspended', account?.version ?? 0);
    try {
      clock += WINDOW - 1;
      expect((await decide('account-wide')).decision).toBe('allowed');
      clock += 1;
      expect(await decide('account-wide')).toMatchObject({
        decision: 'implicitDeny',
        reason: 'account-not-active',
      });
      expect((await cache.accountStates([A])).get(A)?.logSampleRate).toBe(0.5);
    } finally {
      const suspended = await getAccount(store, A);
      await setAccountStatus(store, A, 'active', suspended?.version ?? 0);
      await putDecisionLogSettings(store, A, 0);
    }
  });

  it('keeps a warm principal warm through 100 writes to other users of its account: 0 reloads, 0 recompiles', async () => {
    await run('CreateUser', { UserName: 'warm' });
    await run('CreateGroup', { GroupName: 'shared' });
    await run('AttachGroupPolicy', { GroupName: 'shared', PolicyArn: readPolicyArn() });
    await run('AddUserToGroup', { GroupName: 'shared', UserName: 'warm' });
    await run('PutUserPolicy', { UserName: 'warm', PolicyName: 'own', PolicyDocument: allowWrite });
    expect((await decide('warm')).decision).toBe('allowed');
    const { loads, compiles } = cache.stats;

    // 100 committed writes to 20 other users of the account, including joining the warm user's group.
    for (let n = 0; n < 20; n++) {
      const other = `other-${n}`;
      await run('CreateUser', { UserName: other });
      await run('PutUserPolicy', { UserName: other, PolicyName: 'p', PolicyDocument: allowRead });
      await run('AttachUserPolicy', { UserName: other, PolicyArn: readPolicyArn() });
      await run('AddUserToGroup', { GroupName: 'shared', UserName: other });
      await run('TagUser', { UserName: other, Tags: [{ Key: 'n', Value: String(n) }] });
    }
    clock += WINDOW;
    sends = 0;
    expect((await decide('warm')).decision).toBe('allowed');
    expect((await decide('warm', 'docs:Write')).decision).toBe('allowed');
    expect(sends).toBe(1);
    expect(cache.stats.loads - loads).toBe(0);
    expect(cache.stats.compiles - compiles).toBe(0);
  });

  it('reloads an entry whose load raced a change: the stamps were read with the load, not after it', async () => {
    await run('CreateUser', { UserName: 'racer' });
    // Commit a change right after the load has read the user's partition, before it finishes.
    let armed = true;
    store.documents.middlewareStack.add(
      (next, context) => async (args) => {
        const output = await next(args);
        if (armed && context.commandName === 'QueryCommand') {
          armed = false;
          await run('PutUserPolicy', { UserName: 'racer', PolicyName: 'late', PolicyDocument: allowRead });
        }
        return output;
      },
      { step: 'initialize', name: 'raceAChange' },
    );
    try {
      // Loaded from what the table held before the change: a deny.
      expect((await decide('racer')).decision).toBe('implicitDeny');
    } finally {
      store.documents.middlewareStack.remove('raceAChange');
    }
    expect(armed).toBe(false);
    clock += WINDOW;
    const loads = cache.stats.loads;
    expect((await decide('racer')).decision).toBe('allowed');
    expect(cache.stats.loads - loads).toBe(1);
  });

  it('fails closed when a revalidation cannot read the table, then serves nothing stale', async () => {
    await run('CreateUser', { UserName: 'outage' });
    await run('AttachUserPolicy', { UserName: 'outage', PolicyArn: readPolicyArn() });
    expect((await decide('outage')).decision).toBe('allowed');
    clock += WINDOW;
    store.documents.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error('unavailable'), { name: 'InternalServerError' });
      },
      { step: 'initialize', name: 'outage' },
    );
    try {
      expect(await decide('outage')).toMatchObject({
        decision: 'implicitDeny',
        reason: 'platform-unavailable',
      });
    } finally {
      store.documents.middlewareStack.remove('outage');
    }
  });
});

describe('revalidating ahead of the window', () => {
  const AHEAD = 200;

  beforeEach(() => {
    cache = createBundleCache({
      store,
      partition: 'aws',
      clock: () => clock,
      revalidateAfterMs: WINDOW,
      refreshAheadMs: AHEAD,
    });
    service = createDecisionService({ store, partition: 'aws', now: () => new Date(), cache });
  });

  it('answers from the warm entry at once and revalidates it in the background', async () => {
    await run('CreateUser', { UserName: 'ahead' });
    await run('AttachUserPolicy', { UserName: 'ahead', PolicyArn: readPolicyArn() });
    expect((await decide('ahead')).decision).toBe('allowed');
    await run('DetachUserPolicy', { UserName: 'ahead', PolicyArn: readPolicyArn() });
    clock = AHEAD - 1;
    sends = 0;
    expect((await decide('ahead')).decision).toBe('allowed');
    expect(sends).toBe(0);
    clock = AHEAD;
    // Served from the entry (the read it starts would have found the detachment), not after the read.
    expect((await decide('ahead')).decision).toBe('allowed');
    await cache.settled();
    expect(sends).toBeGreaterThan(0);
    // Still inside the first window, the entry is already the table's.
    expect((await decide('ahead')).decision).toBe('implicitDeny');
  });

  it('serves a change committed after a background revalidation at most a window after that read began', async () => {
    await run('CreateUser', { UserName: 'ahead-bound' });
    await run('AttachUserPolicy', { UserName: 'ahead-bound', PolicyArn: readPolicyArn() });
    expect((await decide('ahead-bound')).decision).toBe('allowed');
    clock = AHEAD;
    expect((await decide('ahead-bound')).decision).toBe('allowed');
    await cache.settled();
    await run('DetachUserPolicy', { UserName: 'ahead-bound', PolicyArn: readPolicyArn() });
    clock = AHEAD + WINDOW - 1;
    expect((await decide('ahead-bound')).decision).toBe('allowed');
    clock = AHEAD + WINDOW;
    expect((await decide('ahead-bound')).decision).toBe('implicitDeny');
  });

  it('forgets an entry whose background revalidation failed: the next decision reads the table', async () => {
    await run('CreateUser', { UserName: 'ahead-outage' });
    await run('AttachUserPolicy', { UserName: 'ahead-outage', PolicyArn: readPolicyArn() });
    expect((await decide('ahead-outage')).decision).toBe('allowed');
    clock = AHEAD;
    store.documents.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error('unavailable'), { name: 'InternalServerError' });
      },
      { step: 'initialize', name: 'ahead-outage' },
    );
    try {
      expect((await decide('ahead-outage')).decision).toBe('allowed');
      await cache.settled();
      // Well inside the window of the last good read, yet nothing stale is served.
      expect(await decide('ahead-outage')).toMatchObject({
        decision: 'implicitDeny',
        reason: 'platform-unavailable',
      });
    } finally {
      store.documents.middlewareStack.remove('ahead-outage');
    }
  });
});
