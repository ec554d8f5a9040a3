/**
 * Sampling decisions into their account's log (decision-log.ts reads it): each decision is recorded
 * with the account's sampling rate, and a request's records are written once, after its answers.
 */
import type { Explanation, StatementRef } from '@palisade/policy';
import { arnAccount } from '@palisade/principals';
import {
  type AccountDecisionState,
  type DecisionLogRecord,
  putDecisionLogRecords,
  type StoreContext,
} from '@palisade/store';
import type { DecisionRequest } from './decision-request.ts';
import { statementName } from './decision-result.ts';

/** One judged decision, as the log may record it. */
export interface SampledDecision {
  readonly accountId: string;
  readonly principal: string;
  readonly request: DecisionRequest;
  readonly requestId: string;
  readonly index: number;
  readonly explanation: Explanation;
  readonly askedBy: string;
  readonly now: Date;
}

/** Records decisions in a request's log when their account's sampling rate picks them. */
export type SampleDecision = (
  log: DecisionLogRecord[],
  state: AccountDecisionState,
  entry: SampledDecision,
) => void;

/** Builds the sampler: `random` picks (tests pin it), records live `retentionSeconds`. */
export function decisionSampler(random: () => number, retentionSeconds: number): SampleDecision {
  return (log, state, entry) => {
    if (!(state.logSampleRate > 0 && random() < state.logSampleRate)) return;
    const { explanation, request } = entry;
    // The log belongs to the principal's account: another account's resource policy stays out of it.
    const resourceAccount = arnAccount(request.resource);
    const ownResource = resourceAccount === undefined || resourceAccount === entry.accountId;
    const shown = (s: StatementRef | undefined) =>
      s !== undefined && (ownResource || (s.policyType !== 'resource' && s.policyType !== 'rcp'))
        ? s
        : undefined;
    const deciding = explanation.decidingStatement
      ? shown(explanation.decidingStatement)
      : explanation.matchedStatements.find((s) => s.effect === 'Allow' && shown(s));
    log.push({
      accountId: entry.accountId,
      at: entry.now.toISOString(),
      requestId: entry.requestId,
      index: entry.index,
      principal: entry.principal,
      action: request.action,
      resource: request.resource,
      decision: explanation.decision,
      reason: ownResource ? explanation.reason : 'cross-account',
      ...(deciding ? { decidingStatement: `${deciding.policyId}#${statementName(deciding)}` } : {}),
      askedBy: entry.askedBy,
      expiresAt: Math.floor(entry.now.getTime() / 1000) + retentionSeconds,
    });
  };
}

/** Writes a request's sampled records; the log is telemetry, so a failed write changes no answer. */
export async function writeSampledDecisions(store: StoreContext, log: DecisionLogRecord[]): Promise<void> {
  if (log.length === 0) return;
  try {
    await putDecisionLogRecords(store, log);
  } catch {
    // Losing an entry must not change or delay a decision's answer.
  }
}
