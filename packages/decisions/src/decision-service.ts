/**
 * The decision service: "may this principal do this action on this resource?", answered from
 * cached, stamp-validated policy bundles with the engine's explanation. It reads as its parts:
 *
 * 1. parse the question (decision-request.ts; a batch holds 1 to 100),
 * 2. whom is it about, and may the caller ask (asking.ts),
 * 3. load that subject with the resource, in one round trip (load-subject.ts),
 * 4. judge it: the most restrictive answer of its policy sets (judge-subject.ts),
 * 5. answer what the asker may see (answer-visibility.ts, decision-result.ts),
 * 6. sample it into the account's log (decision-sampling.ts).
 *
 * Steps 2 to 6 are decide.ts; allowed-actions.ts and the simulator judge subjects the same way.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { type Caller, validationFailure } from '@palisade/principals';
import type { DecisionLogRecord, StoreContext } from '@palisade/store';
import { createAsking, type ResolveToken } from './asking.ts';
import { createDecide, type RecordDecidedAccess } from './decide.ts';
import { decisionRequestSchema, MAX_BATCH } from './decision-request.ts';
import type { BatchEntry, DecisionResult } from './decision-result.ts';
import { decisionSampler, writeSampledDecisions } from './decision-sampling.ts';
import { createSubjectLoader, type LoadSubject } from './load-subject.ts';
import type { BundleCache } from './policy-bundles.ts';
import type { PrincipalRef } from './principal-arn.ts';

export type { ResolveToken, TokenSession } from './asking.ts';

/** What the decision service needs. */
export interface DecisionDependencies {
  readonly store: StoreContext;
  readonly partition: string;
  readonly now: () => Date;
  readonly cache: BundleCache;
  /** Absent until the sign-in service provides a verifier: token questions are then refused. */
  readonly resolveToken?: ResolveToken;
  /** For sampling the decision log; tests pin it. */
  readonly random?: () => number;
  /** How long logged decisions live (days). */
  readonly logRetentionDays?: number;
  /** Hears the internal error behind a `platform-unavailable` deny (for the operator's log, never the answer). */
  readonly reportError?: (error: unknown, requestId: string) => void;
  /** Told of each judged question about a user or role, for access advisor (createAccessRecorder). */
  readonly recordAccess?: RecordDecidedAccess;
}

/** The service. */
export interface DecisionService {
  authorize(caller: Caller, body: unknown, requestId: string): Promise<Result<DecisionResult>>;
  authorizeBatch(
    caller: Caller,
    body: unknown,
    requestId: string,
  ): Promise<Result<{ results: BatchEntry[] }>>;
  /** Resolves who a question is about and checks that the caller may ask (shared with other services). */
  resolveSubject(caller: Caller, principal: string | undefined): Promise<Result<PrincipalRef>>;
  /** Loads a subject (after `resolveSubject`) exactly as questions to this service load it. */
  readonly loadSubject: LoadSubject;
}

/** Builds the decision service. */
export function createDecisionService(deps: DecisionDependencies): DecisionService {
  const asking = createAsking(deps);
  const loadSubject = createSubjectLoader(deps);
  const decide = createDecide({
    asking,
    loadSubject,
    sample: decisionSampler(deps.random ?? Math.random, (deps.logRetentionDays ?? 30) * 86_400),
    now: deps.now,
    ...(deps.reportError ? { reportError: deps.reportError } : {}),
    ...(deps.recordAccess ? { recordAccess: deps.recordAccess } : {}),
  });

  return {
    resolveSubject: asking.resolveSubject,
    loadSubject,
    async authorize(caller, body, requestId) {
      const parsed = decisionRequestSchema().safeParse(body);
      if (!parsed.success) return validationFailure(parsed.error);
      const log: DecisionLogRecord[] = [];
      const result = await decide(caller, parsed.data, requestId, 0, log);
      if (log.length > 0) await writeSampledDecisions(deps.store, log);
      return result;
    },
    async authorizeBatch(caller, body, requestId) {
      const requests = (body as { requests?: unknown } | undefined)?.requests;
      if (
        typeof body !== 'object' ||
        body === null ||
        !Array.isArray(requests) ||
        Object.keys(body).length !== 1
      )
        return fail(
          'request.invalid',
          'The body must be {"requests": [...]} with 1 to 100 decision requests.',
        );
      if (requests.length === 0 || requests.length > MAX_BATCH)
        return fail(
          'request.invalid',
          `A batch holds 1 to ${MAX_BATCH} requests; this one has ${requests.length}.`,
        );
      const log: DecisionLogRecord[] = [];
      const results = await Promise.all(
        requests.map(async (item, index): Promise<BatchEntry> => {
          const parsed = decisionRequestSchema().safeParse(item);
          if (!parsed.success)
            return {
              error: {
                code: 'request.invalid',
                message: `requests[${index}]: ${validationFailure(parsed.error).message}`,
              },
            };
          const decided = await decide(caller, parsed.data, requestId, index, log);
          return decided.ok ? decided.value : { error: { code: decided.code, message: decided.message } };
        }),
      );
      await writeSampledDecisions(deps.store, log);
      return ok({ results });
    },
  };
}
