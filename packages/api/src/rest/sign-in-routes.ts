/**
 * Sign-in over REST, declared as route specs: `POST /v1/sign-in`, `POST /v1/sign-in/refresh`,
 * `POST /v1/sign-out`, `POST /v1/sign-in/credentials` (temporary keys for the CLI, when the
 * deployment offers them) and the unauthenticated discovery documents `GET /.well-known/jwks.json`
 * and `GET /.well-known/openid-configuration`. Token responses are never cached.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import { fail, type Result } from '@palisade/failures';
import type { Caller } from '@palisade/principals';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AuthenticateBearer } from '../authorization-schemes.ts';
import { type CallAudit, runAsChange } from '../change-origin.ts';
import { failureResponse } from '../error-responses.ts';
import { errorResponses, jsonSchemaOf } from './openapi-document.ts';
import { routeHeading } from './route-docs.ts';
import { once, type RestEnv, type RouteSpec } from './route-spec.ts';

/** A sign-in's audit event: CloudTrail's ConsoleLogin (Success commits with the sign-in; Failure is filed after the answer). */
export function consoleLogin(mfaUsed: boolean): CallAudit {
  return {
    eventName: 'ConsoleLogin',
    eventType: 'AwsConsoleSignIn',
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: { MFAUsed: mfaUsed ? 'Yes' : 'No' },
    // AWS's words for every failed sign-in, whichever part was wrong.
    refused: { responseElements: { ConsoleLogin: 'Failure' }, errorMessage: 'Failed authentication' },
  };
}

/** What a sign-in (or an owner's setup) answers. */
export const signInTokensSchema = z.object({
  accessToken: z.string().describe('An access JWT: send it as `Authorization: Bearer <token>`'),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('Seconds until the access token expires'),
  refreshToken: z.string().describe('Single use: a refresh answers a new one'),
  passwordResetRequired: z.boolean().describe('The session may do nothing but change its password'),
});

const sessionCredentialsSchema = z.object({
  accessKeyId: z.string(),
  secretAccessKey: z.string(),
  sessionToken: z.string().describe('Send as `X-Amz-Security-Token` with requests signed by this key'),
  expiration: z.iso.datetime().describe('The session ends no later than its sign-in session'),
});

/** What a sign-in or refresh answers. */
export type SignInTokens = z.output<typeof signInTokensSchema>;

/** Temporary credentials for a signed-in session. */
export type SessionCredentials = z.output<typeof sessionCredentialsSchema>;

/** What the sign-in routes call (implemented by the sign-in service and bearer authentication). */
export interface SignInDependencies {
  signIn(
    request: { account: string; userName?: string; password: string; mfaCode?: string },
    origin: { sourceIp?: string },
  ): Promise<Result<SignInTokens>>;
  refresh(refreshToken: string): Promise<Result<SignInTokens>>;
  signOut(accessToken: string): Promise<Result<void>>;
  jwks(): Promise<object>;
  openIdConfiguration(): object;
  readonly authenticateBearer: AuthenticateBearer;
  /** Absent: the deployment does not mint CLI credentials from sessions (the route is not served). */
  issueCredentials?(accessToken: string, caller: Caller): Promise<Result<SessionCredentials>>;
}

const signInBody = z.strictObject({
  account: z.string().min(1).max(128).describe('The account alias or 12-digit id'),
  userName: z.string().min(1).max(128).optional().describe("Absent: the account's root user"),
  password: z.string().min(1).max(1024),
  mfaCode: z
    .string()
    .regex(/^\d{6}$/, 'mfaCode must be 6 digits')
    .optional()
    .describe('The current TOTP code, when the user has an MFA device'),
});
const refreshBody = z.strictObject({ refreshToken: z.string().min(1).max(512) });

/** Sign-in bodies are small: a password and a few names. */
const SIGN_IN_BODY_LIMIT = 16 * 1024;
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const TAG = 'Sign-in';

/** One sign-in route's document: who may call it, its body and its answer. */
function signInRoute(
  method: 'get' | 'post',
  path: string,
  summary: string,
  description: string,
  shape: {
    readonly security: 'none' | 'bearer';
    readonly body?: z.ZodType;
    readonly answer?: z.ZodType;
    readonly errors: readonly number[];
  },
): () => RouteConfig {
  return once(() => ({
    ...routeHeading({ method, path, summary, description, tag: TAG }, undefined),
    security: shape.security === 'none' ? [] : [{ bearer: [] }],
    ...(shape.body
      ? { request: { body: { required: true, content: { 'application/json': { schema: shape.body } } } } }
      : {}),
    responses: {
      ...(shape.answer
        ? {
            200: {
              description: 'OK.',
              content: { 'application/json': { schema: jsonSchemaOf(shape.answer, 'input') } },
            },
          }
        : { 204: { description: 'Done; no content.' } }),
      ...errorResponses(shape.errors),
    },
  }));
}

/** The token a bearer route's middleware took (it refuses a request without one). */
function tokenOf(c: Context<RestEnv>): string {
  return c.get('bearerToken') ?? '';
}

/** The sign-in routes as specs; the credentials route only where the deployment mints CLI keys. */
export function signInRoutes(deps: SignInDependencies): RouteSpec[] {
  const issue = deps.issueCredentials;
  const signIn = {
    method: 'post',
    path: '/v1/sign-in',
    unsigned: true,
    bodyLimit: SIGN_IN_BODY_LIMIT,
    route: signInRoute(
      'post',
      '/v1/sign-in',
      'Sign in with a password (and an MFA code)',
      'Answers an access token and a refresh token. Failed attempts are throttled per user and per source address (`credentials.throttled`, 429).',
      { security: 'none', body: signInBody, answer: signInTokensSchema, errors: [400, 401, 403, 429] },
    ),
    async handle(c, { body: { account, userName, password, mfaCode } }) {
      const { sourceIp } = c.get('origin');
      const signedIn = await runAsChange(
        c,
        'sign-in',
        'SignIn',
        undefined,
        () =>
          deps.signIn(
            {
              account,
              password,
              ...(userName !== undefined ? { userName } : {}),
              ...(mfaCode !== undefined ? { mfaCode } : {}),
            },
            sourceIp ? { sourceIp } : {},
          ),
        consoleLogin(mfaCode !== undefined),
      );
      if (!signedIn.ok) return failureResponse(c, signedIn, 'rest');
      return c.json(signedIn.value, 200, NO_STORE);
    },
  } satisfies RouteSpec<z.output<typeof signInBody>>;
  const refresh = {
    method: 'post',
    path: '/v1/sign-in/refresh',
    unsigned: true,
    bodyLimit: SIGN_IN_BODY_LIMIT,
    route: signInRoute(
      'post',
      '/v1/sign-in/refresh',
      'Refresh a sign-in session',
      'Trades a refresh token for new tokens. A refresh token used twice ends its whole session.',
      { security: 'none', body: refreshBody, answer: signInTokensSchema, errors: [400, 401] },
    ),
    async handle(c, { body: { refreshToken } }) {
      const refreshed = await runAsChange(c, 'sign-in', 'RefreshSession', undefined, () =>
        deps.refresh(refreshToken),
      );
      if (!refreshed.ok) return failureResponse(c, refreshed, 'rest');
      return c.json(refreshed.value, 200, NO_STORE);
    },
  } satisfies RouteSpec<z.output<typeof refreshBody>>;
  const routes: RouteSpec[] = [
    signIn,
    refresh,
    {
      method: 'post',
      path: '/v1/sign-out',
      bearer: { verifiedByService: true },
      route: signInRoute(
        'post',
        '/v1/sign-out',
        'Sign out',
        'Ends the sign-in session the access token names, and every credential minted from it. The body is not read.',
        { security: 'bearer', errors: [401] },
      ),
      async handle(c) {
        const signedOut = await runAsChange(c, 'sign-in', 'SignOut', undefined, () =>
          deps.signOut(tokenOf(c)),
        );
        if (!signedOut.ok) return failureResponse(c, signedOut, 'rest');
        return c.body(null, 204);
      },
    },
    ...(issue
      ? [
          {
            method: 'post',
            path: '/v1/sign-in/credentials',
            bearer: { authenticate: deps.authenticateBearer },
            bodyLimit: SIGN_IN_BODY_LIMIT,
            refusesBody: true,
            route: signInRoute(
              'post',
              '/v1/sign-in/credentials',
              'Temporary credentials for a sign-in session (for the CLI)',
              "Mints a SigV4 key for the session's principal (GetSessionToken), ending with the sign-in session; MFA at sign-in is handed on.",
              { security: 'bearer', answer: sessionCredentialsSchema, errors: [400, 401, 403] },
            ),
            async handle(c, { caller }) {
              const token = tokenOf(c);
              // INVARIANT: the middleware authenticated the token; without a caller nothing is minted.
              if (!caller) return failureResponse(c, fail('credentials.missing', 'No session.'), 'rest');
              const issued = await runAsChange(c, 'sign-in', 'GetSessionToken', caller, () =>
                issue(token, caller),
              );
              if (!issued.ok) return failureResponse(c, issued, 'rest');
              return c.json(issued.value, 200, NO_STORE);
            },
          } satisfies RouteSpec,
        ]
      : []),
    {
      method: 'get',
      path: '/.well-known/jwks.json',
      unsigned: true,
      route: signInRoute(
        'get',
        '/.well-known/jwks.json',
        'The keys access tokens are signed with (JWKS)',
        'Public keys by `kid`, including the previous key while tokens it signed may still be live.',
        { security: 'none', answer: z.looseObject({ keys: z.array(z.looseObject({})) }), errors: [] },
      ),
      async handle(c) {
        return c.json(await deps.jwks(), 200, { 'cache-control': 'public, max-age=300' });
      },
    },
    {
      method: 'get',
      path: '/.well-known/openid-configuration',
      unsigned: true,
      route: signInRoute(
        'get',
        '/.well-known/openid-configuration',
        'OpenID Connect discovery',
        'The issuer, the JWKS location and the token endpoint of the access tokens.',
        { security: 'none', answer: z.looseObject({ issuer: z.string(), jwks_uri: z.string() }), errors: [] },
      ),
      handle: async (c) =>
        c.json(deps.openIdConfiguration(), 200, { 'cache-control': 'public, max-age=3600' }),
    },
  ];
  return routes;
}
