import { describe, expect, it } from 'vitest';
import { applyPatch, patchOperationsOf } from '../src/scim-patches.ts';
import { ENTERPRISE_SCHEMA, PATCH_SCHEMA, reduceResource } from '../src/scim-schemas.ts';

const user = {
  userName: 'bjensen',
  active: true,
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [{ type: 'work', value: 'bjensen@example.com', primary: true }],
};

function patched(operations: unknown[]) {
  const parsed = patchOperationsOf({ schemas: [PATCH_SCHEMA], Operations: operations });
  if (!parsed.ok) return parsed;
  const applied = applyPatch('User', user, parsed.value);
  return applied.ok ? reduceResource('User', applied.value) : applied;
}

describe('SCIM PATCH', () => {
  it('applies capitalised ops, value-filter paths and the enterprise manager path', () => {
    const result = patched([
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'barbara@example.com' },
      { op: 'Add', path: `${ENTERPRISE_SCHEMA}:manager`, value: 'AIDAMANAGER0000001' },
      { op: 'Replace', path: 'name.familyName', value: 'Jensen-Smith' },
      { op: 'Remove', path: 'name.givenName' },
    ]);
    expect(result).toEqual({
      ok: true,
      value: {
        userName: 'bjensen',
        active: true,
        name: { familyName: 'Jensen-Smith' },
        emails: [{ type: 'work', value: 'barbara@example.com', primary: true }],
        [ENTERPRISE_SCHEMA]: { manager: { value: 'AIDAMANAGER0000001' } },
      },
    });
  });

  it('reads the string "False" as false, with and without a path', () => {
    for (const operation of [
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'replace', value: { active: 'False' } },
    ]) {
      const result = patched([operation]);
      expect(result.ok && result.value.active).toBe(false);
    }
  });

  it('adds a value a replace filter does not find (Entra replaces a work email that is not there)', () => {
    const result = patched([
      { op: 'Replace', path: 'emails[type eq "home"].value', value: 'b@home.example' },
    ]);
    expect(result.ok && result.value.emails).toEqual([
      { type: 'work', value: 'bjensen@example.com', primary: true },
      { type: 'home', value: 'b@home.example' },
    ]);
  });

  it('ignores operations on attributes the schema does not declare', () => {
    const result = patched([
      { op: 'Replace', path: 'favouriteColour', value: 'blue' },
      { op: 'Add', value: { shoeSize: '42', displayName: 'Babs' } },
    ]);
    expect(result).toEqual({ ok: true, value: { ...user, displayName: 'Babs' } });
  });

  it('never follows a path into an object prototype', () => {
    const result = patched([
      { op: 'add', path: '__proto__.polluted', value: 'yes' },
      { op: 'add', path: 'constructor.prototype.polluted', value: 'yes' },
      { op: 'add', value: { '__proto__.polluted': 'yes' } },
    ]);
    expect(result).toEqual({ ok: true, value: user });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    [
      { schemas: ['urn:other'], Operations: [{ op: 'add', path: 'title', value: 'x' }] },
      'scim.invalid-syntax',
    ],
    [{ schemas: [PATCH_SCHEMA], Operations: [{ op: 'move', path: 'title' }] }, 'scim.invalid-syntax'],
    [{ schemas: [PATCH_SCHEMA], Operations: [] }, 'scim.invalid-syntax'],
  ])('refuses a malformed body %j', (body, code) => {
    const parsed = patchOperationsOf(body);
    expect(parsed.ok ? 'accepted' : parsed.code).toBe(code);
  });

  it('refuses a value of the wrong type as scim.invalid-value', () => {
    const result = patched([{ op: 'replace', path: 'active', value: 'maybe' }]);
    expect(result.ok ? 'accepted' : result.code).toBe('scim.invalid-value');
  });
});
