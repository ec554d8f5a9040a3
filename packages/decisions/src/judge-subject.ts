/**
 * Judging a subject: every one of its policy sets answers the question, and the most restrictive
 * answer is the subject's (the order lives beside the engine's combining rule). Authorize, batch,
 * allowed-actions and the simulator all judge through this.
 */
import { type Explanation, restrictiveness } from '@palisade/policy';
import type { Subject, SubjectQuestion } from './subject.ts';

/** The subject's answer, and which of its evaluators gave it. */
export interface Judgement {
  readonly explanation: Explanation;
  /** The index of the deciding evaluator (and session, for a role session ARN). */
  readonly deciding: number;
}

/** Judges `question` about `subject`: the most restrictive of its evaluators' answers. */
export function judgeSubject(subject: Pick<Subject, 'evaluators'>, question: SubjectQuestion): Judgement {
  const [first, ...rest] = subject.evaluators;
  let explanation = first(question);
  let deciding = 0;
  for (let i = 0; i < rest.length && explanation.decision !== 'explicitDeny'; i++) {
    const next = (rest[i] as (typeof rest)[number])(question);
    // INVARIANT: fail closed across a subject's policy sets; a tie keeps the earlier one.
    if (restrictiveness(next.decision) > restrictiveness(explanation.decision)) {
      explanation = next;
      deciding = i + 1;
    }
  }
  return { explanation, deciding };
}
