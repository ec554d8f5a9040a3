/** "Most restrictive": how answers to one request combine, beside the combining rule. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Decision, mostRestrictive, restrictiveness } from '../src/index.ts';

const decision = fc.constantFrom<Decision>('allowed', 'implicitDeny', 'explicitDeny');

describe('mostRestrictive', () => {
  it('orders explicitDeny over implicitDeny over allowed', () => {
    expect(restrictiveness('explicitDeny')).toBeGreaterThan(restrictiveness('implicitDeny'));
    expect(restrictiveness('implicitDeny')).toBeGreaterThan(restrictiveness('allowed'));
  });

  it('allows when there is nothing to combine', () => {
    expect(mostRestrictive([])).toBe('allowed');
  });

  it('is an explicit deny when any answer is one, and allowed only when every answer allows', () => {
    fc.assert(
      fc.property(fc.array(decision, { maxLength: 8 }), (decisions) => {
        const combined = mostRestrictive(decisions);
        if (decisions.includes('explicitDeny')) expect(combined).toBe('explicitDeny');
        else if (decisions.includes('implicitDeny')) expect(combined).toBe('implicitDeny');
        else expect(combined).toBe('allowed');
      }),
    );
  });

  it('does not depend on the order of the answers', () => {
    fc.assert(
      fc.property(fc.array(decision, { maxLength: 8 }), (decisions) => {
        expect(mostRestrictive([...decisions].reverse())).toBe(mostRestrictive(decisions));
      }),
    );
  });
});
