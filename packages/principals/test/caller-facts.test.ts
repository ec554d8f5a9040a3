import { type PrincipalRecord, zeroCounters } from '@palisade/store';
import { describe, expect, it } from 'vitest';
import { callerFacts, type EffectivePolicies, rootCaller, userCaller } from '../src/index.ts';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const now = () => NOW;
const ALICE: PrincipalRecord = {
  kind: 'user',
  accountId: '111122223333',
  name: 'alice',
  path: '/eng/',
  id: 'AIDAALICE00000000000',
  arn: 'arn:aws:iam::111122223333:user/eng/alice',
  createdAt: '2026-01-01T00:00:00.000Z',
  tags: [{ Key: 'team', Value: 'red' }],
  version: 1,
  counters: zeroCounters,
};
const effective: EffectivePolicies = { principal: ALICE, identityPolicies: [], groups: [], stamps: [] };
const question = { action: 'docs:Read', resource: '*' };

describe('callerFacts().requestedRegion', () => {
  it('answers the aws:RequestedRegion of the caller’s own request context, for users and the root', () => {
    const origin = { sourceIp: '203.0.113.7', secureTransport: true, requestedRegion: 'eu-west-1' };
    for (const caller of [
      userCaller(effective, now, { origin }),
      rootCaller('aws', '111122223333', now, undefined, { origin }),
    ]) {
      const facts = callerFacts(caller);
      expect(facts?.requestedRegion?.()).toBe('eu-west-1');
      expect(facts?.requestContext?.(question)['aws:RequestedRegion']).toBe('eu-west-1');
    }
  });

  it('answers undefined when the request named no region, as the context has no such key', () => {
    const facts = callerFacts(userCaller(effective, now, { origin: { sourceIp: '203.0.113.7' } }));
    expect(facts?.requestedRegion?.()).toBeUndefined();
    expect(facts?.requestContext?.(question)).not.toHaveProperty('aws:RequestedRegion');
    expect(callerFacts(userCaller(effective, now))?.requestedRegion?.()).toBeUndefined();
  });
});
