/**
 * Identity routes are typed by the operation they name: a render or location reads that operation's
 * output as the IAM table types it, and the type-check (`tsc`, which covers this file) refuses one
 * that reads a member the operation does not answer. Every identity route is checked the same way
 * where it is declared (identity-routes.ts has no casts on outputs).
 */
import { describe, expect, it } from 'vitest';
import { identityRoutes } from '../src/rest/identity-routes.ts';
import type { IdentityRoute, OutputOf } from '../src/rest/route-model.ts';

const created: OutputOf<'CreateAccessKey'> = {
  AccessKey: {
    UserName: 'ada',
    AccessKeyId: 'AKIAEXAMPLE000000001',
    Status: 'Active',
    SecretAccessKey: 'secret',
    CreateDate: new Date('2026-11-28T12:00:00Z'),
  },
};

describe('identity route renders', () => {
  it("take the named operation's output, and the compiler refuses a member it does not answer", () => {
    const typed: IdentityRoute = {
      method: 'post',
      path: '/v1/access-keys',
      operation: 'CreateAccessKey',
      summary: 'Create an access key',
      tag: 'Access keys',
      status: 201,
      location: (_params, output) => `/v1/access-keys/${output.AccessKey.AccessKeyId}`,
    };
    const misread: IdentityRoute = {
      method: 'post',
      path: '/v1/users',
      operation: 'CreateUser',
      summary: 'Create a user',
      tag: 'Users',
      status: 201,
      // @ts-expect-error: CreateUser answers a User, not an AccessKey
      location: (_params, output) => `/v1/access-keys/${output.AccessKey.AccessKeyId}`,
    };
    expect(typed.operation === 'CreateAccessKey' && typed.location?.({}, created)).toBe(
      '/v1/access-keys/AKIAEXAMPLE000000001',
    );
    expect(misread.operation).toBe('CreateUser');
  });

  it('render the access key a user creates at its own location', () => {
    const route = identityRoutes().find(
      (candidate) => candidate.method === 'post' && candidate.path === '/v1/users/{userName}/access-keys',
    );
    expect(route?.operation).toBe('CreateAccessKey');
    if (route?.operation !== 'CreateAccessKey') return;
    expect(route.location?.({ userName: 'ada lovelace' }, created)).toBe(
      '/v1/users/ada%20lovelace/access-keys/AKIAEXAMPLE000000001',
    );
    expect(route.render?.(created, { userName: 'ada lovelace' })).toEqual(created.AccessKey);
  });
});
