import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupNameFor } from '../src/scim-groups.ts';

const IAM_GROUP_NAME = /^[\w+=,.@-]{1,128}$/;

describe('groupNameFor', () => {
  it.each([
    ['Engineering Team', 'Engineering-Team'],
    ['  Sales & Marketing (EMEA) ', 'Sales-Marketing-EMEA'],
    ['Équipe Données', 'Equipe-Donnees'],
    ['admins@corp', 'admins@corp'],
  ])('derives %j → %s', (displayName, name) => {
    expect(groupNameFor(displayName, 0)).toBe(name);
  });

  it('gives a display name with nothing IAM can keep a hashed name', () => {
    expect(groupNameFor('研究チーム', 0)).toMatch(/^group-[0-9a-f]{8}$/);
    expect(groupNameFor('研究チーム', 0)).not.toBe(groupNameFor('営業チーム', 0));
  });

  it('always yields a valid IAM group name, the same for the same display name, the variant distinct', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (displayName) => {
        const [plain, variant] = [groupNameFor(displayName, 0), groupNameFor(displayName, 1)];
        expect(plain).toMatch(IAM_GROUP_NAME);
        expect(variant).toMatch(IAM_GROUP_NAME);
        expect(groupNameFor(displayName, 0)).toBe(plain);
        if (!plain.startsWith('group-')) expect(variant.toLowerCase()).not.toBe(plain.toLowerCase());
      }),
    );
  });
});
