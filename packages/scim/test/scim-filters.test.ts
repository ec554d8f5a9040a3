import { describe, expect, it } from 'vitest';
import { equalityOn, MAX_FILTER_LENGTH, parseScimFilter } from '../src/scim-filters.ts';

const user = {
  id: 'AIDAEXAMPLE12345',
  externalId: 'Ext-1',
  userName: 'Barbara.Jensen@example.com',
  name: { familyName: 'Jensen', givenName: 'Barbara' },
  active: true,
  emails: [
    { type: 'work', value: 'bjensen@example.com', primary: true },
    { type: 'home', value: 'babs@jensen.org' },
  ],
  meta: { lastModified: '2026-03-01T10:00:00.000Z' },
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Tour Operations' },
};

const cases: [string, boolean][] = [
  ['userName eq "barbara.jensen@example.com"', true],
  ['USERNAME Eq "BARBARA.JENSEN@EXAMPLE.COM"', true],
  ['userName ne "someone"', true],
  ['name.familyName co "ens"', true],
  ['name.familyName sw "J"', true],
  ['userName ew "@example.com"', true],
  ['externalId pr', true],
  ['title pr', false],
  ['externalId eq "ext-1"', false],
  ['externalId eq "Ext-1"', true],
  ['meta.lastModified gt "2026-01-01T00:00:00.000Z"', true],
  ['meta.lastModified lt "2026-01-01T00:00:00.000Z"', false],
  [
    'meta.lastModified ge "2026-03-01T10:00:00.000Z" and meta.lastModified le "2026-03-01T10:00:00.000Z"',
    true,
  ],
  ['emails[type eq "work" and value co "@example.com"]', true],
  ['emails[type eq "other"] or active eq false', false],
  ['not (active eq false)', true],
  ['(userName eq "x" or name.givenName eq "barbara") and not (emails[type eq "home"] and title pr)', true],
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations"', true],
];

describe('SCIM filters', () => {
  it.each(cases)('evaluates %s as %s', (filter, expected) => {
    const parsed = parseScimFilter(filter);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.value.matches(user)).toBe(expected);
  });

  it.each([
    'userName eq',
    'userName eq "a',
    'foo bar baz',
    'a eq "x" and',
    'x'.repeat(MAX_FILTER_LENGTH + 1),
  ])('refuses %s as scim.invalid-filter', (filter) => {
    const parsed = parseScimFilter(filter);
    expect(parsed.ok ? 'accepted' : parsed.code).toBe('scim.invalid-filter');
  });

  it('names the value of a top-level equality for an index lookup, and nothing else', () => {
    const eq = parseScimFilter('UserName eq "alice"');
    const or = parseScimFilter('userName eq "alice" or userName eq "bob"');
    if (!eq.ok || !or.ok) throw new Error('parse');
    expect(equalityOn(eq.value, 'userName')).toBe('alice');
    expect(equalityOn(eq.value, 'displayName')).toBeUndefined();
    expect(equalityOn(or.value, 'userName')).toBeUndefined();
  });
});
