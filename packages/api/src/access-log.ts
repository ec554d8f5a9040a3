/** One structured JSON log line per request. */
import type { MiddlewareHandler } from 'hono';

/** A log sink: receives one structured record per call (stdout in production). */
export type LogSink = (record: Readonly<Record<string, unknown>>) => void;

/** Writes records as JSON lines to stdout: what CloudWatch and local terminals both read. */
export const stdoutLog: LogSink = (record) => {
  process.stdout.write(`${JSON.stringify(record)}\n`);
};

/**
 * Logs method, path, status, duration and request id. Only the path: query strings can carry
 * presigned credentials, and bodies can carry secrets, so neither is ever logged.
 */
export function accessLog(
  log: LogSink,
  now: () => number = performance.now.bind(performance),
): MiddlewareHandler {
  return async function accessLog(c, next) {
    const started = now();
    await next();
    log({
      level: 'info',
      msg: 'request',
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((now() - started) * 1000) / 1000,
      requestId: c.get('requestId'),
    });
  };
}
