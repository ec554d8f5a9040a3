// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${...} inside plain strings.
/**
 * The agreement check that comes before any timing: every engine decides every benchmark request,
 * the decisions are compared, and each disagreement is explained (a known peer bug, a translation
 * limit) or reported as unexplained. Engines that disagree are not worth timing against each other.
 */
import { evaluate } from '../src/index.ts';
import { type BenchDecision, compilePalisade, type PreparedEngine } from './bench-engines.ts';
import {
  type BenchPrincipal,
  type BenchRequest,
  type GeneratedPolicy,
  type IamStatement,
  wildcardMatches,
} from './policy-generator.ts';

/** One request on which the engines did not all agree. */
export interface Disagreement {
  readonly index: number;
  readonly request: BenchRequest;
  readonly decisions: Readonly<Record<string, BenchDecision>>;
  /** The statement Palisade decided on, when there is one. */
  readonly statement: IamStatement | undefined;
  /** Why: a known cause (`kind`) with the evidence, or `unexplained`. */
  readonly kind: 'iam-simulate-variable-split' | 'unexplained';
  readonly explanation: string;
}

/** Agreement between one pair of engines. */
export interface PairAgreement {
  readonly engines: readonly [string, string];
  /** `exact`: the three AWS decisions; `allow-deny`: allow against either deny. */
  readonly mode: 'exact' | 'allow-deny';
  readonly agree: number;
  readonly total: number;
}

/** The outcome of an agreement check. */
export interface AgreementReport {
  readonly total: number;
  readonly counts: Readonly<Record<string, Readonly<Record<BenchDecision, number>>>>;
  readonly pairs: readonly PairAgreement[];
  /** Requests on which all engines give the same allow or deny. */
  readonly allAgreeAllowDeny: number;
  /** Requests on which all engines give the same of the three AWS decisions. */
  readonly allAgreeExact: number;
  readonly disagreements: readonly Disagreement[];
  /** Evaluation errors any engine reported (a Cedar translation that errors is a translation bug). */
  readonly errors: readonly string[];
}

const binary = (d: BenchDecision) => (d === 'allowed' ? 'allow' : 'deny');

/** Runs every engine on every request and compares; the first engine is the reference (Palisade). */
export function checkAgreement(
  engines: readonly PreparedEngine[],
  requests: readonly BenchRequest[],
  principal: BenchPrincipal,
  policies: readonly GeneratedPolicy[],
): AgreementReport {
  const counts: Record<string, Record<BenchDecision, number>> = {};
  for (const e of engines) counts[e.name] = { allowed: 0, explicitDeny: 0, implicitDeny: 0 };
  const errors: string[] = [];
  const decisions = requests.map((_, i) =>
    engines.map((e) => {
      const outcome = e.decide(i);
      (counts[e.name] as Record<BenchDecision, number>)[outcome.decision]++;
      for (const message of outcome.errors) errors.push(`${e.name} request ${i}: ${message}`);
      return outcome.decision;
    }),
  );
  const pairs: PairAgreement[] = [];
  for (let a = 0; a < engines.length; a++) {
    for (let b = a + 1; b < engines.length; b++) {
      const names = [(engines[a] as PreparedEngine).name, (engines[b] as PreparedEngine).name] as const;
      for (const mode of ['exact', 'allow-deny'] as const) {
        const same = (x: BenchDecision, y: BenchDecision) =>
          mode === 'exact' ? x === y : binary(x) === binary(y);
        const agree = decisions.filter((row) =>
          same(row[a] as BenchDecision, row[b] as BenchDecision),
        ).length;
        pairs.push({ engines: names, mode, agree, total: requests.length });
      }
    }
  }
  const compiled = compilePalisade(policies);
  const disagreements: Disagreement[] = [];
  let allAgreeAllowDeny = 0;
  let allAgreeExact = 0;
  decisions.forEach((row, i) => {
    if (new Set(row.map(binary)).size === 1) allAgreeAllowDeny++;
    if (new Set(row).size === 1) {
      allAgreeExact++;
      return;
    }
    // A different kind of deny with the same allow/deny is still listed: it names a real difference.
    const request = requests[i] as BenchRequest;
    const named = Object.fromEntries(engines.map((e, k) => [e.name, row[k] as BenchDecision]));
    disagreements.push(explainDisagreement(i, request, named, principal, policies, compiled));
  });
  return { total: requests.length, counts, pairs, allAgreeAllowDeny, allAgreeExact, disagreements, errors };
}

/** Finds the statement Palisade decided on and names a known cause for the disagreement, if any. */
function explainDisagreement(
  index: number,
  request: BenchRequest,
  decisions: Record<string, BenchDecision>,
  principal: BenchPrincipal,
  policies: readonly GeneratedPolicy[],
  compiled: ReturnType<typeof compilePalisade>,
): Disagreement {
  const explanation = evaluate(
    {
      principal: principal.arn,
      action: request.action,
      resource: request.resource,
      resourceAccount: request.resourceAccount,
      context: request.context,
    },
    compiled,
  );
  const ref = explanation.decidingStatement ?? explanation.matchedStatements[0];
  const policy = policies.find((p) => p.arn === ref?.policyId);
  const statement = ref === undefined ? undefined : policy?.document.Statement[ref.statementIndex];
  const base = { index, request, decisions, statement };
  if (statement !== undefined) {
    const split = variableBeforeSeparator(statement, request, principal);
    if (split !== undefined && decisions['iam-simulate'] !== decisions.palisade) {
      return {
        ...base,
        kind: 'iam-simulate-variable-split',
        explanation:
          `${ref?.policyId} ${ref?.sid}: Resource ${split} matches ${request.resource} once the variable ` +
          'is substituted (IAM docs: variables are replaced, then the ARN is matched); iam-simulate ' +
          'splits the resource segment at its first "/" or ":" before substituting (getResourceSegments ' +
          'in resource/resource.js), and here that ":" is inside "${aws:...}", so it reports a product mismatch',
      };
    }
  }
  return {
    ...base,
    kind: 'unexplained',
    explanation: `${ref?.policyId ?? '(no statement)'} ${ref?.sid ?? ''}: ${JSON.stringify(statement)}`,
  };
}

/**
 * The statement's resource pattern that has a policy variable before the first `/` or `:` of its
 * resource segment and matches the request once substituted, or undefined.
 */
function variableBeforeSeparator(
  statement: IamStatement,
  request: BenchRequest,
  principal: BenchPrincipal,
): string | undefined {
  const resources = typeof statement.Resource === 'string' ? [statement.Resource] : statement.Resource;
  for (const pattern of resources) {
    const segment = pattern.split(':').slice(5).join(':');
    const variable = segment.indexOf('${');
    const separator = segment.search(/[/:]/);
    if (variable === -1 || separator < variable) continue;
    const resolved = pattern
      .replaceAll('${aws:username}', principal.username)
      .replaceAll('${aws:PrincipalTag/team}', principal.team);
    if (wildcardMatches(resolved, request.resource)) return pattern;
  }
  return undefined;
}
