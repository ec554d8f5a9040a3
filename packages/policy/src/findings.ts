/**
 * Validation findings, shaped like IAM Access Analyzer's ValidatePolicy results. Codes follow
 * Access Analyzer's issue codes where one exists; Palisade adds a few of its own (documented in
 * the README).
 */

/** How serious a finding is; an ERROR makes the policy unusable. */
export type FindingKind = 'ERROR' | 'SECURITY_WARNING' | 'WARNING' | 'SUGGESTION';

/** Where a finding points: the statement (index and Sid) and the element path inside the policy. */
export interface FindingLocation {
  readonly statementIndex?: number;
  readonly sid?: string;
  /** e.g. `Statement[0].Condition.StringEquals.aws:username` */
  readonly path: string;
}

/** One validation finding. */
export interface Finding {
  readonly kind: FindingKind;
  readonly code: string;
  readonly message: string;
  readonly location: FindingLocation;
}

/** The MalformedPolicyDocument message for a policy, or undefined when it has no ERROR. */
export function malformedPolicyMessage(findings: readonly Finding[]): string | undefined {
  return findings.find((f) => f.kind === 'ERROR')?.message;
}
