/**
 * A decision as the API answers it: the engine's explanation in the API's shape, the platform's
 * own denials (inactive account, invalid token, unreadable store, …), and the decision alone when
 * another account's policies took part.
 */
import type { Explanation, StatementRef } from '@palisade/policy';
import type { DecisionRequest } from './decision-request.ts';

/** Why a decision came out as it did: the engine's reasons plus the platform's own. */
export type DecisionReason =
  | Explanation['reason']
  | 'account-not-active'
  | 'token-invalid'
  | 'platform-unavailable'
  | 'too-many-sessions'
  | 'cross-account';

/** Which of the sessions carrying an assumed-role ARN decided (never its access key id). */
export interface DecidingSession {
  readonly issuedAt: string;
  readonly expiration: string;
  readonly sourceIdentity?: string;
  /** How many live sessions carry the ARN; the most restrictive of their answers is returned. */
  readonly liveSessions: number;
}

/** One decision, as the API returns it. */
export interface DecisionResult {
  readonly decision: Explanation['decision'];
  readonly matchedStatements: readonly { readonly policy: string; readonly statement: string }[];
  readonly missingContextKeys: readonly string[];
  readonly ignoredContextKeys: readonly string[];
  readonly requestId: string;
  readonly reason: DecisionReason;
  readonly explanation: {
    readonly principal: string;
    readonly action: string;
    readonly resource: string;
    readonly policyTypes: Explanation['policyTypes'];
    readonly matchedStatements: readonly StatementRef[];
    readonly decidingStatement?: StatementRef;
    readonly blockedBy: Explanation['blockedBy'];
    readonly policyErrors: Explanation['policyErrors'];
    readonly resourceRegistered: boolean;
    /** For a question about a role session by ARN: the session whose answer this is. */
    readonly session?: DecidingSession;
    readonly message?: string;
  };
}

/** One entry of a batch answer: a decision, or the typed error of that request. */
export type BatchEntry =
  | DecisionResult
  | { readonly error: { readonly code: string; readonly message: string } };

/** A statement's name in answers and the log: its Sid, or its position. */
export function statementName(ref: StatementRef): string {
  return ref.sid ?? `Statement[${ref.statementIndex}]`;
}

/** The engine's explanation of `request` in the API's shape. */
export function explainedResult(
  request: DecisionRequest,
  principal: string,
  requestId: string,
  explanation: Explanation,
  ignored: readonly string[],
  resourceRegistered: boolean,
): DecisionResult {
  return {
    decision: explanation.decision,
    matchedStatements: explanation.matchedStatements.map((ref) => ({
      policy: ref.policyId,
      statement: statementName(ref),
    })),
    missingContextKeys: explanation.missingContextKeys,
    ignoredContextKeys: ignored,
    requestId,
    reason: explanation.reason,
    explanation: {
      principal,
      action: request.action,
      resource: request.resource,
      policyTypes: explanation.policyTypes,
      matchedStatements: explanation.matchedStatements,
      ...(explanation.decidingStatement ? { decidingStatement: explanation.decidingStatement } : {}),
      blockedBy: explanation.blockedBy,
      policyErrors: explanation.policyErrors,
      resourceRegistered,
    },
  };
}

/** A deny the platform decides before (or instead of) the engine, saying why. */
export function platformDenial(
  request: DecisionRequest,
  principal: string,
  requestId: string,
  reason: DecisionReason,
  message: string,
): DecisionResult {
  return {
    decision: 'implicitDeny',
    matchedStatements: [],
    missingContextKeys: [],
    ignoredContextKeys: [],
    requestId,
    reason,
    explanation: {
      principal,
      action: request.action,
      resource: request.resource,
      policyTypes: {},
      matchedStatements: [],
      blockedBy: [],
      policyErrors: [],
      resourceRegistered: false,
      message,
    },
  };
}

const WITHHELD =
  'Policies of another account took part in this decision: only the decision is given, not their statements, keys or registration.';

/** The decision alone, with the asker's own input echoed back (see AnswerVisibility). */
export function decisionOnly(result: DecisionResult, session: DecidingSession | undefined): DecisionResult {
  const { principal, action, resource } = result.explanation;
  return {
    decision: result.decision,
    matchedStatements: [],
    missingContextKeys: [],
    ignoredContextKeys: result.ignoredContextKeys,
    requestId: result.requestId,
    reason: 'cross-account',
    explanation: {
      principal,
      action,
      resource,
      policyTypes: {},
      matchedStatements: [],
      blockedBy: [],
      policyErrors: [],
      resourceRegistered: false,
      ...(session ? { session } : {}),
      message: WITHHELD,
    },
  };
}
