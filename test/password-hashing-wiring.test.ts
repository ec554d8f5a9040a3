/**
 * The password hashing cost is a dependency of the platform: production wiring hashes at OWASP's
 * cost, a test may inject a cheaper one, and a stored hash is always checked at the cost it carries.
 */
import { iamOperations } from '@palisade/iam';
import { rootCaller } from '@palisade/principals';
import { getLoginProfile, type StoreContext } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../functions/wiring/platform.ts';
import { TEST_PASSWORD_HASHING } from './fixtures/iam-context.ts';
import { mustRunOperation } from './fixtures/run-operation.ts';
import { createTestAccount, TEST_OPERATOR } from './fixtures/test-platform.ts';
import { createTestTable, TEST_CHANGE_ORIGIN } from './fixtures/test-table.ts';

const PASSWORD = 'Correct-Horse-Battery-9';

let store: StoreContext;
/** Built as production builds it: no cost given. */
let production: Platform;
/** The same table, at the tests' cheap cost. */
let cheap: Platform;
let accountId: string;

beforeAll(async () => {
  store = await createTestTable('password-hashing');
  const endpoint = await store.dynamodb.config.endpoint?.();
  const config = {
    tableName: store.tableName,
    dynamodbEndpoint: `${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`,
    operatorAccessKeyId: TEST_OPERATOR.accessKeyId,
    operatorSecretAccessKey: TEST_OPERATOR.secretAccessKey,
    masterKey: Buffer.alloc(32, 3).toString('base64'),
    partition: 'aws',
  };
  production = createPlatform(config, () => {}, undefined, TEST_CHANGE_ORIGIN);
  cheap = createPlatform(config, () => {}, undefined, TEST_CHANGE_ORIGIN, TEST_PASSWORD_HASHING);
  ({ accountId } = await createTestAccount(production, 'password-hashing'));
});

/** Creates a user with a console password through `platform`; returns the stored hash reader. */
async function userWithPassword(platform: Platform, userName: string): Promise<() => Promise<string>> {
  const ops = iamOperations(platform.iam);
  const root = rootCaller('aws', accountId);
  const created = (await mustRunOperation(ops, root, 'CreateUser', { UserName: userName })) as {
    User: { UserId: string };
  };
  await mustRunOperation(ops, root, 'CreateLoginProfile', { UserName: userName, Password: PASSWORD });
  return async () => {
    const profile = await getLoginProfile(store, accountId, { kind: 'user', userId: created.User.UserId });
    if (!profile) throw new Error(`no login profile for ${userName}`);
    return profile.passwordHash;
  };
}

async function signIn(platform: Platform, userName: string, password = PASSWORD): Promise<number> {
  const response = await platform.app.request('/v1/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account: 'password-hashing', userName, password }),
  });
  return response.status;
}

describe('password hashing cost', () => {
  it('is OWASP scrypt (ln=17, r=8, p=1) on a platform wired without a cost', async () => {
    const storedHash = await userWithPassword(production, 'strong');
    expect(await storedHash()).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
  });

  it('is the injected one for new passwords when a cost is injected', async () => {
    const storedHash = await userWithPassword(cheap, 'cheap');
    expect(await storedHash()).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    expect(await signIn(cheap, 'cheap')).toBe(200);
    expect(await signIn(cheap, 'cheap', 'Wrong-Horse-Battery-9')).toBe(401);
  });

  it('checks a stored hash at the cost it carries, and rehashes it at the injected cost on sign-in', async () => {
    const storedHash = await userWithPassword(production, 'upgraded');
    expect(await signIn(cheap, 'upgraded', 'Wrong-Horse-Battery-9')).toBe(401);
    expect(await storedHash()).toMatch(/^\$scrypt\$ln=17,/);
    expect(await signIn(cheap, 'upgraded')).toBe(200);
    const rehashed = await storedHash();
    expect(rehashed).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    // A hash at the current cost is kept as it is.
    expect(await signIn(cheap, 'upgraded')).toBe(200);
    expect(await storedHash()).toBe(rehashed);
  });
});
