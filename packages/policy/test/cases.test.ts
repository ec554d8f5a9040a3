import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateRequest } from '../src/index.ts';

/** Expectations a case may state; only the stated ones are checked. */
interface CaseExpectation {
  decision: string;
  reason?: string;
  blockedBy?: string[];
  missingContextKeys?: string[];
  decidingSid?: string;
  policyErrors?: number;
  matchedCount?: number;
  matched?: { policyId: string; statementIndex: number }[];
}

interface PolicyCase {
  name: string;
  request: Record<string, unknown>;
  expect: CaseExpectation;
}

const dir = new URL('./cases/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe.each(files)('policy cases: %s', (file) => {
  const cases = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as PolicyCase[];
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = evaluateRequest(c.request);
    if ('error' in result) throw new Error(`request rejected: ${result.error.message}`);
    const e = c.expect;
    expect(result.decision).toBe(e.decision);
    const x = result.explanation;
    if (e.reason !== undefined) expect(x.reason).toBe(e.reason);
    if (e.blockedBy !== undefined) expect([...x.blockedBy].sort()).toEqual([...e.blockedBy].sort());
    if (e.missingContextKeys !== undefined) expect(x.missingContextKeys).toEqual(e.missingContextKeys);
    if (e.decidingSid !== undefined) expect(x.decidingStatement?.sid).toBe(e.decidingSid);
    if (e.policyErrors !== undefined) expect(x.policyErrors).toHaveLength(e.policyErrors);
    if (e.matchedCount !== undefined) expect(x.matchedStatements).toHaveLength(e.matchedCount);
    if (e.matched !== undefined) {
      expect(
        x.matchedStatements.map((s) => ({ policyId: s.policyId, statementIndex: s.statementIndex })),
      ).toEqual(e.matched);
    }
  });
});
