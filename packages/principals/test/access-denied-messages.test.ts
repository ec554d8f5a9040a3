import {
  compilePrincipalPolicies,
  compileResourcePolicies,
  evaluate,
  type PrincipalPolicyInputs,
  type ResourcePolicyInputs,
} from '@palisade/policy';
import { describe, expect, it } from 'vitest';
import { accessDeniedMessage, denialReasonOf } from '../src/index.ts';

const A = '111122223333';
const B = '444455556666';
const bob = `arn:aws:iam::${A}:user/bob`;
const target = `arn:aws:iam::${A}:user/carol`;
const head = `User: ${bob} is not authorized to perform: iam:CreateUser on resource: ${target}`;

const doc = (effect: 'Allow' | 'Deny', action = 'iam:*', extra: object = {}) => ({
  id: `${effect}-${action}`,
  document: {
    Version: '2012-10-17',
    Statement: [{ Effect: effect, Action: action, Resource: '*', ...extra }],
  },
});
const allow = doc('Allow');
const deny = doc('Deny', 'iam:CreateUser');
const readOnly = doc('Allow', 'iam:Get*');

/** The message for `bob` asking iam:CreateUser on `resource` under these policies. */
function messageFor(
  principal: PrincipalPolicyInputs,
  resource: ResourcePolicyInputs = {},
  action = 'iam:CreateUser',
  resourceArn = target,
): string {
  const explanation = evaluate(
    { principal: bob, action, resource: resourceArn },
    compilePrincipalPolicies(principal),
    compileResourcePolicies(resource),
  );
  expect(explanation.decision).not.toBe('allowed');
  return accessDeniedMessage(bob, action, resourceArn, denialReasonOf(explanation));
}

describe('accessDeniedMessage from the engine explanation', () => {
  const cases: [string, PrincipalPolicyInputs, string][] = [
    [
      'no identity-based policy allows it',
      { identityPolicies: [readOnly] },
      `${head} because no identity-based policy allows the iam:CreateUser action`,
    ],
    [
      'an identity-based policy denies it',
      { identityPolicies: [allow, deny] },
      `${head} with an explicit deny in an identity-based policy`,
    ],
    [
      'the permissions boundary does not allow it',
      { identityPolicies: [allow], permissionsBoundaries: [readOnly] },
      `${head} because no permissions boundary allows the iam:CreateUser action`,
    ],
    [
      'the permissions boundary denies it',
      { identityPolicies: [allow], permissionsBoundaries: [allow, deny] },
      `${head} with an explicit deny in a permissions boundary`,
    ],
    [
      'the session policy does not allow it',
      { identityPolicies: [allow], sessionPolicies: [readOnly] },
      `${head} because no session policy allows the iam:CreateUser action`,
    ],
    [
      'the session policy denies it',
      { identityPolicies: [allow], sessionPolicies: [allow, deny] },
      `${head} with an explicit deny in a session policy`,
    ],
    [
      'a service control policy does not allow it',
      { identityPolicies: [allow], serviceControlPolicies: [[readOnly]] },
      `${head} because no service control policy allows the iam:CreateUser action`,
    ],
    [
      'a service control policy denies it',
      { identityPolicies: [allow], serviceControlPolicies: [[allow, deny]] },
      `${head} with an explicit deny in a service control policy`,
    ],
  ];
  it.each(cases)('names the policy type when %s', (_, principal, expected) => {
    expect(messageFor(principal)).toBe(expected);
  });

  it('names a resource control policy and a resource-based policy of another account', () => {
    const bucket = `arn:aws:s3:::b-${B}`;
    const s3 = (type: string) =>
      `User: ${bob} is not authorized to perform: s3:GetObject on resource: ${bucket} ${type}`;
    const identity = { identityPolicies: [doc('Allow', 's3:*')] };
    const crossAccount = { resourceAccount: B };
    const evaluateS3 = (resource: ResourcePolicyInputs) =>
      denialReasonOf(
        evaluate(
          { principal: bob, action: 's3:GetObject', resource: bucket, ...crossAccount },
          compilePrincipalPolicies(identity),
          compileResourcePolicies(resource),
        ),
      );
    const grant = doc('Allow', 's3:*', { Principal: { AWS: bob } });
    expect(
      accessDeniedMessage(
        bob,
        's3:GetObject',
        bucket,
        evaluateS3({
          resourceControlPolicies: [[doc('Deny', 's3:*', { Principal: '*' })]],
          resourcePolicy: grant,
        }),
      ),
    ).toBe(s3('with an explicit deny in a resource control policy'));
    expect(
      accessDeniedMessage(
        bob,
        's3:GetObject',
        bucket,
        evaluateS3({
          resourcePolicy: doc('Allow', 's3:*', { Principal: { AWS: `arn:aws:iam::${B}:root` } }),
        }),
      ),
    ).toBe(s3('because no resource-based policy allows the s3:GetObject action'));
  });

  it('names the resource-based policy when a role trust policy does not allow the caller', () => {
    const role = `arn:aws:iam::${A}:role/ops`;
    const trust = doc('Allow', 'sts:AssumeRole', { Principal: { Service: 'ec2.amazonaws.com' } });
    expect(
      messageFor(
        { identityPolicies: [doc('Allow', 'sts:AssumeRole')] },
        { resourcePolicy: trust, resourcePolicyType: 'trust' },
        'sts:AssumeRole',
        role,
      ),
    ).toBe(
      `User: ${bob} is not authorized to perform: sts:AssumeRole on resource: ${role} because no resource-based policy allows the sts:AssumeRole action`,
    );
  });

  it('stops after the resource when no reason may be told', () => {
    expect(accessDeniedMessage(bob, 'sts:AssumeRole', 'arn:aws:iam::444455556666:role/x')).toBe(
      `User: ${bob} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role/x`,
    );
  });
});
