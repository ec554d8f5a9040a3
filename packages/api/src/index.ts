/** Hono apps: HTTP concerns only (parse, authenticate, map errors, render). */
export * from './access-log.ts';
export * from './authorization-schemes.ts';
export * from './aws-json-app.ts';
export * from './aws-query/index.ts';
export * from './aws-query-app.ts';
export * from './change-origin.ts';
export * from './client-address.ts';
export * from './decisions-app.ts';
export * from './error-responses.ts';
export * from './error-table.ts';
export * from './platform-app.ts';
export * from './refusal-audit.ts';
export * from './request-id.ts';
export * from './rest/index.ts';
export * from './scim/scim-app.ts';
export * from './scim/scim-throttle.ts';
export * from './signed-request.ts';
