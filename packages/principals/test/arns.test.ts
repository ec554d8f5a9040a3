import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arnAccount,
  assumedRoleArn,
  entityArn,
  formatArn,
  inlinePolicyId,
  mfaSerialArn,
  oidcProviderArn,
  type PalisadeArn,
  palisadeArn,
  parseArnOf,
  parseInlinePolicyId,
  parsePalisadeArn,
  parsePolicyArn,
  rootArn,
} from '../src/index.ts';

const A = '111122223333';

/** One ARN of every kind, as its builder writes it and as the parser reads it back. */
const EVERY_KIND: readonly [string, PalisadeArn][] = [
  [
    entityArn('aws', A, 'user', '/eng/', 'alice'),
    { kind: 'user', partition: 'aws', accountId: A, path: '/eng/', name: 'alice' },
  ],
  [
    entityArn('aws', A, 'group', '/', 'readers'),
    { kind: 'group', partition: 'aws', accountId: A, path: '/', name: 'readers' },
  ],
  [
    entityArn('aws-cn', A, 'role', '/service/ci/', 'deploy'),
    { kind: 'role', partition: 'aws-cn', accountId: A, path: '/service/ci/', name: 'deploy' },
  ],
  [
    entityArn('aws', A, 'policy', '/', 'read'),
    { kind: 'policy', partition: 'aws', accountId: A, path: '/', name: 'read' },
  ],
  [
    entityArn('aws', 'aws', 'policy', '/', 'AdministratorAccess'),
    { kind: 'policy', partition: 'aws', accountId: 'aws', path: '/', name: 'AdministratorAccess' },
  ],
  [
    mfaSerialArn('aws', A, '/', 'alice-phone'),
    { kind: 'mfa', partition: 'aws', accountId: A, path: '/', name: 'alice-phone' },
  ],
  [rootArn('aws', A), { kind: 'root', partition: 'aws', accountId: A }],
  [
    assumedRoleArn('aws', A, 'deploy', 'build-42'),
    { kind: 'assumed-role', partition: 'aws', accountId: A, roleName: 'deploy', sessionName: 'build-42' },
  ],
  [
    formatArn({ kind: 'federated-user', partition: 'aws', accountId: A, name: 'bob' }),
    { kind: 'federated-user', partition: 'aws', accountId: A, name: 'bob' },
  ],
  [
    oidcProviderArn('aws', A, 'idp.example.com/tenants/7'),
    { kind: 'oidc-provider', partition: 'aws', accountId: A, providerId: 'idp.example.com/tenants/7' },
  ],
  [
    oidcProviderArn('aws', A, '[::1]:5558'),
    { kind: 'oidc-provider', partition: 'aws', accountId: A, providerId: '[::1]:5558' },
  ],
  [
    palisadeArn('aws', A, 'service/docs'),
    { kind: 'palisade', partition: 'aws', accountId: A, resource: 'service/docs' },
  ],
];

describe('ARNs', () => {
  it.each(EVERY_KIND)('reads back %s as its builder wrote it', (text, parts) => {
    expect(parsePalisadeArn(text)).toEqual(parts);
    expect(formatArn(parts)).toBe(text);
  });

  it('writes the texts AWS writes', () => {
    expect(EVERY_KIND.map(([text]) => text)).toEqual([
      `arn:aws:iam::${A}:user/eng/alice`,
      `arn:aws:iam::${A}:group/readers`,
      `arn:aws-cn:iam::${A}:role/service/ci/deploy`,
      `arn:aws:iam::${A}:policy/read`,
      'arn:aws:iam::aws:policy/AdministratorAccess',
      `arn:aws:iam::${A}:mfa/alice-phone`,
      `arn:aws:iam::${A}:root`,
      `arn:aws:sts::${A}:assumed-role/deploy/build-42`,
      `arn:aws:sts::${A}:federated-user/bob`,
      `arn:aws:iam::${A}:oidc-provider/idp.example.com/tenants/7`,
      `arn:aws:iam::${A}:oidc-provider/[::1]:5558`,
      `arn:aws:palisade::${A}:service/docs`,
    ]);
  });

  it('round-trips any valid user, group or role name and path', () => {
    const nameChar = fc.constantFrom(...'abcXYZ019+=,.@_-'.split(''));
    const segment = fc.string({
      unit: fc.constantFrom(...'abc019-_.'.split('')),
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(
        fc.constantFrom('user' as const, 'group' as const, 'role' as const),
        fc.array(segment, { maxLength: 4 }),
        fc.string({ unit: nameChar, minLength: 1, maxLength: 64 }),
        (kind, segments, name) => {
          const path = segments.length ? `/${segments.join('/')}/` : '/';
          const text = entityArn('aws', A, kind, path, name);
          expect(parsePalisadeArn(text)).toEqual({ kind, partition: 'aws', accountId: A, path, name });
        },
      ),
    );
  });

  it.each([
    ['not an ARN', 'alice'],
    ['too few segments', `arn:aws:iam::${A}`],
    ['another service', `arn:aws:s3:::bucket/key`],
    ['a region on an IAM ARN', `arn:aws:iam:us-east-1:${A}:user/alice`],
    ['a short account', 'arn:aws:iam::12345:user/alice'],
    ['the platform account outside policies', 'arn:aws:iam::palisade:user/alice'],
    ['an unknown IAM kind', `arn:aws:iam::${A}:server-certificate/web`],
    ['a user name past 64 characters', `arn:aws:iam::${A}:user/${'a'.repeat(65)}`],
    ['a character IAM names refuse', `arn:aws:iam::${A}:user/al ice`],
    ['an empty path segment', `arn:aws:iam::${A}:user//alice`],
    ['an empty name', `arn:aws:iam::${A}:role/`],
    ['a root with a path', `arn:aws:iam::${A}:root/x`],
    ['a session name of one character', `arn:aws:sts::${A}:assumed-role/deploy/x`],
    ['a session without its name', `arn:aws:sts::${A}:assumed-role/deploy`],
    ['a session with a path', `arn:aws:sts::${A}:assumed-role/ci/deploy/build`],
    ['an unknown STS kind', `arn:aws:sts::${A}:role/deploy`],
    ['an empty OIDC provider', `arn:aws:iam::${A}:oidc-provider/`],
    ['a partition with capitals', `arn:AWS:iam::${A}:user/alice`],
  ])('refuses %s', (_, text) => {
    expect(parsePalisadeArn(text)).toBeUndefined();
  });

  it('parses one kind in the deployment’s partition only', () => {
    const role = `arn:aws:iam::${A}:role/deploy`;
    expect(parseArnOf('aws', 'role', role)).toMatchObject({ accountId: A, name: 'deploy' });
    expect(parseArnOf('aws', 'user', role)).toBeUndefined();
    expect(parseArnOf('aws-cn', 'role', role)).toBeUndefined();
  });

  it('tells customer from operator-managed policies', () => {
    expect(parsePolicyArn('aws', `arn:aws:iam::${A}:policy/teams/read`)).toEqual({
      scope: 'customer',
      accountId: A,
      path: '/teams/',
      name: 'read',
    });
    // AWS-managed ARNs, and the legacy form operator-managed policies had before (still accepted).
    for (const account of ['aws', 'palisade']) {
      expect(parsePolicyArn('aws', `arn:aws:iam::${account}:policy/ReadOnlyAccess`)).toEqual({
        scope: 'platform',
        path: '/',
        name: 'ReadOnlyAccess',
      });
    }
    expect(parsePolicyArn('aws', 'arn:aws:iam::amazon:policy/ReadOnlyAccess')).toBeUndefined();
  });

  it('finds the 12-digit account of any ARN, and none elsewhere', () => {
    expect(arnAccount(`arn:aws:docs:us-east-1:${A}:doc/1`)).toBe(A);
    expect(arnAccount('arn:aws:s3:::bucket/key')).toBeUndefined();
    expect(arnAccount('arn:aws:iam::aws:policy/ReadOnlyAccess')).toBeUndefined();
    expect(arnAccount('*')).toBeUndefined();
  });

  it('reads back an inline policy id, even under a path that holds /inline/', () => {
    const owner = entityArn('aws', A, 'user', '/inline/', 'bob');
    expect(parseInlinePolicyId(inlinePolicyId(owner, 'tls-only'))).toEqual({
      ownerKind: 'user',
      policyName: 'tls-only',
    });
    expect(parseInlinePolicyId(`arn:aws:iam::${A}:policy/read`)).toBeUndefined();
  });
});
