/**
 * Sign-in over HTTP (JSON): `POST /v1/sign-in`, `POST /v1/sign-in/refresh`, `POST /v1/sign-out`,
 * `POST /v1/sign-in/credentials` (temporary keys for the CLI, when the deployment offers them),
 * and the unauthenticated discovery documents `GET /.well-known/jwks.json` and
 * `GET /.well-known/openid-configuration`. Token responses are never cached.
 */
import type { Failure, Result } from '@palisade/failures';
import { fail } from '@palisade/failures';
import { validationFailure } from '@palisade/iam';
import { bearerTokenOf, type Caller } from '@palisade/principals';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { AuthenticateBearer } from './authorization-schemes.ts';
import { type CallAudit, runAsChange } from './change-origin.ts';
import { failureResponse } from './error-responses.ts';
import { parseJsonBody } from './json-body.ts';
import { readSignedRequest } from './signed-request.ts';

/** What a sign-in or refresh answers. */
export interface SignInTokens {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly passwordResetRequired: boolean;
}

/** Temporary credentials for a signed-in session. */
export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: string;
}

/** What the sign-in app calls (implemented by the sign-in service and bearer authentication). */
export interface SignInAppDependencies {
  signIn(
    request: { account: string; userName?: string; password: string; mfaCode?: string },
    origin: { sourceIp?: string },
  ): Promise<Result<SignInTokens>>;
  refresh(refreshToken: string): Promise<Result<SignInTokens>>;
  signOut(accessToken: string): Promise<Result<void>>;
  jwks(): Promise<object>;
  openIdConfiguration(): object;
  readonly authenticateBearer: AuthenticateBearer;
  /** Absent: the deployment does not mint CLI credentials from sessions (the route answers 404). */
  issueCredentials?(accessToken: string, caller: Caller): Promise<Result<SessionCredentials>>;
}

const signInBody = z.strictObject({
  account: z.string().min(1).max(128),
  userName: z.string().min(1).max(128).optional(),
  password: z.string().min(1).max(1024),
  mfaCode: z
    .string()
    .regex(/^\d{6}$/, 'mfaCode must be 6 digits')
    .optional(),
});
const refreshBody = z.strictObject({ refreshToken: z.string().min(1).max(512) });

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

async function jsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<{ ok: true; value: z.output<S>; sourceIp?: string } | Failure> {
  const read = await readSignedRequest(c, 16 * 1024);
  if (!read.ok) return read;
  const parsed = parseJsonBody(read.value.bodyText);
  if (!parsed.ok) return parsed;
  const checked = schema.safeParse(parsed.value);
  if (!checked.success) return validationFailure(checked.error);
  return {
    ok: true,
    value: checked.data,
    ...(read.value.origin.sourceIp ? { sourceIp: read.value.origin.sourceIp } : {}),
  };
}

function bearerOf(c: Context): Result<string> {
  const token = bearerTokenOf(c.req.header('authorization'));
  return token
    ? { ok: true, value: token }
    : fail('credentials.missing', 'Send the access token as Authorization: Bearer <token>.');
}

/** A sign-in's audit event: CloudTrail's ConsoleLogin (it commits only when the sign-in succeeds). */
function consoleLogin(mfaUsed: boolean): CallAudit {
  return {
    eventName: 'ConsoleLogin',
    eventType: 'AwsConsoleSignIn',
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: { MFAUsed: mfaUsed ? 'Yes' : 'No' },
    // AWS's words for every failed sign-in, whichever part was wrong.
    refused: { responseElements: { ConsoleLogin: 'Failure' }, errorMessage: 'Failed authentication' },
  };
}

/** Builds the sign-in app. */
export function createSignInApp(deps: SignInAppDependencies): Hono {
  const app = new Hono();

  app.post('/v1/sign-in', async (c) => {
    const body = await jsonBody(c, signInBody);
    if (!body.ok) return failureResponse(c, body, 'rest');
    const { account, userName, password, mfaCode } = body.value;
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
          body.sourceIp ? { sourceIp: body.sourceIp } : {},
        ),
      consoleLogin(mfaCode !== undefined),
    );
    if (!signedIn.ok) return failureResponse(c, signedIn, 'rest');
    return c.json(signedIn.value, 200, NO_STORE);
  });

  app.post('/v1/sign-in/refresh', async (c) => {
    const body = await jsonBody(c, refreshBody);
    if (!body.ok) return failureResponse(c, body, 'rest');
    const refreshed = await runAsChange(c, 'sign-in', 'RefreshSession', undefined, () =>
      deps.refresh(body.value.refreshToken),
    );
    if (!refreshed.ok) return failureResponse(c, refreshed, 'rest');
    return c.json(refreshed.value, 200, NO_STORE);
  });

  app.post('/v1/sign-out', async (c) => {
    const token = bearerOf(c);
    if (!token.ok) return failureResponse(c, token, 'rest');
    const signedOut = await runAsChange(c, 'sign-in', 'SignOut', undefined, () => deps.signOut(token.value));
    if (!signedOut.ok) return failureResponse(c, signedOut, 'rest');
    return c.body(null, 204);
  });

  app.post('/v1/sign-in/credentials', async (c) => {
    if (!deps.issueCredentials) {
      return c.json(
        { error: { code: 'request.not-found', message: 'No such route.', requestId: c.get('requestId') } },
        404,
      );
    }
    const token = bearerOf(c);
    if (!token.ok) return failureResponse(c, token, 'rest');
    const read = await readSignedRequest(c, 16 * 1024);
    const authenticated = await deps.authenticateBearer(token.value, read.ok ? read.value.origin : {});
    if (!authenticated.ok) return failureResponse(c, authenticated, 'rest');
    const { caller } = authenticated.value;
    const issue = deps.issueCredentials;
    const issued = await runAsChange(c, 'sign-in', 'GetSessionToken', caller, () =>
      issue(token.value, caller),
    );
    if (!issued.ok) return failureResponse(c, issued, 'rest');
    return c.json(issued.value, 200, NO_STORE);
  });

  app.get('/.well-known/jwks.json', async (c) =>
    c.json(await deps.jwks(), 200, { 'cache-control': 'public, max-age=300' }),
  );
  app.get('/.well-known/openid-configuration', (c) =>
    c.json(deps.openIdConfiguration(), 200, { 'cache-control': 'public, max-age=3600' }),
  );
  return app;
}
