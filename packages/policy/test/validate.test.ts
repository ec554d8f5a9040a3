// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${...} inside plain strings.
import { describe, expect, it } from 'vitest';
import { type Finding, malformedPolicyMessage, type ServiceCatalog, validatePolicy } from '../src/index.ts';

const V = '2012-10-17';
const codes = (findings: Finding[]) => findings.map((f) => f.code);
const doc = (statement: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Version: V,
  Statement: [statement],
  ...extra,
});
const read = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };

describe('validatePolicy', () => {
  it('accepts a well-formed identity policy without findings', () => {
    expect(validatePolicy(doc(read), 'identity')).toEqual([]);
  });

  it('reports invalid JSON as a syntax error', () => {
    const findings = validatePolicy('{"Version": ', 'identity');
    expect(malformedPolicyMessage(findings)).toBe('Syntax errors in policy.');
  });

  it('rejects a Principal in an identity policy with AWS wording', () => {
    const findings = validatePolicy(doc({ ...read, Principal: '*' }), 'identity');
    expect(malformedPolicyMessage(findings)).toBe('Policy document should not specify a principal.');
    expect(findings[0]?.location).toEqual({ statementIndex: 0, path: 'Statement[0].Principal' });
  });

  it('rejects a Principal in a session policy and an SCP', () => {
    expect(malformedPolicyMessage(validatePolicy(doc({ ...read, Principal: '*' }), 'session'))).toBe(
      'Has prohibited field Principal',
    );
    expect(codes(validatePolicy(doc({ ...read, Principal: '*' }), 'scp'))).toContain('UNSUPPORTED_PRINCIPAL');
  });

  it('requires a Principal in resource and trust policies', () => {
    expect(malformedPolicyMessage(validatePolicy(doc(read), 'resource'))).toBe(
      'Missing required field Principal',
    );
    const trust = doc({ Effect: 'Allow', Action: 'sts:AssumeRole' });
    expect(malformedPolicyMessage(validatePolicy(trust, 'trust'))).toBe('Missing required field Principal');
  });

  it('prohibits Resource in a trust policy', () => {
    const trust = doc({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: '123456789012' },
      Resource: '*',
    });
    expect(malformedPolicyMessage(validatePolicy(trust, 'trust'))).toBe('Has prohibited field Resource');
  });

  it('requires RCP principals to be "*"', () => {
    expect(
      codes(validatePolicy(doc({ ...read, Effect: 'Deny', Principal: { AWS: '123456789012' } }), 'rcp')),
    ).toContain('RCP_SYNTAX_ERROR_PRINCIPAL');
  });

  it('allows NotPrincipal only with Deny', () => {
    const allow = doc({ ...read, NotPrincipal: { AWS: '123456789012' } });
    expect(codes(validatePolicy(allow, 'resource'))).toContain('UNSUPPORTED_ELEMENT_COMBINATION');
    const deny = doc({ ...read, Effect: 'Deny', NotPrincipal: { AWS: '123456789012' } });
    expect(codes(validatePolicy(deny, 'resource')).filter((c) => c !== 'ALLOW_WITH_NOT_ACTION')).toEqual([]);
  });

  it('rejects mutually exclusive pairs', () => {
    expect(codes(validatePolicy(doc({ ...read, NotAction: 's3:Put*' }), 'identity'))).toContain(
      'UNSUPPORTED_ELEMENT_COMBINATION',
    );
    expect(codes(validatePolicy(doc({ ...read, NotResource: '*' }), 'identity'))).toContain(
      'UNSUPPORTED_ELEMENT_COMBINATION',
    );
  });

  it('requires Effect, Action and (for identity policies) Resource', () => {
    expect(malformedPolicyMessage(validatePolicy(doc({ Action: 's3:*', Resource: '*' }), 'identity'))).toBe(
      'Missing required field Effect',
    );
    expect(
      malformedPolicyMessage(
        validatePolicy(doc({ Effect: 'Alow', Action: 's3:*', Resource: '*' }), 'identity'),
      ),
    ).toBe('Invalid effect: Alow');
    expect(malformedPolicyMessage(validatePolicy(doc({ Effect: 'Allow', Resource: '*' }), 'identity'))).toBe(
      'Policy statement must contain actions.',
    );
    expect(malformedPolicyMessage(validatePolicy(doc({ Effect: 'Allow', Action: '*' }), 'identity'))).toBe(
      'Policy statement must contain resources.',
    );
  });

  it('rejects an action without a service prefix', () => {
    expect(malformedPolicyMessage(validatePolicy(doc({ ...read, Action: 'GetObject' }), 'identity'))).toBe(
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    );
  });

  it('rejects a resource that is neither an ARN nor "*"', () => {
    expect(malformedPolicyMessage(validatePolicy(doc({ ...read, Resource: 'bucket' }), 'identity'))).toBe(
      'Resource bucket must be in ARN format or "*".',
    );
  });

  it('rejects duplicate Sids and non-alphanumeric Sids in identity policies', () => {
    const twice = {
      Version: V,
      Statement: [
        { ...read, Sid: 'A' },
        { ...read, Sid: 'A' },
      ],
    };
    expect(codes(validatePolicy(twice, 'identity'))).toContain('UNIQUE_SIDS_REQUIRED');
    expect(codes(validatePolicy(doc({ ...read, Sid: 'has space' }), 'identity'))).toContain(
      'UNSUPPORTED_SID',
    );
    expect(
      codes(validatePolicy(doc({ ...read, Sid: 'has space', Principal: '*' }), 'resource')),
    ).not.toContain('UNSUPPORTED_SID');
  });

  it('rejects an invalid Version and an unknown element', () => {
    expect(
      malformedPolicyMessage(validatePolicy({ Version: '2020-01-01', Statement: [read] }, 'identity')),
    ).toBe('The policy must contain a valid version string');
    expect(codes(validatePolicy(doc({ ...read, Conditions: {} }), 'identity'))).toContain(
      'INVALID_POLICY_ELEMENT',
    );
  });

  it('rejects characters outside TAB, LF, CR and U+0020–U+00FF', () => {
    const text = JSON.stringify(doc({ ...read, Sid: 'x' })).replace('"x"', '"\u2603"');
    expect(codes(validatePolicy(text, 'identity'))).toContain('INVALID_CHARACTERS');
  });

  it('warns about Allow with NotAction or NotResource', () => {
    const f = validatePolicy(
      doc({ Effect: 'Allow', NotAction: 'iam:*', NotResource: 'arn:aws:s3:::x' }),
      'identity',
    );
    expect(codes(f)).toEqual(expect.arrayContaining(['ALLOW_WITH_NOT_ACTION', 'ALLOW_WITH_NOT_RESOURCE']));
    expect(f.find((x) => x.code === 'ALLOW_WITH_NOT_ACTION')?.kind).toBe('WARNING');
  });

  it('flags "*" on "*" as a security warning', () => {
    const f = validatePolicy(doc({ Effect: 'Allow', Action: '*', Resource: '*' }), 'identity');
    expect(f.map((x) => [x.kind, x.code])).toEqual([
      ['SECURITY_WARNING', 'ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES'],
      ['SECURITY_WARNING', 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE'],
    ]);
  });

  it('flags ForAllValues on a single-valued key', () => {
    const f = validatePolicy(
      doc({ ...read, Condition: { 'ForAllValues:StringEquals': { 'aws:username': ['a'] } } }),
      'identity',
    );
    expect(f.map((x) => [x.kind, x.code])).toEqual([
      ['SECURITY_WARNING', 'FORALLVALUES_WITH_SINGLE_VALUED_KEY'],
    ]);
    const multi = validatePolicy(
      doc({ ...read, Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } } }),
      'identity',
    );
    expect(multi).toEqual([]);
  });

  it('flags a negated operator with IfExists', () => {
    const f = validatePolicy(
      doc({ ...read, Condition: { StringNotEqualsIfExists: { 'aws:username': 'a' } } }),
      'identity',
    );
    expect(codes(f)).toEqual(['NEGATED_OPERATOR_WITH_IF_EXISTS']);
  });

  it('rejects unknown operators and Null with IfExists', () => {
    const unknown = validatePolicy(
      doc({ ...read, Condition: { StringEqualz: { 'aws:username': 'a' } } }),
      'identity',
    );
    expect(malformedPolicyMessage(unknown)).toBe('Invalid Condition type : StringEqualz.');
    expect(
      codes(
        validatePolicy(doc({ ...read, Condition: { NullIfExists: { 'aws:username': 'true' } } }), 'identity'),
      ),
    ).toContain('NULL_WITH_IF_EXISTS');
  });

  it('rejects values an operator cannot compare', () => {
    const f = validatePolicy(
      doc({ ...read, Condition: { NumericLessThan: { 's3:max-keys': 'ten' } } }),
      'identity',
    );
    expect(codes(f)).toContain('INVALID_CONDITION_VALUE');
    expect(
      codes(
        validatePolicy(
          doc({ ...read, Condition: { IpAddress: { 'aws:SourceIp': '300.1.1.1/8' } } }),
          'identity',
        ),
      ),
    ).toContain('INVALID_CONDITION_VALUE');
  });

  it('warns about wildcards under an Equals operator', () => {
    const f = validatePolicy(
      doc({ ...read, Condition: { StringEquals: { 's3:prefix': 'home/*' } } }),
      'identity',
    );
    expect(codes(f)).toEqual(['WILDCARD_WITHOUT_LIKE_OPERATOR']);
  });

  it('reports variables under Version 2008-10-17 and malformed variables', () => {
    const old = validatePolicy(
      { Version: '2008-10-17', Statement: [{ ...read, Resource: 'arn:aws:s3:::b/${aws:username}' }] },
      'identity',
    );
    expect(codes(old)).toContain('VARIABLE_UNSUPPORTED_IN_VERSION');
    expect(
      codes(validatePolicy(doc({ ...read, Resource: 'arn:aws:s3:::b/${aws:username' }), 'identity')),
    ).toContain('MISSING_BRACE_IN_VARIABLE');
    expect(codes(validatePolicy(doc({ ...read, Resource: 'arn:aws:s3:::b/${}' }), 'identity'))).toContain(
      'EMPTY_VARIABLE',
    );
    expect(codes(validatePolicy(doc({ ...read, Action: 's3:${x}' }), 'identity'))).toContain(
      'VARIABLE_UNSUPPORTED_IN_ELEMENT',
    );
  });

  it('warns when Version is missing', () => {
    expect(codes(validatePolicy({ Statement: [read] }, 'identity'))).toEqual(['MISSING_VERSION']);
  });

  it('flags iam:PassRole on "*"', () => {
    expect(
      codes(validatePolicy(doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }), 'identity')),
    ).toContain('PASS_ROLE_WITH_STAR_IN_RESOURCE');
  });
});

describe('validatePolicy with a service catalog', () => {
  const catalog: ServiceCatalog = [
    {
      prefix: 'widgets',
      actions: ['GetWidget', 'PutWidget', 'ListWidgets'],
      resourceTypes: [
        { name: 'widget', arnPattern: 'arn:${Partition}:widgets:${Region}:${Account}:widget/${Id}' },
      ],
      conditionKeys: [
        { name: 'widgets:Color', type: 'String' },
        { name: 'widgets:Size', type: 'Numeric' },
        { name: 'widgets:ResourceTag/${TagKey}', type: 'String' },
      ],
    },
  ];
  const w = (statement: Record<string, unknown>) => doc({ Effect: 'Allow', Resource: '*', ...statement });

  it('flags an unknown action with a suggestion', () => {
    const f = validatePolicy(w({ Action: 'widgets:GetWidgit' }), 'identity', catalog);
    expect(f.map((x) => x.message)).toEqual([
      'The action widgets:GetWidgit does not exist. Did you mean widgets:GetWidget?',
    ]);
  });

  it('accepts known actions and matching wildcards, case-insensitively', () => {
    expect(
      validatePolicy(w({ Action: ['widgets:getwidget', 'widgets:List*'] }), 'identity', catalog),
    ).toEqual([]);
  });

  it('flags a wildcard that matches no action', () => {
    expect(codes(validatePolicy(w({ Action: 'widgets:Delete*' }), 'identity', catalog))).toEqual([
      'INVALID_ACTION',
    ]);
  });

  it('accepts any action of a service it does not know', () => {
    expect(validatePolicy(w({ Action: 'gadgets:Anything' }), 'identity', catalog)).toEqual([]);
  });

  it('flags an unknown condition key with a suggestion and a mistyped operator', () => {
    const unknown = validatePolicy(
      w({ Action: 'widgets:GetWidget', Condition: { StringEquals: { 'widgets:Colour': 'red' } } }),
      'identity',
      catalog,
    );
    expect(unknown.map((x) => x.message)).toEqual([
      'The condition key widgets:Colour does not exist. Did you mean widgets:Color?',
    ]);
    const mistyped = validatePolicy(
      w({ Action: 'widgets:GetWidget', Condition: { StringEquals: { 'widgets:Size': '3' } } }),
      'identity',
      catalog,
    );
    expect(codes(mistyped)).toEqual(['TYPE_MISMATCH']);
  });

  it('matches tag-style keys on their prefix', () => {
    const f = validatePolicy(
      w({ Action: 'widgets:GetWidget', Condition: { StringEquals: { 'widgets:ResourceTag/team': 'red' } } }),
      'identity',
      catalog,
    );
    expect(f).toEqual([]);
  });
});
