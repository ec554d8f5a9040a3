/**
 * The subject of a question: whoever is asked about (a user, role or root; a role session asking
 * about itself; the live sessions carrying a role session's ARN; a token's sign-in session) as the
 * evaluators of its policy sets. Every question about a subject is judged through these.
 */

import {
  type AuthorizationRequest,
  type ContextInput,
  type Explanation,
  evaluate,
  type PrincipalPolicies,
  type ResourcePolicies,
} from '@palisade/policy';
import type { CallerFacts } from '@palisade/principals';
import { arnAccount } from '@palisade/principals';
import type { StsSessionRecord, TrackedPrincipal } from '@palisade/store';

/** A registered resource's tags (undefined when the resource is not registered). */
export type DecisionResourceTags = readonly { Key: string; Value: string }[] | undefined;

/** One question to a subject: an action on a resource, with the caller's context and the resource side. */
export interface SubjectQuestion {
  readonly action: string;
  readonly resource: string;
  /** What-if for an unspecified resource of a type (a simulator's or allowed-actions' `*`). */
  readonly anyResource?: boolean;
  /** The account owning the resource when its ARN does not say (the simulator's ResourceOwner). */
  readonly resourceAccount?: string;
  /** The caller's context (platform-owned keys already removed). */
  readonly context: ContextInput;
  readonly resourceTags: DecisionResourceTags;
  readonly resourcePolicies: ResourcePolicies;
}

/** Judges questions about one of a subject's policy sets. */
export type SubjectEvaluator = (question: SubjectQuestion) => Explanation;

/**
 * A subject: one evaluator per policy set that must allow. A user, role, root or token has one; a
 * role session asking about itself, its own; a role session named by its ARN, one per live session
 * carrying it, oldest first, with `sessions` in the same order.
 */
export interface Subject {
  /** The principal named in answers. */
  readonly arn: string;
  readonly accountId: string;
  readonly evaluators: readonly [SubjectEvaluator, ...SubjectEvaluator[]];
  readonly sessions?: readonly StsSessionRecord[];
  /** The user or role whose last access a decision about the subject counts for (access advisor). */
  readonly tracked?: TrackedPrincipal;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The platform's own keys about a principal for one question (see platform-context.ts). */
export type PlatformKeys = (question: SubjectQuestion) => Record<string, string | string[]>;

/** The evaluator of compiled policies acting as `principal`, with the platform's keys over the caller's. */
export function policyEvaluator(
  principal: string,
  compiled: PrincipalPolicies,
  platformKeys: PlatformKeys,
): SubjectEvaluator {
  return (question) => {
    // Object.assign and plain members, not `{ ...a, ...b }` or `...(x ? {…} : {})`: V8 (Node 20)
    // copies spread sources through a slow path, about ten times the cost on every decision.
    const request: Mutable<AuthorizationRequest> = {
      principal,
      action: question.action,
      resource: question.resource,
      context: Object.assign({}, question.context, platformKeys(question)),
    };
    if (question.resourceAccount !== undefined) request.resourceAccount = question.resourceAccount;
    if (question.anyResource) request.anyResource = true;
    return evaluate(request, compiled, question.resourcePolicies);
  };
}

/**
 * The evaluator of a role session's own facts: its policies, session policies, tags and MFA, as
 * its own signed requests are judged; the registered resource's tags join the context.
 */
export function sessionEvaluator(facts: CallerFacts): SubjectEvaluator {
  return (question) => {
    const resourceAccount = question.resourceAccount ?? arnAccount(question.resource);
    const context: Record<string, string | string[]> = Object.assign({}, question.context as never);
    for (const tag of question.resourceTags ?? []) context[`aws:ResourceTag/${tag.Key}`] = tag.Value;
    return facts.evaluate({
      action: question.action,
      resource: question.resource,
      ...(resourceAccount ? { resourceAccount } : {}),
      ...(question.anyResource ? { anyResource: true } : {}),
      context,
      resourcePolicies: question.resourcePolicies,
    });
  };
}
