/**
 * What an asker may see of an answer. The operator sees everything. A tenant sees the explanation
 * only when every policy that took part is its own account's: for another account's resource (or
 * principal, asked about under its grant) the answer is the decision alone, so a question cannot
 * read that account's statements, condition keys, tags or whether it registered the resource.
 */

import type { ContextInput } from '@palisade/policy';
import type { Caller } from '@palisade/principals';
import { callerContext } from './platform-context.ts';

/** How much of an answer the asker sees. */
export interface AnswerVisibility {
  /** The resource is in an account other than the asker's: its registration must not show. */
  readonly foreignResource: boolean;
  /** Only the decision may be answered. */
  readonly decisionOnly: boolean;
}

/** The visibility of an answer about `principalAccount`'s principal on a resource in `resourceAccount`. */
export function answerVisibility(
  caller: Caller,
  principalAccount: string,
  resourceAccount: string | undefined,
): AnswerVisibility {
  if (caller.kind === 'operator') return { foreignResource: false, decisionOnly: false };
  const foreignResource = resourceAccount !== undefined && resourceAccount !== caller.accountId;
  return { foreignResource, decisionOnly: foreignResource || principalAccount !== caller.accountId };
}

/**
 * The caller's context for a question: for a resource outside the asker's account its resource tags
 * are the platform's whether or not that account registered the resource (they cannot matter for an
 * unregistered one, which grants nobody from another account), so what is ignored shows nothing.
 */
export function questionContext(
  context: ContextInput | undefined,
  registered: boolean,
  visibility: AnswerVisibility,
): ReturnType<typeof callerContext> {
  return callerContext(context, registered || visibility.foreignResource);
}
