/**
 * @palisade/credentials: who you are. Access keys, secrets at rest, SigV4 verification, session
 * tokens, passwords, TOTP and JWT sessions. No storage: callers pass ports and stored values in.
 */
export * from './access-keys.ts';
export * from './access-tokens.ts';
export * from './constant-time.ts';
export * from './discovery-documents.ts';
export * from './password-policy.ts';
export * from './passwords.ts';
export * from './refresh-tokens.ts';
export * from './secret-box.ts';
export * from './session-tokens.ts';
export * from './signing-keys.ts';
export type { ReceivedRequest } from './sigv4-request.ts';
export * from './sigv4-verify.ts';
export * from './totp.ts';
