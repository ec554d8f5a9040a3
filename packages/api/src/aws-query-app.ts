/**
 * The AWS Query API at `/` (form POST, or GET with parameters in the URL): IAM (`Version=2010-05-08`)
 * and STS (`Version=2011-06-15`) actions, so the unchanged AWS CLI and SDKs work against Palisade.
 * Parse once, authenticate with the scope service the version names, run the operation, render XML.
 */
import { queryRequestParameters } from '@palisade/audit';
import { type OperationTable, type RequestOrigin, runConfirmed } from '@palisade/principals';
import { Hono } from 'hono';
import { parseQueryRequest, queryParameterText } from './aws-query/parse-query-request.ts';
import {
  iamQueryService,
  type QueryService,
  queryOutputOf,
  queryResponseContentType,
  stsQueryService,
} from './aws-query/query-services.ts';
import { renderQueryResponse } from './aws-query/render-query-response.ts';
import { runAsChange } from './change-origin.ts';
import { failureResponse } from './error-responses.ts';
import { type Authenticate, type AuthenticateOverlapped, readSignedRequest } from './signed-request.ts';

/** An action that carries its own proof of identity (a web identity token) instead of a signature. */
export type UnsignedOperation = (input: unknown, origin: RequestOrigin) => ReturnType<OperationTable[string]>;

/** What the Query app serves. */
export interface QueryAppDependencies {
  readonly iam: OperationTable;
  readonly sts: OperationTable;
  /** STS actions that are not signed (AssumeRoleWithWebIdentity, AssumeRoleWithSAML). */
  readonly unsignedSts?: Readonly<Record<string, UnsignedOperation>>;
  readonly authenticate: Authenticate;
  /**
   * When given, signed operations run through `runConfirmed`: a remembered credential's
   * revalidation overlaps the operation's reads, and its writes and answer wait for it.
   */
  readonly authenticateOverlapped?: AuthenticateOverlapped;
}

interface ServiceBinding {
  readonly wire: QueryService;
  readonly scope: 'iam' | 'sts';
  readonly operations: OperationTable;
}

/** Builds the Query API app. */
export function createQueryApp(deps: QueryAppDependencies): Hono {
  const services: readonly ServiceBinding[] = [
    { wire: iamQueryService, scope: 'iam', operations: deps.iam },
    { wire: stsQueryService, scope: 'sts', operations: deps.sts },
  ];
  const parseOptions = { versions: services.map((s) => s.wire.version) };
  const app = new Hono();

  app.on(['GET', 'POST'], '/', async (c) => {
    const read = await readSignedRequest(c);
    if (!read.ok) return failureResponse(c, read, 'aws-query');
    const { received, bodyText, origin } = read.value;
    const parsed = parseQueryRequest(queryParameterText(received.url, bodyText), parseOptions);
    if (!parsed.ok) return failureResponse(c, parsed, 'aws-query');
    const { action, version, input } = parsed.value;
    // INVARIANT: parseQueryRequest accepted the version, so exactly one service matches it.
    const service = services.find((s) => s.wire.version === version) as ServiceBinding;
    const namespace = service.wire.namespace;

    const audit = { requestParameters: () => queryRequestParameters(input) };
    const unsigned = service.scope === 'sts' ? deps.unsignedSts?.[action] : undefined;
    let result: Awaited<ReturnType<OperationTable[string]>>;
    if (unsigned) {
      result = await runAsChange(c, 'sts-query', action, undefined, () => unsigned(input, origin), audit);
    } else {
      const operation = service.operations[action];
      if (!operation) {
        return failureResponse(
          c,
          {
            code: 'request.unknown-action',
            message: `Could not find operation ${action} for version ${version}`,
          },
          'aws-query',
          namespace,
        );
      }
      const authenticate = deps.authenticateOverlapped ?? deps.authenticate;
      const via = service.scope === 'iam' ? 'iam-query' : 'sts-query';
      result = await runConfirmed(
        () => authenticate(received, service.scope, origin),
        (caller) => runAsChange(c, via, action, caller, () => operation(caller, input), audit),
      );
    }
    if (!result.ok) return failureResponse(c, result, 'aws-query', namespace);
    const output = queryOutputOf(service.wire, action, result.value);
    const xml = renderQueryResponse(action, output, { requestId: c.get('requestId'), namespace });
    return c.body(xml, 200, { 'content-type': queryResponseContentType });
  });
  return app;
}
