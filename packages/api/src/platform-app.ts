/**
 * The platform's Hono app: plumbing shared by every interface (request ids, access log, health,
 * the one error mapper). Interfaces (REST, AWS Query) mount onto it.
 */
import { isPlatformUnavailableError } from '@palisade/failures';
import { Hono, type MiddlewareHandler } from 'hono';
import { accessLog, type LogSink } from './access-log.ts';
import type { SealAuthorizationMessage } from './authorization-messages.ts';
import { clientAddress, type TrustedProxy } from './client-address.ts';
import {
  internalErrorResponse,
  isAwsJsonRequest,
  type Protocol,
  unavailableErrorResponse,
} from './error-responses.ts';
import type { RecordRefusal } from './refusal-audit.ts';
import { requestId } from './request-id.ts';

/** Result of probing the table. */
export type HealthProbe = () => Promise<{ ok: true } | { ok: false; reason: string }>;

/** What the platform app needs from the outside world. */
export interface PlatformDependencies {
  readonly checkHealth: HealthProbe;
  readonly log: LogSink;
  /** The header the deployment's own proxies set with the client address (absent: the peer's). */
  readonly trustedProxy?: TrustedProxy;
  /** Files a refused call's audit event (absent: refusals are not recorded). */
  readonly recordRefusal?: RecordRefusal;
  /** Seals AccessDenied answers' encoded authorization messages (absent: none is appended). */
  readonly sealAuthorizationMessage?: SealAuthorizationMessage;
}

/**
 * Which wire a request's errors go out in: a SCIM error body under `/scim/v2`, AWS JSON 1.1 for a
 * CloudTrail call (its content type and target header), AWS Query XML for any other POST (or
 * `?Action=`) to `/`, else REST JSON.
 */
export function protocolOf(request: Request): Protocol {
  const url = new URL(request.url);
  if (url.pathname === '/scim/v2' || url.pathname.startsWith('/scim/v2/')) return 'scim';
  if (url.pathname !== '/') return 'rest';
  if (isAwsJsonRequest(request)) return 'aws-json';
  return request.method === 'POST' || url.searchParams.has('Action') ? 'aws-query' : 'rest';
}

/** Builds the platform app from its dependencies. */
export function createPlatformApp(deps: PlatformDependencies): Hono {
  const app = new Hono();
  app.use(requestId());
  app.use(clientAddress(deps.trustedProxy));
  app.use(accessLog(deps.log));
  const services = platformServices(deps);
  if (services) app.use(services);

  app.get('/healthz', async (c) => {
    const health = await deps.checkHealth();
    if (health.ok) return c.json({ status: 'ok' });
    return c.json({ status: 'unavailable', reason: health.reason }, 503);
  });

  app.notFound((c) =>
    c.json(
      { error: { code: 'request.not-found', message: 'No such route.', requestId: c.get('requestId') } },
      404,
    ),
  );

  // The only catch-all: an unexpected error is logged with its stack and answered without details.
  app.onError((error, c) => {
    const unavailable = isPlatformUnavailableError(error);
    deps.log({
      level: 'error',
      msg: unavailable ? 'dependency unavailable' : 'unhandled error',
      requestId: c.get('requestId'),
      error:
        error instanceof Error
          ? { name: error.name, message: error.message, stack: error.stack }
          : String(error),
    });
    const response = unavailable
      ? unavailableErrorResponse(c, protocolOf(c.req.raw))
      : internalErrorResponse(c, protocolOf(c.req.raw));
    response.headers.set('x-request-id', c.get('requestId'));
    response.headers.set('x-amzn-RequestId', c.get('requestId'));
    return response;
  });
  return app;
}

/**
 * Hands the deployment's optional per-request services to every request in one step: the refusal
 * audit (read by the interfaces' runAsChange) and the sealer of AccessDenied messages (read by the
 * error responses). Absent both, no middleware at all.
 */
function platformServices(deps: PlatformDependencies): MiddlewareHandler | undefined {
  const { recordRefusal, sealAuthorizationMessage } = deps;
  if (!recordRefusal && !sealAuthorizationMessage) return undefined;
  return function platformServices(c, next) {
    if (recordRefusal) c.set('recordRefusal', recordRefusal);
    if (sealAuthorizationMessage) c.set('sealAuthorizationMessage', sealAuthorizationMessage);
    return next();
  };
}
