import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRequest } from '../src/index.ts';
import { type ReferenceRequest, referenceDecision } from './reference-evaluator.ts';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';

const action = fc.constantFrom(
  's3:GetObject',
  's3:PutObject',
  's3:ListBucket',
  'ec2:RunInstances',
  'iam:GetUser',
);
const actionPattern = fc.constantFrom(
  's3:GetObject',
  's3:Get*',
  's3:*',
  '*',
  'S3:getobject',
  's3:?utObject',
  'ec2:*',
  'iam:GetUser',
  'ec*:Run*',
);
const resource = fc.constantFrom(
  'arn:aws:s3:::bucket/a',
  'arn:aws:s3:::bucket/b/c',
  'arn:aws:s3:::other/a',
  `arn:aws:iam::${ACCOUNT}:user/bob`,
);
const resourcePattern = fc.constantFrom(
  '*',
  'arn:aws:s3:::bucket/*',
  'arn:aws:s3:::bucket/a',
  'arn:aws:s3:::*',
  'arn:aws:s3:::b?cket/*',
  `arn:aws:iam::${ACCOUNT}:user/*`,
  'arn:aws:iam::*:*',
);
const principal = fc.constantFrom(
  `arn:aws:iam::${ACCOUNT}:user/alice`,
  `arn:aws:iam::${ACCOUNT}:role/app`,
  `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`,
  `arn:aws:iam::${OTHER}:user/carol`,
);
const condition = fc.option(
  fc.constantFrom(
    { StringEquals: { 'aws:PrincipalTag/team': 'red' } },
    { StringLike: { 'aws:PrincipalTag/team': 'r*' } },
    { Bool: { 'aws:SecureTransport': 'true' } },
    { StringNotEquals: { 'aws:PrincipalTag/team': 'blue' } },
    { NumericLessThan: { 's3:max-keys': '10' } },
    { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a', 'b'] } },
  ),
  { nil: undefined },
);
const context = fc.record(
  {
    'aws:PrincipalTag/team': fc.constantFrom('red', 'blue', 'rose'),
    'aws:SecureTransport': fc.constantFrom('true', 'false'),
    's3:max-keys': fc.constantFrom('5', '50'),
    'aws:TagKeys': fc.constantFrom(['a'], ['c'], ['a', 'c']),
  },
  { requiredKeys: [] },
);

const statement = (withPrincipal: boolean) =>
  fc
    .record({
      effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Allow', 'Deny'),
      actions: fc.array(actionPattern, { minLength: 1, maxLength: 3 }),
      notAction: fc.boolean(),
      resources: fc.array(resourcePattern, { minLength: 1, maxLength: 2 }),
      notResource: fc.boolean(),
      principal: withPrincipal
        ? fc.constantFrom(
            '*',
            ACCOUNT,
            `arn:aws:iam::${ACCOUNT}:user/alice`,
            `arn:aws:iam::${ACCOUNT}:role/app`,
            `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`,
            OTHER,
          )
        : fc.constant(undefined),
      condition,
    })
    .map((s) => ({
      Effect: s.effect,
      [s.notAction && s.effect === 'Deny' ? 'NotAction' : 'Action']: s.actions,
      [s.notResource ? 'NotResource' : 'Resource']: s.resources,
      ...(s.principal !== undefined ? { Principal: { AWS: s.principal } } : {}),
      ...(s.condition !== undefined ? { Condition: s.condition } : {}),
    }));

const policy = (withPrincipal: boolean) =>
  fc
    .array(statement(withPrincipal), { minLength: 1, maxLength: 4 })
    .map((Statement) => ({ Version: '2012-10-17', Statement }));

/** Present about a third of the time, so that most requests are not stopped by a guardrail. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary, weight: 1 });
}

const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const scpLevel = fc
  .tuple(fc.array(policy(false), { maxLength: 2 }), fc.boolean())
  .map(([policies, full]) =>
    full ? [ALLOW_ALL, ...policies] : policies.length > 0 ? policies : [ALLOW_ALL],
  );

const request: fc.Arbitrary<ReferenceRequest> = fc
  .record({
    principal,
    action,
    resource,
    sameAccount: fc.boolean(),
    context,
    identityPolicies: fc.array(policy(false), { maxLength: 3 }),
    resourcePolicy: fc.option(policy(true), { nil: undefined }),
    permissionsBoundaries: sometimes(fc.array(policy(false), { minLength: 1, maxLength: 2 })),
    sessionPolicies: sometimes(fc.array(policy(false), { minLength: 1, maxLength: 1 })),
    serviceControlPolicies: sometimes(fc.array(scpLevel, { minLength: 1, maxLength: 2 })),
  })
  .map(({ sameAccount, ...r }) => ({
    ...r,
    resourceAccount: sameAccount ? ACCOUNT : OTHER,
    ...(r.principal.includes(':assumed-role/') ? {} : { sessionPolicies: undefined }),
  }));

function decide(r: ReferenceRequest): string {
  const result = evaluateRequest(r);
  if ('error' in result) throw new Error(result.error.message);
  return result.decision;
}

type Doc = { Version: string; Statement: Record<string, unknown>[] };

function mapPolicies(r: ReferenceRequest, f: (doc: Doc) => Doc): ReferenceRequest {
  return {
    ...r,
    identityPolicies: (r.identityPolicies as Doc[]).map(f),
    ...(r.resourcePolicy !== undefined ? { resourcePolicy: f(r.resourcePolicy as Doc) } : {}),
    ...(r.permissionsBoundaries !== undefined
      ? { permissionsBoundaries: (r.permissionsBoundaries as Doc[]).map(f) }
      : {}),
    ...(r.sessionPolicies !== undefined ? { sessionPolicies: (r.sessionPolicies as Doc[]).map(f) } : {}),
    ...(r.serviceControlPolicies !== undefined
      ? { serviceControlPolicies: (r.serviceControlPolicies as Doc[][]).map((level) => level.map(f)) }
      : {}),
  };
}

const RUNS = { numRuns: 400 };

describe('evaluation properties', () => {
  it('agrees with the uncompiled reference evaluator', () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(decide(r)).toBe(referenceDecision(r));
      }),
      RUNS,
    );
  });

  it('denies when any policy type holds an applicable explicit Deny', () => {
    const where = fc.constantFrom('identity', 'resource', 'boundary', 'session', 'scp');
    fc.assert(
      fc.property(request, where, (r, place) => {
        const denyAll = { Effect: 'Deny', Action: '*', Resource: '*' };
        const denyDoc = { Version: '2012-10-17', Statement: [denyAll] };
        const withDeny: ReferenceRequest =
          place === 'identity'
            ? { ...r, identityPolicies: [...r.identityPolicies, denyDoc] }
            : place === 'resource'
              ? {
                  ...r,
                  resourcePolicy: { Version: '2012-10-17', Statement: [{ ...denyAll, Principal: '*' }] },
                }
              : place === 'boundary'
                ? { ...r, permissionsBoundaries: [...(r.permissionsBoundaries ?? []), denyDoc] }
                : place === 'session'
                  ? { ...r, sessionPolicies: [...(r.sessionPolicies ?? []), denyDoc] }
                  : { ...r, serviceControlPolicies: [...(r.serviceControlPolicies ?? []), [denyDoc]] };
        expect(decide(withDeny)).toBe('explicitDeny');
      }),
      RUNS,
    );
  });

  it('gives the same decision whatever the order of statements and policies', () => {
    fc.assert(
      fc.property(request, (r) => {
        const reversed = mapPolicies(r, (doc) => ({ ...doc, Statement: [...doc.Statement].reverse() }));
        const reorder = {
          ...reversed,
          identityPolicies: [...reversed.identityPolicies].reverse(),
          ...(reversed.permissionsBoundaries
            ? { permissionsBoundaries: [...reversed.permissionsBoundaries].reverse() }
            : {}),
        };
        expect(decide(reorder)).toBe(decide(r));
      }),
      RUNS,
    );
  });

  it('ignores a statement whose action cannot match', () => {
    fc.assert(
      fc.property(request, fc.constantFrom('Allow', 'Deny'), condition, (r, effect, extra) => {
        const inert = {
          Effect: effect,
          Action: ['nosuchservice:Act*', 'zz:Other'],
          Resource: '*',
          ...(extra !== undefined ? { Condition: extra } : {}),
        };
        const withInert = mapPolicies(r, (doc) => ({
          ...doc,
          Statement: [
            ...doc.Statement,
            doc.Statement.some((s) => 'Principal' in s) ? { ...inert, Principal: '*' } : inert,
          ],
        }));
        expect(decide(withInert)).toBe(decide(r));
      }),
      RUNS,
    );
  });
});
