/** Request ids: one per request, on every response, for both REST and AWS clients. */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

declare module 'hono' {
  interface ContextVariableMap {
    requestId: string;
  }
}

/** Assigns a fresh request id (never the caller's) and echoes it in `x-request-id` and `x-amzn-RequestId`. */
export function requestId(): MiddlewareHandler {
  return async function requestId(c, next) {
    const id = randomUUID();
    c.set('requestId', id);
    await next();
    c.res.headers.set('x-request-id', id);
    c.res.headers.set('x-amzn-RequestId', id);
  };
}
