/** The AWS Query protocol codec: form-encoded requests in, AWS XML responses out, for IAM and STS. */
export * from './parse-query-request.ts';
export * from './query-members.ts';
export * from './query-services.ts';
export * from './render-query-response.ts';
