import { describe, expect, it } from 'vitest';
import { excludes, project, projectionOf } from '../src/scim-projection.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const user = {
  schemas: ['x'],
  id: 'AIDA1',
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [{ type: 'work', value: 'b@example.com' }],
  [ENTERPRISE]: { department: 'Ops', costCenter: '7' },
  meta: { resourceType: 'User' },
};

function projected(attributes?: string, excluded?: string) {
  const projection = projectionOf(attributes, excluded);
  if (!projection.ok) throw new Error(projection.message);
  return project(user, projection.value);
}

describe('attributes and excludedAttributes', () => {
  it('returns the named attributes, case-insensitively, with id, schemas and meta', () => {
    expect(projected('UserName,name.givenName,emails.value')).toEqual({
      schemas: ['x'],
      id: 'AIDA1',
      userName: 'bjensen',
      name: { givenName: 'Barbara' },
      emails: [{ value: 'b@example.com' }],
      meta: { resourceType: 'User' },
    });
  });

  it('reaches extension attributes by their URN', () => {
    expect(projected(`${ENTERPRISE}:department`)[ENTERPRISE]).toEqual({ department: 'Ops' });
  });

  it('leaves excluded attributes out but never id, schemas or meta', () => {
    const { name, emails, ...rest } = user;
    expect(projected(undefined, 'name,emails,id,meta')).toEqual(rest);
    expect(name && emails).toBeTruthy();
  });

  it('tells when a top-level attribute need not be read', () => {
    const only = projectionOf('displayName', undefined);
    const without = projectionOf(undefined, 'members');
    if (!only.ok || !without.ok) throw new Error('parse');
    expect(excludes(only.value, 'members')).toBe(true);
    expect(excludes(without.value, 'members')).toBe(true);
    expect(excludes({}, 'members')).toBe(false);
  });
});
