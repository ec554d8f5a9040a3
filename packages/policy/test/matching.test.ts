import { describe, expect, it } from 'vitest';
import { colonPositions, matchArnPattern, parseArn } from '../src/arn.ts';
import { globMatch } from '../src/glob.ts';
import { aggregatePolicySize, invalidCharacterIndex, POLICY_SIZE_QUOTAS, policySize } from '../src/index.ts';
import { blockContains, parseIp, parseIpBlock } from '../src/ip-address.ts';
import { parsePrincipal } from '../src/principal.ts';

describe('globMatch', () => {
  it.each([
    ['*', '', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abbbd', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['*a*b*', 'xxaybz', true],
    ['**', 'x', true],
  ])('matches %s against %s as %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });
});

describe('ARNs', () => {
  it('parses the six parts and keeps colons in the resource', () => {
    expect(parseArn('arn:aws:lambda:us-east-1:123456789012:function:f:1')).toEqual({
      partition: 'aws',
      service: 'lambda',
      region: 'us-east-1',
      account: '123456789012',
      resource: 'function:f:1',
    });
    expect(parseArn('not:an:arn')).toBeUndefined();
  });

  it('never treats a wildcard in the service segment as a wildcard', () => {
    const arn = 'arn:aws:s3:::b/k';
    expect(matchArnPattern('arn:aws:*:::b/k', arn, colonPositions(arn))).toBe(false);
  });
});

describe('IP addresses', () => {
  it('parses compressed IPv6 and embedded IPv4', () => {
    expect(parseIp('::1')?.groups).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIp('::ffff:1.2.3.4')?.groups).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIp('1:2:3:4:5:6:7:8:9')).toBeUndefined();
  });

  it('checks prefixes that are not multiples of 16 bits', () => {
    const block = parseIpBlock('2001:db8:8000::/33');
    expect(block && blockContains(block, parseIp('2001:db8:ffff::1')!)).toBe(true);
    expect(block && blockContains(block, parseIp('2001:db8:7fff::1')!)).toBe(false);
  });
});

describe('parsePrincipal', () => {
  it('tells users, roles, sessions, federated users, root, services and anonymous apart', () => {
    expect(parsePrincipal('arn:aws:iam::123456789012:user/a/b').kind).toBe('user');
    expect(parsePrincipal('arn:aws:iam::123456789012:role/path/R').roleName).toBe('r');
    expect(parsePrincipal('arn:aws:sts::123456789012:assumed-role/R/s').roleName).toBe('r');
    expect(parsePrincipal('arn:aws:sts::123456789012:federated-user/bob').kind).toBe('federated-user');
    expect(parsePrincipal('arn:aws:iam::123456789012:root').kind).toBe('root');
    expect(parsePrincipal('lambda.amazonaws.com').kind).toBe('service');
    expect(parsePrincipal('anonymous').kind).toBe('anonymous');
    expect(parsePrincipal('arn:aws:iam::123456789012:role/aws-service-role/x/y').serviceLinked).toBe(true);
  });
});

describe('policy size', () => {
  it('does not count white space', () => {
    const compact = '{"Version":"2012-10-17","Statement":[]}';
    expect(policySize(compact)).toBe(compact.length);
    expect(policySize('{\n  "Version" : "2012-10-17",\t"Statement": [ ]\r\n}')).toBe(compact.length);
    expect(policySize({ Version: '2012-10-17', Statement: [] })).toBe(compact.length);
  });

  it('adds up inline policies and exports the quotas', () => {
    expect(aggregatePolicySize(['{"a":1}', { b: 2 }])).toBe(14);
    expect(POLICY_SIZE_QUOTAS).toEqual({
      managedPolicy: 6144,
      userInlineAggregate: 2048,
      groupInlineAggregate: 5120,
      roleInlineAggregate: 10240,
      trustPolicy: 2048,
      sessionPolicy: 2048,
    });
  });

  it('finds characters outside the accepted set', () => {
    expect(invalidCharacterIndex('ok\t\n\r ÿ')).toBe(-1);
    expect(invalidCharacterIndex('ok\u0001')).toBe(2);
    expect(invalidCharacterIndex('okĀ')).toBe(2);
  });
});
