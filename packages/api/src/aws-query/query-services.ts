/**
 * The AWS Query services Palisade speaks: the API version each accepts and the XML namespace its
 * responses carry. AWS clients send the version in every request and expect the namespace back.
 */
import { iamActionsWithoutOutput } from './actions-without-output.ts';

/** What identifies one AWS Query service on the wire. */
export interface QueryService {
  /** The `Version` parameter clients send (`2010-05-08` for IAM). */
  readonly version: string;
  /** The `xmlns` of the `<ActionResponse>` root element. */
  readonly namespace: string;
  /** The actions AWS answers without a `<XResult>` element: those whose model has no output. */
  readonly actionsWithoutOutput: ReadonlySet<string>;
}

/** IAM's Query protocol identity. */
export const iamQueryService: QueryService = {
  version: '2010-05-08',
  namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  actionsWithoutOutput: iamActionsWithoutOutput,
};

/** STS's Query protocol identity. */
export const stsQueryService: QueryService = {
  version: '2011-06-15',
  namespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  // Every STS action has an output shape.
  actionsWithoutOutput: new Set(),
};

/** The content type AWS IAM and STS answer Query requests with. */
export const queryResponseContentType = 'text/xml';

/**
 * What the response renders for an action's output: nothing for an action without an output shape,
 * else a structure (empty when the operation answered nothing), so the Result element is always there.
 */
export function queryOutputOf(
  service: QueryService,
  action: string,
  output: object | undefined,
): object | undefined {
  return service.actionsWithoutOutput.has(action) ? undefined : (output ?? {});
}
