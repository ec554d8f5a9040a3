import type { FailureCode } from '@palisade/failures';
import { describe, expect, it } from 'vitest';
import {
  iamQueryService,
  parseQueryRequest,
  queryParameterText,
  stsQueryService,
} from '../src/aws-query/index.ts';

const versions = [iamQueryService.version, stsQueryService.version];
const iam = 'Action=CreateUser&Version=2010-05-08';

/** Parses and returns the input, failing the test on a parse failure. */
function inputOf(body: string | URLSearchParams) {
  const parsed = parseQueryRequest(body, { versions });
  if (!parsed.ok) throw new Error(`unexpected failure ${parsed.code}: ${parsed.message}`);
  return parsed.value.input;
}

/** Plain-object copy, so assertions compare data and not the null prototype. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe('parseQueryRequest', () => {
  it('reads the action, the version and top-level scalars, leaving values as strings', () => {
    const parsed = parseQueryRequest(`${iam}&UserName=bob&Path=%2Feng%2F&MaxItems=10&Flag=true`, {
      versions,
    });
    expect(parsed.ok && parsed.value.action).toBe('CreateUser');
    expect(parsed.ok && parsed.value.version).toBe('2010-05-08');
    expect(parsed.ok && plain(parsed.value.input)).toEqual({
      UserName: 'bob',
      Path: '/eng/',
      MaxItems: '10',
      Flag: 'true',
    });
  });

  it('decodes lists of scalars in index order, whatever the order on the wire', () => {
    const input = inputOf(`${iam}&Names.member.3=c&Names.member.1=a&Names.member.2=b`);
    expect(plain(input)).toEqual({ Names: ['a', 'b', 'c'] });
  });

  it('decodes lists of structures and lists nested inside them', () => {
    const input = inputOf(
      `Action=SimulatePrincipalPolicy&Version=2010-05-08&PolicySourceArn=arn` +
        `&ContextEntries.member.1.ContextKeyName=aws%3ASourceIp&ContextEntries.member.1.ContextKeyType=ip` +
        `&ContextEntries.member.1.ContextKeyValues.member.1=10.0.0.1` +
        `&ContextEntries.member.1.ContextKeyValues.member.2=10.0.0.2` +
        `&ContextEntries.member.2.ContextKeyName=k&ContextEntries.member.2.ContextKeyValues.member.1=v`,
    );
    expect(plain(input)).toEqual({
      PolicySourceArn: 'arn',
      ContextEntries: [
        { ContextKeyName: 'aws:SourceIp', ContextKeyType: 'ip', ContextKeyValues: ['10.0.0.1', '10.0.0.2'] },
        { ContextKeyName: 'k', ContextKeyValues: ['v'] },
      ],
    });
  });

  it('decodes maps from entry.N.key / entry.N.value, and nested structures from X.Y', () => {
    const input = inputOf(
      `${iam}&Attributes.entry.1.key=color&Attributes.entry.1.value=blue` +
        `&Attributes.entry.2.key=__proto__&Attributes.entry.2.value=x&Filter.Kind.Name=n`,
    );
    expect(Object.keys(input.Attributes as object)).toEqual(['color', '__proto__']);
    expect(input.Filter).toEqual({ Kind: { Name: 'n' } });
    expect(Object.getPrototypeOf(input.Attributes)).toBeNull();
  });

  it('keeps an empty value as an empty string (the SDK sends an empty list as `Tags=`)', () => {
    expect(plain(inputOf(`${iam}&Tags=&Path=`))).toEqual({ Tags: '', Path: '' });
  });

  it('decodes `+` as a space and percent escapes as UTF-8, as botocore and the SDK encode them', () => {
    const input = inputOf(`${iam}&A=a+b%2Bc%20d&B=%C3%A9%E2%82%AC%F0%9F%94%91&C=x%3Dy%26z`);
    expect(plain(input)).toEqual({ A: 'a b+c d', B: 'é€🔑', C: 'x=y&z' });
  });

  it('accepts URLSearchParams and parameters split between the URL and the body', () => {
    const params = new URLSearchParams([
      ['Action', 'GetUser'],
      ['Version', '2010-05-08'],
      ['UserName', 'bob'],
    ]);
    expect(plain(inputOf(params))).toEqual({ UserName: 'bob' });
    const text = queryParameterText('/?Action=GetUser&Version=2010-05-08', 'UserName=bob');
    expect(plain(inputOf(text))).toEqual({ UserName: 'bob' });
    expect(queryParameterText('http://h/?Action=GetUser', '')).toBe('Action=GetUser');
    expect(queryParameterText('/', 'Action=GetUser')).toBe('Action=GetUser');
  });

  it('leaves presigned-URL signature parameters (X-Amz-*) out of the input', () => {
    const input = inputOf(
      'Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab',
    );
    expect(plain(input)).toEqual({});
  });

  it('gives the input a null prototype so no parameter can reach Object.prototype', () => {
    const input = inputOf(`${iam}&constructor=x&hasOwnProperty=y`);
    expect(Object.getPrototypeOf(input)).toBeNull();
    expect(input.constructor).toBe('x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  const failures: ReadonlyArray<{ body: string; code: FailureCode; why: string }> = [
    { body: 'Version=2010-05-08&UserName=bob', code: 'request.missing-parameter', why: 'no Action' },
    { body: '', code: 'request.missing-parameter', why: 'an empty body' },
    { body: 'Action=&Version=2010-05-08', code: 'request.missing-parameter', why: 'an empty Action' },
    { body: 'Action=GetUser', code: 'request.missing-parameter', why: 'no Version' },
    {
      body: 'Action=GetUser&Version=2009-01-01',
      code: 'request.unsupported-version',
      why: 'an unknown Version',
    },
    {
      body: 'Action=Get%20User&Version=2010-05-08',
      code: 'request.unknown-action',
      why: 'a malformed Action',
    },
    {
      body: 'Action.member.1=GetUser&Version=2010-05-08',
      code: 'request.unknown-action',
      why: 'a list Action',
    },
    { body: `${iam}&Tags.member.0.Key=k`, code: 'request.invalid', why: 'index 0' },
    { body: `${iam}&Tags.member.01.Key=k`, code: 'request.invalid', why: 'a leading zero' },
    { body: `${iam}&Tags.member.-1.Key=k`, code: 'request.invalid', why: 'a negative index' },
    { body: `${iam}&Tags.member.1.Key=a&Tags.member.3.Key=c`, code: 'request.invalid', why: 'a gap' },
    { body: `${iam}&Tags.member.2.Key=b`, code: 'request.invalid', why: 'a list not starting at 1' },
    { body: `${iam}&Tags.member.99999999.Key=k`, code: 'request.invalid', why: 'a huge index' },
    { body: `${iam}&Tags.member.1001=k`, code: 'request.invalid', why: 'an index above the parameter limit' },
    { body: `${iam}&Tags.member=k`, code: 'request.invalid', why: 'member without an index' },
    { body: `${iam}&Tags.member.1=a&Tags.Other=b`, code: 'request.invalid', why: 'list mixed with a member' },
    { body: `${iam}&Tags.1=a`, code: 'request.invalid', why: 'an index without member' },
    { body: `${iam}&Tags=&Tags.member.1=a`, code: 'request.invalid', why: 'a value and members at once' },
    { body: `${iam}&UserName=a&UserName=b`, code: 'request.invalid', why: 'a duplicated key' },
    { body: `${iam}&__proto__.polluted=yes`, code: 'request.invalid', why: 'a __proto__ member' },
    { body: `${iam}&Tags.member.1.__proto__=yes`, code: 'request.invalid', why: 'a nested __proto__ member' },
    { body: `${iam}&A..B=x`, code: 'request.invalid', why: 'an empty segment' },
    { body: `${iam}&M.entry.1.key=a`, code: 'request.invalid', why: 'a map entry without value' },
    {
      body: `${iam}&M.entry.1.key=a&M.entry.1.value=b&M.entry.1.extra=c`,
      code: 'request.invalid',
      why: 'extra',
    },
    {
      body: `${iam}&M.entry.1.key=a&M.entry.1.value=b&M.entry.2.key=a&M.entry.2.value=c`,
      code: 'request.invalid',
      why: 'a repeated map key',
    },
    {
      body: `${iam}&M.entry.1.key.X=a&M.entry.1.value=b`,
      code: 'request.invalid',
      why: 'a structured map key',
    },
    { body: `${iam}&UserName=%zz`, code: 'request.malformed-body', why: 'a bad percent escape' },
    { body: `${iam}&UserName=%4`, code: 'request.malformed-body', why: 'a truncated percent escape' },
    { body: `${iam}&UserName=%C3%28`, code: 'request.malformed-body', why: 'invalid UTF-8' },
    { body: `${iam}&UserName=%ED%A0%80`, code: 'request.malformed-body', why: 'an encoded surrogate' },
    { body: `${iam}&UserName=\uD800`, code: 'request.malformed-body', why: 'a lone surrogate' },
    { body: `${iam}&${'A'.repeat(300)}=x`, code: 'request.malformed-body', why: 'a very long name' },
    {
      body: `${iam}&${Array(20).fill('A').join('.')}=x`,
      code: 'request.malformed-body',
      why: 'deep nesting',
    },
  ];

  it.each(failures)('rejects $why with $code', ({ body, code }) => {
    const parsed = parseQueryRequest(body, { versions });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.code).toBe(code);
  });

  it('bounds the number of parameters, counting without building them all', () => {
    const many = `${iam}&${Array.from({ length: 999 }, (_, i) => `L.member.${i + 1}=x`).join('&')}`;
    expect(parseQueryRequest(many, { versions }).ok).toBe(false);
    const parsed = parseQueryRequest(`${iam}${'&'.repeat(1_000_000)}&${'A=1&'.repeat(5_000)}`, { versions });
    expect(!parsed.ok && parsed.code).toBe('request.malformed-body');
    const limited = parseQueryRequest(`${iam}&A=1&B=2`, { versions, limits: { maxParameters: 3 } });
    expect(!limited.ok && limited.message).toMatch(/more than 3 parameters/);
    const params = new URLSearchParams(`${iam}&A=1&B=2`);
    expect(parseQueryRequest(params, { versions, limits: { maxParameters: 3 } }).ok).toBe(false);
  });

  it('accepts exactly the parameter limit, in a 998-member list', () => {
    const list = Array.from({ length: 998 }, (_, i) => `L.member.${i + 1}=${i}`).join('&');
    const input = inputOf(`${iam}&${list}`);
    expect((input.L as readonly string[]).length).toBe(998);
    expect((input.L as readonly string[])[997]).toBe('997');
  });

  it('never echoes a long hostile name in full in its message', () => {
    const name = `A.${'B'.repeat(200)}.0`;
    const parsed = parseQueryRequest(`${iam}&${name}=x`, { versions });
    expect(!parsed.ok && parsed.message.length).toBeLessThan(160);
  });
});
