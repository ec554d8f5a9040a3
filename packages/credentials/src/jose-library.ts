/**
 * The jose functions the session tokens use, in one module that access-tokens.ts and
 * signing-keys.ts import on first use rather than at load: a SigV4-only process (the authorize
 * function serving signed requests) never evaluates jose, and a bundle keeps only these exports.
 */
export {
  calculateJwkThumbprint,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
} from 'jose';
