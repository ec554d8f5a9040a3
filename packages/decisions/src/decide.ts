/**
 * Deciding one parsed question, the same for every subject: who is it about (a principal or a
 * token's session, which the caller must be allowed to ask about) → load the subject with the
 * resource → judge → answer as much as the asker may see → sample into the log. Every error on
 * the way is a deny with a reason (fail closed).
 */
import { ok, type Result } from '@palisade/failures';
import type { ContextInput } from '@palisade/policy';
import type { Caller } from '@palisade/principals';
import { arnAccount, callerFacts } from '@palisade/principals';
import type { DecisionLogRecord, TrackedPrincipal } from '@palisade/store';
import { answerVisibility, questionContext } from './answer-visibility.ts';
import type { Asking } from './asking.ts';
import type { DecisionRequest } from './decision-request.ts';
import {
  type DecidingSession,
  type DecisionResult,
  decisionOnly,
  explainedResult,
  platformDenial,
} from './decision-result.ts';
import type { SampleDecision } from './decision-sampling.ts';
import { judgeSubject } from './judge-subject.ts';
import type { LoadSubject, SubjectRefusal, SubjectTarget } from './load-subject.ts';
import { MAX_SESSIONS_PER_ARN } from './policy-bundles.ts';
import type { Subject } from './subject.ts';

/** Decides one parsed request, adding its sampled record to `log`; never throws. */
export type Decide = (
  caller: Caller,
  request: DecisionRequest,
  requestId: string,
  index: number,
  log: DecisionLogRecord[],
) => Promise<Result<DecisionResult>>;

// One message for every token the asker cannot use: expired, signed out, forged, or not its to ask about.
const TOKEN_INVALID = 'The token is not valid, or is not one you may ask about.';

/** Builds `decide` over the asker checks, the subject loader and the log sampler. */
export function createDecide(deps: {
  readonly asking: Asking;
  readonly loadSubject: LoadSubject;
  readonly sample: SampleDecision;
  readonly now: () => Date;
  /** Hears the internal error behind a `platform-unavailable` deny (never part of the answer). */
  readonly reportError?: (error: unknown, requestId: string) => void;
  /** Told of each judged question about a user or role (access advisor); never awaited. */
  readonly recordAccess?: RecordDecidedAccess;
}): Decide {
  /** Whom the request is about; undefined for a token the caller cannot use. */
  const targetOf = async (
    caller: Caller,
    request: DecisionRequest,
  ): Promise<Result<SubjectTarget | undefined>> => {
    if (request.token !== undefined) return deps.asking.tokenSubject(caller, request.token);
    const ref = await deps.asking.resolveSubject(caller, request.principal);
    return ref.ok ? ok({ ref: ref.value }) : ref;
  };

  const refusal = (request: DecisionRequest, requestId: string, target: SubjectTarget, why: SubjectRefusal) =>
    platformDenial(
      request,
      target.ref.arn,
      requestId,
      why,
      why === 'account-not-active'
        ? `The account ${target.ref.accountId} is not active.`
        : `More than ${MAX_SESSIONS_PER_ARN} live sessions carry ${target.ref.arn}; denied without evaluating them.`,
    );

  const unavailable = (request: DecisionRequest, principal: string, requestId: string, error: unknown) => {
    try {
      deps.reportError?.(error, requestId);
    } catch {
      // A failing log must not turn a deny into an exception.
    }
    // INVARIANT: the answer names no internal error (store messages, hosts, stacks); the request id
    // finds the cause in the operator's log.
    return platformDenial(
      request,
      principal,
      requestId,
      'platform-unavailable',
      'Denied because the policy store could not be read; retry later.',
    );
  };

  return async (caller, request, requestId, index, log) => {
    let principalArn = request.principal ?? caller.arn;
    try {
      const target = await targetOf(caller, request);
      if (!target.ok) return target;
      if (target.value === undefined)
        return ok(platformDenial(request, '(token)', requestId, 'token-invalid', TOKEN_INVALID));
      principalArn = target.value.ref.arn;
      const resourceAccount = arnAccount(request.resource);
      const loaded = await deps.loadSubject(caller, target.value, {
        arn: request.resource,
        account: resourceAccount,
      });
      if (!loaded.ok) return loaded;
      if (!loaded.value.loaded) return ok(refusal(request, requestId, target.value, loaded.value.refusal));
      const { subject, state } = loaded.value;
      // INVARIANT: a resource asked for is loaded with the subject.
      const resource = loaded.value.resource as NonNullable<typeof loaded.value.resource>;
      const registered = resource.record !== undefined;
      const visibility = answerVisibility(caller, subject.accountId, resourceAccount);
      const { accepted, ignored } = questionContext(
        request.context as ContextInput | undefined,
        registered,
        visibility,
      );
      const { explanation, deciding } = judgeSubject(subject, {
        action: request.action,
        resource: request.resource,
        context: accepted,
        resourceTags: resource.record?.tags,
        resourcePolicies: resource.compiled,
      });
      const result = withDecidingSession(
        explainedResult(request, subject.arn, requestId, explanation, ignored, registered),
        subject,
        deciding,
      );
      if (subject.tracked) recordQuietly(deps.recordAccess, subject.tracked, request.action, caller);
      deps.sample(log, state, {
        accountId: subject.accountId,
        principal: subject.arn,
        request,
        requestId,
        index,
        explanation,
        askedBy: caller.arn,
        now: deps.now(),
      });
      if (!visibility.decisionOnly) return ok(result);
      // Sessions of the asker's own account (or it would not see them at all): it keeps which decided.
      const session = subject.accountId === caller.accountId ? result.explanation.session : undefined;
      return ok(decisionOnly(result, session));
    } catch (error) {
      // INVARIANT: fail closed. Any error while loading or deciding is a deny that says why.
      return ok(unavailable(request, principalArn, requestId, error));
    }
  };
}

/** For a role session named by its ARN: which of the live sessions carrying it decided. */
function withDecidingSession(result: DecisionResult, subject: Subject, deciding: number): DecisionResult {
  const live = subject.sessions;
  const record = live?.[deciding];
  if (!live || !record) return result;
  const session: DecidingSession = {
    issuedAt: record.issuedAt,
    expiration: record.expiration,
    ...(record.sourceIdentity !== undefined ? { sourceIdentity: record.sourceIdentity } : {}),
    liveSessions: live.length,
  };
  // Object.assign, not `{ ...result, … }`: V8 (Node 20) copies a spread object through a slow path.
  const explanation = Object.assign(
    {},
    result.explanation,
    live.length > 1
      ? {
          session,
          message: `${live.length} live sessions carry this ARN; this is the most restrictive of their answers, from the session issued at ${record.issuedAt}.`,
        }
      : { session },
  );
  return Object.assign({}, result, { explanation });
}

/** Hears a question judged about a user or role: its use of `service` (the action's prefix). */
export type RecordDecidedAccess = (
  principal: TrackedPrincipal,
  service: string,
  region: string,
  action: string,
) => Promise<void>;

/** The region a decision is recorded in: the asker's signed region, else STS's global endpoint's. */
const UNSIGNED_REGION = 'us-east-1';

/** Records a decided use without delaying or failing the answer (the recorder memoizes and never rejects). */
function recordQuietly(
  record: RecordDecidedAccess | undefined,
  principal: TrackedPrincipal,
  action: string,
  caller: Caller,
): void {
  if (!record) return;
  const service = action.split(':')[0]?.toLowerCase() ?? '';
  if (service === '' || service === '*') return;
  try {
    const region = callerFacts(caller)?.requestedRegion?.() ?? UNSIGNED_REGION;
    void record(principal, service, region, action).catch(() => undefined);
  } catch {
    // A recorder that throws must not turn an answer into an error.
  }
}
