/**
 * Principals: who is calling and what is known of them. The caller and its constructors, the
 * principal's facts and effective policies, the authentication of signed and bearer requests, the
 * ARNs Palisade issues, the one builder of every authorization request's context keys, and the
 * kernel every service's operations are made of (operation, input parsers, paging markers, the
 * one translation of a zod error into a failure).
 */
export * from './access-denied-messages.ts';
export * from './access-recording.ts';
export * from './action-context.ts';
export * from './arns.ts';
export * from './authentication.ts';
export * from './bearer-authentication.ts';
export * from './caller.ts';
export * from './callers.ts';
export * from './change-origins.ts';
export * from './confirmed-operations.ts';
export * from './context-keys.ts';
export * from './credential-cache.ts';
export * from './effective-policies.ts';
export * from './operation.ts';
export * from './operation-inputs.ts';
export * from './paging-markers.ts';
export * from './platform-policies.ts';
export * from './sign-in-standing.ts';
export * from './validation-failure.ts';
