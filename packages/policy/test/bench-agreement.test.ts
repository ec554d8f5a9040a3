import { describe, expect, it } from 'vitest';
import { checkAgreement } from '../bench/agreement.ts';
import { prepareCedar, prepareIamSimulate, preparePalisade } from '../bench/bench-engines.ts';
import { generateScenario, type ScenarioSpec, scenarioSpec } from '../bench/policy-generator.ts';

// The benchmark's typical shape (conditions, variables, denies), with fewer requests to stay fast.
const spec: ScenarioSpec = { ...scenarioSpec('typical'), requests: 200 };
const scenario = generateScenario(spec);
const input = { principal: scenario.principal, policies: scenario.policies, requests: scenario.requests };

describe('policy benchmark agreement', () => {
  it('generates the same scenario from the same seed', () => {
    const again = generateScenario(spec);
    expect(again.policies).toEqual(scenario.policies);
    expect(again.requests).toEqual(scenario.requests);
  });

  it('aims requests at allowed, explicit deny and implicit deny', () => {
    const report = checkAgreement(
      [preparePalisade(input)],
      scenario.requests,
      scenario.principal,
      scenario.policies,
    );
    const counts = report.counts.palisade;
    expect(counts?.allowed).toBeGreaterThan(spec.requests / 4);
    expect(counts?.explicitDeny).toBeGreaterThan(spec.requests / 10);
    expect(counts?.implicitDeny).toBeGreaterThan(spec.requests / 10);
  });

  it('agrees with iam-simulate on every request but the known iam-simulate variable-split bug', () => {
    const report = checkAgreement(
      [preparePalisade(input), prepareIamSimulate(input)],
      scenario.requests,
      scenario.principal,
      scenario.policies,
    );
    const unexplained = report.disagreements.filter((d) => d.kind !== 'iam-simulate-variable-split');
    expect(unexplained).toEqual([]);
    expect(report.allAgreeExact + report.disagreements.length).toBe(spec.requests);
  });

  it('agrees exactly with the Cedar translation, which evaluates without errors', () => {
    const report = checkAgreement(
      [preparePalisade(input), prepareCedar(input)],
      scenario.requests,
      scenario.principal,
      scenario.policies,
    );
    expect(report.errors).toEqual([]);
    expect(report.disagreements).toEqual([]);
  });
});
