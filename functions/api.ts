/** Lambda entry point for the platform's HTTP API (REST, AWS Query, health). */
import { handle } from 'hono/aws-lambda';
import { readConfig } from './wiring/config.ts';
import { createPlatform } from './wiring/platform.ts';

/** The API Gateway (HTTP API) handler. */
export const handler = handle(createPlatform(readConfig()).app);
