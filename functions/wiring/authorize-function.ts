/**
 * The authorize function: only `/v1/authorize` and `/v1/authorize/batch`, the calls SaaS backends
 * make on every request. It builds and mounts the decision questions exactly as the full API does
 * (decision-wiring.ts) but none of its other interfaces, so its bundle and cold start stay small
 * (see `npm run bench:authorize`).
 */
import { type LogSink, stdoutLog } from '@palisade/api';
import { createDecisionQuestions } from '@palisade/decisions';
import { createSigningKeyCache, defaultSignInSettings } from '@palisade/sts/sign-in';
import type { Hono } from 'hono';
import { issuerOf, type PlatformConfig } from './config.ts';
import { decisionOptions, decisionQuestionRoutes, lastAccessRecorder } from './decision-wiring.ts';
import { createRuntime, platformShell } from './runtime.ts';

/** Builds the authorize function's app from its configuration. */
export function createAuthorizeFunction(
  config: PlatformConfig,
  log: LogSink = stdoutLog,
  now: () => Date = () => new Date(),
): Hono {
  const runtime = createRuntime(config, log, now);
  // Access tokens are verified against the sign-in service's keys; nothing else of sign-in is
  // needed (no signing or rotation: the keyring's cache alone).
  const { verify } = createSigningKeyCache({
    ...defaultSignInSettings,
    store: runtime.store,
    issuer: issuerOf(config),
  });
  const questions = createDecisionQuestions(decisionOptions(runtime, verify, lastAccessRecorder(runtime)));

  const app = platformShell(runtime);
  app.route('/', decisionQuestionRoutes(runtime, verify, questions));
  return app;
}
