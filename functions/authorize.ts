/** Lambda entry point for the decision routes (`/v1/authorize`, `/v1/authorize/batch`). */
import { handle } from 'hono/aws-lambda';
import { createAuthorizeFunction } from './wiring/authorize-function.ts';
import { readConfig } from './wiring/config.ts';

/** The API Gateway (HTTP API) handler. */
export const handler = handle(createAuthorizeFunction(readConfig()));
