import { describe, expect, it } from 'vitest';
import { contextKeys, originContextKeys, signInSessionFacts, stsSessionFacts } from '../src/index.ts';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const ALICE = {
  arn: 'arn:aws:iam::111122223333:user/eng/alice',
  accountId: '111122223333',
  type: 'User',
  userId: 'AIDAALICE00000000000',
  userName: 'alice',
  tags: [{ Key: 'team', Value: 'red' }],
} as const;

describe('contextKeys', () => {
  it('builds the global keys of a user’s request over TLS, with its session and the action’s keys', () => {
    expect(
      contextKeys({
        now: NOW,
        origin: {
          sourceIp: '203.0.113.7',
          userAgent: 'aws-cli/2.9',
          secureTransport: true,
          requestedRegion: 'eu-west-1',
        },
        principal: ALICE,
        session: { issuedAt: '2026-12-01T09:00:00.000Z', mfaAuthenticatedAt: '2026-12-01T09:58:20.000Z' },
        action: { name: 'sts:AssumeRole', facts: { roleSessionName: 'build' } },
      }),
    ).toEqual({
      'sts:RoleSessionName': 'build',
      'aws:SecureTransport': 'true',
      'aws:SourceIp': '203.0.113.7',
      'aws:UserAgent': 'aws-cli/2.9',
      'aws:RequestedRegion': 'eu-west-1',
      'aws:CurrentTime': '2026-12-01T10:00:00.000Z',
      'aws:EpochTime': '1796119200',
      'aws:PrincipalArn': ALICE.arn,
      'aws:PrincipalAccount': '111122223333',
      'aws:PrincipalType': 'User',
      'aws:PrincipalIsAWSService': 'false',
      'aws:userid': 'AIDAALICE00000000000',
      'aws:username': 'alice',
      'aws:PrincipalTag/team': 'red',
      'aws:PrincipalTagKeys': ['team'],
      'aws:MultiFactorAuthPresent': 'true',
      'aws:MultiFactorAuthAge': '100',
      'aws:TokenIssueTime': '2026-12-01T09:00:00.000Z',
    });
  });

  it('judges a request whose transport is not known as plain HTTP', () => {
    expect(originContextKeys({})).toEqual({ 'aws:SecureTransport': 'false' });
    expect(contextKeys({ now: NOW, origin: { sourceIp: '203.0.113.7' } })).toEqual({
      'aws:SecureTransport': 'false',
      'aws:SourceIp': '203.0.113.7',
      'aws:CurrentTime': '2026-12-01T10:00:00.000Z',
      'aws:EpochTime': '1796119200',
    });
  });

  it('says MultiFactorAuthPresent false, with no age, for a session without MFA', () => {
    const keys = contextKeys({
      now: NOW,
      origin: { secureTransport: true },
      session: signInSessionFacts({ issuedAt: 1796115600, authTime: 1796115600, mfa: false }),
    });
    expect(keys['aws:MultiFactorAuthPresent']).toBe('false');
    expect(keys['aws:MultiFactorAuthAge']).toBeUndefined();
    expect(keys['aws:TokenIssueTime']).toBe('2026-12-01T09:00:00.000Z');
  });

  it('reads an STS session’s MFA time, source identity and web identity provider', () => {
    const facts = stsSessionFacts({
      issuedAt: '2026-12-01T09:00:00.000Z',
      mfaAuthenticatedAt: '2026-12-01T09:30:00.000Z',
      sourceIdentity: 'alice@example.com',
      federation: {
        provider: 'arn:aws:iam::111122223333:oidc-provider/idp.example.com',
        subject: 'user-1',
        audience: 'web-client',
      },
    });
    expect(facts).toEqual({
      issuedAt: '2026-12-01T09:00:00.000Z',
      mfaAuthenticatedAt: '2026-12-01T09:30:00.000Z',
      sourceIdentity: 'alice@example.com',
      federatedProvider: 'arn:aws:iam::111122223333:oidc-provider/idp.example.com',
    });
  });
});
