import { describe, expect, it } from 'vitest';
import {
  formatQueryTimestamp,
  iamQueryService,
  mapMembers,
  policyDocumentMembers,
  queryOutputOf,
  renderQueryResponse,
  stsQueryService,
} from '../src/aws-query/index.ts';

const options = { requestId: 'req-1', namespace: iamQueryService.namespace };
const metadata = '<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>';

/** The inside of `<XResult>`, so each case states only what it is about. */
function resultOf(output: object): string {
  const xml = renderQueryResponse('X', output, options);
  const match = /^<XResponse xmlns="[^"]+">(?:<XResult>(.*)<\/XResult>|<XResult\/>)<ResponseMetadata>/s.exec(
    xml,
  );
  if (!match) throw new Error(`unexpected envelope: ${xml}`);
  return match[1] ?? '';
}

describe('renderQueryResponse', () => {
  it('wraps the result in <ActionResponse> with the namespace and the request id', () => {
    expect(renderQueryResponse('GetUser', { User: { UserName: 'bob' } }, options)).toBe(
      '<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">' +
        `<GetUserResult><User><UserName>bob</UserName></User></GetUserResult>${metadata}</GetUserResponse>`,
    );
    expect(
      renderQueryResponse(
        'GetCallerIdentity',
        { Account: '1' },
        { ...options, namespace: stsQueryService.namespace },
      ),
    ).toContain('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
  });

  it('renders no Result element for actions without output, as AWS does for DeleteUser', () => {
    const expected = `<DeleteUserResponse xmlns="${iamQueryService.namespace}">${metadata}</DeleteUserResponse>`;
    expect(renderQueryResponse('DeleteUser', undefined, options)).toBe(expected);
    for (const output of [undefined, {}, { Gone: undefined }]) {
      const rendered = queryOutputOf(iamQueryService, 'DeleteUser', output);
      expect(renderQueryResponse('DeleteUser', rendered, options)).toBe(expected);
    }
  });

  it('renders an empty Result element for an output shape with no members, as AWS does for UpdateRole', () => {
    const expected = `<UpdateRoleResponse xmlns="${iamQueryService.namespace}"><UpdateRoleResult/>${metadata}</UpdateRoleResponse>`;
    for (const output of [undefined, {}, { Gone: undefined }]) {
      const rendered = queryOutputOf(iamQueryService, 'UpdateRole', output);
      expect(renderQueryResponse('UpdateRole', rendered, options)).toBe(expected);
    }
    expect(queryOutputOf(stsQueryService, 'GetCallerIdentity', undefined)).toEqual({});
  });

  it('renders arrays as <member> children and empty arrays as empty elements', () => {
    expect(resultOf({ Users: [{ UserName: 'a' }, { UserName: 'b' }], Names: ['x'] })).toBe(
      '<Users><member><UserName>a</UserName></member><member><UserName>b</UserName></member></Users>' +
        '<Names><member>x</member></Names>',
    );
    expect(resultOf({ Users: [], IsTruncated: false })).toBe('<Users/><IsTruncated>false</IsTruncated>');
  });

  it('renders nested lists of structures holding lists', () => {
    const output = {
      UserDetailList: [{ UserName: 'a', GroupList: ['g1', 'g2'], Tags: [{ Key: 'k', Value: 'v' }] }],
    };
    expect(resultOf(output)).toBe(
      '<UserDetailList><member><UserName>a</UserName><GroupList><member>g1</member><member>g2</member></GroupList>' +
        '<Tags><member><Key>k</Key><Value>v</Value></member></Tags></member></UserDetailList>',
    );
  });

  it('renders declared map members and Map values as <entry><key/><value/></entry>', () => {
    expect(resultOf({ SummaryMap: { Users: 3, UsersQuota: 5000 } })).toBe(
      '<SummaryMap><entry><key>Users</key><value>3</value></entry>' +
        '<entry><key>UsersQuota</key><value>5000</value></entry></SummaryMap>',
    );
    expect(resultOf({ Anything: new Map([['a&b', 'c']]) })).toBe(
      '<Anything><entry><key>a&amp;b</key><value>c</value></entry></Anything>',
    );
    expect([...mapMembers]).toEqual(['SummaryMap', 'EvalDecisionDetails', 'Certifications']);
  });

  it('renders other plain objects as structures, not maps', () => {
    expect(resultOf({ Summary: { Users: 3 } })).toBe('<Summary><Users>3</Users></Summary>');
  });

  it('renders booleans, numbers, bigints and dates in AWS text form', () => {
    expect(resultOf({ T: true, F: false, Zero: 0, N: 3600, Big: 12n })).toBe(
      '<T>true</T><F>false</F><Zero>0</Zero><N>3600</N><Big>12</Big>',
    );
    expect(resultOf({ CreateDate: new Date('2026-11-28T12:00:00Z') })).toBe(
      '<CreateDate>2026-11-28T12:00:00Z</CreateDate>',
    );
    expect(formatQueryTimestamp(new Date('2026-11-28T12:00:00.250Z'))).toBe('2026-11-28T12:00:00.250Z');
  });

  it('omits undefined and null members and list items', () => {
    expect(resultOf({ A: undefined, B: null, C: 'c', L: ['x', null, undefined, 'y'] })).toBe(
      '<C>c</C><L><member>x</member><member>y</member></L>',
    );
  });

  it('escapes text and keeps characters XML would otherwise lose or reject', () => {
    expect(resultOf({ D: `<a href="x">Tom & 'Jerry'</a>` })).toBe(
      '<D>&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;</D>',
    );
    expect(resultOf({ D: 'line\r\nnext' })).toBe('<D>line&#13;\nnext</D>');
    expect(resultOf({ D: 'bell\u0007nul\u0000lone\uD800 ok🔑' })).toBe(
      '<D>bell\uFFFDnul\uFFFDlone\uFFFD ok🔑</D>',
    );
    expect(renderQueryResponse('X', {}, { ...options, requestId: '<id>' })).toContain(
      '<RequestId>&lt;id&gt;',
    );
  });

  it('rewrites every character that needs it, alone in plain text, and leaves plain text as is', () => {
    const rewritten: [string, string][] = [
      ['&', '&amp;'],
      ['<', '&lt;'],
      ['>', '&gt;'],
      ['"', '&quot;'],
      ["'", '&apos;'],
      ['\r', '&#13;'],
      ['\u0000', '\uFFFD'],
      ['\u0008', '\uFFFD'],
      ['\u000B', '\uFFFD'],
      ['\u000C', '\uFFFD'],
      ['\u000E', '\uFFFD'],
      ['\u001F', '\uFFFD'],
      ['\uFFFE', '\uFFFD'],
      ['\uFFFF', '\uFFFD'],
      ['\uD800', '\uFFFD'],
      ['\uDFFF', '\uFFFD'],
    ];
    for (const [character, expected] of rewritten) {
      expect(resultOf({ D: `user-${character}-name` })).toBe(`<D>user-${expected}-name</D>`);
    }
    expect(resultOf({ D: 'bench-user-0001 /path/ arn:aws:iam::123456789012:user/x\t\n' })).toBe(
      '<D>bench-user-0001 /path/ arn:aws:iam::123456789012:user/x\t\n</D>',
    );
    expect(resultOf({ D: 'café 🔑 ok' })).toBe('<D>café 🔑 ok</D>');
  });

  it('checks every member name, however many distinct names came before', () => {
    const many = Object.fromEntries(Array.from({ length: 1_500 }, (_, i) => [`Member${i}`, 'x']));
    expect(resultOf(many)).toContain('<Member1499>x</Member1499>');
    expect(() => resultOf({ ...many, 'bad name': 'x' })).toThrow(/invalid member name/);
    expect(() => resultOf({ Member1: 'x', 'Member1 ': 'x' })).toThrow(/invalid member name/);
  });

  it('URL-encodes policy documents, as AWS IAM returns them', () => {
    const document =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}';
    const encoded = encodeURIComponent(document);
    expect(resultOf({ PolicyDocument: document })).toBe(`<PolicyDocument>${encoded}</PolicyDocument>`);
    expect(resultOf({ Role: { AssumeRolePolicyDocument: '{"a": "b c"}' } })).toBe(
      '<Role><AssumeRolePolicyDocument>%7B%22a%22%3A%20%22b%20c%22%7D</AssumeRolePolicyDocument></Role>',
    );
    expect(resultOf({ PolicyVersion: { Document: "{'&'}" } })).toBe(
      // encodeURIComponent leaves ' unescaped, so the XML escaping still applies to it.
      '<PolicyVersion><Document>%7B&apos;%26&apos;%7D</Document></PolicyVersion>',
    );
    expect([...policyDocumentMembers]).toEqual(['PolicyDocument', 'AssumeRolePolicyDocument', 'Document']);
  });

  it('renders blobs base64-encoded', () => {
    expect(resultOf({ Content: new TextEncoder().encode('user,arn\n') })).toBe(
      '<Content>dXNlcixhcm4K</Content>',
    );
  });

  it('throws on outputs no service should produce', () => {
    expect(() => resultOf({ N: Number.NaN })).toThrow(/non-finite/);
    expect(() => resultOf({ D: new Date('nope') })).toThrow(/invalid date/);
    expect(() => resultOf({ 'bad name': 'x' })).toThrow(/invalid member name/);
    expect(() => resultOf({ F: () => 1 })).toThrow(/cannot render a function/);
    const cycle: Record<string, unknown> = {};
    cycle.Self = cycle;
    expect(() => resultOf(cycle)).toThrow(/nested too deeply/);
    expect(() => renderQueryResponse('Get User', {}, options)).toThrow(/invalid action name/);
  });
});
